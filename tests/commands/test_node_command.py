"""node cordon / uncordon / drain, as kubectl does them."""
from __future__ import annotations

from tests.commands.test_kubectl_commands import run
from tests.factories import pod, replica_set


def test_cordon_keeps_new_pods_off_the_node(cluster):
    assert run("node", "cordon", "playground-worker") == (0, "node/playground-worker cordoned\n", "")
    cluster.apply(replica_set("web", replicas=4))

    cluster.settle()

    assert {p["spec"]["nodeName"] for p in cluster.list("Pod")} == {"playground-worker2"}
    assert run("node", "cordon", "playground-worker")[1] == "node/playground-worker already cordoned\n"


def test_uncordon_lets_pods_back(cluster):
    run("node", "cordon", "playground-worker")

    assert run("node", "uncordon", "playground-worker") == (0, "node/playground-worker uncordoned\n", "")
    assert not cluster.get("Node", "playground-worker").get("spec", {}).get("unschedulable")


def test_drain_evicts_the_pods_and_their_replacements_land_elsewhere(cluster):
    cluster.apply(replica_set("web", replicas=4))
    cluster.settle()

    status, out, _ = run("node", "drain", "playground-worker")
    cluster.settle()

    assert status == 0 and out.endswith("node/playground-worker drained\n")
    assert out.count("evicted") == 2
    live = [p for p in cluster.list("Pod") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 4 and {p["spec"]["nodeName"] for p in live} == {"playground-worker2"}


def test_drain_refuses_bare_pods_without_force(cluster):
    cluster.create(pod("lonely", node="playground-worker"))

    status, _, err = run("node", "drain", "playground-worker")

    assert status == 1
    assert err == "error: cannot delete Pods that declare no controller (use --force to override): default/lonely\n"
