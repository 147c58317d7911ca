"""Inter-pod affinity and topology spread constraints, as kube-scheduler's InterPodAffinity and
PodTopologySpread plugins decide them, in the demo cluster (a tainted control plane, two workers)."""
from __future__ import annotations

from typing import Any

from playground.controllers.schedule_one import schedule
from playground.controllers.scheduling import NodeInfo, assume
from tests.controllers.test_scheduling import (
    CONTROL_PLANE,
    CONTROL_PLANE_TAINT,
    NO_VICTIMS,
    WORKER,
    WORKER2,
    cluster,
    kind_node,
    pod,
)
from tests.factories import replica_set

Obj = dict[str, Any]
HOSTNAME, ZONE = "kubernetes.io/hostname", "topology.kubernetes.io/zone"
NOT_HELPFUL = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def labelled(obj: Obj, **labels: str) -> Obj:
    obj["metadata"]["labels"] = {**obj["metadata"].get("labels", {}), **labels}
    return obj


def term(topology_key: str = HOSTNAME, **match_labels: str) -> Obj:
    return {"labelSelector": {"matchLabels": match_labels}, "topologyKey": topology_key}


def anti_affine(obj: Obj, *terms: Obj, preferred: bool = False) -> Obj:
    return _with_affinity(obj, "podAntiAffinity", terms, preferred)


def affine(obj: Obj, *terms: Obj, preferred: bool = False) -> Obj:
    return _with_affinity(obj, "podAffinity", terms, preferred)


def _with_affinity(obj: Obj, kind: str, terms: tuple[Obj, ...], preferred: bool) -> Obj:
    if preferred:
        rules = {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": t} for t in terms]}
    else:
        rules = {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}
    obj["spec"].setdefault("affinity", {})[kind] = rules
    return obj


def spread(obj: Obj, *, key: str = HOSTNAME, max_skew: int = 1, when: str = "DoNotSchedule", **extra: Any) -> Obj:
    constraint = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when,
                  "labelSelector": {"matchLabels": {"app": "web"}}, **extra}
    obj["spec"].setdefault("topologySpreadConstraints", []).append(constraint)
    return obj


def place_all(infos: dict[str, NodeInfo], *pods: Obj) -> list[tuple[str | None, str]]:
    """Schedule the pods one after another, as one scheduler pass does: (node or None, message)."""
    placed = []
    for each in pods:
        decision = schedule(each, infos)
        if decision.node_name is not None:
            assume(infos, each, decision.node_name)
        placed.append((decision.node_name, decision.message))
    return placed


def web(name: str) -> Obj:
    """A pod labelled app=web, without an owner: no system default spreading moves it."""
    return labelled(pod(name), app="web")


BUSY_WORKER2 = pod("busy", cpu="3", node=WORKER2)  # without the constraints, pods would go to the emptier worker


def zoned() -> list[Obj]:
    return [kind_node(CONTROL_PLANE, labels={ZONE: "a"}), kind_node(WORKER, labels={ZONE: "a"}),
            kind_node(WORKER2, labels={ZONE: "b"})]


# --- required pod anti-affinity ------------------------------------------------------------------


def test_three_replicas_anti_affine_on_hostname_leave_the_third_pending():
    replicas = [anti_affine(web(f"web-{i}"), term(app="web")) for i in range(3)]

    placed = place_all(cluster(), *replicas)

    assert sorted(node for node, _ in placed[:2]) == [WORKER, WORKER2]
    assert placed[2] == (None, f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, "
                               f"2 node(s) didn't match pod anti-affinity rules. {NO_VICTIMS}")


def test_a_running_pods_anti_affinity_keeps_matching_pods_off_its_node():
    guard = anti_affine(pod("guard", node=WORKER), term(app="web"))

    decision = schedule(web("web-0"), cluster(guard))

    assert decision.node_name == WORKER2
    assert decision.reasons[WORKER] == ("node(s) didn't satisfy existing pods anti-affinity rules",)


