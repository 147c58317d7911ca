"""The live page benchmark (issue 5): a 1,000-pod cluster page in a real browser.

Runs the embedded playground as `python manage.py playground` does (daphne serving the ASGI app,
the controller manager beside it, SQLite and the in-memory channel layer) in a child process
with a data folder of its own, on a free port, and drives Debian's Chromium with Playwright:

- the full load of the cluster page with 1,000 pods (navigation start → load event), and the
  server's part of it (the HTML render, timed in the server process);
- store write → the changed tile in the page's DOM: a writer thread of the server process flips
  one pod's readiness through the store and stamps the wall time; a MutationObserver in the page
  stamps performance.timeOrigin + performance.now() when the tile shows it (same machine, same
  clock); writes are spaced apart, so each is a "first change after a quiet moment";
- the same with many pages open on the cluster page of the pods' namespace (real browser pages
  in one Chromium, every one of them measured).

The pods come from a real Deployment converged by the real controllers and kubelets (clock on
instant), then the clock is paused so nothing but the benchmark's writes changes the cluster.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CLUSTER = "default"
NAMESPACE = "default"
SPACING_SECONDS = 0.3  # between measured writes: longer than a frame, so none is folded into another

# In the page: stamp the moment the expected tile shows the expected state
OBSERVER = """
() => {
  window.__hits = {};
  window.__arrived = {};  // when the frame that showed it arrived on the socket
  window.__expect = null;
  window.__last_message = 0;
  document.body.addEventListener("htmx:wsBeforeMessage", () => {
    window.__last_message = performance.timeOrigin + performance.now();
  });
  const look = () => {
    const e = window.__expect;
    if (!e || window.__hits[e.seq] !== undefined) return;
    const tile = document.getElementById(e.id);
    if (tile && tile.classList.contains(e.state)) {
      window.__hits[e.seq] = performance.timeOrigin + performance.now();
      window.__arrived[e.seq] = window.__last_message;
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
}
"""


SMALL = {"pods": 50, "nodes": 2, "writes": 5, "pages": 3}  # `--small`, as CI runs it: every scenario


def add_arguments(parser: Any) -> None:
    parser.add_argument("--pods", type=int, default=1_000, help="the Deployment's replicas")
    parser.add_argument("--nodes", type=int, default=10, help="worker nodes they spread on")
    parser.add_argument("--writes", type=int, default=100, help="measured writes per scenario")
    parser.add_argument("--pages", type=int, default=50, help="open pages in the last scenario (0 skips it)")
    parser.add_argument("--child", action="store_true", help="(internal) run in this process")


def main(write: Callable[[str], Any], *, pods: int, nodes: int, writes: int, pages: int, child: bool) -> None:
    if child:
        run(write, pods=pods, nodes=nodes, writes=writes, pages=pages)
        return
    with tempfile.TemporaryDirectory(prefix="playground-bench-ui-") as data:
        env = {**os.environ, "PLAYGROUND_DATA_DIR": data}
        for name in ("DATABASE_URL", "REDIS_URL", "PLAYGROUND_SQLITE_PATH"):
            env.pop(name, None)  # the embedded mode: SQLite and the in-memory layer
        command = [sys.executable, "manage.py", "bench", "ui", "--child", f"--pods={pods}", f"--nodes={nodes}",
                   f"--writes={writes}", f"--pages={pages}"]
        with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as process:
            for line in process.stdout:
                write(line.rstrip("\n"))
        if process.returncode:
            raise SystemExit(f"the benchmark's process failed ({process.returncode})")


# --- the child: server, world, browser ----------------------------------------------------------


def run(write: Callable[[str], Any], *, pods: int, nodes: int, writes: int, pages: int) -> None:
    from playwright.sync_api import sync_playwright

    from playground.components import COMPONENTS
    from playground.runtime.manager import Manager

    store_thread = ThreadPoolExecutor(1, thread_name_prefix="bench-store")  # Django stays off Playwright's loop
    started = time.perf_counter()
    names = store_thread.submit(build_world, pods, nodes).result()
    write(f"ui benchmark: {len(names):,} pods on {nodes} nodes, built in {time.perf_counter() - started:.1f} s "
          f"(clock paused; embedded mode: SQLite, in-memory channel layer)")
    manager = Manager(COMPONENTS)
    manager.start()
    port = free_port()
    stop = start_server(port)
    url = f"http://127.0.0.1:{port}/clusters/{CLUSTER}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            load = measure_load(page, url, store_thread)
            write(f"  full load, first (server lists the cluster):  {load['first_ms']:7.0f} ms "
                  f"(HTML {load['first_server_ms']:.0f} ms in the server, {load['bytes'] / 1024:.0f} KiB)")
            write(f"  full load, median of 5 reloads:               {load['load_ms']:7.0f} ms   target < 500 ms")
            write(f"    navigation → response end {load['response_ms']:.0f} ms, → DOMContentLoaded "
                  f"{load['dcl_ms']:.0f} ms; server render {load['server_ms']:.0f} ms")
            one = measure_latency([page], names, writes=writes, store_thread=store_thread, first=0)
            write(f"  write → tile in the DOM, 1 page:              p50 {one['p50']:5.0f} ms  p95 {one['p95']:5.0f} ms"
                  f"  max {one['max']:5.0f} ms   target p95 < 100 ms")
            write(f"    … the frame at the page's socket:           p50 {one['arrived_p50']:5.0f} ms  "
                  f"p95 {one['arrived_p95']:5.0f} ms")
            if pages:
                watchers = open_pages(browser, f"{url}?namespace={NAMESPACE}", pages, first=page)
                many = measure_latency(watchers, names, writes=writes, store_thread=store_thread, first=writes)
                write(f"  write → tile in the DOM, {pages} pages (each):     p50 {many['p50']:5.0f} ms  "
                      f"p95 {many['p95']:5.0f} ms  max {many['max']:5.0f} ms   target p95 < 250 ms")
                write(f"    … the frame at each page's socket:          p50 {many['arrived_p50']:5.0f} ms  "
                      f"p95 {many['arrived_p95']:5.0f} ms")
            browser.close()
    finally:
        stop()
        manager.stop()
        store_thread.shutdown()


def build_world(pods: int, nodes: int) -> list[str]:
    """A cluster of `nodes` workers and a Deployment of `pods` replicas, converged by the real
    controllers and kubelets with the clock on instant, then paused; returns the pods' names."""
    from playground.components import COMPONENTS
    from playground.runtime.cluster import ClusterRuntime
    from playground.store import api as store
    from playground.store import clock, clusters
    from playground.store.demo import node

    clusters.create(CLUSTER)
    clock.set_mode(CLUSTER, "instant")
    now = store.timestamp(store.now(CLUSTER))
    with store.batch(CLUSTER) as batch:
        for namespace in ("default", "kube-node-lease"):
            batch.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for n in range(nodes):
            batch.create(node(f"worker-{n:02d}", ip=f"10.0.0.{n + 2}", pod_cidr=f"10.244.{n}.0/24", now=now,
                              cpu="64", memory="256Gi"))
    runtime = ClusterRuntime(CLUSTER, COMPONENTS)
    store.apply(CLUSTER, deployment(pods))
    while not available(pods):
        runtime.settle()
        due = runtime.next_due()
        if due is not None and not available(pods):
            clock.advance_to(CLUSTER, due)
    clock.set_mode(CLUSTER, "paused")
    return sorted(p["metadata"]["name"] for p in store.list(CLUSTER, "Pod", namespace=NAMESPACE))


def deployment(replicas: int) -> dict[str, Any]:
    labels = {"app": "web"}
    container = {"name": "web", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NAMESPACE, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}},
    }


