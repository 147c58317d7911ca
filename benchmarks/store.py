"""The store benchmark (issue 3): admitted writes per second, list latency, change-log replay.

Creates Pods through the store with admission on, in batches as a ReplicaSet creates them and
one transaction per Pod as a user's `apply` does, lists them with a label selector, replays the
change log, applies one manifest stream of many ConfigMaps as `apply -f` does (issue 14: the
same work per object however long the stream), reads one chunk of them as a page does, and
writes pods' statuses one commit each as a controller worker's kubelets do (under its lease's
fence, the cluster's row read once as a manager's turn reads it: the store's hot path, its
latency and CPU per commit, PostgreSQL's backend's too), and
reports the process's peak memory. Runs in a cluster of its own ("bench"),
deleted afterwards, which it sets up as the namespace and serviceaccounts controllers would
have: the `default` Namespace and its `default` ServiceAccount, which the ServiceAccount
admission plugin requires of every Pod.
"""
from __future__ import annotations

import datetime
import os
import resource
import statistics
import time
from typing import Any

from django.db import connection

from playground.store import api as store
from playground.store import changelog, chunking, clusters, leases, manifest_apply, quota

CLUSTER = "bench"
BATCH = 500  # a ReplicaSet's burst: one commit for up to 500 pods


def pod(n: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"web-{n:05d}", "labels": {"app": "web", "shard": str(n % 10)}},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                }
            ]
        },
    }


def config_maps(count: int) -> str:
    """One YAML stream of `count` ConfigMaps, as a user uploads it."""
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{n:06d}\ndata:\n  key: value-{n}\n"
        for n in range(count)
    )


def run(*, pods: int = 10_000, single: int = 1_000, configmaps: int = 10_000, statuses: int = 2_000) -> dict[str, float]:
    if CLUSTER in clusters.names():
        clusters.delete(CLUSTER)
    clusters.create(CLUSTER)
    with store.batch(CLUSTER) as batch:
        batch.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
        batch.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}})
    try:
        figures = {**_measure(pods, single), **_measure_stream(configmaps), **_measure_status_writes(statuses)}
        return {**figures, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    finally:
        clusters.delete(CLUSTER)


def _measure(pods: int, single: int) -> dict[str, float]:
    start_version = changelog.cluster_resource_version(CLUSTER)
    started = time.perf_counter()
    for first in range(0, pods, BATCH):
        with store.batch(CLUSTER) as batch:
            for n in range(first, min(first + BATCH, pods)):
                batch.create(pod(n))
    batched = time.perf_counter() - started

    started = time.perf_counter()
    for n in range(pods, pods + single):
        store.create(CLUSTER, pod(n))
    one_by_one = time.perf_counter() - started

    started = time.perf_counter()
    listed = store.list(CLUSTER, "Pod", label_selector="app=web")
    list_seconds = time.perf_counter() - started
    assert len(listed) == pods + single

    started = time.perf_counter()
    replayed = _replay(start_version)
    replay_seconds = time.perf_counter() - started

    return {
        "pods": pods,
        "batched_writes_per_second": pods / batched,
        "single_writes_per_second": single / one_by_one,
        "listed": len(listed),
        "list_ms": list_seconds * 1000,
        "replayed": replayed,
        "replay_per_second": replayed / replay_seconds,
    }


def _measure_stream(count: int) -> dict[str, float]:
    text = config_maps(count)
    started = time.perf_counter()
    results = manifest_apply.apply_manifest(CLUSTER, text)
    seconds = time.perf_counter() - started
    assert not [r for r in results if r.error], "every ConfigMap of the stream applies"

    started = time.perf_counter()
    chunk = store.list_chunk(CLUSTER, "ConfigMap", limit=chunking.DEFAULT_CHUNK_SIZE)
    chunk_seconds = time.perf_counter() - started
    assert len(chunk.items) == min(count, chunking.DEFAULT_CHUNK_SIZE)
    return {"configmaps": count, "stream_per_second": count / seconds, "chunk_ms": chunk_seconds * 1000}


WORKER = "bench-worker"


def _measure_status_writes(count: int) -> dict[str, float]:
    """`count` commits of a pod's status, an Event with every third, as a worker's kubelet writes
    them: under the worker's fence, within a turn's read of the cluster's row."""
    now = datetime.datetime.now(datetime.timezone.utc)
    epoch = leases.acquire(CLUSTER, None, identity=WORKER, duration=3600.0, now=now)
    state = changelog.cluster_states([CLUSTER])[CLUSTER]
    pods = [store.get(CLUSTER, "Pod", f"web-{n:05d}", "default") for n in range(5)]
    latencies = []
    backend_before, cpu_before = _backend_cpu_seconds(), time.process_time()
    with leases.holding(CLUSTER, WORKER, epoch), clusters.known(CLUSTER, state.id, state.clock,
                                                                 quota.parse(state.stored_quota, CLUSTER)):
        for n in range(count):
            pod_ = pods[n % len(pods)]
            pod_["status"] = {"phase": "Running", "message": f"pass {n}"}
            started = time.perf_counter()
            with store.batch(CLUSTER) as batch:
                pods[n % len(pods)] = batch.update_status(pod_)
                if n % 3 == 0:
                    batch.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"web.{n}", "namespace": "default"},
                                  "involvedObject": {"kind": "Pod", "name": pod_["metadata"]["name"], "namespace": "default"},
                                  "reason": "Pulled", "message": "pulled", "type": "Normal"})
            latencies.append(time.perf_counter() - started)
    backend = _backend_cpu_seconds()
    latencies.sort()
    return {
        "statuses": count,
        "status_p50_ms": statistics.median(latencies) * 1000,
        "status_p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "status_cpu_ms": (time.process_time() - cpu_before) / count * 1000,
        "status_backend_cpu_ms": None if backend is None else (backend - backend_before) / count * 1000,
    }


