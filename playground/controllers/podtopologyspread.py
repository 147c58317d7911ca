"""The kube-scheduler's PodTopologySpread plugin for a pod's own spec.topologySpreadConstraints:
DoNotSchedule constraints filter nodes, ScheduleAnyway ones score them. (A pod without
constraints is spread by the system default constraints, scored in scheduling.spread_scores.)

scheduling.node_infos() → schedule_one.schedule(pod): pre_filter() once per pod over every node,
filter() per node, then score() over the feasible nodes → weighted with the other scores.

Follows kubernetes/kubernetes v1.32, pkg/scheduler/framework/plugins/podtopologyspread
(common.go: filterTopologySpreadConstraints with matchLabelKeys, matchNodeInclusionPolicies,
nodeLabelsMatchSpreadConstraints, countPodsMatchSelector; filtering.go: calPreFilterState,
minMatchNum, Filter; scoring.go: initPreScoreState, PreScore, Score, NormalizeScore). The
inclusion policies default to nodeAffinityPolicy Honor and nodeTaintsPolicy Ignore: a node the
pod's nodeSelector or required node affinity excludes is no domain, a tainted one still is (in a
kind cluster the control plane is a hostname domain with no pod in it).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from playground.store.selectors import label_selector_matches

from .scheduling import (
    LABEL_HOSTNAME,
    MAX_NODE_SCORE,
    NodeInfo,
    Obj,
    required_node_affinity_matches,
    untolerated_taint,
)

REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
REASON_NODE_LABEL_NOT_MATCH = REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
HONOR = "Honor"


@dataclass(frozen=True)
class SpreadConstraint:
    """topologySpreadConstraint: a TopologySpreadConstraint with its selector and defaults resolved."""

    max_skew: int
    topology_key: str
    selector: Obj | None  # None selects no pod, {} every one
    min_domains: int = 1
    node_affinity_policy: str = HONOR
    node_taints_policy: str = "Ignore"

    def includes(self, pod: Obj, info: NodeInfo) -> bool:
        """matchNodeInclusionPolicies: whether the node's domain counts for this pod."""
        if self.node_affinity_policy == HONOR and not required_node_affinity_matches(pod, info.node):
            return False
        if self.node_taints_policy == HONOR:
            taints = (info.node.get("spec") or {}).get("taints")
            return untolerated_taint(taints, (pod.get("spec") or {}).get("tolerations")) is None
        return True

    def count(self, pods: Iterable[Obj], namespace: str) -> int:
        """countPodsMatchSelector: the pods of the namespace it selects, terminating ones aside;
        an empty selector counts none."""
        if self.selector is not None and not (self.selector.get("matchLabels") or self.selector.get("matchExpressions")):
            return 0
        return sum(
            1
            for other in pods
            if not other["metadata"].get("deletionTimestamp")
            and other["metadata"].get("namespace", "") == namespace
            and label_selector_matches(self.selector, other["metadata"].get("labels") or {})
        )


def constraints(pod: Obj, action: str) -> list[SpreadConstraint]:
    """filterTopologySpreadConstraints: the pod's constraints with this whenUnsatisfiable.

    matchLabelKeys adds the pod's own value of each key to the selector (a key the pod lacks
    is ignored), so that each revision of a Deployment is spread on its own.
    """
    labels = (pod.get("metadata") or {}).get("labels") or {}
    result = []
    for c in (pod.get("spec") or {}).get("topologySpreadConstraints") or []:
        if (c.get("whenUnsatisfiable") or DO_NOT_SCHEDULE) != action:
            continue
        selector = c.get("labelSelector")
        own = {key: labels[key] for key in c.get("matchLabelKeys") or [] if key in labels}
        if own and selector is not None:  # mergeLabelSetWithSelector leaves "nothing" as it is
            expressions = [{"key": k, "operator": "In", "values": [v]} for k, v in own.items()]
            selector = {**selector, "matchExpressions": [*(selector.get("matchExpressions") or []), *expressions]}
        result.append(SpreadConstraint(
            max_skew=c.get("maxSkew") or 1,
            topology_key=c.get("topologyKey", ""),
            selector=selector,
            min_domains=c.get("minDomains") or 1,
            node_affinity_policy=c.get("nodeAffinityPolicy") or HONOR,
            node_taints_policy=c.get("nodeTaintsPolicy") or "Ignore",
        ))
    return result


def _has_all_topology_keys(info: NodeInfo, spread: list[SpreadConstraint]) -> bool:
    """nodeLabelsMatchSpreadConstraints."""
    return all(c.topology_key in info.labels for c in spread)


def _namespace(pod: Obj) -> str:
    return (pod.get("metadata") or {}).get("namespace", "")


