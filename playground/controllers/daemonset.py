"""DaemonSet controller: one pod on every eligible node, as pkg/controller/daemon does.

DaemonSet, one of its pods or ControllerRevisions, or a Node changes → key `namespace/name` →
reconcile: record the template as a ControllerRevision (its hash is the pods'
`controller-revision-hash`), then `manage` (a pod for each node that should run one and has
none, deleted where a node should not run one, failed pods replaced with back-off), then, once
nothing of that is left, `rolling_update` (old pods deleted within maxUnavailable, or new ones
surged beside them within maxSurge; OnDelete does nothing), old revisions cleaned up, and the
status counters written. The pods are created with a `matchFields: metadata.name In [node]`
affinity and the default scheduler binds them, as in Kubernetes since 1.12.

Follows kubernetes/kubernetes v1.32 pkg/controller/daemon: daemon_controller.go (syncDaemonSet,
manage, podsShouldBeOnNode, syncNodes, updateDaemonSetStatus, NodeShouldRunDaemonPod, the node
event handlers), update.go (rollingUpdate, constructHistory, snapshot, cleanupHistory,
updatedDesiredNodeCounts) and util/daemonset_util.go (CreatePodTemplate,
AddOrUpdateDaemonPodTolerations, ReplaceDaemonSetPodNodeNameNodeAffinity, GetTargetNodeName,
IsPodUpdated, SurgeCount, UnavailableCount). Where the playground differs, "Playground:" says so.
"""
from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary, count_difference, create_until_refused
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.controller_ref import controller_of, new_controller_ref
from playground.store.errors import AlreadyExists, NotFound, StoreError
from playground.store.pods import is_active, is_available, is_ready
from playground.store.selectors import label_selector_matches

from .controller_ref_manager import adopt_and_release
from .deployment_util import pod_template_hash, scaled_value
from .replicaset import Expectations
from .scheduling import required_node_affinity_matches, untolerated_taint

Obj = dict[str, Any]
SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
FAILED_CREATE = "FailedCreate"
FAILED_DAEMON_POD = "FailedDaemonPod"
SUCCEEDED_DAEMON_POD = "SucceededDaemonPod"
CONTROLLER_REVISION_HASH = "controller-revision-hash"  # apps.DefaultDaemonSetUniqueLabelKey
TEMPLATE_GENERATION_LABEL = "pod-template-generation"  # extensions.DaemonSetTemplateGenerationKey
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
BURST_REPLICAS = 250  # one pass never creates or deletes more than this
FAILED_POD_BACKOFF = (1.0, 900.0)  # kube-controller-manager: flowcontrol.NewBackOff(1s, 15m)
ROLLING_UPDATE, ON_DELETE = "RollingUpdate", "OnDelete"
# What every daemon pod tolerates (AddOrUpdateDaemonPodTolerations): node problems never evict it
# (NoExecute without tolerationSeconds), and pressure or a cordon never keep it off its node.
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")


@dataclass
class Plan:
    """What one pass asks of the store: pods to create (by node) and to delete, with why."""

    create_on: list[str] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    requeue_after: float | None = None

    def wait(self, seconds: float) -> None:
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)


@dataclass
class Backoff:
    """client-go's flowcontrol.Backoff: a delay per key, doubling on each use, up to a maximum,
    forgotten once unused for twice the maximum."""

    initial: float
    maximum: float
    entries: dict[str, tuple[float, datetime.datetime]] = field(default_factory=dict)  # key → (delay, last update)

    def in_backoff_since_update(self, key: str, now: datetime.datetime) -> bool:
        entry = self.entries.get(key)
        return entry is not None and (now - entry[1]).total_seconds() < entry[0]

    def delay(self, key: str) -> float:
        return self.entries[key][0] if key in self.entries else 0.0

    def next(self, key: str, now: datetime.datetime) -> None:
        entry = self.entries.get(key)
        if entry is None or (now - entry[1]).total_seconds() > 2 * self.maximum:
            self.entries[key] = (self.initial, now)
        else:
            self.entries[key] = (min(entry[0] * 2, self.maximum), now)


