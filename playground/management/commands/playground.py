"""`python manage.py playground`: the whole playground in one process.

Runs the migrations, collects the static files (WhiteNoise serves them, gzipped), creates the demo
cluster on an empty database, then serves the ASGI app (daphne) with the controller manager beside
it, until Ctrl-C (or SIGTERM), and stops within a second. In the scale-out mode a web process
runs with `--no-controllers`: it serves the pages and the API while `runcontrollers` workers
run the clusters (their writes reach its pages through Redis). Bound beyond loopback
(`--host 0.0.0.0`) it says so, and every request must sign in (playground/web/signin.py). A
Dockerfile build still running at SIGTERM (its worker thread would hold the process open) stops at
its next budget check, so the server exits within moments, not at the end of the build.
"""
from __future__ import annotations

import asyncio
import gc
import ipaddress
import sys
from typing import Any, Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from playground.apiserver import certificates
from playground.components import COMPONENTS
from playground.runtime.heap import pace_garbage_collection
from playground.runtime.manager import Manager
from playground.shell.budget import STOPPING
from playground.sim.kind import create_kind_cluster
from playground.store import api as store
from playground.store import clusters
from playground.store.errors import AlreadyExists

# Seconds a thread may hold the interpreter while another waits for it (CPython's default: 0.005)
SWITCH_INTERVAL = 0.001


class Command(BaseCommand):
    help = "Run the Kubernetes Playground: migrations, the demo cluster, the web server and the controllers."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="the pages (HTTP)")
        parser.add_argument("--api-port", type=int, default=settings.PLAYGROUND_API_PORT,
                            help="the Kubernetes API (HTTPS, as kube-apiserver's 6443): `manage.py kubeconfig` points kubectl here")
        parser.add_argument("--no-controllers", action="store_true",
                            help="serve only; `python manage.py runcontrollers` workers run the clusters (scale-out)")

    def handle(self, *args: Any, host: str, port: int, api_port: int, no_controllers: bool, **options: Any) -> None:
        settings.PLAYGROUND_API_PORT = api_port  # the pages' "Download kubeconfig" points here
        call_command("migrate", interactive=False, verbosity=0)
        # the static files, each with a gzipped twin, where WhiteNoise serves them from (web/static_files.py)
        call_command("collectstatic", interactive=False, verbosity=0)
        if beyond_loopback(host):
            # Every request, even one from loopback: a reverse proxy on this machine forwards
            # the whole network's requests from 127.0.0.1
            settings.PLAYGROUND_SIGN_IN = "required"
            self.stderr.write(open_to_network_warning(host, accounts=get_user_model().objects.count()))
        if not clusters.names():
            try:
                create_kind_cluster("default")
            except AlreadyExists:
                pass  # another web process of the scale-out mode, started at the same moment, made it
        nodes = len(store.list("default", "Node")) if "default" in clusters.names() else 0
        manager = None if no_controllers else Manager(COMPONENTS)
        if manager is not None:
            manager.start()

        def ready() -> None:
            self.stdout.write(f"Kubernetes Playground: http://{host}:{port}/  (cluster default: {nodes} nodes"
                              f"{'; controllers in the runcontrollers workers' if manager is None else ''}; Ctrl-C stops)"
                              f"; the Kubernetes API: https://{host}:{api_port}/clusters/default (manage.py kubeconfig)")
            self.stdout.flush()

        try:
            serve(host, port, api_port=api_port, ready=ready)
        finally:
            if manager is not None:
                manager.stop()
            self.stdout.write("Stopped.")
            # Everything is written and committed by now. What is left is the interpreter's last
            # garbage collection over every object the caches hold (seconds for a cluster that ran
            # for a while); frozen, the objects are simply freed with the process.
            gc.freeze()


def beyond_loopback(host: str) -> bool:
    """Whether a --host lets other machines in: anything but a loopback address or localhost
    (0.0.0.0 and :: are every address; a name may resolve to any)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True


def open_to_network_warning(host: str, *, accounts: int) -> str:
    lines = [
        f"WARNING: --host {host} opens the playground to the network: whoever reaches the port could",
        "read every cluster's Secrets and change everything, so every request must sign in.",
        "Add this machine's address or name to ALLOWED_HOSTS (comma-separated) for the room to reach it.",
    ]
    if not accounts:
        lines.append("No account exists yet: `python manage.py createadmin` makes one and prints its password once.")
    return "\n".join(lines)


def serve(host: str, port: int, *, api_port: int, ready: Callable[[], None]) -> None:
    """Serve the ASGI app with daphne (static files by WhiteNoise's middleware) until SIGINT or SIGTERM: over
    HTTP on `port`, and over HTTPS on `api_port` for kubectl, which sends its token only over
    TLS; `ready` is called once the ports are listening."""
    from daphne import http_protocol
    from daphne.endpoints import build_endpoint_description_strings

    from playground.asgi import application
    from playground.web.daphne_request import BoundedServer, BoundedWebRequest

    from twisted.internet import reactor  # after daphne.server (daphne_request's), which installs the asyncio reactor

    pace_garbage_collection()  # a serving process keeps every cluster's objects decoded: see heap.py
    # The event loop serving every page and watch gives up the GIL at each wait for the network
    # and each trip to a worker thread, and while the controllers' thread reconciles, it got it back
    # only when that thread's 5 ms turn ended: a commit's events waited several turns before the
    # first watch wrote them. A 1 ms turn lets the loop in sooner.
    sys.setswitchinterval(SWITCH_INTERVAL)

    # daphne takes no request class: its protocol factory looks this name up in its module
    http_protocol.WebRequest = BoundedWebRequest  # type: ignore[misc]
    # On SIGTERM daphne waits for every request to finish before the reactor stops, and a build
    # in a worker thread would hold it for its whole budget: told now, it ends at its next check.
    reactor.addSystemEventTrigger("before", "shutdown", STOPPING.set)

    BoundedServer(
        application=application,
        endpoints=[*build_endpoint_description_strings(host=host, port=port), api_endpoint(host, api_port)],
        signal_handlers=True,
        verbosity=0,
        ready_callable=ready,
    ).run()
    finish_tasks(asyncio.get_event_loop())  # daphne set its loop as this thread's


def finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what daphne left pending (Django's wait for a client's disconnect, after the request
    was cancelled mid-build) and let it end, as asyncio.run does: left to the interpreter's
    exit, those coroutines are collected after the loop is gone."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))



def api_endpoint(host: str, port: int) -> str:
    """The HTTPS endpoint (twisted's description string) with the data folder's certificate."""
    # Named for every name the room may use: the host, and the names ALLOWED_HOSTS lets in
    names = (host, *(name.strip("[]") for name in settings.ALLOWED_HOSTS if name and "*" not in name
                      and not name.startswith(".")))
    certificate, key = certificates.serving_certificate(settings.PLAYGROUND_TLS_DIR, names)

    def escaped(value: object) -> str:
        return str(value).replace("\\", "\\\\").replace(":", "\\:")

    return f"ssl:{port}:interface={escaped(host)}:privateKey={escaped(key)}:certKey={escaped(certificate)}"
