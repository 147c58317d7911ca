"""The kube-scheduler's decision: which node a Pod goes to, or why none; and, when none, which
lower-priority pods to preempt.

informer cache (Nodes, Pods) → scheduling.node_infos() → schedule(pod): the filters, then the
scores of the feasible nodes (scheduling.py) → Decision → the scheduler controller binds the pod
(a `Scheduled` Event) or records `FailedScheduling` with `Decision.message`. No database, no Django.

Follows kubernetes/kubernetes v1.32, pkg/scheduler: schedule_one.go (schedulePod,
findNodesThatFitPod, prioritizeNodes, selectHost), apis/config/v1/default_plugins.go (the
filter order: ... NodeResourcesFit, VolumeBinding, PodTopologySpread, InterPodAffinity),
framework/types.go (FitError.Error),
framework/plugins/defaultpreemption/default_preemption.go and framework/preemption/preemption.go
(PostFilter: candidates, victims, pickOneNodeForPreemption).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import interpodaffinity, podtopologyspread
from .scheduling import (
    REASON_AFFINITY_CONFLICT,
    REASON_DIDNT_SATISFY,
    FilterStatus,
    NodeInfo,
    Obj,
    PodVolumes,
    affinity_node_names,
    filter_volume_binding,
    pod_priority,
    pod_requests,
    prioritize,
    run_filters,
)

NO_NODES_AVAILABLE = "no nodes available to schedule pods"

PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"

NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod"

NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."

NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."


# --- the decision --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """Where the pod goes (`node_name`), or why it cannot go anywhere (`message`, as the
    FailedScheduling Event prints it). When preemption can make room, `nominated_node_name` is where
    the pod waits (status.nominatedNodeName) and `victims` the lower-priority pods to evict first;
    "" when preemption found no room (the nomination is cleared), None when it was not tried.
    The scheduler keeps every pending pod's decision until its one batch is written, so a decision
    holds only what that write reads: no node scores (selectHost's ScheduleResult has none either)."""

    node_name: str | None
    message: str = ""
    nominated_node_name: str | None = None
    victims: tuple[Obj, ...] = ()
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rejected node → why


def schedule(pod: Obj, node_infos: Mapping[str, NodeInfo], *, volumes: PodVolumes | None = None) -> Decision:
    """One scheduling cycle (schedulePod): filter every node, score the feasible ones, pick the best.

    Ties go to the first node by name, so runs are reproducible (Kubernetes picks at random among
    the best); the spreading score moves the next pod of the same owner elsewhere. `volumes`:
    what the pod's claims ask of a node (VolumeBinding), None for a pod without claims.
    Playground: every node is examined (Kubernetes samples once a cluster has 100 nodes or more).
    """
    infos = list(node_infos.values())
    if not infos:
        return Decision(None, NO_NODES_AVAILABLE)
    conflict, absent, candidates = _pre_filter(pod, infos)
    if not conflict and volumes is not None and volumes.unschedulable:
        conflict, absent = volumes.unschedulable, FilterStatus("VolumeBinding", (volumes.unschedulable,), False)
    statuses: dict[str, FilterStatus] = {}
    if conflict:
        return _unschedulable(pod, node_infos, statuses, absent, pre_filter_message=conflict)
    requests = pod_requests(pod)
    cycle = _Cycle(podtopologyspread.pre_filter(pod, infos), interpodaffinity.pre_filter(pod, infos))
    more_filters = volumes is not None or cycle.spread is not None or cycle.affinity is not None
    for info in candidates:
        status = run_filters(pod, info, requests)
        if status is None and more_filters:
            status = _filter_after_resources(pod, info, volumes, cycle)
        if status is not None:
            statuses[info.name] = status
    feasible = [info for info in candidates if info.name not in statuses]
    if not feasible:
        return _unschedulable(pod, node_infos, statuses, absent)
    if len(feasible) == 1:
        return Decision(feasible[0].name, reasons=_reasons(statuses))  # nothing to compare
    more = {
        plugin: scores
        for plugin, scores in (
            ("PodTopologySpread", podtopologyspread.score(pod, feasible, infos)),
            ("InterPodAffinity", interpodaffinity.score(pod, feasible, infos)),
        )
        if scores is not None
    }
    scores = prioritize(pod, feasible, infos, more=more)
    best = min(feasible, key=lambda info: (-scores[info.name], info.name))
    return Decision(best.name, reasons=_reasons(statuses))


@dataclass(frozen=True)
class _Cycle:
    """What the PreFilter plugins kept in the CycleState for their Filter; None where they Skip."""

    spread: podtopologyspread.PreFilterState | None
    affinity: interpodaffinity.PreFilterState | None


def _filter_after_resources(pod: Obj, info: NodeInfo, volumes: PodVolumes | None, cycle: _Cycle) -> FilterStatus | None:
    """The filters the default profile runs after NodeResourcesFit, in its order: VolumeBinding,
    PodTopologySpread, InterPodAffinity."""
    if volumes is not None and (reason := filter_volume_binding(volumes, info)):
        return FilterStatus("VolumeBinding", (reason,), False)
    if verdict := podtopologyspread.filter_pod_topology_spread(cycle.spread, pod, info):
        return FilterStatus("PodTopologySpread", (verdict[0],), verdict[1])
    if verdict := interpodaffinity.filter_inter_pod_affinity(cycle.affinity, pod, info):
        return FilterStatus("InterPodAffinity", (verdict[0],), verdict[1])
    return None


def _pre_filter(pod: Obj, infos: list[NodeInfo]) -> tuple[str, FilterStatus | None, list[NodeInfo]]:
    """NodeAffinity's PreFilter: a pod pinned to named nodes is filtered on those only; the others
    are "absent" and reported together. Returns (the PreFilter's rejection, absent status, nodes)."""
    names = affinity_node_names(pod)
    if names is None:
        return "", None, infos
    if not names:
        # Every node is rejected at once, which leaves nothing for preemption either
        return REASON_AFFINITY_CONFLICT, FilterStatus("NodeAffinity", (REASON_AFFINITY_CONFLICT,), False), []
    absent = FilterStatus("NodeAffinity", (REASON_DIDNT_SATISFY.format(plugins="NodeAffinity"),), False)
    return "", absent, [info for info in infos if info.name in names]


def _reasons(statuses: Mapping[str, FilterStatus]) -> dict[str, tuple[str, ...]]:
    return {name: status.reasons for name, status in statuses.items()}


def _unschedulable(
    pod: Obj,
    node_infos: Mapping[str, NodeInfo],
    statuses: dict[str, FilterStatus],
    absent: FilterStatus | None,
    *,
    pre_filter_message: str = "",
) -> Decision:
    """No node fits: run preemption (DefaultPreemption's PostFilter) and say why, as FitError does."""
    post_filter_message, nominated, victims = preempt(pod, node_infos, statuses, absent)
    message = fit_error_message(
        len(node_infos), statuses, absent, pre_filter_message=pre_filter_message, post_filter_message=post_filter_message
    )
    return Decision(None, message, nominated, victims, reasons=_reasons(statuses))


def fit_error_message(
    num_all_nodes: int,
    statuses: Mapping[str, FilterStatus],
    absent: FilterStatus | None = None,
    *,
    pre_filter_message: str = "",
    post_filter_message: str = "",
) -> str:
    """FitError.Error(): `0/N nodes are available: <count> <reason>, ... .` with the reasons
    counted over nodes and sorted as strings (so "10 x" sorts before "2 y"), then PostFilter's text."""
    message = f"0/{num_all_nodes} nodes are available:"
    if pre_filter_message:
        message += f" {pre_filter_message}."
    else:
        counts: Counter[str] = Counter()
        for status in statuses.values():
            counts.update(status.reasons)
        if absent is not None and len(statuses) < num_all_nodes:
            for reason in absent.reasons:
                counts[reason] += num_all_nodes - len(statuses)
        histogram = sorted(f"{count} {reason}" for reason, count in counts.items())
        if histogram:
            message += f" {', '.join(histogram)}."
    if post_filter_message:
        message += f" {post_filter_message}"
    return message


# --- preemption ----------------------------------------------------------------------------------


def preempt(
    pod: Obj, node_infos: Mapping[str, NodeInfo], statuses: Mapping[str, FilterStatus], absent: FilterStatus | None
) -> tuple[str, str | None, tuple[Obj, ...]]:
    """DefaultPreemption.PostFilter: (message, nominated node, victims).

    Only nodes rejected for a reason that evicting pods can fix (Unschedulable, not
    UnschedulableAndUnresolvable) are tried; on each, the lower-priority pods are the candidates.
    The message is empty when a node was nominated: the pod then waits for its victims to go.
    No candidate at all nominates "" (NewPostFilterResultWithNominatedNode("")), which clears an
    earlier nomination; a pod not eligible keeps its nomination (no PostFilterResult).
    """
    eligible, reason = _eligible_to_preempt(pod, node_infos, statuses, absent)
    if not eligible:
        return f"preemption: {reason}", None, ()
    potential = [info for name, info in node_infos.items() if name in statuses and statuses[name].resolvable]
    results: dict[str, FilterStatus] = {}
    candidates: list[tuple[NodeInfo, list[Obj]]] = []
    for info in potential:
        victims, status = select_victims_on_node(pod, info)
        if status is None:
            candidates.append((info, victims))
        else:
            results[info.name] = status
    if not candidates:
        not_helpful = FilterStatus("DefaultPreemption", (PREEMPTION_NOT_HELPFUL,), False)
        return f"preemption: {fit_error_message(len(node_infos), results, not_helpful)}", "", ()
    node, victims = pick_one_node_for_preemption(candidates)
    return "", node.name, tuple(victims)


def _eligible_to_preempt(
    pod: Obj, node_infos: Mapping[str, NodeInfo], statuses: Mapping[str, FilterStatus], absent: FilterStatus | None
) -> tuple[bool, str]:
    """PodEligibleToPreemptOthers: not with preemptionPolicy Never, and not again while the victims
    of its last preemption are still terminating on its nominated node."""
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return False, NOT_ELIGIBLE_NEVER
    nominated = (pod.get("status") or {}).get("nominatedNodeName")
    status = statuses.get(nominated, absent) if nominated else None
    if nominated in node_infos and (status is None or status.resolvable):
        for other in node_infos[nominated].pods:
            if pod_priority(other) < pod_priority(pod) and _terminating_by_preemption(other):
                return False, NOT_ELIGIBLE_TERMINATING
    return True, ""


def _terminating_by_preemption(pod: Obj) -> bool:
    if not (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "DisruptionTarget":
            return condition.get("status") == "True" and condition.get("reason") == "PreemptionByScheduler"
    return False


def select_victims_on_node(pod: Obj, info: NodeInfo) -> tuple[list[Obj], FilterStatus | None]:
    """SelectVictimsOnNode: remove every lower-priority pod; if the pod then fits, give back as
    many as still leave it room, most important first. The rest are the victims."""
    priority = pod_priority(pod)
    if not info.has_pods_below(priority):
        return [], FilterStatus("DefaultPreemption", (NO_PREEMPTION_VICTIMS,), False)
    trial = info.clone()
    potential = [other for other in trial.pods if pod_priority(other) < priority]
    for other in potential:
        trial.remove_pod(other)
    status = run_filters(pod, trial)
    if status is not None:
        return [], status
    victims = []
    for other in sorted(potential, key=_importance):
        trial.add_pod(other)
        if run_filters(pod, trial) is not None:
            trial.remove_pod(other)
            victims.append(other)
    return victims, None


def _importance(pod: Obj) -> tuple[int, str]:
    """util.MoreImportantPod: higher priority first, then the pod that started earlier."""
    started = (pod.get("status") or {}).get("startTime") or "\uffff"  # not started: as if just now
    return -pod_priority(pod), started


def pick_one_node_for_preemption(candidates: list[tuple[NodeInfo, list[Obj]]]) -> tuple[NodeInfo, list[Obj]]:
    """pickOneNodeForPreemption, without PodDisruptionBudgets: no victims at all; else the lowest
    highest-priority victim, the lowest sum of priorities, the fewest victims, the latest start of
    the most important victims; then the first node by name."""
    for node, victims in candidates:
        if not victims:
            return node, victims
    ordered = sorted(candidates, key=lambda c: c[0].name)
    ordered.sort(key=lambda c: _earliest_start(c[1]), reverse=True)
    ordered.sort(key=lambda c: (
        max(pod_priority(v) for v in c[1]),
        sum(pod_priority(v) + 2**31 for v in c[1]),  # shifted so negative priorities still add up
        len(c[1]),
    ))
    return ordered[0]


def _earliest_start(victims: list[Obj]) -> str:
    """GetEarliestPodStartTime: the earliest start among the highest-priority victims."""
    highest = max(pod_priority(v) for v in victims)
    return min(_importance(v)[1] for v in victims if pod_priority(v) == highest)
