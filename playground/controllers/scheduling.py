"""The kube-scheduler's plugins as pure functions on Kubernetes JSON: what a pod asks for, what a
node offers, and each filter's reason and each score's points.

informer cache (Nodes, Pods) → node_infos() → schedule_one.schedule(pod), which runs these
filters and scores → Decision → the scheduler controller. assume() accounts each placement so
that one pass can place a whole batch of pending pods, as the scheduler cache "assumes" a pod
before its binding is written. No database, no Django.

Follows kubernetes/kubernetes v1.32, pkg/scheduler:
- framework/types.go (NodeInfo, FitError.Error) and schedule_one.go (findNodesThatFitPod,
  prioritizeNodes, selectHost);
- framework/plugins: nodeunschedulable, nodename, tainttoleration, nodeaffinity, nodeports,
  noderesources (fit.go, least_allocated.go, balanced_allocation.go, resource_allocation.go),
  podtopologyspread (the system default constraints, scoring.go; a pod's own constraints are
  podtopologyspread.py's, inter-pod affinity interpodaffinity.py's), helper/normalize_score.go,
  defaultpreemption/default_preemption.go and framework/preemption/preemption.go (PostFilter);
- framework/plugins/volumebinding (volume_binding.go PreFilter and Filter, binder.go's reasons):
  a pod's claims must exist, an Immediate claim must be bound, a bound volume's node affinity
  must match the node, a claim waiting for its first consumer must find a volume or a
  provisioner there (PodVolumes, filled from the cache by persistentvolume.pod_volumes);
- apis/config/v1/default_plugins.go (filter order, score weights);
- k8s.io/api core/v1 toleration.go, k8s.io/component-helpers resource/helpers.go (PodRequests)
  and scheduling/corev1/nodeaffinity (node selectors).
Where the playground simplifies, the comment says "Playground:".
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from playground.store.controller_ref import controller_of
from playground.store.quantity import parse_quantity

Obj = dict[str, Any]
Resources = dict[str, Decimal]

MAX_NODE_SCORE = 100
DEFAULT_MAX_PODS = 110  # the kubelet's --max-pods, for a node that does not say
# schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what a container without a request
# counts for when nodes are scored, so that many best-effort pods do not pile onto one node
DEFAULT_CPU_REQUEST = Decimal("0.1")
DEFAULT_MEMORY_REQUEST = Decimal(200 * 1024 * 1024)
DEFAULT_SCHEDULER_NAME = "default-scheduler"

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
DO_NOT_SCHEDULE = ("NoSchedule", "NoExecute")  # helper.DoNotScheduleTaintsFilterFunc
TERMINATED_PHASES = ("Succeeded", "Failed")

# Filter reasons, spelled as the plugins spell them (they reach `kubectl describe pod` verbatim)
REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_NODE_NAME = "node(s) didn't match the requested node name"
REASON_UNTOLERATED_TAINT = "node(s) had untolerated taint {{{key}: {value}}}"
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_AFFINITY_CONFLICT = "pod affinity terms conflict"
REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
REASON_TOO_MANY_PODS = "Too many pods"
REASON_DIDNT_SATISFY = "node(s) didn't satisfy plugin(s) [{plugins}]"
REASON_VOLUME_NODE_AFFINITY_CONFLICT = "node(s) had volume node affinity conflict"
REASON_VOLUME_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
REASON_VOLUME_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"

# The default profile's score plugins and weights (default_plugins.go). ImageLocality is not
# simulated: it would add the same amount to every node here.
WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesBalancedAllocation": 1,
}
# podtopologyspread's systemDefaultConstraints: (topologyKey, maxSkew), both ScheduleAnyway
SYSTEM_DEFAULT_CONSTRAINTS = ((LABEL_HOSTNAME, 3), (LABEL_ZONE, 5))


# --- what a pod asks for, what a node offers -----------------------------------------------------


def pod_requests(pod: Obj) -> Resources:
    """The pod's effective requests, as resourcehelper.PodRequests computes them.

    Containers run together (their requests add up); init containers run one at a time before
    them (the largest counts), sidecars (init containers with restartPolicy Always) keep running
    beside everything started after them; the RuntimeClass overhead comes on top. Always has
    cpu and memory, and `pods: 1`: every pod takes one of the node's pod slots.
    """
    def compute() -> Resources:
        requests = _aggregate_requests(pod, defaults=None)
        requests.setdefault("cpu", Decimal(0))
        requests.setdefault("memory", Decimal(0))
        requests["pods"] = Decimal(1)
        return requests

    return _once_per_version(pod, "requests", compute)


def non_zero_requests(pod: Obj) -> Resources:
    """cpu and memory as the scorers count them: 100m and 200Mi for a container that asks for none."""

    def compute() -> Resources:
        requests = _aggregate_requests(pod, defaults={"cpu": DEFAULT_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST})
        return {"cpu": requests.get("cpu", Decimal(0)), "memory": requests.get("memory", Decimal(0))}

    return _once_per_version(pod, "non-zero", compute)


_computed: dict[tuple[str, str, str], Resources] = {}


def _once_per_version(pod: Obj, what: str, compute: Callable[[], Resources]) -> Resources:
    """A pod's requests cannot change without a new resourceVersion: compute them once per
    version (the scheduler's PreScore state does the same per cycle), and hand out copies."""
    meta = pod.get("metadata") or {}
    if not meta.get("uid") or not meta.get("resourceVersion"):
        return compute()
    key = (meta["uid"], meta["resourceVersion"], what)
    if key not in _computed:
        if len(_computed) > 50_000:
            _computed.clear()
        _computed[key] = compute()
    return dict(_computed[key])


def _aggregate_requests(pod: Obj, *, defaults: Mapping[str, Decimal] | None) -> Resources:
    spec = pod.get("spec") or {}
    total: Resources = {}
    for container in spec.get("containers") or []:
        _add(total, _container_requests(container, defaults))
    sidecars: Resources = {}
    init_peak: Resources = {}
    for container in spec.get("initContainers") or []:
        requests = _container_requests(container, defaults)
        if container.get("restartPolicy") == "Always":
            _add(total, requests)
            _add(sidecars, requests)
            running = dict(sidecars)
        else:
            running = dict(requests)
            _add(running, sidecars)  # sidecars started earlier still run beside this one
        _max(init_peak, running)
    _max(total, init_peak)
    _add(total, _resource_list(spec.get("overhead")))
    return total


def _container_requests(container: Obj, defaults: Mapping[str, Decimal] | None) -> Resources:
    requests = _resource_list((container.get("resources") or {}).get("requests"))
    for name, value in (defaults or {}).items():
        requests.setdefault(name, value)  # only when missing: an explicit 0 stays 0
    return requests


def _resource_list(resources: Any) -> Resources:
    """A ResourceList read as numbers; admission rejects malformed quantities, so skip them here."""
    parsed: Resources = {}
    for name, quantity in (resources or {}).items():
        try:
            parsed[name] = parse_quantity(quantity)
        except ValueError:
            continue
    return parsed


def _add(total: Resources, more: Mapping[str, Decimal], sign: int = 1) -> None:
    for name, value in more.items():
        total[name] = total.get(name, Decimal(0)) + sign * value


def _max(peak: Resources, other: Mapping[str, Decimal]) -> None:
    for name, value in other.items():
        peak[name] = max(peak.get(name, Decimal(0)), value)


def node_allocatable(node: Obj) -> Resources:
    """status.allocatable (capacity if the kubelet sent none), with the kubelet's 110 pods by default."""
    status = node.get("status") or {}
    allocatable = _resource_list(status.get("allocatable") or status.get("capacity"))
    allocatable.setdefault("pods", Decimal(DEFAULT_MAX_PODS))
    return allocatable


def pod_priority(pod: Obj) -> int:
    """corev1helpers.PodPriority: spec.priority (set from priorityClassName at admission), else 0."""
    priority = (pod.get("spec") or {}).get("priority")
    return priority if isinstance(priority, int) else 0


def host_ports(pod: Obj) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) the pod's containers bind on their node (nodeports.getContainerPorts)."""
    ports = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            host_port = port.get("hostPort") or 0
            if isinstance(host_port, int) and host_port > 0:
                ports.append((port.get("hostIP") or "0.0.0.0", port.get("protocol") or "TCP", host_port))
    return ports


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


