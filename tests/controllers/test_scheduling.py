"""The scheduler's decision, on plain Kubernetes JSON: no database, the demo cluster's three nodes."""
from __future__ import annotations

import tracemalloc
from decimal import Decimal
from typing import Any

import pytest

from playground.controllers.schedule_one import schedule
from playground.controllers.scheduling import (
    NodeInfo,
    assume,
    filter_node_affinity,
    filter_node_ports,
    node_allocatable,
    node_infos,
    pod_requests,
    score_least_allocated,
    score_node_affinity,
    tolerates,
)

Obj = dict[str, Any]
CONTROL_PLANE = "playground-control-plane"
WORKER, WORKER2 = "playground-worker", "playground-worker2"
CONTROL_PLANE_TAINT = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
NO_VICTIMS = "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, " \
             "2 No preemption victims found for incoming pod."


def kind_node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110", labels: Obj | None = None) -> Obj:
    """A node as a kind cluster registers it: the control plane labelled and tainted NoSchedule."""
    node: Obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **(labels or {})}},
        "spec": {},
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods}, "capacity": {"cpu": cpu, "memory": memory, "pods": pods}},
    }
    if name.endswith("control-plane"):
        node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = ""
        node["spec"]["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    return node


def pod(name: str, *, cpu: str | None = None, memory: str | None = None, node: str | None = None,
        owner: str | None = None, priority: int | None = None, **spec: Any) -> Obj:
    requests = {key: value for key, value in (("cpu", cpu), ("memory", memory)) if value is not None}
    container: Obj = {"name": "main", "image": "nginx:1.27", "resources": {"requests": requests} if requests else {}}
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": {"containers": [container], **spec},
        "status": {"phase": "Running" if node else "Pending"},
    }
    if node:
        obj["spec"]["nodeName"] = node
    if owner:
        obj["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": f"uid-{owner}", "controller": True}
        ]
    if priority is not None:
        obj["spec"]["priority"] = priority
    return obj


def cluster(*pods: Obj, nodes: list[Obj] | None = None) -> dict[str, NodeInfo]:
    return node_infos(nodes or [kind_node(CONTROL_PLANE), kind_node(WORKER), kind_node(WORKER2)], pods)


def cordoned(node: Obj) -> Obj:
    node["spec"]["unschedulable"] = True
    node["spec"]["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    return node


CONTROL_PLANE_TOLERATION = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}


# --- taints and tolerations ----------------------------------------------------------------------


def test_workloads_avoid_the_tainted_control_plane_even_when_it_is_the_emptiest():
    infos = cluster(pod("busy", cpu="3", node=WORKER), pod("busy2", cpu="3", node=WORKER2))

    decision = schedule(pod("web", cpu="500m"), infos)

    assert decision.node_name in (WORKER, WORKER2)
    assert decision.reasons == {CONTROL_PLANE: (CONTROL_PLANE_TAINT,)}


def test_a_pod_tolerating_the_control_plane_taint_may_land_there():
    infos = cluster(pod("busy", cpu="3", node=WORKER), pod("busy2", cpu="3", node=WORKER2))

    decision = schedule(pod("etcd", cpu="500m", tolerations=[CONTROL_PLANE_TOLERATION]), infos)

    assert decision.node_name == CONTROL_PLANE


