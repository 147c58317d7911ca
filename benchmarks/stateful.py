"""The stateful benchmark (issue 7): how fast the controllers and kubelets bring a StatefulSet
and a DaemonSet from apply to every pod Ready, with the clock on instant.

Scenarios: a StatefulSet of 200 replicas with the default OrderedReady policy and a
volumeClaimTemplate (its headless Service too), on 20 nodes with kind's local-path StorageClass:
one pod at a time, each waiting for the one before to be Running and Ready, each with its claim
provisioned on its node; and a DaemonSet on 500 nodes. Each runs in a cluster of its own
("bench"), deleted afterwards, driven the way the manager drives an instant clock (see
benchmarks/converge.py): run everything that is ready, then jump to the next thing due.
"""
from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

from benchmarks._schemas import compile_schemas
from benchmarks.converge import CLUSTER, fresh_cluster
from playground.runtime.cluster import ClusterRuntime
from playground.store import api as store
from playground.store import changelog, clock, clusters
from playground.store.demo import standard_storage_class

Obj = dict[str, Any]
LABELS = {"app": "db"}
WRITTEN_KINDS = (  # what the scenarios write: their schemas are compiled before the clock starts
    "Pod", "StatefulSet", "DaemonSet", "ControllerRevision", "PersistentVolumeClaim", "PersistentVolume",
    "Service", "Endpoints", "EndpointSlice", "Event", "Lease", "Node", "Namespace", "StorageClass", "ServiceAccount",
    "ConfigMap",
)
CONTAINER = {"name": "db", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}


def headless_service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {"clusterIP": "None", "selector": LABELS, "ports": [{"name": "web", "port": 80}]},
    }


def stateful_set(replicas: int) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": "db",
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {"containers": [{**CONTAINER, "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }],
        },
    }


def daemon_set() -> Obj:
    labels = {"app": "agent"}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{**CONTAINER, "name": "agent"}]}},
        },
    }


def stateful_set_ready(replicas: int) -> bool:
    status = store.get(CLUSTER, "StatefulSet", "db", "default").get("status") or {}
    return status.get("readyReplicas") == replicas and status.get("availableReplicas") == replicas


def daemon_set_ready(nodes: int) -> bool:
    ds = store.get(CLUSTER, "DaemonSet", "agent", "default")
    status = ds.get("status") or {}
    return (
        status.get("observedGeneration") == ds["metadata"]["generation"]
        and status.get("desiredNumberScheduled") == nodes
        and status.get("numberReady") == nodes
    )


def converge(runtime: ClusterRuntime, done: Callable[[], bool]) -> None:
    """Run as an instant clock would until `done()`."""
    while True:
        runtime.settle()
        if done():
            return
        due = runtime.next_due()
        if due is None:
            raise RuntimeError("the cluster stopped before every pod was ready")
        clock.advance_to(CLUSTER, due)


def measure(runtime: ClusterRuntime, objects: list[Obj], done: Callable[[], bool]) -> dict[str, float]:
    versions, reconciles = changelog.cluster_resource_version(CLUSTER), runtime.reconciles
    started = time.perf_counter()
    for obj in objects:
        store.apply(CLUSTER, obj)
    converge(runtime, done)
    seconds = time.perf_counter() - started
    writes = changelog.cluster_resource_version(CLUSTER) - versions
    return {"seconds": seconds, "writes": writes, "writes_per_second": writes / seconds,
            "reconciles": runtime.reconciles - reconciles}


def run(*, replicas: int = 200, stateful_nodes: int = 20, daemon_nodes: int = 500) -> dict[str, dict[str, float]]:
    figures = {"schema compile": {"seconds": compile_schemas(WRITTEN_KINDS)}}
    try:
        if replicas:
            runtime = fresh_cluster(stateful_nodes)
            store.create(CLUSTER, standard_storage_class())
            figures[f"StatefulSet of {replicas} (OrderedReady, claims)"] = measure(
                runtime, [headless_service(), stateful_set(replicas)], lambda: stateful_set_ready(replicas)
            )
        if daemon_nodes:
            runtime = fresh_cluster(daemon_nodes)
            figures[f"DaemonSet on {daemon_nodes} nodes"] = measure(runtime, [daemon_set()], lambda: daemon_set_ready(daemon_nodes))
    finally:
        if CLUSTER in clusters.names():
            clusters.delete(CLUSTER)
    figures["peak memory"] = {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    return figures


SMALL = {"replicas": 10, "nodes": 20}  # `--small`, as CI runs it: both scenarios, in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--replicas", type=int, default=200, help="the StatefulSet's size (0 skips it)")
    parser.add_argument("--nodes", type=int, default=500, help="the DaemonSet's nodes (0 skips it)")


def main(write, *, replicas: int, nodes: int) -> None:
    figures = run(replicas=replicas, daemon_nodes=nodes)
    memory, compile_seconds = figures.pop("peak memory"), figures.pop("schema compile")["seconds"]
    write("stateful benchmark (clock instant, embedded controllers and kubelets)")
    write(f"  {'schema compile (once, before timing):':40} {compile_seconds:7.2f} s")
    for name, f in figures.items():
        write(f"  {name + ':':40} {f['seconds']:7.2f} s  ({f['writes']:,} writes, {f['writes_per_second']:,.0f}/s,"
              f" {f['reconciles']:,} reconciles)")
    write(f"  {'peak memory (RSS):':40} {memory['rss_mb']:7.0f} MB")