# --- the scheduler's view of each node -----------------------------------------------------------


@dataclass
class NodeInfo:
    """A node with the pods the scheduler counts on it (framework.NodeInfo): bound and assumed pods."""

    node: Obj
    pods: list[Obj] = field(default_factory=list)
    requested: Resources = field(default_factory=dict)
    non_zero_requested: Resources = field(default_factory=lambda: {"cpu": Decimal(0), "memory": Decimal(0)})
    used_ports: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    # (namespace, controller uid) → pods, for spreading; terminating pods do not count there
    owned: Counter[tuple[str, str]] = field(default_factory=Counter)
    priorities: Counter[int] = field(default_factory=Counter)  # so preemption sees at once if any pod ranks lower
    # NodeInfo.PodsWithAffinity and PodsWithRequiredAntiAffinity: InterPodAffinity reads only
    # these, so that a cluster without inter-pod affinity costs it nothing
    pods_with_affinity: list[Obj] = field(default_factory=list)
    pods_with_required_anti_affinity: list[Obj] = field(default_factory=list)
    allocatable: Resources = field(init=False)
    _scored: dict[str, dict[str, int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.allocatable = node_allocatable(self.node)

    @property
    def name(self) -> str:
        return self.node["metadata"]["name"]

    @property
    def labels(self) -> dict[str, str]:
        return self.node["metadata"].get("labels") or {}

    def add_pod(self, pod: Obj) -> None:
        self.pods.append(pod)
        self._account(pod, sign=1)
        if has_pod_affinity(pod):
            self.pods_with_affinity.append(pod)
            if has_required_anti_affinity(pod):
                self.pods_with_required_anti_affinity.append(pod)

    def remove_pod(self, pod: Obj) -> None:
        key = _key(pod)
        for index, existing in enumerate(self.pods):
            if _key(existing) == key:
                del self.pods[index]
                self._account(existing, sign=-1)
                if has_pod_affinity(existing):
                    self.pods_with_affinity = [p for p in self.pods_with_affinity if _key(p) != key]
                    self.pods_with_required_anti_affinity = [
                        p for p in self.pods_with_required_anti_affinity if _key(p) != key
                    ]
                return

    def clone(self) -> NodeInfo:
        """A copy to try things on (preemption's dry run) without touching this one."""
        twin = NodeInfo(self.node, list(self.pods), dict(self.requested), dict(self.non_zero_requested))
        twin.used_ports, twin.owned, twin.priorities = Counter(self.used_ports), Counter(self.owned), Counter(self.priorities)
        twin.pods_with_affinity = list(self.pods_with_affinity)
        twin.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        return twin

    def scored(self, what: str) -> dict[str, int]:
        """allocatable, requested or non_zero_requested cpu and memory as int64s, as the
        scores read them: made once until the node's pods change."""
        if what not in self._scored:
            self._scored[what] = _integers(getattr(self, what))
        return self._scored[what]

    def has_pods_below(self, priority: int) -> bool:
        return any(p < priority for p, count in self.priorities.items() if count > 0)

    def _account(self, pod: Obj, *, sign: int) -> None:
        self._scored.clear()
        requests = pod_requests(pod)
        del requests["pods"]  # counted as len(pods)
        _add(self.requested, requests, sign)
        _add(self.non_zero_requested, non_zero_requests(pod), sign)
        self.used_ports.update({port: sign for port in host_ports(pod)})
        self.used_ports = +self.used_ports  # drop released ports
        self.priorities[pod_priority(pod)] += sign
        uid = (controller_of(pod) or {}).get("uid")
        if uid and not pod["metadata"].get("deletionTimestamp"):
            self.owned.update({(pod["metadata"].get("namespace", ""), uid): sign})


def has_pod_affinity(pod: Obj) -> bool:
    """Whether the pod has pod affinity or pod anti-affinity, required or preferred."""
    affinity = (pod.get("spec") or {}).get("affinity")
    return bool(affinity) and bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))


