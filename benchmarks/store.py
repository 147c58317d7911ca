"""The store benchmark (issue 3): admitted writes per second, list latency, change-log replay.

Creates Pods through the store with admission on, in batches as a ReplicaSet creates them and
one transaction per Pod as a user's `apply` does, lists them with a label selector, replays the
change log, applies one manifest stream of many ConfigMaps as `apply -f` does (issue 14: the
same work per object however long the stream), reads one chunk of them as a page does, and
reports the process's peak memory. Runs in a cluster of its own ("bench"),
deleted afterwards, which it sets up as the namespace and serviceaccounts controllers would
have: the `default` Namespace and its `default` ServiceAccount, which the ServiceAccount
admission plugin requires of every Pod.
"""
from __future__ import annotations

import resource
import time
from typing import Any

from playground.store import api as store
from playground.store import changelog, chunking, clusters, manifest_apply

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


def run(*, pods: int = 10_000, single: int = 1_000, configmaps: int = 10_000) -> dict[str, float]:
    if CLUSTER in clusters.names():
        clusters.delete(CLUSTER)
    clusters.create(CLUSTER)
    with store.batch(CLUSTER) as batch:
        batch.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
        batch.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}})
    try:
        figures = {**_measure(pods, single), **_measure_stream(configmaps)}
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


def _replay(since: int) -> int:
    count = 0
    while events := changelog.changes(CLUSTER, since, limit=5_000):
        count += len(events)
        since = events[-1].resource_version
    return count


SMALL = {"pods": 1_000, "single": 100, "configmaps": 1_000}  # `--small`, as CI runs it: in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=1_000, help="pods created one transaction each")
    parser.add_argument("--configmaps", type=int, default=10_000, help="ConfigMaps applied in one manifest stream")


def main(write, *, pods: int, single: int, configmaps: int) -> None:
    figures = run(pods=pods, single=single, configmaps=configmaps)
    write(f"store benchmark ({figures['pods']:,} pods, admission on)")
    write(f"  create, batches of {BATCH}:   {figures['batched_writes_per_second']:8,.0f} writes/s")
    write(f"  create, one per commit:   {figures['single_writes_per_second']:8,.0f} writes/s")
    write(f"  list {figures['listed']:,} pods, -l app=web: {figures['list_ms']:8,.0f} ms")
    write(f"  replay change log:        {figures['replay_per_second']:8,.0f} events/s ({figures['replayed']:,})")
    write(f"  apply -f, one stream of {figures['configmaps']:,} ConfigMaps: {figures['stream_per_second']:8,.0f} objects/s")
    write(f"  one chunk of {chunking.DEFAULT_CHUNK_SIZE} ConfigMaps: {figures['chunk_ms']:8,.1f} ms")
    write(f"  peak memory (RSS):        {figures['peak_rss_mb']:8,.0f} MB")