@pytest.mark.parametrize(
    ("toleration", "taint", "tolerated"),
    [
        ({"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}, {"key": "k", "value": "v", "effect": "NoSchedule"}, True),
        ({"key": "k", "value": "v"}, {"key": "k", "value": "v", "effect": "NoExecute"}, True),  # Equal is the default operator; no effect matches all
        ({"key": "k", "operator": "Equal", "value": "v"}, {"key": "k", "value": "w", "effect": "NoSchedule"}, False),
        ({"key": "k", "operator": "Exists"}, {"key": "k", "value": "anything", "effect": "NoExecute"}, True),
        ({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, {"key": "k", "effect": "NoExecute"}, False),
        ({"key": "other", "operator": "Exists"}, {"key": "k", "effect": "NoSchedule"}, False),
        ({"operator": "Exists"}, {"key": "any-key", "value": "x", "effect": "NoExecute"}, True),  # empty key + Exists: everything
        ({"operator": "Exists", "effect": "NoSchedule"}, {"key": "any-key", "effect": "NoExecute"}, False),
    ],
)
def test_toleration_matching_follows_the_api_rules(toleration, taint, tolerated):
    assert tolerates([toleration], taint) is tolerated


# --- resources -----------------------------------------------------------------------------------


def test_insufficient_cpu_is_counted_per_node_with_the_preemption_verdict():
    decision = schedule(pod("huge", cpu="5"), cluster())

    assert decision.node_name is None
    assert decision.message == (
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 Insufficient cpu. {NO_VICTIMS}"
    )


def test_a_node_short_of_cpu_and_memory_gives_both_reasons():
    decision = schedule(pod("huge", cpu="5", memory="10Gi"), cluster())

    assert decision.message.startswith(
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 Insufficient cpu, 2 Insufficient memory. "
    )


def test_requests_already_on_the_node_count():
    infos = cluster(pod("a", cpu="3", node=WORKER), pod("b", cpu="3500m", node=WORKER2))

    decision = schedule(pod("web", cpu="1"), infos)

    assert decision.node_name == WORKER


def test_a_node_takes_at_most_110_pods_by_default():
    full = [pod(f"p{i}", node=WORKER) for i in range(110)]
    node = kind_node(WORKER)
    del node["status"]["allocatable"]["pods"], node["status"]["capacity"]["pods"]

    decision = schedule(pod("one-more"), cluster(*full, nodes=[node]))

    assert node_allocatable(node)["pods"] == 110
    assert decision.message == (
        "0/1 nodes are available: 1 Too many pods. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )


def test_the_110th_pod_still_fits():
    decision = schedule(pod("last"), cluster(*[pod(f"p{i}", node=WORKER) for i in range(109)], nodes=[kind_node(WORKER)]))

    assert decision.node_name == WORKER


def test_effective_requests_take_the_largest_init_container_and_add_the_overhead():
    spec = {
        "initContainers": [
            {"name": "migrate", "resources": {"requests": {"cpu": "2", "memory": "3Gi"}}},
            {"name": "warm", "resources": {"requests": {"cpu": "500m"}}},
        ],
        "overhead": {"cpu": "250m", "memory": "120Mi"},
    }
    web = pod("web", cpu="1", memory="1Gi", **spec)
    web["spec"]["containers"].append({"name": "log", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}})

    assert pod_requests(web) == {
        "cpu": Decimal("2.25"),  # max(2 for the init container, 1 + 1) + 250m
        "memory": Decimal(3 * 2**30 + 120 * 2**20),
        "pods": Decimal(1),
    }


def test_a_sidecar_runs_beside_the_containers():
    sidecar = {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "300m"}}}

    assert pod_requests(pod("web", cpu="1", initContainers=[sidecar]))["cpu"] == Decimal("1.3")


def test_finished_pods_give_their_resources_back():
    done = pod("job", cpu="4", node=WORKER)
    done["status"]["phase"] = "Succeeded"

    infos = cluster(done)

    assert infos[WORKER].pods == []
    assert infos[WORKER].requested == {}


# --- node selection by labels --------------------------------------------------------------------


def labelled_cluster() -> dict[str, NodeInfo]:
    return cluster(nodes=[
        kind_node(CONTROL_PLANE),
        kind_node(WORKER, labels={"disktype": "ssd", "cores": "8"}),
        kind_node(WORKER2, labels={"disktype": "hdd", "cores": "2", "gpu": "true"}),
    ])


def test_a_node_selector_picks_the_labelled_node():
    decision = schedule(pod("db", nodeSelector={"disktype": "hdd"}), labelled_cluster())

    assert decision.node_name == WORKER2


def test_a_node_selector_no_node_matches_says_so():
    decision = schedule(pod("db", nodeSelector={"disktype": "nvme"}), labelled_cluster())

    assert decision.message == (
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


@pytest.mark.parametrize(
    ("expression", "matching"),
    [
        ({"key": "disktype", "operator": "In", "values": ["ssd", "nvme"]}, [WORKER]),
        ({"key": "disktype", "operator": "NotIn", "values": ["ssd"]}, [CONTROL_PLANE, WORKER2]),
        ({"key": "gpu", "operator": "Exists"}, [WORKER2]),
        ({"key": "gpu", "operator": "DoesNotExist"}, [CONTROL_PLANE, WORKER]),
        ({"key": "cores", "operator": "Gt", "values": ["4"]}, [WORKER]),
        ({"key": "cores", "operator": "Lt", "values": ["4"]}, [WORKER2]),
        ({"key": "disktype", "operator": "Gt", "values": ["4"]}, []),  # not a number: never matches
    ],
)
def test_required_node_affinity_operators(expression, matching):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [expression]}]}}}
    web = pod("web", affinity=affinity)

    assert [name for name, info in labelled_cluster().items() if filter_node_affinity(web, info) is None] == matching