def has_required_anti_affinity(pod: Obj) -> bool:
    anti_affinity = ((pod.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}
    return bool(anti_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))


def node_infos(nodes: Iterable[Obj], pods: Iterable[Obj]) -> dict[str, NodeInfo]:
    """One NodeInfo per node, by name, with every pod bound to it that still holds its resources.

    A pod that Succeeded or Failed has given its resources back; a terminating one has not yet.
    """
    infos = {node["metadata"]["name"]: NodeInfo(node) for node in sorted(nodes, key=lambda n: n["metadata"]["name"])}
    for pod in pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name in infos and (pod.get("status") or {}).get("phase") not in TERMINATED_PHASES:
            infos[node_name].add_pod(pod)
    return infos


def assume(node_infos: Mapping[str, NodeInfo], pod: Obj, node_name: str) -> Obj:
    """Count `pod` on `node_name` before its binding is written (the cache's AssumePod); returns the
    assumed copy, with spec.nodeName set. The pod itself is left untouched."""
    assumed = {**pod, "spec": {**(pod.get("spec") or {}), "nodeName": node_name}}
    node_infos[node_name].add_pod(assumed)
    return assumed


def needs_scheduling(pod: Obj, *, scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> bool:
    """Whether this scheduler should place the pod: unbound, alive, its own, and not gated."""
    spec, meta = pod.get("spec") or {}, pod.get("metadata") or {}
    return (
        not spec.get("nodeName")
        and not meta.get("deletionTimestamp")
        and (pod.get("status") or {}).get("phase") not in TERMINATED_PHASES
        and (spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) == scheduler_name
        and not spec.get("schedulingGates")
    )


def queue_order(pod: Obj) -> tuple[int, str, str]:
    """Sort key of the scheduling queue (PrioritySort): higher priority first, then the older pod."""
    return (-pod_priority(pod), (pod.get("metadata") or {}).get("creationTimestamp") or "", _key(pod))


# --- tolerations ---------------------------------------------------------------------------------


def toleration_tolerates_taint(toleration: Obj, taint: Obj) -> bool:
    """Toleration.ToleratesTaint: an empty effect matches every effect, an empty key (with Exists)
    every key; Exists matches any value, Equal (the default operator) only the same value."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == "Exists"


def tolerates(tolerations: Iterable[Obj] | None, taint: Obj) -> bool:
    """Whether any of the tolerations tolerates the taint (TolerationsTolerateTaint)."""
    return any(toleration_tolerates_taint(toleration, taint) for toleration in tolerations or ())


def untolerated_taint(
    taints: Iterable[Obj] | None, tolerations: Iterable[Obj] | None, *, effects: Iterable[str] = DO_NOT_SCHEDULE
) -> Obj | None:
    """The first taint with one of these effects that no toleration tolerates (FindMatchingUntoleratedTaint)."""
    wanted = tuple(effects)
    for taint in taints or ():
        if taint.get("effect") in wanted and not tolerates(tolerations, taint):
            return taint
    return None


def _tolerations(pod: Obj) -> list[Obj]:
    return (pod.get("spec") or {}).get("tolerations") or []


def _taints(info: NodeInfo) -> list[Obj]:
    return (info.node.get("spec") or {}).get("taints") or []


# --- node selectors and node affinity ------------------------------------------------------------


def required_node_affinity_matches(pod: Obj, node: Obj) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): spec.nodeSelector AND the required terms."""
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    if any(labels.get(key) != value for key, value in (spec.get("nodeSelector") or {}).items()):
        return False
    required = _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
    return required is None or node_selector_matches(required, node)


def node_selector_matches(node_selector: Obj, node: Obj) -> bool:
    """A NodeSelector: its terms are ORed; a term with no requirement at all matches no node."""
    return any(
        _term_matches(term, node)
        for term in node_selector.get("nodeSelectorTerms") or []
        if term.get("matchExpressions") or term.get("matchFields")
    )


def _term_matches(term: Obj, node: Obj) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    fields = {"metadata.name": (node.get("metadata") or {}).get("name", "")}
    return all(_label_requirement_matches(r, labels) for r in term.get("matchExpressions") or []) and all(
        _field_requirement_matches(r, fields) for r in term.get("matchFields") or []
    )


def _label_requirement_matches(requirement: Obj, labels: Mapping[str, str]) -> bool:
    key, operator = requirement.get("key"), requirement.get("operator")
    values = requirement.get("values") or []
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    # In and NotIn without values do not parse: such a term matches no node
    if operator == "In":
        return bool(values) and labels.get(key) in values
    if operator == "NotIn":
        return bool(values) and labels.get(key) not in values
    if operator in ("Gt", "Lt") and len(values) == 1 and key in labels:
        return _compare_integers(labels[key], operator, values[0])
    return False


def _compare_integers(label: str, operator: str, bound: str) -> bool:
    """Gt and Lt read both sides as integers; a label that is not one never matches."""
    try:
        number, limit = int(label), int(bound)
    except ValueError:
        return False
    return number > limit if operator == "Gt" else number < limit


def _field_requirement_matches(requirement: Obj, fields: Mapping[str, str]) -> bool:
    values = requirement.get("values") or []
    if requirement.get("operator") not in ("In", "NotIn") or len(values) != 1:
        return False  # a field selector takes In / NotIn with exactly one value
    equal = fields.get(requirement.get("key"), "") == values[0]
    return equal if requirement["operator"] == "In" else not equal


def _node_affinity(pod: Obj) -> Obj:
    return ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}


