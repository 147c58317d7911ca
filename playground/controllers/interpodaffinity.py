"""The kube-scheduler's InterPodAffinity plugin as pure functions: where a pod may go given the
pods already running (spec.affinity.podAffinity / podAntiAffinity, required and preferred), and
the anti-affinity of the pods already running against it.

scheduling.node_infos() → schedule_one.schedule(pod): pre_filter() once per pod over every node,
then filter() per node, then, among the feasible nodes, score() → weighted with the other scores.

Follows kubernetes/kubernetes v1.32, pkg/scheduler/framework/plugins/interpodaffinity
(filtering.go: PreFilter, Filter, satisfyPodAffinity, satisfyPodAntiAffinity,
satisfyExistingPodsAntiAffinity; scoring.go: PreScore, processExistingPod, Score, NormalizeScore)
and framework/types.go (AffinityTerm.Matches, getNamespacesFromPodAffinityTerm). Pods that have
no inter-pod affinity are only looked at when one of them is scheduled, or when some running pod
has such terms (NodeInfo.pods_with_affinity), so that a cluster without them pays nothing.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from playground.store.selectors import label_selector_matches

from .scheduling import MAX_NODE_SCORE, NodeInfo, Obj

REASON_AFFINITY_RULES = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY_RULES = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY_RULES = "node(s) didn't satisfy existing pods anti-affinity rules"
# InterPodAffinityArgs.hardPodAffinityWeight's default: what a running pod's required affinity
# term adds, when the incoming pod matches it, to the nodes of its topology
HARD_POD_AFFINITY_WEIGHT = 1
LABEL_NAMESPACE_NAME = "kubernetes.io/metadata.name"

TopologyPair = tuple[str, str]


@dataclass(frozen=True)
class AffinityTerm:
    """framework.AffinityTerm: a PodAffinityTerm with its namespaces resolved."""

    namespaces: frozenset[str]
    namespace_selector: Obj | None  # None selects no namespace; {} every one
    selector: Obj | None  # None selects no pod; {} every one
    topology_key: str
    weight: int = 0  # of a preferred term

    def matches(self, pod: Obj) -> bool:
        """AffinityTerm.Matches: the pod is in one of the term's namespaces and has its labels.

        Playground: a namespace is known here by its name only, so a namespaceSelector sees the
        one label every Namespace carries, kubernetes.io/metadata.name.
        """
        meta = pod.get("metadata") or {}
        namespace = meta.get("namespace", "")
        in_namespace = namespace in self.namespaces or (
            self.namespace_selector is not None
            and label_selector_matches(self.namespace_selector, {LABEL_NAMESPACE_NAME: namespace})
        )
        return in_namespace and label_selector_matches(self.selector, meta.get("labels") or {})


@dataclass(frozen=True)
class PodAffinityTerms:
    """What framework.NewPodInfo reads of a pod's spec.affinity."""

    required_affinity: tuple[AffinityTerm, ...] = ()
    required_anti_affinity: tuple[AffinityTerm, ...] = ()
    preferred_affinity: tuple[AffinityTerm, ...] = ()
    preferred_anti_affinity: tuple[AffinityTerm, ...] = ()


def pod_affinity_terms(pod: Obj) -> PodAffinityTerms:
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    pod_affinity, anti_affinity = affinity.get("podAffinity") or {}, affinity.get("podAntiAffinity") or {}
    if not pod_affinity and not anti_affinity:
        return PodAffinityTerms()
    return PodAffinityTerms(
        required_affinity=_required(pod, pod_affinity),
        required_anti_affinity=_required(pod, anti_affinity),
        preferred_affinity=_preferred(pod, pod_affinity),
        preferred_anti_affinity=_preferred(pod, anti_affinity),
    )


def _required(pod: Obj, affinity: Obj) -> tuple[AffinityTerm, ...]:
    return tuple(_term(pod, term) for term in affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or [])


def _preferred(pod: Obj, affinity: Obj) -> tuple[AffinityTerm, ...]:
    return tuple(
        _term(pod, weighted.get("podAffinityTerm") or {}, weight=weighted.get("weight") or 0)
        for weighted in affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []
    )


def _term(pod: Obj, term: Obj, *, weight: int = 0) -> AffinityTerm:
    """newAffinityTerm: without namespaces and namespaceSelector, the term means the pod's own namespace."""
    namespaces = frozenset(term.get("namespaces") or ())
    namespace_selector = term.get("namespaceSelector")
    if not namespaces and namespace_selector is None:
        namespaces = frozenset({(pod.get("metadata") or {}).get("namespace", "")})
    return AffinityTerm(namespaces, namespace_selector, term.get("labelSelector"), term.get("topologyKey", ""), weight)


# --- PreFilter and Filter ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreFilterState:
    """The topology pairs (key, value) counted once per pod, before any node is filtered."""

    terms: PodAffinityTerms
    affinity_counts: Counter[TopologyPair]  # running pods matching all of the pod's affinity terms
    anti_affinity_counts: Counter[TopologyPair]  # running pods matching one of its anti-affinity terms
    existing_anti_affinity_counts: Counter[TopologyPair]  # running pods whose anti-affinity matches it