# --- PreFilter and Filter ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreFilterState:
    constraints: list[SpreadConstraint]
    counts: list[dict[str, int]]  # per constraint: topology value → matching pods (TpValueToMatchNum)

    def min_match(self, index: int) -> int:
        """minMatchNum: the fewest matching pods in any domain, or 0 while there are fewer
        domains than minDomains."""
        counts = self.counts[index]
        if len(counts) < self.constraints[index].min_domains:
            return 0
        return min(counts.values(), default=0)


def pre_filter(pod: Obj, infos: list[NodeInfo]) -> PreFilterState | None:
    """calPreFilterState: the matching pods of every domain, over the nodes that have every
    topology key and that the inclusion policies let in; None (Skip) without DoNotSchedule constraints."""
    spread = constraints(pod, DO_NOT_SCHEDULE)
    if not spread:
        return None
    counts: list[dict[str, int]] = [{} for _ in spread]
    for info in infos:
        if not _has_all_topology_keys(info, spread):
            continue
        for index, c in enumerate(spread):
            if c.includes(pod, info):
                value = info.labels[c.topology_key]
                counts[index][value] = counts[index].get(value, 0) + c.count(info.pods, _namespace(pod))
    return PreFilterState(spread, counts)


def filter_pod_topology_spread(state: PreFilterState | None, pod: Obj, info: NodeInfo) -> tuple[str, bool] | None:
    """Filter: None, or (reason, resolvable). For each constraint, the domain's matching pods, plus
    this one if it matches, may exceed the emptiest domain by at most maxSkew."""
    if state is None:
        return None
    labels = (pod.get("metadata") or {}).get("labels") or {}
    for index, c in enumerate(state.constraints):
        value = info.labels.get(c.topology_key)
        if value is None:
            return REASON_NODE_LABEL_NOT_MATCH, False
        self_match = 1 if label_selector_matches(c.selector, labels) else 0
        skew = state.counts[index].get(value, 0) + self_match - state.min_match(index)
        if skew > c.max_skew:
            return REASON_CONSTRAINTS_NOT_MATCH, True
    return None


# --- PreScore, Score and NormalizeScore ----------------------------------------------------------


def score(pod: Obj, feasible: list[NodeInfo], all_infos: list[NodeInfo]) -> dict[str, int] | None:
    """The normalised scores of the feasible nodes for the pod's ScheduleAnyway constraints, or
    None (Skip) without any. Nodes lacking a topology key are ignored: they score 0."""
    spread = constraints(pod, SCHEDULE_ANYWAY)
    if not spread:
        return None
    scored = [info for info in feasible if _has_all_topology_keys(info, spread)]
    domain_counts = _domain_counts(pod, spread, scored, all_infos)
    weights = [
        _normalizing_weight(len(scored) if c.topology_key == LABEL_HOSTNAME else len(domain_counts[i]))
        for i, c in enumerate(spread)
    ]
    raw = {}
    for info in scored:
        total = 0.0
        for index, c in enumerate(spread):
            value = info.labels[c.topology_key]
            count = c.count(info.pods, _namespace(pod)) if c.topology_key == LABEL_HOSTNAME else domain_counts[index][value]
            total += count * weights[index] + (c.max_skew - 1)  # scoreForCount
        raw[info.name] = math.floor(total + 0.5)  # Go's math.Round
    return _normalize(raw, [info.name for info in feasible])


def _domain_counts(
    pod: Obj, spread: list[SpreadConstraint], scored: list[NodeInfo], all_infos: list[NodeInfo]
) -> list[dict[str, int]]:
    """PreScore: per constraint (hostname aside, counted node by node in Score), the matching pods
    of each domain that holds a feasible node, counted over every node the policies let in."""
    counts: list[dict[str, int]] = [
        {} if c.topology_key == LABEL_HOSTNAME else {info.labels[c.topology_key]: 0 for info in scored} for c in spread
    ]
    for info in all_infos:
        if not _has_all_topology_keys(info, spread):
            continue
        for index, c in enumerate(spread):
            value = info.labels[c.topology_key]
            if value in counts[index] and c.includes(pod, info):
                counts[index][value] += c.count(info.pods, _namespace(pod))
    return counts


def _normalizing_weight(size: int) -> float:
    """topologyNormalizingWeight: a topology with more domains weighs more."""
    return math.log(size + 2)


def _normalize(raw: dict[str, int], names: list[str]) -> dict[str, int]:
    """NormalizeScore: the node with the fewest matching pods gets 100; ignored nodes 0."""
    lowest, highest = min(raw.values(), default=0), max(raw.values(), default=0)
    normalized = {}
    for name in names:
        if name not in raw:
            normalized[name] = 0
        elif highest == 0:
            normalized[name] = MAX_NODE_SCORE
        else:
            normalized[name] = MAX_NODE_SCORE * (highest + lowest - raw[name]) // highest
    return normalized