def affinity_node_names(pod: Obj) -> set[str] | None:
    """NodeAffinity's PreFilter: the node names required terms pin the pod to with
    `matchFields: metadata.name In` (how DaemonSet pods name their node), or None if any node may do."""
    required = _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    names: set[str] | None = None
    for term in required.get("nodeSelectorTerms") or []:
        term_names: set[str] | None = None
        for r in term.get("matchFields") or []:
            if r.get("key") == "metadata.name" and r.get("operator") == "In":
                wanted = set(r.get("values") or [])
                term_names = wanted if term_names is None else term_names & wanted
        if term_names is None:
            return None  # terms are ORed: this one allows every node
        names = term_names if names is None else names | term_names
    return names


# --- filters: None, or the reason the node cannot take the pod -----------------------------------


def filter_node_unschedulable(pod: Obj, info: NodeInfo) -> str | None:
    """NodeUnschedulable: a cordoned node takes no new pods, unless they tolerate the cordon's taint."""
    if not (info.node.get("spec") or {}).get("unschedulable"):
        return None
    if tolerates(_tolerations(pod), {"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"}):
        return None
    return REASON_UNSCHEDULABLE


def filter_node_name(pod: Obj, info: NodeInfo) -> str | None:
    """NodeName: a pod that names its node fits no other."""
    wanted = (pod.get("spec") or {}).get("nodeName")
    return REASON_NODE_NAME if wanted and wanted != info.name else None