def pre_filter(pod: Obj, infos: list[NodeInfo]) -> PreFilterState | None:
    """PreFilter: None (Skip) when neither the pod nor any running pod has a required term."""
    existing = Counter[TopologyPair]()
    for info in infos:
        for other in info.pods_with_required_anti_affinity:
            for term in pod_affinity_terms(other).required_anti_affinity:
                if term.matches(pod):
                    _count(existing, info, term.topology_key)
    terms = pod_affinity_terms(pod)
    if not existing and not terms.required_affinity and not terms.required_anti_affinity:
        return None
    affinity, anti_affinity = Counter[TopologyPair](), Counter[TopologyPair]()
    if terms.required_affinity or terms.required_anti_affinity:
        for info in infos:
            for other in info.pods:
                if terms.required_affinity and all(t.matches(other) for t in terms.required_affinity):
                    for term in terms.required_affinity:
                        _count(affinity, info, term.topology_key)
                for term in terms.required_anti_affinity:
                    if term.matches(other):
                        _count(anti_affinity, info, term.topology_key)
    return PreFilterState(terms, affinity, anti_affinity, existing)


def _count(counts: Counter[TopologyPair], info: NodeInfo, topology_key: str) -> None:
    """topologyToMatchedTermCount.update: a node without the topology label counts nowhere."""
    value = info.labels.get(topology_key)
    if value is not None:
        counts[(topology_key, value)] += 1


def filter_inter_pod_affinity(state: PreFilterState | None, pod: Obj, info: NodeInfo) -> tuple[str, bool] | None:
    """Filter: None, or (reason, resolvable). Unmet affinity is UnschedulableAndUnresolvable
    (evicting pods cannot create the pods it wants); anti-affinity is Unschedulable."""
    if state is None:
        return None
    if not _satisfies_pod_affinity(state, pod, info):
        return REASON_AFFINITY_RULES, False
    if not _satisfies_pod_anti_affinity(state, info):
        return REASON_ANTI_AFFINITY_RULES, True
    if not _satisfies_existing_pods_anti_affinity(state, info):
        return REASON_EXISTING_ANTI_AFFINITY_RULES, True
    return None


def _satisfies_pod_affinity(state: PreFilterState, pod: Obj, info: NodeInfo) -> bool:
    """satisfyPodAffinity: every topology label on the node, and a matching pod in each domain.

    The first pod of a group that is affine to itself would wait forever: it may go to any node
    with the topology labels when no pod at all matches the terms and it matches them itself.
    """
    pods_exist = True
    for term in state.terms.required_affinity:
        value = info.labels.get(term.topology_key)
        if value is None:
            return False
        if state.affinity_counts[(term.topology_key, value)] <= 0:
            pods_exist = False
    if pods_exist:
        return True
    return not state.affinity_counts and all(t.matches(pod) for t in state.terms.required_affinity)


def _satisfies_pod_anti_affinity(state: PreFilterState, info: NodeInfo) -> bool:
    for term in state.terms.required_anti_affinity:
        value = info.labels.get(term.topology_key)
        if value is not None and state.anti_affinity_counts[(term.topology_key, value)] > 0:
            return False
    return True


def _satisfies_existing_pods_anti_affinity(state: PreFilterState, info: NodeInfo) -> bool:
    return not any(state.existing_anti_affinity_counts[pair] > 0 for pair in info.labels.items())


# --- PreScore, Score and NormalizeScore ----------------------------------------------------------


def score(pod: Obj, feasible: list[NodeInfo], all_infos: list[NodeInfo]) -> dict[str, int] | None:
    """InterPodAffinity's normalised scores of the feasible nodes, or None (Skip) when no preferred
    or required term, the pod's or a running pod's, concerns the pod."""
    topology_score = _topology_score(pod, all_infos)
    if not topology_score:
        return None
    raw = {
        info.name: sum(values.get(info.labels[key], 0) for key, values in topology_score.items() if key in info.labels)
        for info in feasible
    }
    return _normalize(raw)


def _topology_score(pod: Obj, all_infos: list[NodeInfo]) -> dict[str, Counter[str]]:
    """PreScore: topology key → value → the weights of the matching terms, added up over the pods
    running there (every pod when the incoming one has preferred terms, else those with affinity)."""
    terms = pod_affinity_terms(pod)
    has_constraints = bool(terms.preferred_affinity or terms.preferred_anti_affinity)
    topology_score: dict[str, Counter[str]] = {}
    for info in all_infos:
        pods = info.pods if has_constraints else info.pods_with_affinity
        if pods and info.labels:
            for other in pods:
                _process_existing_pod(topology_score, terms, pod, other, info.labels)
    return topology_score


def _process_existing_pod(
    topology_score: dict[str, Counter[str]], terms: PodAffinityTerms, pod: Obj, other: Obj, labels: Mapping[str, str]
) -> None:
    """processExistingPod: the incoming pod's preferred terms against the running pod, then the
    running pod's required affinity and preferred terms against the incoming pod."""
    def add(term: AffinityTerm, weight: int, target: Obj) -> None:
        if term.matches(target) and term.topology_key in labels:
            topology_score.setdefault(term.topology_key, Counter())[labels[term.topology_key]] += weight

    for term in terms.preferred_affinity:
        add(term, term.weight, other)
    for term in terms.preferred_anti_affinity:
        add(term, -term.weight, other)
    existing = pod_affinity_terms(other)
    for term in existing.required_affinity:
        add(term, HARD_POD_AFFINITY_WEIGHT, pod)
    for term in existing.preferred_affinity:
        add(term, term.weight, pod)
    for term in existing.preferred_anti_affinity:
        add(term, -term.weight, pod)


def _normalize(scores: Mapping[str, int]) -> dict[str, int]:
    """NormalizeScore: scaled linearly so that the lowest is 0 and the highest 100."""
    lowest, highest = min(scores.values(), default=0), max(scores.values(), default=0)
    spread = highest - lowest
    return {
        name: int(MAX_NODE_SCORE * ((value - lowest) / spread)) if spread > 0 else 0 for name, value in scores.items()
    }

