"""The scheduler places pods as kube-scheduler does, and says why when it cannot."""
from __future__ import annotations

from playground.store.demo import node
from tests.factories import pod, replica_set


def test_a_pod_lands_on_a_worker_not_the_tainted_control_plane(cluster):
    cluster.create(pod("web"))

    cluster.settle()

    placed = cluster.get("Pod", "web", "default")
    assert placed["spec"]["nodeName"] in ("playground-worker", "playground-worker2")
    assert {c["type"]: c["status"] for c in placed["status"]["conditions"]}["PodScheduled"] == "True"
    assert cluster.event_reasons("Pod", "web")[0] == "Scheduled"


def test_pods_of_one_replica_set_spread_over_the_workers(cluster):
    cluster.apply(replica_set("web", replicas=6))

    cluster.settle()

    nodes = [p["spec"]["nodeName"] for p in cluster.list("Pod")]
    assert sorted(nodes) == ["playground-worker"] * 3 + ["playground-worker2"] * 3


def test_a_pod_that_fits_nowhere_says_why_and_waits(cluster):
    big = pod("big")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "16"}}
    cluster.create(big)

    cluster.settle()

    waiting = cluster.get("Pod", "big", "default")
    [condition] = waiting["status"]["conditions"]
    assert "nodeName" not in waiting["spec"]
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    assert condition["message"].startswith(
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient cpu."
    )
    assert cluster.event_reasons("Pod", "big") == ["FailedScheduling"]


def test_a_waiting_pod_is_scheduled_when_a_node_that_fits_joins(cluster):
    big = pod("big")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "16"}}
    cluster.create(big)
    cluster.settle()

    cluster.create(node("playground-worker3", ip="172.18.0.5", pod_cidr="10.244.3.0/24", now="2026-01-01T00:00:00Z", cpu="32"))
    cluster.settle()

    assert cluster.get("Pod", "big", "default")["spec"]["nodeName"] == "playground-worker3"
    assert cluster.event_reasons("Pod", "big") == ["FailedScheduling", "Scheduled"]
