"""Deleting an owner with each propagation policy leaves exactly what Kubernetes leaves."""
from __future__ import annotations

from tests.factories import config_map, namespace, replica_set


def live_pods(cluster):
    """Pods not marked for deletion."""
    return [p for p in cluster.list("Pod") if not p["metadata"].get("deletionTimestamp")]


def running_replica_set(cluster, replicas=3):
    cluster.apply(replica_set("web", replicas=replicas))
    cluster.advance(30)
    assert {p["status"]["phase"] for p in cluster.list("Pod")} == {"Running"}


def test_background_deletion_removes_the_owner_then_its_pods(cluster):
    running_replica_set(cluster)

    cluster.delete("ReplicaSet", "web", "default")
    assert len(cluster.list("Pod")) == 3  # the owner goes first; the collector follows
    cluster.settle()
    assert live_pods(cluster) == []  # marked for deletion: nginx stops within its grace period
    cluster.advance(5)

    assert cluster.list("Pod") == []


def test_foreground_deletion_removes_the_pods_before_the_owner(cluster):
    running_replica_set(cluster)

    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Foreground")
    cluster.settle()
    [owner] = cluster.list("ReplicaSet")  # waits while its pods stop
    cluster.advance(5)

    assert owner["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert cluster.list("Pod") == []
    assert cluster.list("ReplicaSet") == []


def test_orphan_deletion_keeps_the_pods_running_without_their_owner(cluster):
    running_replica_set(cluster)

    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Orphan")
    cluster.advance(60)

    assert cluster.list("ReplicaSet") == []
    pods = cluster.list("Pod")
    assert len(pods) == 3
    assert all(p["metadata"]["ownerReferences"] == [] and p["status"]["phase"] == "Running" for p in pods)


def test_a_dependent_with_another_owner_left_only_loses_the_reference(cluster):
    first = cluster.create(config_map("first"))
    second = cluster.create(config_map("second"))
    shared = config_map("shared")
    shared["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": o["metadata"]["name"], "uid": o["metadata"]["uid"]}
        for o in (first, second)
    ]
    cluster.create(shared)
    cluster.settle()

    cluster.delete("ConfigMap", "first", "default")
    cluster.settle()

    refs = cluster.get("ConfigMap", "shared", "default")["metadata"]["ownerReferences"]
    assert [r["name"] for r in refs] == ["second"]


def test_deleting_a_namespace_deletes_everything_in_it_then_the_namespace(cluster):
    cluster.create(namespace("shop"))
    cluster.create(config_map("settings", namespace="shop"))
    cluster.create({**replica_set("web", replicas=2), "metadata": {"name": "web", "namespace": "shop"}})
    cluster.advance(30)

    cluster.delete("Namespace", "shop")
    cluster.settle()
    assert cluster.get("Namespace", "shop")["status"]["phase"] == "Terminating"
    cluster.advance(5)

    assert cluster.list("ConfigMap", namespace="shop") == []
    assert cluster.list("Pod", namespace="shop") == []
    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]


def test_foreground_deletion_keeps_a_dependent_that_has_another_owner(cluster):
    running_replica_set(cluster, replicas=1)
    [web] = cluster.list("Pod")
    keeper = cluster.create(config_map("keeper"))
    web["metadata"]["ownerReferences"].append(
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "keeper", "uid": keeper["metadata"]["uid"]})
    cluster.update(web)
    cluster.settle()

    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Foreground")
    cluster.advance(5)

    # attemptToDeleteItem: a solid owner is left, so only the waiting reference is removed
    assert cluster.list("ReplicaSet") == []
    [kept] = live_pods(cluster)
    assert kept["metadata"]["name"] == web["metadata"]["name"]
    assert [r["name"] for r in kept["metadata"]["ownerReferences"]] == ["keeper"]
