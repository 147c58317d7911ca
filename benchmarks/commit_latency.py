"""Write → another process across processes (issue 18), on PostgreSQL:

- `--to worker`: how long a write made by a web process waits before a controller worker acts
  on it. This process writes as a web process does (a ReplicaSet scaled up by one, through the
  store); a `runcontrollers` worker holds the cluster; the time runs from the write's commit
  until the worker's ReplicaSet controller has committed the new Pod.
- `--to watch`: how long a write made by another process (a worker, say) waits before a web
  process's API watch (`kubectl get -w`) streams it. A web process (`playground
  --no-controllers`) serves the API; this process holds a watch of ConfigMaps on it over HTTPS
  and writes a ConfigMap through the store; the time runs from the write's commit until the
  event's line arrives on the watch.
- `--to page`: the same to a live page's socket on a web process without Redis (the in-memory
  channel layer, so the page's process must find the write itself): this process holds the
  cluster page's websocket and creates a Pod on a node; the time runs until a frame with the
  Pod's tile arrives. (With Redis the writer publishes to the pages itself: no look involved.)

The other process comes from `--root` (another checkout, for a side-by-side figure). Writes are
spaced at random, so that a poll's phase is sampled fairly. Needs DATABASE_URL on PostgreSQL
(SQLite is one process: nothing to tell).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from playground.store import api as store
from playground.store import changelog, clock, clusters

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = "latency-bench"
SMALL = {"writes": 3}
WORKER, WATCH, PAGE = "worker", "watch", "page"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose worker or web process runs")
    parser.add_argument("--to", default=f"{WORKER},{WATCH},{PAGE}", help=f"any of {WORKER}, {WATCH}, {PAGE}, comma-separated")


def main(write: Callable[[str], Any], *, writes: int, root: str, to: str) -> None:
    if connection.vendor != "postgresql":
        write("commit_latency: needs PostgreSQL (DATABASE_URL); on SQLite one process is told in-process")
        return
    from playground.store.demo import create_demo_cluster

    if clusters.exists(CLUSTER):
        clusters.delete(CLUSTER)
    create_demo_cluster(CLUSTER)  # three nodes, no kube-system pods: few timers of its own to wake the worker
    if WORKER in to.split(","):
        to_worker(write, writes=writes, root=root)
    if WATCH in to.split(","):
        to_watch(write, writes=writes, root=root)
    if PAGE in to.split(","):
        to_page(write, writes=writes, root=root)
    clusters.delete(CLUSTER)


def to_worker(write: Callable[[str], Any], *, writes: int, root: str) -> None:
    store.apply(CLUSTER, replica_set(1))
    env = {**os.environ, "PLAYGROUND_IDLE_AFTER": "0"}
    with subprocess.Popen([sys.executable, "manage.py", "runcontrollers"], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as worker:
        try:
            wait_for_pods(1, timeout=120)
            times = [measure(replicas) for replicas in range(2, writes + 2)]
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    report(write, f"write → the worker's Pod, {len(times)} writes, worker from {root}", times)


def report(write: Callable[[str], Any], what: str, times: list[float]) -> None:
    times.sort()
    write(f"{what}: p50 {1000 * statistics.median(times):.0f} ms,"
          f" p95 {1000 * times[int(0.95 * (len(times) - 1))]:.0f} ms, max {1000 * times[-1]:.0f} ms")


def to_watch(write: Callable[[str], Any], *, writes: int, root: str) -> None:
    import yaml
    from django.core.management import call_command

    clock.set_mode(CLUSTER, "paused")  # nothing but the benchmark's writes changes the cluster
    api_port = free_port()
    with tempfile.TemporaryDirectory(prefix="playground-bench-latency-") as data:
        config = os.path.join(data, "kubeconfig")
        call_command("kubeconfig", "--cluster", CLUSTER, "--server", f"https://127.0.0.1:{api_port}", "-o", config)
        kubeconfig = yaml.safe_load(open(config))
        token, server = kubeconfig["users"][0]["user"]["token"], kubeconfig["clusters"][0]["cluster"]["server"]
        prefix = server.split(str(api_port), 1)[1]  # the cluster's own path, if the server names one
        env = {**os.environ, "PLAYGROUND_DATA_DIR": data, "PLAYGROUND_IDLE_AFTER": "0"}
        with subprocess.Popen([sys.executable, "manage.py", "playground", "--no-controllers", "--port", str(free_port()),
                               "--api-port", str(api_port)], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as web:
            try:
                web.stdout.readline()  # printed once it listens
                times = watched_writes(api_port, prefix, token, writes)
            finally:
                web.terminate()
                web.wait(timeout=30)
    report(write, f"write → a web process's API watch, {len(times)} writes, web process from {root}", times)


def to_page(write: Callable[[str], Any], *, writes: int, root: str) -> None:
    import websocket  # websocket-client

    clock.set_mode(CLUSTER, "paused")  # no kubelet moves the benchmark's Pods: only its writes change the page
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="playground-bench-latency-") as data:
        env = {**os.environ, "PLAYGROUND_DATA_DIR": data, "PLAYGROUND_IDLE_AFTER": "0"}
        env.pop("REDIS_URL", None)
        with subprocess.Popen([sys.executable, "manage.py", "playground", "--no-controllers", "--port", str(port),
                               "--api-port", str(free_port())], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as web:
            try:
                web.stdout.readline()  # printed once it listens
                since = changelog.cluster_resource_version(CLUSTER)
                page = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/clusters/{CLUSTER}/?since={since}",
                                                   origin=f"http://127.0.0.1:{port}", timeout=30)
                times = []
                for n in range(writes):
                    time.sleep(random.uniform(0.2, 1.2))  # a random phase against the web process's look
                    name = f"latency-{n}"
                    store.create(CLUSTER, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                                           "spec": {"nodeName": "playground-worker", "containers": [{"name": "c", "image": "busybox:1.36"}]}})
                    began = time.monotonic()
                    while name not in page.recv():
                        pass
                    times.append(time.monotonic() - began)
                page.close()
            finally:
                web.terminate()
                web.wait(timeout=30)
    report(write, f"write → a live page on a web process (no Redis), {len(times)} writes, web process from {root}", times)


def watched_writes(api_port: int, prefix: str, token: str, writes: int) -> list[float]:
    """Hold a watch of the cluster's ConfigMaps; write one at a time; when each line arrived."""
    arrived: dict[str, float] = {}
    seen = threading.Condition()
    since = changelog.cluster_resource_version(CLUSTER)
    store.create(CLUSTER, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "latency-start", "namespace": "default"}})
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # the playground's own certificate, on loopback
    api = http.client.HTTPSConnection("127.0.0.1", api_port, context=tls, timeout=60)
    api.request("GET", f"{prefix}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={since}",
                headers={"Authorization": f"Bearer {token}"})
    response = api.getresponse()
    if response.status != 200:
        raise SystemExit(f"the watch was refused: {response.status} {response.read()[:500]!r}")

    api.sock.settimeout(None)  # a quiet watch is no failure

    def read() -> None:
        for line in response:
            name = line.split(b'"name":"', 1)[1].split(b'"', 1)[0].decode() if b'"name":"' in line else ""
            with seen:
                arrived[name] = time.monotonic()
                seen.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    with seen:
        seen.wait_for(lambda: "latency-start" in arrived, timeout=60)  # the watch streams: now measure
    times = []
    for n in range(writes):
        time.sleep(random.uniform(0.2, 1.2))  # a random phase against the web process's look
        name = f"latency-{n}"
        store.create(CLUSTER, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
        began = time.monotonic()
        with seen:
            if not seen.wait_for(lambda: name in arrived, timeout=30):  # noqa: B023 - waited for here
                raise SystemExit(f"the watch never streamed {name}")
        times.append(arrived[name] - began)
    api.sock.shutdown(socket.SHUT_RDWR)  # the reader's loop ends
    reader.join(timeout=30)
    api.close()
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica_set(replicas: int) -> dict[str, Any]:
    labels = {"app": "latency"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "latency", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}}


def measure(replicas: int) -> float:
    time.sleep(random.uniform(0.2, 1.2))  # a random phase against the worker's one-second look
    store.patch(CLUSTER, "ReplicaSet", "latency", "default", {"spec": {"replicas": replicas}}, patch_type="merge")
    began = time.monotonic()
    wait_for_pods(replicas, timeout=30)
    return time.monotonic() - began


def wait_for_pods(count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(store.list(CLUSTER, "Pod", namespace="default")) >= count:
            return
        time.sleep(0.002)
    raise SystemExit(f"the worker made no pod {count} within {timeout:g} s (clock: {clock.read(CLUSTER).mode},"
                     f" resourceVersion {changelog.cluster_resource_version(CLUSTER)})")