def _backend_cpu_seconds() -> float | None:
    """The CPU this connection's PostgreSQL backend used so far (None on SQLite, in-process)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        fields = open(f"/proc/{cursor.fetchone()[0]}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _replay(since: int) -> int:
    count = 0
    while events := changelog.changes(CLUSTER, since, limit=5_000):
        count += len(events)
        since = events[-1].resource_version
    return count


SMALL = {"pods": 1_000, "single": 100, "configmaps": 1_000, "statuses": 200}  # `--small`, as CI runs it: in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=1_000, help="pods created one transaction each")
    parser.add_argument("--configmaps", type=int, default=10_000, help="ConfigMaps applied in one manifest stream")
    parser.add_argument("--statuses", type=int, default=2_000, help="pod status writes, one commit each, as a worker's")


def main(write, *, pods: int, single: int, configmaps: int, statuses: int) -> None:
    figures = run(pods=pods, single=single, configmaps=configmaps, statuses=statuses)
    write(f"store benchmark ({figures['pods']:,} pods, admission on)")
    write(f"  create, batches of {BATCH}:   {figures['batched_writes_per_second']:8,.0f} writes/s")
    write(f"  create, one per commit:   {figures['single_writes_per_second']:8,.0f} writes/s")
    write(f"  list {figures['listed']:,} pods, -l app=web: {figures['list_ms']:8,.0f} ms")
    write(f"  replay change log:        {figures['replay_per_second']:8,.0f} events/s ({figures['replayed']:,})")
    write(f"  apply -f, one stream of {figures['configmaps']:,} ConfigMaps: {figures['stream_per_second']:8,.0f} objects/s")
    write(f"  one chunk of {chunking.DEFAULT_CHUNK_SIZE} ConfigMaps: {figures['chunk_ms']:8,.1f} ms")
    backend = figures["status_backend_cpu_ms"]
    write(f"  a worker's status writes, one commit each ({figures['statuses']:,}, an Event with every third):"
          f" p50 {figures['status_p50_ms']:.2f} ms, p95 {figures['status_p95_ms']:.2f} ms;"
          f" CPU a commit {figures['status_cpu_ms']:.2f} ms here"
          + ("" if backend is None else f", {backend:.2f} ms in PostgreSQL's backend"))
    write(f"  peak memory (RSS):        {figures['peak_rss_mb']:8,.0f} MB")