def test_anti_affinity_on_zone_keeps_the_whole_zone_free():
    infos = cluster(web("web-0") | {"spec": {**web("web-0")["spec"], "nodeName": WORKER}}, BUSY_WORKER2, nodes=zoned())

    decision = schedule(anti_affine(web("web-1"), term(ZONE, app="web")), infos)

    assert decision.node_name == WORKER2


def test_anti_affinity_counts_only_the_terms_namespace():
    elsewhere = labelled(pod("web-other", node=WORKER), app="web")
    elsewhere["metadata"]["namespace"] = "staging"

    decision = schedule(anti_affine(web("web-0"), term(app="web")), cluster(elsewhere, pod("busy", cpu="3", node=WORKER2)))

    assert decision.node_name == WORKER


# --- required pod affinity -----------------------------------------------------------------------


def test_required_affinity_follows_the_pod_it_wants():
    cache = labelled(pod("cache", node=WORKER2, cpu="3"), app="cache")

    decision = schedule(affine(web("web-0"), term(app="cache")), cluster(cache))

    assert decision.node_name == WORKER2
    assert decision.reasons[WORKER] == ("node(s) didn't match pod affinity rules",)


def test_required_affinity_with_nothing_to_join_is_unresolvable():
    decision = schedule(affine(web("web-0"), term(app="cache")), cluster())

    assert decision.message == (f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, "
                                f"2 node(s) didn't match pod affinity rules. {NOT_HELPFUL}")


def test_the_first_pod_of_a_self_affine_group_may_go_anywhere():
    replicas = [affine(web(f"web-{i}"), term(app="web")) for i in range(3)]

    placed = place_all(cluster(), *replicas)

    assert [node for node, _ in placed] == [WORKER] * 3


# --- preferred terms -----------------------------------------------------------------------------


def test_preferred_anti_affinity_outweighs_the_emptier_node():
    infos = cluster(web("web-0") | {"spec": {**web("web-0")["spec"], "nodeName": WORKER}},
                    pod("busy", cpu="2", node=WORKER2))

    decision = schedule(anti_affine(web("web-1"), term(app="web"), preferred=True), infos)

    assert decision.node_name == WORKER2


def test_preferred_affinity_draws_the_pod_to_its_partner():
    infos = cluster(labelled(pod("cache", cpu="2", node=WORKER2), app="cache"))

    decision = schedule(affine(web("web-0"), term(app="cache"), preferred=True), infos)

    assert decision.node_name == WORKER2


def test_a_running_pods_preferred_anti_affinity_repels_the_incoming_pod():
    loner = anti_affine(pod("loner", node=WORKER), term(app="web"), preferred=True)

    decision = schedule(labelled(pod("web-0", cpu="1"), app="web"), cluster(loner, pod("busy", cpu="1500m", node=WORKER2)))

    assert decision.node_name == WORKER2


# --- topology spread constraints -----------------------------------------------------------------


def test_hostname_spread_counts_the_tainted_control_plane_as_an_empty_domain():
    replicas = [spread(web(f"web-{i}")) for i in range(3)]

    placed = place_all(cluster(), *replicas)

    assert sorted(node for node, _ in placed[:2]) == [WORKER, WORKER2]
    assert placed[2] == (None, f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, "
                               f"2 node(s) didn't match pod topology spread constraints. {NO_VICTIMS}")


def test_honouring_taints_leaves_the_control_plane_out_of_the_domains():
    replicas = [spread(web(f"web-{i}"), nodeTaintsPolicy="Honor") for i in range(4)]

    placed = place_all(cluster(BUSY_WORKER2), *replicas)

    assert sorted(node for node, _ in placed) == [WORKER, WORKER, WORKER2, WORKER2]


def test_a_node_selector_narrows_the_domains():
    replicas = [spread(web(f"web-{i}"), max_skew=1) for i in range(2)]
    for replica in replicas:
        replica["spec"]["nodeSelector"] = {HOSTNAME: WORKER}

    placed = place_all(cluster(), *replicas)

    assert [node for node, _ in placed] == [WORKER, WORKER]


