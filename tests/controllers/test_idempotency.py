"""Level-triggered: a second pass over converged state writes nothing, and a controller
manager that crashes halfway through a rollout is replaced by one that finishes it."""
from __future__ import annotations

from playground.controllers.runtime import ClusterRuntime
from playground.sim.components import COMPONENTS
from tests.factories import deployment


def enqueue_everything(runtime: ClusterRuntime) -> None:
    """What a resync does: every object's keys, for every controller, as if all had changed."""
    for kind_objects in runtime.cache.objects.values():
        for obj in kind_objects.values():
            runtime._enqueue_for(obj, None)


def settled_shape(cluster):
    """What a learner would compare: counts, phases, readiness, revisions."""
    d = cluster.get("Deployment", "nginx", "default")
    pods = cluster.list("Pod")
    return {
        "deployment": {k: d["status"].get(k) for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")},
        "revision": d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "replica_sets": sorted((rs["spec"]["replicas"], rs["status"].get("readyReplicas", 0)) for rs in cluster.list("ReplicaSet")),
        "pods": sorted((p["status"]["phase"], p["spec"]["containers"][0]["image"]) for p in pods),
    }


def test_every_controller_reconciling_a_settled_cluster_again_writes_nothing(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.advance(30)
    runtime = cluster.controllers()
    before = cluster.resource_version()

    passes = []
    for _ in range(2):
        enqueue_everything(runtime)
        passes.append(runtime.settle())

    assert min(passes) > 10  # every controller looked at its objects again
    assert cluster.changes_since(before) == []


def test_a_controller_manager_crashing_mid_rollout_is_replaced_and_the_rollout_ends_the_same(cluster, make_cluster):
    cluster.apply(deployment("nginx", replicas=6))
    cluster.advance(30)
    cluster.apply(deployment("nginx", replicas=6, image="nginx:1.28"))
    crashed = cluster.controllers()
    for _ in range(25):  # part of the way into the rollout
        crashed.step()

    # A new manager: empty caches, no expectations, the kubelets' memory read back from their nodes
    cluster.runtime = ClusterRuntime("default", COMPONENTS)
    cluster.advance(120)

    assert settled_shape(cluster) == {
        "deployment": {"replicas": 6, "updatedReplicas": 6, "readyReplicas": 6, "availableReplicas": 6},
        "revision": "2",
        "replica_sets": [(0, 0), (6, 6)],
        "pods": [("Running", "nginx:1.28")] * 6,
    }


def test_a_restarted_playground_finds_its_containers_still_running(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.advance(60)
    before = {p["metadata"]["name"]: p["status"]["containerStatuses"][0] for p in cluster.list("Pod")}
    events = len(cluster.list("Event"))

    cluster.runtime = ClusterRuntime("default", COMPONENTS)  # a new process: nothing in memory
    cluster.advance(60)

    after = {p["metadata"]["name"]: p["status"]["containerStatuses"][0] for p in cluster.list("Pod")}
    assert after == before  # same containers, same start times, no restarts
    assert len(cluster.list("Event")) == events
