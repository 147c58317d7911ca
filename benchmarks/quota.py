"""The quota benchmark (issue 18): a 100,000-replica Deployment in a cluster with a pod quota,
beside a calm cluster, so that one attendee's mistake cannot slow the room.

Two clusters of the demo's shape: "bench-flood" with a quota of `--pods` pods, where a
Deployment of 100,000 replicas is applied and the controllers run for `--seconds` simulated
seconds (the clock instant: run what is ready, jump to the next thing due); and "bench-calm"
with a 5-replica Deployment. Printed: the flood cluster's pods, Events and reconciles after that
stretch (the ReplicaSet stays at the quota, its refusals fold into one FailedCreate's count and
back off), the wall time it took, and both clusters' pages rendered through Django (median and
p95 of `--page-requests` GETs of each cluster page).
"""
from __future__ import annotations

import resource
import statistics
import time
from typing import Any, Callable

from django.test import Client

from benchmarks._schemas import compile_schemas
from benchmarks.converge import WRITTEN_KINDS, deployment
from playground.components import COMPONENTS
from playground.runtime.cluster import ClusterRuntime
from playground.store import api as store
from playground.store import clock, clusters
from playground.store.demo import create_demo_cluster

FLOOD, CALM = "bench-flood", "bench-calm"
REPLICAS = 100_000


def fresh(name: str) -> ClusterRuntime:
    if name in clusters.names():
        clusters.delete(name)
    create_demo_cluster(name)
    clock.set_mode(name, "instant")
    runtime = ClusterRuntime(name, COMPONENTS)
    runtime.settle()
    return runtime


def run_for(runtime: ClusterRuntime, seconds: float) -> None:
    """As the manager drives an instant clock: everything ready, then the next thing due."""
    end = runtime.now().timestamp() + seconds
    while True:
        runtime.settle()
        due = runtime.next_due()
        if due is None or due.timestamp() > end:
            return
        clock.advance_to(runtime.cluster, due)


def page_times(client: Client, url: str, count: int) -> tuple[float, float]:
    client.get(url)  # templates and the pages' informer load once
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main(write: Callable[[str], Any], *, pods: int, seconds: float, page_requests: int) -> None:
    compile_schemas(WRITTEN_KINDS)
    try:
        calm = fresh(CALM)
        store.apply(CALM, deployment(5))
        run_for(calm, 120)
        flood = fresh(FLOOD)
        clusters.set_quota(FLOOD, pods=pods)
        started = time.perf_counter()
        store.apply(FLOOD, deployment(REPLICAS))
        run_for(flood, seconds)
        wall = time.perf_counter() - started
        own = [p for p in store.list(FLOOD, "Pod", namespace="default")]
        events = store.list(FLOOD, "Event", namespace=None)
        failed = [e for e in events if e["reason"] == "FailedCreate"]
        write(f"quota benchmark: Deployment of {REPLICAS:,} replicas, quota pods={pods}, {seconds:,.0f} simulated s")
        write(f"  {'pods in the flood cluster:':34} {len(own):,}")
        write(f"  {'Events (FailedCreate objects, count):':34} {len(events):,} ({len(failed)}, "
              f"{sum(e.get('count', 1) for e in failed)})")
        write(f"  {'reconciles / wall time:':34} {flood.reconciles:,} / {wall:.2f} s")
        client = Client(HTTP_HOST="127.0.0.1")
        for name in (CALM, FLOOD):
            median, p95 = page_times(client, f"/clusters/{name}/", page_requests)
            write(f"  {f'{name} cluster page:':34} median {median:.0f} ms, p95 {p95:.0f} ms")
    finally:
        for name in (FLOOD, CALM):
            if name in clusters.names():
                clusters.delete(name)
    write(f"  {'peak memory (RSS):':34} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


SMALL = {"pods": 20, "seconds": 600, "page_requests": 5}


def add_arguments(parser) -> None:
    parser.add_argument("--pods", type=int, default=50, help="the flood cluster's pod quota")
    parser.add_argument("--seconds", type=float, default=3600, help="simulated seconds the flood runs")
    parser.add_argument("--page-requests", type=int, default=50, help="GETs of each cluster page timed")