def available(replicas: int) -> bool:
    from playground.store import api as store

    status = store.get(CLUSTER, "Deployment", "web", NAMESPACE).get("status", {})
    return status.get("availableReplicas") == replicas and status.get("replicas") == replicas


def flip_readiness(name: str, *, ready: bool) -> float:
    """What a kubelet writes when a readiness probe fails or passes again; returns the wall
    time (ms since the epoch) when the write began."""
    from playground.store import api as store

    pod = store.get(CLUSTER, "Pod", name, NAMESPACE)
    status = pod["status"]
    for container in status.get("containerStatuses") or []:
        container["ready"] = ready
    for condition in status.get("conditions") or []:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "True" if ready else "False"
    began = time.time() * 1000
    store.update_status(CLUSTER, pod)
    return began


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> Callable[[], None]:
    """daphne with the playground's ASGI app on a thread of this process, as `playground` serves
    it; returns how to stop it."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from twisted.internet import reactor

    from playground.asgi import application

    listening = threading.Event()
    # The static files handler passes every scope but a static file's HTTP request to the app
    server = Server(application=ASGIStaticFilesHandler(application), endpoints=build_endpoint_description_strings(host="127.0.0.1", port=port),
                    signal_handlers=False, verbosity=0, ready_callable=listening.set)
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    listening.wait(timeout=30)
    _wait_for_port(port)

    def stop() -> None:
        reactor.callFromThread(reactor.stop)
        thread.join(timeout=10)

    return stop


def _wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)


# --- the measurements ------------------------------------------------------------------------------


def measure_load(page: Any, url: str, store_thread: ThreadPoolExecutor) -> dict[str, float]:
    """Navigation start → load event of the cluster page, first and over 5 reloads, and the
    server's render of its HTML timed in this process."""
    first = _navigate(page, url)
    loads = [_navigate(page, url) for _ in range(5)]
    server = [store_thread.submit(_render_page, url).result() for _ in range(5)]
    first_server = first["response_ms"] - first["request_ms"]
    return {
        "first_ms": first["load_ms"],
        "first_server_ms": first_server,
        "bytes": first["bytes"],
        "load_ms": statistics.median(x["load_ms"] for x in loads),
        "response_ms": statistics.median(x["response_end_ms"] for x in loads),
        "dcl_ms": statistics.median(x["dcl_ms"] for x in loads),
        "server_ms": statistics.median(server),
    }