def test_a_node_without_the_topology_key_is_unresolvable():
    decision = schedule(spread(web("web-0"), key=ZONE), cluster())

    assert decision.message == (
        f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, "
        f"2 node(s) didn't match pod topology spread constraints (missing required label). {NOT_HELPFUL}"
    )


def test_zone_spread_with_max_skew_one():
    replicas = [spread(web(f"web-{i}"), key=ZONE) for i in range(4)]

    placed = place_all(cluster(BUSY_WORKER2, nodes=zoned()), *replicas)

    # zone a holds the control plane and worker; zone b only worker2
    assert sorted(node for node, _ in placed) == [WORKER, WORKER, WORKER2, WORKER2]


def test_min_domains_counts_missing_domains_as_empty():
    replicas = [spread(web(f"web-{i}"), key=ZONE, minDomains=3) for i in range(3)]

    placed = place_all(cluster(nodes=zoned()), *replicas)

    assert sorted(node for node, _ in placed[:2]) == [WORKER, WORKER2]
    assert placed[2][0] is None  # two zones hold one each: with a third missing, the minimum is 0


def test_match_label_keys_spread_each_revision_on_its_own():
    old = [labelled(web(f"old-{i}"), **{"pod-template-hash": "aaa"}) for i in range(2)]
    for replica, node in zip(old, (WORKER, WORKER2)):
        replica["spec"]["nodeName"] = node
    new = [spread(labelled(web(f"new-{i}"), **{"pod-template-hash": "bbb"}), matchLabelKeys=["pod-template-hash"])
           for i in range(2)]

    placed = place_all(cluster(*old, BUSY_WORKER2), *new)

    assert sorted(node for node, _ in placed) == [WORKER, WORKER2]


def test_schedule_anyway_spread_scores_but_never_blocks():
    replicas = [spread(web(f"web-{i}"), when="ScheduleAnyway") for i in range(4)]
    placed = place_all(cluster(pod("busy", cpu="1", node=WORKER2)), *replicas)

    assert sorted(node for node, _ in placed) == [WORKER, WORKER, WORKER2, WORKER2]


# --- in a running cluster ------------------------------------------------------------------------


def test_a_replica_set_anti_affine_on_hostname_runs_two_and_leaves_one_pending(cluster):
    manifest = replica_set("web", replicas=3)
    manifest["spec"]["template"]["spec"]["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": HOSTNAME}]}}
    cluster.apply(manifest)

    cluster.settle()

    pods = cluster.list("Pod")
    assert sorted(p["spec"].get("nodeName", "") for p in pods) == ["", WORKER, WORKER2]
    [pending] = [p for p in pods if not p["spec"].get("nodeName")]
    [condition] = [c for c in pending["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert condition["message"] == (f"0/3 nodes are available: 1 {CONTROL_PLANE_TAINT}, "
                                    f"2 node(s) didn't match pod anti-affinity rules. {NO_VICTIMS}")
    assert cluster.event_reasons("Pod", pending["metadata"]["name"]) == ["FailedScheduling"]


def test_a_pod_waiting_for_its_partner_is_scheduled_once_the_partner_is_bound(cluster):
    """The scheduling queue moves a pod left pending by pod affinity back when another pod is bound."""
    manifest = replica_set("web", replicas=1)
    manifest["spec"]["template"]["spec"]["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": HOSTNAME}]}}
    cluster.apply(manifest)
    cluster.settle()
    assert [p["spec"].get("nodeName") for p in cluster.list("Pod")] == [None]

    cluster.create(labelled(pod("cache", node=WORKER2), app="cache"))  # bound already: no scheduling pass for it
    cluster.settle()

    [cache] = cluster.list("Pod", label_selector="app=cache")
    [web_pod] = cluster.list("Pod", label_selector="app=web")
    assert web_pod["spec"].get("nodeName") == cache["spec"]["nodeName"]
