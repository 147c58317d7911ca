"""The scheduler places pods as kube-scheduler does, and says why when it cannot."""
from __future__ import annotations

from playground.store import api as store
from playground.store import tables
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


def cpu_pod(name: str, cpu: str, *, priority_class_name: str = "") -> dict:
    obj = pod(name)
    obj["spec"]["containers"][0]["resources"] = {"requests": {"cpu": cpu}}
    if priority_class_name:
        obj["spec"]["priorityClassName"] = priority_class_name
    return obj


def priority_class(name: str, value: int) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value}


def test_a_higher_priority_pod_on_a_full_cluster_preempts_a_lower_one_and_runs(cluster):
    cluster.create(priority_class("high", 1000))
    cluster.create(cpu_pod("batch-a", "3"))
    cluster.create(cpu_pod("batch-b", "3"))
    cluster.advance(30)  # both running, one on each worker

    cluster.create(cpu_pod("critical", "2", priority_class_name="high"))
    cluster.settle()

    [victim] = [p for p in cluster.list("Pod") if p["metadata"].get("deletionTimestamp")]
    node_name = victim["spec"]["nodeName"]
    target = {c["type"]: c for c in victim["status"]["conditions"]}["DisruptionTarget"]
    assert (target["status"], target["reason"], target["message"]) == (
        "True", "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")
    critical = cluster.get("Pod", "critical", "default")
    assert critical["status"]["nominatedNodeName"] == node_name
    wide = dict(zip([c.name for c in tables.column_definitions("Pod")], tables.cells(critical, now=cluster.now(), wide=True)))
    assert (wide["Status"], wide["Node"], wide["Nominated Node"]) == ("Pending", "<none>", node_name)  # kubectl get -o wide
    assert "nodeName" not in critical["spec"]
    [preempted] = [e for e in cluster.list("Event", namespace="default")
                   if e["reason"] == "Preempted" and e["involvedObject"]["name"] == victim["metadata"]["name"]]
    assert preempted["message"] == f"Preempted by pod {critical['metadata']['uid']} on node {node_name}"

    cluster.advance(60)  # the victim's grace period runs out and it is gone

    critical = cluster.get("Pod", "critical", "default")
    assert (critical["spec"]["nodeName"], critical["status"]["phase"]) == (node_name, "Running")
    assert [p["metadata"]["name"] for p in cluster.list("Pod")] == sorted(
        ["critical", ({"batch-a", "batch-b"} - {victim["metadata"]["name"]}).pop()])
    assert set(cluster.event_reasons("Pod", "critical")) >= {"FailedScheduling", "Scheduled", "Started"}


def bound(cluster) -> int:
    return sum(1 for p in cluster.list("Pod") if p["spec"].get("nodeName"))


def create_pods(cluster, count: int, name: str = "web", *, cpu: str | None = None) -> None:
    """`count` pods in one commit: the scheduler's rate alone, not the ReplicaSet controller's."""
    with store.batch(cluster.name) as batch:
        for i in range(count):
            obj = pod(f"{name}-{i}", labels={"app": name})
            if cpu is not None:
                obj["spec"]["containers"][0]["resources"] = {"requests": {"cpu": cpu}}
            batch.create(obj)


def test_a_scale_up_is_bound_at_the_scheduler_clients_rate_not_all_at_once(cluster):
    """kube-scheduler's API client sends 50 requests a second in bursts of 100: 200 pods take
    two simulated seconds to bind, and watchers see them come as a stream."""
    create_pods(cluster, 200)

    cluster.settle()
    assert bound(cluster) == 100

    cluster.advance(1)
    assert bound(cluster) == 150
    cluster.advance(1)
    assert bound(cluster) == 200


def test_pods_that_fit_nowhere_wait_behind_the_others_and_bring_no_pass_of_their_own(cluster):
    create_pods(cluster, 150, "big", cpu="16")
    cluster.settle()
    cluster.advance(1)  # the 50 the burst left out are tried too
    assert {cluster.event_reasons("Pod", p["metadata"]["name"])[0] for p in cluster.list("Pod")} == {"FailedScheduling"}
    tried = len(cluster.event_reasons("Pod", cluster.list("Pod")[0]["metadata"]["name"]))
    cluster.advance(10)
    assert len(cluster.event_reasons("Pod", cluster.list("Pod")[0]["metadata"]["name"])) == tried  # not every 0.2 s

    cluster.apply(replica_set("web", replicas=3))  # newer pods that fit go ahead of the 150
    cluster.settle()

    assert sorted(p["metadata"]["name"].split("-")[0] for p in cluster.list("Pod") if p["spec"].get("nodeName")) == ["web"] * 3
