"""Deleting an owner with each propagation policy leaves exactly what Kubernetes leaves."""
from __future__ import annotations

from tests.factories import config_map, namespace, replica_set


def live_pods(cluster):
    """Pods not marked for deletion (a scheduled pod then waits for its kubelet to stop it)."""
    return [p for p in cluster.list("Pod") if not p["metadata"].get("deletionTimestamp")]


def test_background_deletion_removes_the_owner_then_its_pods(cluster):
    cluster.apply(replica_set("web", replicas=3))
    cluster.settle()

    cluster.delete("ReplicaSet", "web", "default")
    assert len(live_pods(cluster)) == 3  # the owner goes first; the collector follows
    cluster.settle()

    assert live_pods(cluster) == []


def test_foreground_deletion_deletes_the_pods_while_the_owner_waits_for_them(cluster):
    cluster.apply(replica_set("web", replicas=3))
    cluster.settle()

    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Foreground")
    cluster.settle()

    assert live_pods(cluster) == []
    [owner] = cluster.list("ReplicaSet")  # its pods are terminating on their nodes: it waits
    assert owner["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert owner["metadata"]["deletionTimestamp"]


def test_orphan_deletion_keeps_the_pods_without_their_owner(cluster):
    cluster.apply(replica_set("web", replicas=3))
    cluster.settle()

    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Orphan")
    cluster.settle()

    assert cluster.list("ReplicaSet") == []
    pods = live_pods(cluster)
    assert len(pods) == 3
    assert all(p["metadata"]["ownerReferences"] == [] for p in pods)


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


def test_deleting_a_namespace_deletes_everything_in_it(cluster):
    cluster.create(namespace("shop"))
    cluster.create(config_map("settings", namespace="shop"))
    cluster.create({**replica_set("web", replicas=2), "metadata": {"name": "web", "namespace": "shop"}})
    cluster.settle()

    cluster.delete("Namespace", "shop")
    cluster.settle()

    assert cluster.list("ConfigMap", namespace="shop") == []
    assert live_pods(cluster) == []
    assert "shop" in [n["metadata"]["name"] for n in cluster.list("Namespace")]