def _navigate(page: Any, url: str) -> dict[str, float]:
    page.goto(url, wait_until="load")
    timing = page.evaluate("""() => { const n = performance.getEntriesByType("navigation")[0];
        return {load_ms: n.loadEventEnd || n.loadEventStart, request_ms: n.requestStart, response_ms: n.responseStart,
                response_end_ms: n.responseEnd, dcl_ms: n.domContentLoadedEventEnd, bytes: n.decodedBodySize}; }""")
    return timing


def _render_page(url: str) -> float:
    from django.test import Client

    path = url.split("//", 1)[1].split("/", 1)[1]
    started = time.perf_counter()
    response = Client(HTTP_HOST="127.0.0.1").get("/" + path)
    assert response.status_code == 200
    return (time.perf_counter() - started) * 1000


def open_pages(browser: Any, url: str, count: int, *, first: Any) -> list[Any]:
    """`count` pages on the same URL (the first reuses the page already open)."""
    pages = [first] + [browser.new_page() for _ in range(count - 1)]
    for page in pages:
        page.goto(url, wait_until="load")
    return pages


def measure_latency(pages: list[Any], names: list[str], *, writes: int, store_thread: ThreadPoolExecutor,
                    first: int) -> dict[str, float]:
    """`writes` pod readiness flips, each waited for in every page: write → tile in the DOM."""
    for page in pages:
        page.evaluate(OBSERVER)
        page.wait_for_function("() => document.getElementById('live-version') !== null")
    time.sleep(1)  # the sockets connect
    latencies, arrivals = [], []
    step = max(1, len(names) // max(writes, 1))
    for n in range(writes):
        name = names[(first + n * step + n) % len(names)]
        seq = first + n
        expect = {"id": f"pod/{NAMESPACE}/{name}", "state": "running", "seq": seq}
        for page in pages:
            page.evaluate("(e) => { window.__expect = e; }", expect)
        written = store_thread.submit(flip_readiness, name, ready=False).result()
        for page in pages:
            page.wait_for_function(f"() => window.__hits[{seq}] !== undefined", timeout=30_000)
            hit, arrived = page.evaluate(f"() => [window.__hits[{seq}], window.__arrived[{seq}]]")
            latencies.append(hit - written)
            arrivals.append(arrived - written)
        store_thread.submit(flip_readiness, name, ready=True).result()  # back, unmeasured
        time.sleep(SPACING_SECONDS)
    latencies.sort()
    arrivals.sort()
    return {
        "arrived_p50": statistics.median(arrivals),
        "arrived_p95": arrivals[min(len(arrivals) - 1, int(len(arrivals) * 0.95))],
        "p50": statistics.median(latencies),
        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
        "max": latencies[-1],
    }
