"""Namespace controller: a terminating namespace's status says what its deletion waits for, with
the conditions, reasons and messages of namespaced_resources_deleter.go / status_condition_utils.go."""
from __future__ import annotations

from playground.controllers.namespace import NamespaceController
from tests.factories import config_map, namespace, pod


def terminating_shop(cluster, *, node: str = "playground-worker", kept_config_map: bool = False) -> None:
    cluster.create(namespace("shop"))
    cluster.settle()  # its `default` ServiceAccount, which a pod needs
    cluster.create(pod("web", node=node, namespace="shop"))  # bound: it has a grace period
    if kept_config_map:
        settings = config_map("settings", namespace="shop")
        settings["metadata"]["finalizers"] = ["example.com/keep"]
        cluster.create(settings)
    cluster.delete("Namespace", "shop")


def conditions_of(cluster, name: str) -> dict[str, tuple[str, str, str]]:
    status = cluster.get("Namespace", name)["status"]
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in status["conditions"]}


def test_a_terminating_namespace_says_which_resources_and_finalizers_remain(cluster):
    terminating_shop(cluster, kept_config_map=True)

    cluster.reconcile(NamespaceController, "shop")

    assert conditions_of(cluster, "shop") == {
        "NamespaceDeletionDiscoveryFailure": ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure": (
            "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure": (
            "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining": (
            "True", "SomeResourcesRemain",
            "Some resources are remaining: configmaps. has 1 resource instances, pods. has 1 resource instances"),
        "NamespaceFinalizersRemaining": (
            "True", "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances"),
    }


def test_a_pod_still_there_after_its_grace_period_is_a_content_deletion_failure(cluster):
    terminating_shop(cluster, node="lost-node")  # no kubelet ends it; podgc waits 40 s for the node

    cluster.advance(35)

    conditions = conditions_of(cluster, "shop")
    assert conditions["NamespaceDeletionContentFailure"] == (
        "True", "ContentDeletionFailed",
        "Failed to delete all resource types, 1 remaining: "
        "unexpected items still remain in namespace: shop for gvr: /v1, Resource=pods")
    assert conditions["NamespaceContentRemaining"][2] == "Some resources are remaining: pods. has 1 resource instances"


def test_a_second_pass_over_a_waiting_namespace_writes_nothing(cluster):
    terminating_shop(cluster)
    cluster.reconcile(NamespaceController, "shop")
    before = cluster.resource_version()

    cluster.reconcile(NamespaceController, "shop")

    assert cluster.changes_since(before) == []


def test_a_namespace_is_gone_once_its_pods_have_terminated(cluster):
    terminating_shop(cluster)

    cluster.advance(40)

    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]