def filter_taint_toleration(pod: Obj, info: NodeInfo) -> str | None:
    """TaintToleration: every NoSchedule and NoExecute taint must be tolerated."""
    taint = untolerated_taint(_taints(info), _tolerations(pod))
    if taint is None:
        return None
    return REASON_UNTOLERATED_TAINT.format(key=taint.get("key", ""), value=taint.get("value", ""))


def filter_node_affinity(pod: Obj, info: NodeInfo) -> str | None:
    """NodeAffinity: spec.nodeSelector and the required node affinity terms."""
    return None if required_node_affinity_matches(pod, info.node) else REASON_NODE_AFFINITY


def filter_node_ports(pod: Obj, info: NodeInfo) -> str | None:
    """NodePorts: a hostPort is taken if bound on the same IP, or on 0.0.0.0 by either side."""
    for ip, protocol, port in host_ports(pod):
        ips = {used_ip for used_ip, used_protocol, used_port in info.used_ports if (used_protocol, used_port) == (protocol, port)}
        if ips and (ip == "0.0.0.0" or ip in ips or "0.0.0.0" in ips):
            return REASON_NODE_PORTS
    return None


def insufficient_resources(pod: Obj, info: NodeInfo, requests: Resources | None = None) -> list[str]:
    """fitsRequest: `Too many pods`, then `Insufficient <resource>` for each one that does not fit."""
    requests = pod_requests(pod) if requests is None else requests
    reasons = []
    if len(info.pods) + 1 > info.allocatable["pods"]:
        reasons.append(REASON_TOO_MANY_PODS)
    # A pod asking for nothing fits anywhere, even on an overcommitted node
    asked = {name: value for name, value in requests.items() if name != "pods" and value > 0}
    for name in sorted(asked, key=lambda n: (_FIT_ORDER.get(n, len(_FIT_ORDER)), n)):
        free = info.allocatable.get(name, Decimal(0)) - info.requested.get(name, Decimal(0))
        if asked[name] > free:
            reasons.append(f"Insufficient {name}")
    return reasons