def test_node_selector_terms_are_ored():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}]},
        {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]},
    ]}}}
    web = pod("web", affinity=affinity)

    assert [name for name, info in labelled_cluster().items() if filter_node_affinity(web, info) is None] == [WORKER, WORKER2]


def test_a_preferred_node_affinity_term_wins_the_tie():
    affinity = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}}]}}

    decision = schedule(pod("trainer", affinity=affinity), labelled_cluster())

    assert decision.node_name == WORKER2


def test_an_empty_preferred_term_scores_no_node():
    affinity = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {}}]}}
    infos = labelled_cluster()

    assert {score_node_affinity(pod("any", affinity=affinity), info) for info in infos.values()} == {0}


def test_a_daemon_set_pod_pinned_by_match_fields_reports_the_other_nodes_together():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [WORKER2]}]}]}}}
    infos = cluster(pod("busy", cpu="4", node=WORKER2))

    decision = schedule(pod("agent", cpu="100m", affinity=affinity), infos)

    assert decision.message == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling."
    )


# --- cordons, node names, ports ------------------------------------------------------------------


def test_a_cordoned_node_takes_no_new_pods():
    nodes = [kind_node(CONTROL_PLANE), cordoned(kind_node(WORKER)), kind_node(WORKER2)]

    decision = schedule(pod("web"), cluster(nodes=nodes))

    assert decision.node_name == WORKER2
    assert decision.reasons[WORKER] == ("node(s) were unschedulable",)


def test_with_every_worker_cordoned_nothing_fits():
    nodes = [kind_node(CONTROL_PLANE), cordoned(kind_node(WORKER)), cordoned(kind_node(WORKER2))]

    decision = schedule(pod("web"), cluster(nodes=nodes))

    assert decision.message == (
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 node(s) were unschedulable. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


def test_a_pod_tolerating_the_cordon_still_lands_on_a_cordoned_node():
    nodes = [kind_node(CONTROL_PLANE), cordoned(kind_node(WORKER)), cordoned(kind_node(WORKER2))]
    toleration = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}

    decision = schedule(pod("agent", tolerations=[toleration]), cluster(nodes=nodes))

    assert decision.node_name == WORKER


def test_a_preset_node_name_is_the_only_node_considered():
    infos = cluster(pod("busy", cpu="3", node=WORKER2))

    decision = schedule(pod("pinned", node=WORKER2), infos)

    assert decision.node_name == WORKER2
    assert decision.reasons == {
        CONTROL_PLANE: ("node(s) didn't match the requested node name",),
        WORKER: ("node(s) didn't match the requested node name",),
    }


