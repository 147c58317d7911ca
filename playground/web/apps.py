"""The web app: wires the store's commits to the live pages.

store commit (any thread of this process) → changes_committed → tell_pages → the sockets of this
process that show the cluster (consumers.py, through its one sender.Sender: a writer hands its
message over and goes on, and a burst goes as one per cluster, its newest, since a page draws the
cluster as of the newest version it is told of). A cluster no socket of this process shows costs
nothing. The pages of other processes hear the commit from the store itself (store/notify.py,
consumers.heard): a runcontrollers worker, which has no socket, sends nothing. Publishing every
batch through the channel layer (Redis) as well cost each worker a tenth of its CPU.
"""
from __future__ import annotations

import threading
from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections


class WebConfig(AppConfig):
    name = "playground.web"
    label = "web"

    def ready(self) -> None:
        from playground.store.changelog import changes_committed
        from playground.store.clock import clock_changed

        changes_committed.connect(tell_pages, weak=False, dispatch_uid="web.tell_pages")
        clock_changed.connect(tell_pages_of_clock, weak=False, dispatch_uid="web.tell_pages_of_clock")
        request_finished.connect(close_request_thread_connections, dispatch_uid="web.close_request_connections")


def close_request_thread_connections(**_: object) -> None:
    """Close the database connections of an ASGI request's own thread as the request ends.

    Django serves each ASGI request on a thread of its own (asgiref's ThreadSensitiveContext),
    which ends with the request: a persistent connection (CONN_MAX_AGE, set for PostgreSQL) is
    never used again there, and was left open until garbage collection — sessions piling up on
    the server ("N other sessions are using the database" at a test run's end). Django's docs
    advise against persistent connections under ASGI for this reason. Only off the main thread:
    a WSGI test client's request runs on the test's thread, inside its transaction."""
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


def tell_pages(*, cluster: str, resource_version: int, kinds: frozenset[str] | None = None, **_: object) -> None:
    """Every committed batch reaches the open pages of its cluster in this process (the other
    processes hear it from the store: consumers.heard), with the kinds it wrote: a page that
    draws none of them need not look (consumers.py)."""
    from .consumers import note_announced

    note_announced(cluster, resource_version)
    # The cluster's name too: the room view listens to many clusters on one socket
    message = {"type": "cluster.changed", "resource_version": resource_version, "cluster": cluster}
    if kinds is not None:
        message["kinds"] = sorted(kinds)
    send_to_pages(cluster, message)


def tell_pages_of_clock(*, cluster: str, state: Any, **_: object) -> None:
    """A clock set (Pause, a speed, Instant, a jump of time) reaches every open page of its
    cluster, which swaps in its clock: a clock writes nothing to the change log."""
    from .consumers import note_clock_announced

    note_clock_announced(cluster, state.anchor)
    send_to_pages(cluster, {"type": "clock.changed"})


def send_to_pages(cluster: str, message: dict[str, Any]) -> None:
    """To this process's sockets of the cluster, if it has any (consumers.py)."""
    from .consumers import SENDER, listening, sockets_loop

    loop = sockets_loop()
    if loop is not None and listening(cluster):
        SENDER.send(cluster, message, loop=loop)