_FIT_ORDER = {"cpu": 0, "memory": 1, "ephemeral-storage": 2}


@dataclass(frozen=True)
class FilterStatus:
    """A plugin's verdict on one node; `resolvable` is Unschedulable (preemption may help) as
    opposed to UnschedulableAndUnresolvable."""

    plugin: str
    reasons: tuple[str, ...]
    resolvable: bool


FILTERS: tuple[tuple[str, Callable[[Obj, NodeInfo], str | None], bool], ...] = (
    ("NodeUnschedulable", filter_node_unschedulable, False),
    ("NodeName", filter_node_name, False),
    ("TaintToleration", filter_taint_toleration, False),
    ("NodeAffinity", filter_node_affinity, False),
    ("NodePorts", filter_node_ports, True),
)


def run_filters(pod: Obj, info: NodeInfo, requests: Resources | None = None) -> FilterStatus | None:
    """The filter plugins in the default profile's order; the first that rejects the node decides."""
    for plugin, check, resolvable in FILTERS:
        reason = check(pod, info)
        if reason is not None:
            return FilterStatus(plugin, (reason,), resolvable)
    reasons = insufficient_resources(pod, info, requests)
    return FilterStatus("NodeResourcesFit", tuple(reasons), True) if reasons else None


# --- volumes: the VolumeBinding plugin ------------------------------------------------------------


@dataclass(frozen=True)
class UnboundClaim:
    """A pod's claim that waits for its first consumer: where it could be bound or provisioned."""

    claim: Obj
    selected_node: str | None = None  # volume.kubernetes.io/selected-node: provisioning there already
    volume_affinities: tuple[Obj | None, ...] = ()  # each Available volume that fits it (None: any node)
    provisionable: bool = True  # its class has a provisioner (not kubernetes.io/no-provisioner)


@dataclass(frozen=True)
class PodVolumes:
    """What VolumeBinding's PreFilter learnt of a pod's PersistentVolumeClaims."""

    unschedulable: str = ""  # why no node at all can take the pod
    bound_affinities: tuple[Obj, ...] = ()  # spec.nodeAffinity.required of each bound volume
    missing_volume: bool = False  # a claim is bound to a volume that does not exist
    unbound: tuple[UnboundClaim, ...] = ()


def filter_volume_binding(volumes: PodVolumes, info: NodeInfo) -> str | None:
    """VolumeBinding's Filter (FindPodVolumes): bound volumes must be reachable from the node,
    and every claim waiting for its first consumer must have a volume or a provisioner there."""
    if volumes.missing_volume:
        return REASON_VOLUME_NOT_EXIST
    if any(not node_selector_matches(affinity, info.node) for affinity in volumes.bound_affinities):
        return REASON_VOLUME_NODE_AFFINITY_CONFLICT
    for claim in volumes.unbound:
        if claim.selected_node is not None:
            if claim.selected_node != info.name:
                return REASON_VOLUME_BIND_CONFLICT
            continue
        static = any(a is None or node_selector_matches(a, info.node) for a in claim.volume_affinities)
        if not static and not claim.provisionable:
            return REASON_VOLUME_BIND_CONFLICT
    return None


