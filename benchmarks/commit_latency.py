"""Write → reconcile across processes (issue 18): how long a write made by a web process waits
before a controller worker acts on it, on PostgreSQL.

This process writes as a web process does (a ReplicaSet scaled up by one, through the store);
a `runcontrollers` worker (from `--root`: another checkout, for a side-by-side figure) holds the
cluster; the time measured runs from the write's commit until the worker's ReplicaSet
controller has committed the new Pod. Writes are spaced at random, so that a poll's phase is
sampled fairly. Needs DATABASE_URL on PostgreSQL (SQLite is one process: nothing to tell).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose worker runs")


def main(write: Callable[[str], Any], *, writes: int, root: str) -> None:
    if connection.vendor != "postgresql":
        write("commit_latency: needs PostgreSQL (DATABASE_URL); on SQLite one process is told in-process")
        return
    from playground.store.demo import create_demo_cluster

    if clusters.exists(CLUSTER):
        clusters.delete(CLUSTER)
    create_demo_cluster(CLUSTER)  # three nodes, no kube-system pods: few timers of its own to wake the worker
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
    clusters.delete(CLUSTER)
    times.sort()
    write(f"write → the worker's Pod, {len(times)} writes, worker from {root}: p50 {1000 * statistics.median(times):.0f} ms,"
          f" p95 {1000 * times[int(0.95 * (len(times) - 1))]:.0f} ms, max {1000 * times[-1]:.0f} ms")


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
