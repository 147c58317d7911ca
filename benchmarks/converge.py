"""The convergence benchmark (issue 4): how fast the controllers and kubelets bring a
Deployment from apply to Available, with the clock on instant.

Scenarios: 1,000 replicas on 20 nodes; 10,000 replicas on 100 nodes; a rolling update of the
1,000. Each runs in a cluster of its own ("bench"), deleted afterwards, driven the way the
manager drives an instant clock: run everything that is ready, then jump to the next thing due.
"""
from __future__ import annotations

import resource
import time
from typing import Any

from benchmarks._schemas import compile_schemas
from playground.components import COMPONENTS
from playground.runtime.cluster import ClusterRuntime
from playground.store import api as store
from playground.store import changelog, clock, clusters
from playground.store.demo import node

CLUSTER = "bench"
WRITTEN_KINDS = (  # what the scenarios write: their schemas are compiled before the clock starts
    "Deployment", "ReplicaSet", "Pod", "Event", "Lease", "Node", "Namespace", "ServiceAccount", "ConfigMap",
)


def deployment(replicas: int, image: str = "nginx:1.27") -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image, "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]},
            },
        },
    }


def fresh_cluster(nodes: int) -> ClusterRuntime:
    if CLUSTER in clusters.names():
        clusters.delete(CLUSTER)
    clusters.create(CLUSTER)
    clock.set_mode(CLUSTER, "instant")
    now = store.timestamp(store.now(CLUSTER))
    with store.batch(CLUSTER) as batch:
        for namespace in ("default", "kube-node-lease"):
            batch.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for n in range(nodes):
            batch.create(node(f"node-{n:03d}", ip=f"10.0.{n // 250}.{n % 250 + 1}", pod_cidr=f"10.{n // 256 + 1}.{n % 256}.0/24",
                              now=now, cpu="64", memory="256Gi"))
    runtime = ClusterRuntime(CLUSTER, COMPONENTS)
    runtime.settle()
    return runtime


def available(replicas: int, *, image: str) -> bool:
    d = store.get(CLUSTER, "Deployment", "web", "default")
    status = d.get("status", {})
    return (
        status.get("observedGeneration") == d["metadata"]["generation"]
        and status.get("updatedReplicas") == replicas
        and status.get("availableReplicas") == replicas
        and status.get("replicas") == replicas
        and d["spec"]["template"]["spec"]["containers"][0]["image"] == image
    )


def converge(runtime: ClusterRuntime, replicas: int, *, image: str) -> None:
    """Run as an instant clock would until the Deployment is Available with every replica."""
    while True:
        runtime.settle()
        if available(replicas, image=image):
            return
        due = runtime.next_due()
        if due is None:
            raise RuntimeError("the cluster stopped before the Deployment was available")
        clock.advance_to(CLUSTER, due)


def measure(runtime: ClusterRuntime, replicas: int, *, image: str, apply: dict[str, Any]) -> dict[str, float]:
    versions = changelog.cluster_resource_version(CLUSTER)
    started = time.perf_counter()
    store.apply(CLUSTER, apply)
    converge(runtime, replicas, image=image)
    seconds = time.perf_counter() - started
    writes = changelog.cluster_resource_version(CLUSTER) - versions
    return {"seconds": seconds, "writes": writes, "writes_per_second": writes / seconds}


def run(*, small: int = 1_000, small_nodes: int = 20, large: int = 10_000, large_nodes: int = 100) -> dict[str, dict[str, float]]:
    figures = {"schema compile": {"seconds": compile_schemas(WRITTEN_KINDS)}}
    try:
        runtime = fresh_cluster(small_nodes)
        figures[f"{small} replicas on {small_nodes} nodes"] = measure(runtime, small, image="nginx:1.27", apply=deployment(small))
        figures[f"rolling update of {small}"] = measure(
            runtime, small, image="nginx:1.28", apply=deployment(small, image="nginx:1.28")
        )
        if large:
            runtime = fresh_cluster(large_nodes)
            figures[f"{large} replicas on {large_nodes} nodes"] = measure(runtime, large, image="nginx:1.27", apply=deployment(large))
    finally:
        if CLUSTER in clusters.names():
            clusters.delete(CLUSTER)
    figures["peak memory"] = {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    return figures


SMALL = {"replicas": 50, "large": 200}  # `--small`, as CI runs it: every scenario, in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--replicas", type=int, default=1_000, help="the first Deployment's size")
    parser.add_argument("--large", type=int, default=10_000, help="the large Deployment's size (0 skips it)")


PODS_PER_NODE = 100  # under the kubelet's maxPods of 110: a Deployment too big for its nodes never converges


def main(write, *, replicas: int, large: int) -> None:
    figures = run(small=replicas, small_nodes=max(20, -(-replicas // PODS_PER_NODE)),
                  large=large, large_nodes=max(100, -(-large // PODS_PER_NODE)))
    memory, compile_seconds = figures.pop("peak memory"), figures.pop("schema compile")["seconds"]
    write("converge benchmark (clock instant, embedded controllers and kubelets)")
    write(f"  {'schema compile (once, before timing):':32} {compile_seconds:7.2f} s")
    for name, f in figures.items():
        write(f"  {name + ':':32} {f['seconds']:7.2f} s  ({f['writes']:,} writes, {f['writes_per_second']:,.0f}/s)")
    write(f"  {'peak memory (RSS):':32} {memory['rss_mb']:7.0f} MB")