# --- scores: raw per node, then normalised to 0..100 ---------------------------------------------


def score_least_allocated(pod: Obj, info: NodeInfo) -> int:
    """NodeResourcesFit's LeastAllocated strategy: the share of cpu and memory left free, weighted equally."""
    request = _scored(pod, "non-zero", non_zero_requests)
    allocatable, node_requested = info.scored("allocatable"), info.scored("non_zero_requested")
    scores = []
    for resource in SCORED:
        capacity = allocatable[resource]
        if capacity == 0:
            continue
        requested = node_requested[resource] + request[resource]
        scores.append(0 if requested > capacity else (capacity - requested) * MAX_NODE_SCORE // capacity)
    return sum(scores) // len(scores) if scores else 0


def score_balanced_allocation(pod: Obj, info: NodeInfo) -> int:
    """NodeResourcesBalancedAllocation: 100 when cpu and memory would be used in the same
    proportion, less the further apart they are (1 - standard deviation of the two fractions)."""
    request = _scored(pod, "requests", pod_requests)
    allocatable, node_requested = info.scored("allocatable"), info.scored("requested")
    fractions = []
    for resource in SCORED:
        capacity = allocatable[resource]
        if capacity == 0:
            continue
        requested = node_requested[resource] + request[resource]
        fractions.append(min(requested / capacity, 1.0))
    deviation = abs(fractions[0] - fractions[1]) / 2 if len(fractions) == 2 else 0.0
    return int((1 - deviation) * MAX_NODE_SCORE)


def score_taint_toleration(pod: Obj, info: NodeInfo) -> int:
    """TaintToleration (raw): how many PreferNoSchedule taints the pod does not tolerate; fewer is better."""
    tolerations = [t for t in _tolerations(pod) if (t.get("effect") or "PreferNoSchedule") == "PreferNoSchedule"]
    return sum(
        1 for taint in _taints(info) if taint.get("effect") == "PreferNoSchedule" and not tolerates(tolerations, taint)
    )


def score_node_affinity(pod: Obj, info: NodeInfo) -> int:
    """NodeAffinity (raw): the sum of the weights of the preferred terms the node matches."""
    total = 0
    for term in _node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        preference = term.get("preference") or {}
        # NewPreferredSchedulingTerms skips a term of weight 0 and an empty preference
        empty = not (preference.get("matchExpressions") or preference.get("matchFields"))
        if term.get("weight") and not empty and _term_matches(preference, info.node):
            total += term["weight"]
    return total


SCORED = ("cpu", "memory")
_scored_requests: dict[tuple[str, str, str], dict[str, int]] = {}


def _scored(pod: Obj, what: str, requests: Callable[[Obj], Resources]) -> dict[str, int]:
    """A pod's cpu and memory requests as the scores count them (int64s), once per resourceVersion."""
    meta = pod.get("metadata") or {}
    key = (meta.get("uid", ""), meta.get("resourceVersion", ""), what)
    found = _scored_requests.get(key) if key[0] and key[1] else None
    if found is None:
        found = _integers(requests(pod))
        if key[0] and key[1]:
            if len(_scored_requests) > 50_000:
                _scored_requests.clear()
            _scored_requests[key] = found
    return found


def _integers(resources: Resources) -> dict[str, int]:
    return {resource: _integer(resource, resources.get(resource, Decimal(0))) for resource in SCORED}


def _integer(resource: str, value: Decimal) -> int:
    """The int64 Kubernetes scores with: millicores for cpu, bytes (rounded up) for the rest."""
    scaled = value * 1000 if resource == "cpu" else value
    return int(scaled.to_integral_value(rounding=ROUND_CEILING))


def spread_scores(pod: Obj, feasible: list[NodeInfo], all_infos: list[NodeInfo]) -> dict[str, int] | None:
    """PodTopologySpread with the system default constraints (raw): for each feasible node, the
    pods of this pod's owner already in its hostname and zone domains; None (skipped) without an owner.

    Playground: Kubernetes selects "the same workload" by the labels of the Services, ReplicaSets
    and StatefulSets that select the pod (helper.DefaultSelector); here it is the pods that share
    the pod's controller (same namespace, same controller uid).
    """
    uid = (controller_of(pod) or {}).get("uid")
    if uid is None:
        return None
    owner = ((pod.get("metadata") or {}).get("namespace", ""), uid)
    zones = _domain_counts(pod, owner, LABEL_ZONE, feasible, all_infos)
    weights = {LABEL_HOSTNAME: math.log(len(feasible) + 2), LABEL_ZONE: math.log(len(zones) + 2)}
    scores = {}
    for info in feasible:
        score = 0.0
        for key, max_skew in SYSTEM_DEFAULT_CONSTRAINTS:
            if key not in info.labels:
                continue  # a node outside the topology is not scored on it
            count = info.owned[owner] if key == LABEL_HOSTNAME else zones[info.labels[key]]
            # maxSkew - 1 waters down small differences between domains
            score += count * weights[key] + (max_skew - 1)
        scores[info.name] = math.floor(score + 0.5)  # Go's math.Round
    return scores


def _domain_counts(
    pod: Obj, owner: tuple[str, str], key: str, feasible: list[NodeInfo], all_infos: list[NodeInfo]
) -> dict[str, int]:
    """Owner pods per topology value of the feasible nodes, counted over every node the pod could
    use (nodeAffinityPolicy Honor). Without requireAllTopologies, a node lacking the label is "" here."""
    counts = {info.labels.get(key, ""): 0 for info in feasible}
    for info in all_infos:
        value = info.labels.get(key, "")
        if value in counts and required_node_affinity_matches(pod, info.node):
            counts[value] += info.owned[owner]
    return counts


def normalize(scores: Mapping[str, int], *, reverse: bool = False) -> dict[str, int]:
    """helper.DefaultNormalizeScore: scale to 0..100 by the highest; `reverse` when fewer is better."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        return {name: MAX_NODE_SCORE if reverse else 0 for name in scores}
    scaled = {name: MAX_NODE_SCORE * score // highest for name, score in scores.items()}
    return {name: MAX_NODE_SCORE - score for name, score in scaled.items()} if reverse else scaled


def normalize_spread(scores: Mapping[str, int]) -> dict[str, int]:
    """PodTopologySpread.NormalizeScore: the node with the fewest matching pods gets 100."""
    lowest, highest = min(scores.values(), default=0), max(scores.values(), default=0)
    if highest == 0:
        return {name: MAX_NODE_SCORE for name in scores}
    return {name: MAX_NODE_SCORE * (highest + lowest - score) // highest for name, score in scores.items()}


def prioritize(
    pod: Obj, feasible: list[NodeInfo], all_infos: list[NodeInfo], *, more: Mapping[str, Mapping[str, int]] | None = None
) -> dict[str, int]:
    """Every score plugin, normalised and weighted, summed per node (prioritizeNodes). `more`: the
    normalised scores of the plugins kept in their own modules (interpodaffinity, podtopologyspread)."""
    plugin_scores: dict[str, Mapping[str, int]] = {
        "TaintToleration": normalize({i.name: score_taint_toleration(pod, i) for i in feasible}, reverse=True),
        "NodeResourcesFit": {i.name: score_least_allocated(pod, i) for i in feasible},
        "NodeResourcesBalancedAllocation": {i.name: score_balanced_allocation(pod, i) for i in feasible},
    }
    if _node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution"):
        plugin_scores["NodeAffinity"] = normalize({i.name: score_node_affinity(pod, i) for i in feasible})
    # A pod's own topologySpreadConstraints replace the system default ones (podtopologyspread.py)
    spread = None if (pod.get("spec") or {}).get("topologySpreadConstraints") else spread_scores(pod, feasible, all_infos)
    if spread is not None:
        plugin_scores["PodTopologySpread"] = normalize_spread(spread)
    plugin_scores.update(more or {})
    return {
        info.name: sum(WEIGHTS[plugin] * scores[info.name] for plugin, scores in plugin_scores.items())
        for info in feasible
    }