def test_a_taken_host_port_is_not_free_again():
    def with_port(name: str, node: str | None = None, host_ip: str | None = None) -> Obj:
        web = pod(name, node=node)
        web["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]
        if host_ip:
            web["spec"]["containers"][0]["ports"][0]["hostIP"] = host_ip
        return web

    infos = cluster(with_port("first", node=WORKER, host_ip="172.18.0.3"))

    assert filter_node_ports(with_port("same-ip", host_ip="172.18.0.3"), infos[WORKER]) is not None
    assert filter_node_ports(with_port("all-ips"), infos[WORKER]) is not None
    assert filter_node_ports(with_port("other-ip", host_ip="10.0.0.9"), infos[WORKER]) is None
    assert schedule(with_port("second"), infos).node_name == WORKER2


# --- scoring -------------------------------------------------------------------------------------


def test_least_allocated_prefers_the_emptier_node():
    infos = cluster(pod("busy", cpu="2", memory="4Gi", node=WORKER))
    web = pod("web", cpu="500m", memory="512Mi")

    assert score_least_allocated(web, infos[WORKER]) < score_least_allocated(web, infos[WORKER2])
    assert schedule(web, infos).node_name == WORKER2


def test_six_pods_of_one_replica_set_spread_three_and_three():
    # WORKER2 already runs something else, so resources alone would put every replica on WORKER
    infos = cluster(pod("other", cpu="1", memory="1Gi", node=WORKER2))

    for i in range(6):
        replica = pod(f"web-{i}", owner="web-7d9f8")
        assume(infos, replica, schedule(replica, infos).node_name)

    assert [len(infos[name].pods) for name in (CONTROL_PLANE, WORKER, WORKER2)] == [0, 3, 3 + 1]


def test_a_batch_of_twenty_pods_never_overcommits_a_node():
    infos = cluster()
    placed = []
    failures = []

    for i in range(20):
        decision = schedule(pod(f"batch-{i}", cpu="1", memory="1500Mi"), infos)
        if decision.node_name:
            placed.append(assume(infos, pod(f"batch-{i}", cpu="1", memory="1500Mi"), decision.node_name))
        else:
            failures.append(decision.message)

    assert len(placed) == 8  # 4 cpu a worker
    for info in infos.values():
        assert info.requested.get("cpu", 0) <= info.allocatable["cpu"]
        assert info.requested.get("memory", 0) <= info.allocatable["memory"]
    assert failures == [f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 Insufficient cpu. {NO_VICTIMS}"] * 12


def test_assume_leaves_the_pod_it_was_given_unbound():
    web = pod("web")

    assumed = assume(cluster(), web, WORKER)

    assert assumed["spec"]["nodeName"] == WORKER
    assert "nodeName" not in web["spec"]


# --- preemption ----------------------------------------------------------------------------------


def test_a_higher_priority_pod_nominates_a_node_and_names_its_victims():
    infos = cluster(pod("batch-a", cpu="3", node=WORKER, priority=0), pod("batch-b", cpu="3500m", node=WORKER2, priority=0))

    decision = schedule(pod("critical", cpu="2", priority=1000), infos)

    assert decision.node_name is None
    assert decision.message == f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 Insufficient cpu."
    assert decision.nominated_node_name == WORKER  # same priorities: the first node by name
    assert [victim["metadata"]["name"] for victim in decision.victims] == ["batch-a"]


def test_a_pod_that_never_preempts_says_so():
    infos = cluster(pod("batch-a", cpu="3", node=WORKER), pod("batch-b", cpu="3", node=WORKER2))

    decision = schedule(pod("polite", cpu="2", priority=1000, preemptionPolicy="Never"), infos)

    assert decision.message == (
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, 2 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never."
    )
    assert decision.nominated_node_name is None


def test_no_nodes_at_all():
    assert schedule(pod("web"), {}).message == "no nodes available to schedule pods"


def decisions_retained(nodes: int, pods: int = 100) -> int:
    """Bytes held by `pods` decisions over `nodes` workers, as a scheduling pass holds them all
    until its one batch is written (the nodes' own caches warmed first, so only decisions count)."""
    infos = node_infos([kind_node(f"worker-{n:03d}") for n in range(nodes)], [])
    schedule(pod("warm-up", cpu="10m", owner="web"), infos)
    tracemalloc.start()
    try:
        decisions = [schedule(pod(f"web-{i}", cpu="10m", owner="web"), infos) for i in range(pods)]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert all(decision.node_name for decision in decisions)
    return held


def test_a_decision_does_not_grow_with_the_cluster():
    # A 10,000-pod pass keeps 10,000 decisions: a per-node table in each costs megabytes at its peak
    assert decisions_retained(nodes=100) < 1.5 * decisions_retained(nodes=3)