class DaemonSetController(Controller):
    kind = "DaemonSet"
    owns = ("Pod", "ControllerRevision")
    component = "daemonset-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expectations = Expectations()
        self.failed_pods_backoff = Backoff(*FAILED_POD_BACKOFF)

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        if obj["kind"] == "Node":
            yield from self.daemon_sets_for_node(obj, old)
        elif obj["kind"] in self.owns and controller_of(obj) is None:
            yield from self.would_adopt(obj)

    def reconcile(self, key: Key) -> Result:
        ds = self.cache.get(self.kind, key)
        if ds is None:
            self.expectations.expect(key, now=self.now())  # a new DaemonSet of that name starts clean
            return Result()
        if ds["metadata"].get("deletionTimestamp"):
            return Result()  # its revisions may already be gone: no status can be trusted now
        nodes = {n["metadata"]["name"]: n for n in self.cache.list("Node")}
        now = self.now()

        current, old = self.construct_history(ds)
        if current is None:
            return Result()  # a hash collision: collisionCount was bumped, the status change brings us back
        hash_ = current["metadata"]["labels"][CONTROLLER_REVISION_HASH]
        generation = template_generation(ds, current)
        pods = self.claim(ds, "Pod")

        # Act only when the cache shows our last creates and deletes (no double creates)
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]  # being deleted counts as deleted
        satisfied = self.expectations.satisfied(key, live, now)
        plan = Plan()
        refused = None
        if satisfied:
            by_node = nodes_to_daemon_pods(pods)
            plan = self.manage(ds, nodes, by_node, hash_, now=now)
            # The update waits for the manage loop: each pass does one or the other (OnDelete: never)
            if not plan.create_on and not plan.delete and update_strategy(ds) == ROLLING_UPDATE:
                update = rolling_update(ds, nodes, by_node, hash_, generation, now=now)
                plan.create_on, plan.delete = update.create_on, update.delete
            refused = self.sync_nodes(ds, key, plan, hash_, generation, now=now)
            self.cleanup_history(ds, old, pods)

        status = calculate_status(ds, nodes, nodes_to_daemon_pods(pods), hash_, generation, now=now, observe=satisfied)
        if status != ds.get("status"):
            store.update_status(self.cluster, {**ds, "status": status})
        min_ready = ds["spec"].get("minReadySeconds", 0)
        if min_ready and status["numberReady"] != status.get("numberAvailable", 0):
            plan.wait(min_ready)  # the ready pods will be available by then
        if refused is not None:
            raise refused  # syncNodes' error, returned after the status is written: retried with back-off
        return Result(requeue_after=plan.requeue_after)

    # -- nodes ----------------------------------------------------------------------------------

    def daemon_sets_for_node(self, node: Obj, old: Obj | None) -> list[Key]:
        """addNode / updateNode: the DaemonSets whose wish to run on this node changed. A deleted
        node wakes none (no delete handler): its pods go with the pod garbage collector, and
        their deletion brings the DaemonSet back."""
        daemon_sets = self.cache.list(self.kind)
        if self.cache.get("Node", node["metadata"]["name"]) is None:
            return []
        if old is None:
            return [key_of_ds(ds) for ds in daemon_sets if node_should_run_daemon_pod(node, ds)[0]]
        return [
            key_of_ds(ds) for ds in daemon_sets
            if node_should_run_daemon_pod(node, ds) != node_should_run_daemon_pod(old, ds)
        ]

    def manage(
        self, ds: Obj, nodes: dict[str, Obj], by_node: dict[str, list[Obj]], hash_: str, *, now: datetime.datetime
    ) -> Plan:
        """For each node: a pod where one should run and none does, none where none should."""
        plan = Plan()
        for name, node in sorted(nodes.items()):
            self.pods_should_be_on_node(plan, node, by_node.get(name), ds, hash_, now=now)
        plan.delete += unscheduled_pods_without_node(nodes, by_node)
        return plan

    def pods_should_be_on_node(
        self, plan: Plan, node: Obj, pods: list[Obj] | None, ds: Obj, hash_: str, *, now: datetime.datetime
    ) -> None:
        """podsShouldBeOnNode: what to create and delete on one node."""
        should_run, should_continue_running = node_should_run_daemon_pod(node, ds)
        name = node["metadata"]["name"]
        if should_run and pods is None:
            plan.create_on.append(name)
        elif should_continue_running:
            running = self.prune_finished(plan, node, pods or [], ds, now=now)
            if not allows_surge(ds):
                plan.delete += sorted(running, key=creation_and_phase)[1:]  # keep the oldest
            elif not running and should_run:
                plan.create_on.append(name)  # surging: a node needs at least one live pod
            else:
                plan.delete += surplus_when_surging(running, ds, hash_, now=now)
        elif pods is not None:
            plan.delete += [p for p in pods if not p["metadata"].get("deletionTimestamp")]

    def prune_finished(self, plan: Plan, node: Obj, pods: list[Obj], ds: Obj, *, now: datetime.datetime) -> list[Obj]:
        """Delete failed pods (with back-off: the kubelet may keep rejecting them) and
        succeeded ones; returns the pods still running."""
        running, node_name = [], node["metadata"]["name"]
        for pod in pods:
            phase = (pod.get("status") or {}).get("phase")
            found = f"daemon pod {pod['metadata']['namespace']}/{pod['metadata']['name']} on node {node_name}"
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if phase == "Failed":
                key = failed_pods_backoff_key(ds, node_name)
                if self.failed_pods_backoff.in_backoff_since_update(key, now):
                    plan.wait(self.failed_pods_backoff.delay(key))
                    continue
                self.failed_pods_backoff.next(key, now)
                plan.events.append((WARNING, FAILED_DAEMON_POD, f"Found failed {found}, will try to kill it"))
                plan.delete.append(pod)
            elif phase == "Succeeded":
                plan.events.append((NORMAL, SUCCEEDED_DAEMON_POD, f"Found succeeded {found}, will try to delete it"))
                plan.delete.append(pod)
            else:
                running.append(pod)
        return running

    # -- writes ---------------------------------------------------------------------------------

    def sync_nodes(
        self, ds: Obj, key: Key, plan: Plan, hash_: str, generation: int | None,
        *, now: datetime.datetime,
    ) -> StoreError | None:
        """syncNodes: at most BURST_REPLICAS creates and deletes, in one batch with their Events;
        the API server's refusal, if it refused the pods."""
        create_on, delete = plan.create_on[:BURST_REPLICAS], plan.delete[:BURST_REPLICAS]
        if not (create_on or delete or plan.events):
            self.expectations.expect(key, now=now)
            return None
        template = create_pod_template(ds["spec"]["template"], generation, hash_)
        with store.batch(self.cluster) as batch:
            for type_, reason, message in plan.events:
                self.events.record(batch, ds, type_, reason, message)
            created, refused = create_until_refused(batch, (new_pod(ds, template, node) for node in create_on))
            for pod in created:
                self.events.record(batch, ds, NORMAL, SUCCESSFUL_CREATE, f"Created pod: {pod['metadata']['name']}")
            if refused is not None:  # say so, as Kubernetes does
                self.events.record(batch, ds, WARNING, FAILED_CREATE, f"Error creating: {refused.message}")
            for pod in delete:
                self.delete_pod(batch, ds, pod)
        added = {p["metadata"]["name"] for p in created}
        self.expectations.expect(key, added=added, deleted={p["metadata"]["uid"] for p in delete}, now=now)
        return refused

    def delete_pod(self, batch: store.Batch, ds: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            batch.delete("Pod", name, pod["metadata"]["namespace"])
        except NotFound:
            return  # gone already: what we wanted
        self.events.record(batch, ds, NORMAL, SUCCESSFUL_DELETE, f"Deleted pod: {name}")

    # -- ownership ------------------------------------------------------------------------------

    def claim(self, ds: Obj, kind: str) -> list[Obj]:
        """The objects of `kind` this DaemonSet controls, adopting matching orphans and releasing
        its own that no longer match its selector (controller_ref_manager.go)."""
        selector, uid = ds["spec"]["selector"], ds["metadata"]["uid"]
        claimed, release = [], []
        for obj in self.cache.owned_by(ds, kind):
            ref = controller_of(obj)
            if ref is None or ref["uid"] != uid:
                continue  # an owner reference, but not as its controller
            matches = label_selector_matches(selector, obj["metadata"].get("labels") or {})
            (claimed if matches else release).append(obj)
        adopt = [
            obj for obj in self.cache.uncontrolled(kind, namespace=ds["metadata"]["namespace"])
            if is_active(obj) and label_selector_matches(selector, obj["metadata"].get("labels") or {})
        ]
        claimed += adopt_and_release(self.cluster, ds, adopt, release)
        return claimed

    def would_adopt(self, obj: Obj) -> list[Key]:
        namespace = obj["metadata"].get("namespace")
        labels = obj["metadata"].get("labels") or {}
        return [
            key_of_ds(ds) for ds in self.cache.list(self.kind, namespace=namespace)
            if label_selector_matches(ds["spec"]["selector"], labels)
        ]

    # -- history --------------------------------------------------------------------------------

    def construct_history(self, ds: Obj) -> tuple[Obj | None, list[Obj]]:
        """constructHistory: the ControllerRevision of the current template (created if new,
        renumbered to the newest revision if it is an old one again) and the others."""
        histories = self.claim(ds, "ControllerRevision")
        data = revision_data(ds)
        current = [h for h in histories if h.get("data") == data]
        old = [h for h in histories if h.get("data") != data]
        revision = max((h.get("revision", 0) for h in old), default=0) + 1
        if not current:
            return self.snapshot(ds, revision), old
        kept = self.dedup_current_histories(ds, current)
        if kept.get("revision", 0) < revision:
            kept = store.update(self.cluster, {**kept, "revision": revision})
        return kept, old

    def snapshot(self, ds: Obj, revision: int) -> Obj | None:
        """A new ControllerRevision `<ds>-<hash>`; on a name taken by another template, bump
        status.collisionCount so that the next hash differs."""
        collision_count = (ds.get("status") or {}).get("collisionCount")
        history = new_controller_revision(ds, pod_template_hash(ds["spec"]["template"], collision_count), revision)
        try:
            return store.create(self.cluster, history)
        except AlreadyExists:
            name, namespace = history["metadata"]["name"], ds["metadata"]["namespace"]
            existing = store.get(self.cluster, "ControllerRevision", name, namespace)
            if existing.get("data") == history["data"]:
                return existing  # ours, from a pass the cache has not shown yet
        status = {**(ds.get("status") or {}), "collisionCount": (collision_count or 0) + 1}
        store.update_status(self.cluster, {**ds, "status": status})
        return None

    def dedup_current_histories(self, ds: Obj, current: list[Obj]) -> Obj:
        """dedupCurHistories: keep the newest of several revisions of one template, relabel the
        pods to its hash, delete the rest."""
        if len(current) == 1:
            return current[0]
        keep = max(current, key=lambda h: h.get("revision", 0))
        hash_ = keep["metadata"]["labels"].get(CONTROLLER_REVISION_HASH, "")
        with store.batch(self.cluster) as batch:
            for pod in self.claim(ds, "Pod"):
                if pod["metadata"].get("labels", {}).get(CONTROLLER_REVISION_HASH) != hash_:
                    labels = {**pod["metadata"].get("labels", {}), CONTROLLER_REVISION_HASH: hash_}
                    batch.update({**pod, "metadata": {**pod["metadata"], "labels": labels}})
            for history in current:
                if history is not keep:
                    batch.delete("ControllerRevision", history["metadata"]["name"], history["metadata"]["namespace"])
        return keep

    def cleanup_history(self, ds: Obj, old: list[Obj], pods: list[Obj]) -> None:
        """cleanupHistory: beyond revisionHistoryLimit, delete the oldest revisions no pod runs."""
        to_kill = len(old) - ds["spec"].get("revisionHistoryLimit", 10)
        if to_kill <= 0:
            return
        live = {h for p in pods if (h := (p["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH))}
        oldest_first = sorted(old, key=lambda h: h.get("revision", 0))
        doomed = [h for h in oldest_first if h["metadata"]["labels"].get(CONTROLLER_REVISION_HASH) not in live]
        with store.batch(self.cluster) as batch:
            for history in doomed[:to_kill]:
                batch.delete("ControllerRevision", history["metadata"]["name"], history["metadata"]["namespace"])

    def summarize(self, key: Key, ds: Obj | None) -> Summary:
        if ds is None:
            return super().summarize(key, ds)
        pods = [p for p in self.cache.owned_by(ds, "Pod") if is_active(p)]
        want = int(ds.get("status", {}).get("desiredNumberScheduled", 0))
        observed = [["pods", f"{len(pods)}, {sum(map(is_ready, pods))} ready"]]
        return observed, [["one pod per eligible node", str(want)]], count_difference(want, len(pods))


# --- where a daemon pod should run -----------------------------------------------------------------


def node_should_run_daemon_pod(node: Obj, ds: Obj) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run, should continue running). A pod that does not
    tolerate a NoSchedule taint is not started there, but one already there keeps running
    unless a NoExecute taint is untolerated too."""
    spec = ds["spec"]["template"].get("spec") or {}
    name = node["metadata"]["name"]
    if spec.get("nodeName") not in (None, "", name):
        return False, False
    pod = {"metadata": ds["spec"]["template"].get("metadata") or {}, "spec": with_daemon_tolerations(spec)}
    if not required_node_affinity_matches(pod, node):
        return False, False
    taints, tolerations = (node.get("spec") or {}).get("taints"), pod["spec"].get("tolerations")
    if untolerated_taint(taints, tolerations) is not None:
        return False, untolerated_taint(taints, tolerations, effects=("NoExecute",)) is None
    return True, True


def target_node_name(pod: Obj) -> str | None:
    """GetTargetNodeName: spec.nodeName, or before binding the node its affinity names."""
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    node_affinity = (pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            if requirement.get("key") == "metadata.name" and requirement.get("operator") == "In":
                values = requirement.get("values") or []
                return values[0] if len(values) == 1 else None
    return None


def nodes_to_daemon_pods(pods: Iterable[Obj]) -> dict[str, list[Obj]]:
    """getNodesToDaemonPods: the pods by the node they are for; a pod already finished and being
    deleted is left to the kubelet or the pod garbage collector."""
    by_node: dict[str, list[Obj]] = {}
    for pod in pods:
        terminal = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        if terminal and pod["metadata"].get("deletionTimestamp"):
            continue
        node = target_node_name(pod)
        if node is not None:
            by_node.setdefault(node, []).append(pod)
    return by_node


def unscheduled_pods_without_node(nodes: dict[str, Obj], by_node: dict[str, list[Obj]]) -> list[Obj]:
    """getUnscheduledPodsWithoutNode: pods meant for a node that is gone and never scheduled, which
    the scheduler cannot place. Bound ones are left to the pod garbage collector (gcOrphaned)."""
    return [
        pod for name, pods in sorted(by_node.items()) if name not in nodes for pod in pods
        if not pod["spec"].get("nodeName") and not pod["metadata"].get("deletionTimestamp")
    ]


def failed_pods_backoff_key(ds: Obj, node_name: str) -> str:
    """failedPodsBackoffKey: per DaemonSet, generation observed and node, so a new template starts afresh."""
    return f"{ds['metadata']['uid']}/{(ds.get('status') or {}).get('observedGeneration', 0)}/{node_name}"


def creation_and_phase(pod: Obj) -> tuple[bool, str, str]:
    """podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name."""
    return not pod["spec"].get("nodeName"), pod["metadata"].get("creationTimestamp") or "", pod["metadata"]["name"]


def surplus_when_surging(running: list[Obj], ds: Obj, hash_: str, *, now: datetime.datetime) -> list[Obj]:
    """With maxSurge a node may run an old and a new pod together: the old one goes once it is
    not ready or the new one is available; every pod beyond the oldest of each goes at once."""
    oldest_new = oldest_old = None
    surplus = []
    for pod in sorted(running, key=creation_and_phase):
        is_new = (pod["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH) == hash_
        if is_new and oldest_new is None:
            oldest_new = pod
        elif not is_new and oldest_old is None:
            oldest_old = pod
        else:
            surplus.append(pod)
    if oldest_new is not None and oldest_old is not None:
        if not is_ready(oldest_old) or is_available(oldest_new, ds["spec"].get("minReadySeconds", 0), now):
            surplus.append(oldest_old)
    return surplus


# --- rolling updates -------------------------------------------------------------------------------


def update_strategy(ds: Obj) -> str:
    return (ds["spec"].get("updateStrategy") or {}).get("type") or ROLLING_UPDATE


def _rolling(ds: Obj) -> Obj:
    return (ds["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}


def surge_count(ds: Obj, number_to_schedule: int) -> int:
    """SurgeCount: maxSurge of the nodes to schedule, rounded up; 0 unless RollingUpdate."""
    if update_strategy(ds) != ROLLING_UPDATE:
        return 0
    return scaled_value(_rolling(ds).get("maxSurge"), number_to_schedule, round_up=True)


def unavailable_count(ds: Obj, number_to_schedule: int) -> int:
    """UnavailableCount: maxUnavailable of the nodes to schedule, rounded up; 0 unless RollingUpdate."""
    if update_strategy(ds) != ROLLING_UPDATE:
        return 0
    return scaled_value(_rolling(ds).get("maxUnavailable"), number_to_schedule, round_up=True)


def allows_surge(ds: Obj) -> bool:
    return surge_count(ds, 1) > 0


def is_pod_updated(pod: Obj, hash_: str, generation: int | None) -> bool:
    """IsPodUpdated: the pod carries the current revision's hash, or the template generation."""
    labels = pod["metadata"].get("labels") or {}
    template_matches = generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
    return (bool(hash_) and labels.get(CONTROLLER_REVISION_HASH) == hash_) or template_matches


def find_updated_pods_on_node(pods: list[Obj], hash_: str, generation: int | None) -> tuple[Obj | None, Obj | None, bool]:
    """findUpdatedPodsOnNode: (new pod, old pod, ok); not ok when a node has two of either."""
    new = old = None
    for pod in pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if is_pod_updated(pod, hash_, generation):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def desired_node_counts(
    ds: Obj, nodes: dict[str, Obj], by_node: dict[str, list[Obj]]
) -> tuple[int, int, int, dict[str, list[Obj]]]:
    """updatedDesiredNodeCounts: (maxSurge, maxUnavailable, desired), and every node that should
    run a pod listed, with none if it has none. Neither surge nor unavailability allowed would
    stop the update: then one node may be unavailable."""
    listed = dict(by_node)
    desired = 0
    for name, node in nodes.items():
        if node_should_run_daemon_pod(node, ds)[0]:
            desired += 1
            listed.setdefault(name, [])
    surge, unavailable = surge_count(ds, desired), unavailable_count(ds, desired)
    if desired > 0 and surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable, desired, listed


def rolling_update(
    ds: Obj, nodes: dict[str, Obj], by_node: dict[str, list[Obj]], hash_: str, generation: int | None,
    *, now: datetime.datetime,
) -> Plan:
    """rollingUpdate: old pods to delete (or new pods to surge) within the strategy's bounds."""
    surge, unavailable, desired, listed = desired_node_counts(ds, nodes, by_node)
    if surge == 0:
        return Plan(delete=deletes_within_max_unavailable(ds, listed, hash_, generation, unavailable, now=now))
    return surge_within_max_surge(ds, nodes, listed, hash_, generation, surge, desired, now=now)


def deletes_within_max_unavailable(
    ds: Obj, listed: dict[str, list[Obj]], hash_: str, generation: int | None, max_unavailable: int,
    *, now: datetime.datetime,
) -> list[Obj]:
    """Without surge: delete old pods while no more than maxUnavailable nodes lack an available
    pod; the manage loop then creates their replacements. Unavailable old pods go at once."""
    min_ready = ds["spec"].get("minReadySeconds", 0)
    unavailable, replace_now, candidates = 0, [], []
    for _, pods in sorted(listed.items()):
        new, old, ok = find_updated_pods_on_node(pods, hash_, generation)
        if not ok or (new is None) == (old is None):
            unavailable += 1  # the manage loop has work here first
        elif new is not None:
            unavailable += not is_available(new, min_ready, now)
        elif not is_available(old, min_ready, now):
            replace_now.append(old)
            unavailable += 1
        elif unavailable < max_unavailable:
            candidates.append(old)
    room = min(max(max_unavailable - unavailable, 0), len(candidates))
    return replace_now + candidates[:room]


def surge_within_max_surge(
    ds: Obj, nodes: dict[str, Obj], listed: dict[str, list[Obj]], hash_: str, generation: int | None,
    max_surge: int, desired: int, *, now: datetime.datetime,
) -> Plan:
    """With surge: start a new pod beside an old one on up to maxSurge nodes (at once where the
    old one is unavailable), delete the old one when the new one is available. Pods on nodes
    that should no longer run one go only while enough pods elsewhere are available."""
    min_ready = ds["spec"].get("minReadySeconds", 0)
    plan, surging, available = Plan(), 0, 0
    allowed, candidates, not_wanted = [], [], []
    for name, pods in sorted(listed.items()):
        new, old, ok = find_updated_pods_on_node(pods, hash_, generation)
        if not ok:
            surging += 1
            continue
        # Availability counts on every node, those losing their pod to a changed selector too
        counted = old if old is not None else new
        available += counted is not None and is_available(counted, min_ready, now)
        should_run = name in nodes and node_should_run_daemon_pod(nodes[name], ds)[0]
        if old is None:
            continue  # the manage loop takes care of this node
        if new is None and not is_available(old, min_ready, now) and should_run:
            allowed.append(name)  # an unavailable old pod: its replacement may start at once
        elif new is None and not is_available(old, min_ready, now):
            plan.delete.append(old)
        elif new is None and not should_run:
            not_wanted.append(old)
        elif new is None:
            if surging < max_surge:
                candidates.append(name)
        elif not is_available(new, min_ready, now):
            surging += 1
        else:
            plan.delete.append(old)
    plan.delete += not_wanted[: max(min(available - desired, len(not_wanted)), 0)]
    plan.create_on = allowed + candidates[: max(min(max_surge - surging, len(candidates)), 0)]
    return plan


# --- the pods it creates ---------------------------------------------------------------------------


def with_daemon_tolerations(spec: Obj) -> Obj:
    """AddOrUpdateDaemonPodTolerations: a copy of the pod spec with the daemon tolerations,
    each replacing a toleration of the same key, effect, operator and value."""
    wanted = [*DAEMON_TOLERATIONS, *([HOST_NETWORK_TOLERATION] if spec.get("hostNetwork") else [])]
    tolerations = list(spec.get("tolerations") or [])
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        same = [i for i, t in enumerate(tolerations) if _matches(t, toleration)]
        if not same:
            tolerations.append(toleration)
        for i in same:
            tolerations[i] = dict(toleration)
    return {**spec, "tolerations": tolerations}


def _matches(a: Obj, b: Obj) -> bool:
    """Toleration.MatchToleration: the same key, effect, operator and value."""
    return all((a.get(f) or "") == (b.get(f) or "") for f in ("key", "effect", "value")) and (
        a.get("operator") or "Equal"
    ) == (b.get("operator") or "Equal")


def create_pod_template(template: Obj, generation: int | None, hash_: str) -> Obj:
    """CreatePodTemplate: the template with the daemon tolerations and the
    `pod-template-generation` and `controller-revision-hash` labels."""
    new = copy.deepcopy(template)
    new["spec"] = with_daemon_tolerations(new.get("spec") or {})
    labels = (new.setdefault("metadata", {}).get("labels") or {}).copy()
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    if hash_:
        labels[CONTROLLER_REVISION_HASH] = hash_
    new["metadata"]["labels"] = labels
    return new


def node_name_affinity(affinity: Obj | None, node_name: str) -> Obj:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes exactly
    `metadata.name In [node]`; the rest of the affinity stays."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = copy.deepcopy(affinity or {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    return affinity


def new_pod(ds: Obj, template: Obj, node_name: str) -> Obj:
    """A pod for one node: `<ds>-<5 random characters>`, controlled by the DaemonSet."""
    meta = template.get("metadata") or {}
    metadata = {
        "generateName": f"{ds['metadata']['name']}-",
        "namespace": ds["metadata"]["namespace"],
        "labels": dict(meta.get("labels") or {}),
        "ownerReferences": [new_controller_ref(ds)],
    }
    if meta.get("annotations"):
        metadata["annotations"] = dict(meta["annotations"])
    spec = {**template["spec"], "affinity": node_name_affinity(template["spec"].get("affinity"), node_name)}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


# --- history ---------------------------------------------------------------------------------------


def revision_data(ds: Obj) -> Obj:
    """getPatch: what a ControllerRevision keeps, a patch that puts this template back."""
    return {"spec": {"template": {**copy.deepcopy(ds["spec"]["template"]), "$patch": "replace"}}}


def new_controller_revision(ds: Obj, hash_: str, revision: int) -> Obj:
    """snapshot: `<ds>-<hash>`, labelled like the pods with the hash, controlled by the DaemonSet."""
    labels = {**(ds["spec"]["template"].get("metadata", {}).get("labels") or {}), CONTROLLER_REVISION_HASH: hash_}
    metadata = {
        "name": f"{ds['metadata']['name']}-{hash_}",
        "namespace": ds["metadata"]["namespace"],
        "labels": labels,
        "ownerReferences": [new_controller_ref(ds)],
    }
    if ds["metadata"].get("annotations"):
        metadata["annotations"] = dict(ds["metadata"]["annotations"])
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": metadata,
        "data": revision_data(ds),
        "revision": revision,
    }


def template_generation(ds: Obj, current: Obj) -> int | None:
    """GetTemplateGeneration: the deprecated annotation the API server keeps on a DaemonSet.
    Playground: the store does not set it, so without it the current revision's number stands in;
    both start at 1 and count the template's changes, a return to an old template included."""
    annotation = (ds["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    if annotation is None:
        return current.get("revision")
    try:
        return int(annotation)
    except ValueError:
        return None


# --- status ----------------------------------------------------------------------------------------


def calculate_status(
    ds: Obj, nodes: dict[str, Obj], by_node: dict[str, list[Obj]], hash_: str, generation: int | None,
    *, now: datetime.datetime, observe: bool,
) -> Obj:
    """updateDaemonSetStatus: the counters over the nodes, judging each by its oldest pod."""
    min_ready = ds["spec"].get("minReadySeconds", 0)
    desired = current = misscheduled = ready = updated = available = 0
    for name, node in nodes.items():
        should_run, _ = node_should_run_daemon_pod(node, ds)
        pods = by_node.get(name)
        if not should_run:
            misscheduled += bool(pods)
            continue
        desired += 1
        if not pods:
            continue
        current += 1
        pod = min(pods, key=creation_and_phase)
        ready += is_ready(pod)
        available += is_ready(pod) and is_available(pod, min_ready, now)
        updated += is_pod_updated(pod, hash_, generation)
    old = ds.get("status") or {}
    status = {
        **{k: v for k, v in old.items() if k in ("collisionCount", "conditions")},
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
    }
    # The other counters are omitempty in the Go struct: a zero is not written
    optional = {
        "observedGeneration": ds["metadata"].get("generation", 1) if observe else old.get("observedGeneration", 0),
        "updatedNumberScheduled": updated,
        "numberAvailable": available,
        "numberUnavailable": desired - available,
    }
    return {**status, **{k: v for k, v in optional.items() if v}}


def key_of_ds(ds: Obj) -> Key:
    return f"{ds['metadata']['namespace']}/{ds['metadata']['name']}"

