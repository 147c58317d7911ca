"""ReplicaSet controller: keeps spec.replicas pods running, as pkg/controller/replicaset does.

ReplicaSet or one of its pods changes → key `namespace/name` → reconcile: adopt matching
orphans and release pods that no longer match, create or delete pods towards spec.replicas
(at most BURST_REPLICAS a sync, creates in slowStartBatch's growing batches), then write the
status. Expectations keep a cache that has not yet seen our own creates and deletes from
causing a second round of them (pkg/controller/controller_utils.go ControllerExpectations).

The creates and deletes go out at the controller's API client rate (controllers/client.py),
on the simulated clock: a worker that syncs a ReplicaSet waits in manageReplicas until its
client has sent them all, and only then writes the status. Here the wait is a ManageReplicas
kept for the ReplicaSet, carried on by its next passes; each pass sends what the tokens
allow, one store batch per slowStartBatch batch (or part of one), and the status goes in the
batch of the last request (a commit of its own would be one more for every page to draw).
"""
from __future__ import annotations

import datetime
import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Key
from playground.runtime.controller import (
    Controller,
    Result,
    Summary,
    count_difference,
    create_until_refused,
    slow_start_batches,
)
from playground.runtime.events import NORMAL, WARNING
from playground.runtime.ratelimit import TokenBucket
from playground.store import api as store
from playground.store.controller_ref import controller_of, new_controller_ref
from playground.store.errors import NotFound, StoreError
from playground.store.pods import is_active, is_ready, ready_since
from playground.store.selectors import label_selector_matches

from .client import NEXT_PASS_REQUESTS, controller_client
from .controller_ref_manager import adopt_and_release

Obj = dict[str, Any]
Finish = Callable[..., None]  # write_status with the ReplicaSet, its pods and the time given
SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
FAILED_CREATE = "FailedCreate"
REPLICA_FAILURE = "ReplicaFailure"
BURST_REPLICAS = 500  # one pass never creates or deletes more than this
EXPECTATIONS_TIMEOUT = 300.0  # seconds after which unmet expectations are given up on


@dataclass
class Expectations:
    """Pods we created or deleted that the cache has not shown yet, per ReplicaSet."""

    adds: dict[Key, set[str]] = field(default_factory=dict)  # names created, not yet seen
    deletes: dict[Key, set[str]] = field(default_factory=dict)  # uids deleted, not yet seen marked for deletion
    since: dict[Key, datetime.datetime] = field(default_factory=dict)

    def satisfied(self, key: Key, pods: list[Obj], now: datetime.datetime) -> bool:
        names = {p["metadata"]["name"] for p in pods}
        # A pod marked for deletion counts as deleted (updatePod hands it to deletePod)
        uids = {p["metadata"]["uid"] for p in pods if not p["metadata"].get("deletionTimestamp")}
        self.adds[key] = self.adds.get(key, set()) - names
        self.deletes[key] = self.deletes.get(key, set()) & uids
        expired = key in self.since and (now - self.since[key]).total_seconds() > EXPECTATIONS_TIMEOUT
        return expired or not (self.adds[key] or self.deletes[key])

    def expect(self, key: Key, *, added: set[str] = frozenset(), deleted: set[str] = frozenset(), now: datetime.datetime) -> None:
        self.adds[key] = set(added)
        self.deletes[key] = set(deleted)
        self.since[key] = now

    def created(self, key: Key, names: set[str]) -> None:
        """More creates of the sync under way, sent since it began."""
        self.adds[key] = self.adds.get(key, set()) | names


@dataclass
class ManageReplicas:
    """manageReplicas under way for one ReplicaSet: the creates or deletes its client has not
    sent yet. Until they are all sent, the ReplicaSet's other changes wait, as they wait for
    the one worker that syncs it."""

    batches: list[int] = field(default_factory=list)  # slowStartBatch's batches to create, the first partly sent
    sent: int = 0  # of the first batch
    doomed: list[Obj] = field(default_factory=list)  # pods to delete, not yet deleted

    @property
    def remaining(self) -> int:
        return sum(self.batches) - self.sent + len(self.doomed)


class ReplicaSetController(Controller):
    kind = "ReplicaSet"
    owns = ("Pod",)
    component = "replicaset-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expectations = Expectations()
        self.client: TokenBucket = controller_client()
        self.managing: dict[Key, ManageReplicas] = {}

    def keys_for(self, obj: Obj, old: Obj | None) -> list[Key]:
        keys = list(super().keys_for(obj, old))
        if obj["kind"] == "Pod" and controller_of(obj) is None:
            keys += self.would_adopt(obj)  # an orphan a ReplicaSet may adopt
        return keys

    def reconcile(self, key: Key) -> Result:
        rs = self.cache.get(self.kind, key)
        if rs is None:
            self.managing.pop(key, None)
            return Result()  # deleted: the garbage collector takes care of its pods
        now = self.now()
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_active(p)]
        manage = self.managing.get(key)
        # A sync's first request goes as soon as there is a token; the rest, a pass's worth at a time
        at_least = NEXT_PASS_REQUESTS if manage is not None else 1
        # Scale only when the cache shows our last creates and deletes (no double creates)
        if manage is None and self.expectations.satisfied(key, pods, now) and not rs["metadata"].get("deletionTimestamp"):
            manage = self.manage_replicas(rs, key, active, now=now)
        if manage is None:
            if (updated := with_status(rs, active, now=now)) is not None:
                store.update_status(self.cluster, updated)
            return Result(requeue_after=seconds_until_available(rs, active, now=now))
        # Kept until its last request is sent, a batch refused on the way included (a Conflict: retried)
        self.managing[key] = manage
        # The status goes in the batch that sends manageReplicas' last request: one commit, not two
        refused = self.send(rs, key, manage, now=now, at_least=at_least,
                            finish=functools.partial(write_status, rs=rs, pods=active, now=now))
        if manage.remaining and refused is None:
            return Result(requeue_after=self.client.seconds_until(min(manage.remaining, NEXT_PASS_REQUESTS)))
        del self.managing[key]
        if refused is not None:
            raise refused  # manageReplicas' error, returned after the status is written: retried with back-off
        return Result(requeue_after=seconds_until_available(rs, active, now=now))

    def manage_replicas(self, rs: Obj, key: Key, active: list[Obj], *, now: datetime.datetime) -> ManageReplicas | None:
        """The creates or deletes that bring the ReplicaSet towards spec.replicas, expected from now."""
        diff = rs["spec"]["replicas"] - len(active)
        if diff > 0:
            self.expectations.expect(key, now=now)
            return ManageReplicas(batches=list(slow_start_batches(min(diff, BURST_REPLICAS))))
        if diff < 0:
            doomed = pods_to_delete(active, count=min(-diff, BURST_REPLICAS), related=self.related_pods(rs), now=now)
            self.expectations.expect(key, deleted={p["metadata"]["uid"] for p in doomed}, now=now)
            return ManageReplicas(doomed=doomed)
        return None

    def send(self, rs: Obj, key: Key, manage: ManageReplicas, *, now: datetime.datetime, at_least: int,
             finish: Finish) -> StoreError | None:
        """Send what the client's tokens allow, once `at_least` of them are there (or what remains),
        `finish` in the batch of the last; a create's refusal, if any."""
        if self.client.available(now) < min(manage.remaining, at_least):
            return None
        if manage.doomed:
            self.delete_pods(rs, manage, now=now, finish=finish)
            return None
        return self.create_pods(rs, key, manage, now=now, finish=finish)

    def claim_pods(self, rs: Obj) -> list[Obj]:
        """Pods this ReplicaSet controls, adopting matching orphans and releasing pods that no
        longer match its selector (pkg/controller/controller_ref_manager.go)."""
        selector = rs["spec"]["selector"]
        uid = rs["metadata"]["uid"]
        claimed, adopt, release = [], [], []
        for pod in self.cache.owned_by(rs, "Pod"):
            ref = controller_of(pod)
            if ref is None or ref["uid"] != uid:
                continue  # an owner reference, but not as its controller
            matches = label_selector_matches(selector, pod["metadata"].get("labels") or {})
            (claimed if matches else release).append(pod)
        if not rs["metadata"].get("deletionTimestamp"):
            adopt = [
                pod for pod in self.cache.uncontrolled("Pod", namespace=rs["metadata"]["namespace"])
                if is_active(pod) and label_selector_matches(selector, pod["metadata"].get("labels") or {})
            ]
        claimed += adopt_and_release(self.cluster, rs, adopt, release)
        return claimed

    def related_pods(self, rs: Obj) -> list[Obj]:
        """getIndirectlyRelatedPods: the pods selected by every ReplicaSet with the same controller
        as this one, each once; none for a ReplicaSet no controller owns."""
        owner = controller_of(rs)
        if owner is None:
            return []
        namespace, found = rs["metadata"]["namespace"], {}
        for other in self.cache.dependents_of(owner["uid"]):
            if other["kind"] == self.kind and (controller_of(other) or {}).get("uid") == owner["uid"]:
                for pod in self.cache.list("Pod", namespace=namespace, selector=other["spec"]["selector"]):
                    found.setdefault(pod["metadata"]["uid"], pod)
        return list(found.values())

    def would_adopt(self, pod: Obj) -> list[Key]:
        namespace = pod["metadata"].get("namespace")
        labels = pod["metadata"].get("labels") or {}
        return [
            f"{namespace}/{rs['metadata']['name']}"
            for rs in self.cache.list(self.kind, namespace=namespace)
            if label_selector_matches(rs["spec"]["selector"], labels)
        ]

    def create_pods(self, rs: Obj, key: Key, manage: ManageReplicas, *, now: datetime.datetime,
                    finish: Finish) -> StoreError | None:
        """Create what the tokens allow of slowStartBatch's batches of 1, 2, 4, ..., one store
        batch per batch (or its part sent in this pass), stopping at the first pod the API
        server refuses; its refusal, if any (those before it are created: a quota lets a
        ReplicaSet grow to its limit). A scale-up thus reaches the watches as a real one does,
        a stream of small commits, not 500 pods that twenty `kubectl get -w` must all print
        before the next change shows."""
        while manage.batches:
            size = self.client.take_available(now, manage.batches[0] - manage.sent)
            if not size:
                return None
            with store.batch(self.cluster) as batch:
                made, refused = create_until_refused(batch, (pod_from_template(rs) for _ in range(size)))
                for pod in made:
                    self.events.record(batch, rs, NORMAL, SUCCESSFUL_CREATE, f"Created pod: {pod['metadata']['name']}")
                if refused is not None:  # say so, as Kubernetes does
                    self.events.record(batch, rs, WARNING, FAILED_CREATE, f"Error creating: {refused.message}")
                if refused is not None or manage.batches == [manage.sent + size]:  # the sync's last
                    finish(batch, error=refused)
            # the pods written before an error are expected all the same: no second round of them
            self.expectations.created(key, {p["metadata"]["name"] for p in made})
            if refused is not None:
                manage.batches.clear()  # slowStartBatch starts no batch after one that failed
                return refused
            manage.sent += size
            if manage.sent == manage.batches[0]:
                manage.batches.pop(0)
                manage.sent = 0
        return None

    def delete_pods(self, rs: Obj, manage: ManageReplicas, *, now: datetime.datetime, finish: Finish) -> None:
        """manageReplicas sends its deletes all at once, each as its token comes."""
        count = self.client.take_available(now, len(manage.doomed))
        with store.batch(self.cluster) as batch:
            for pod in manage.doomed[:count]:
                try:
                    batch.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
                except NotFound:
                    continue  # gone since the sync chose it: manageReplicas lets a NotFound pass
                self.events.record(batch, rs, NORMAL, SUCCESSFUL_DELETE, f"Deleted pod: {pod['metadata']['name']}")
            if count == len(manage.doomed):
                finish(batch)
        manage.doomed = manage.doomed[count:]  # once committed: a batch refused is sent again

    def summarize(self, key: Key, rs: Obj | None) -> Summary:
        if rs is None:
            return super().summarize(key, rs)
        pods = [p for p in self.cache.owned_by(rs, "Pod") if is_active(p)]
        ready = sum(map(is_ready, pods))
        want = int(rs["spec"].get("replicas", 1))
        status = rs.get("status", {})
        observed = [["pods", f"{len(pods)}, {ready} ready"],
                    ["status", f"{status.get('replicas', 0)} replicas, {status.get('readyReplicas', 0)} ready"]]
        return observed, [["replicas", str(want)]], count_difference(want, len(pods))


def pod_from_template(rs: Obj) -> Obj:
    """A new pod of the ReplicaSet: its template, named `<rs>-<5 random characters>`."""
    template = rs["spec"]["template"]
    metadata = {
        "generateName": f"{rs['metadata']['name']}-",
        "namespace": rs["metadata"]["namespace"],
        "labels": dict(template.get("metadata", {}).get("labels") or {}),
        "ownerReferences": [new_controller_ref(rs)],
    }
    if template.get("metadata", {}).get("annotations"):
        metadata["annotations"] = dict(template["metadata"]["annotations"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]}


def pods_to_delete(pods: list[Obj], *, count: int, related: list[Obj] = (), now: datetime.datetime | None = None) -> list[Obj]:
    """getPodsToDelete: the `count` pods to delete first, ranked as controller.ActivePodsWithRanks
    sorts them (`related`: the pods of every ReplicaSet with the same controller, whose active
    ones on a pod's node make its rank). All of them go unranked, as in Kubernetes."""
    if count >= len(pods):
        return pods[:count]
    on_node = Counter(p["spec"].get("nodeName", "") for p in related if is_active(p))

    def compare(a: Obj, b: Obj) -> int:
        return -1 if deletes_first(a, b, on_node, now) else 1 if deletes_first(b, a, on_node, now) else 0

    return sorted(pods, key=functools.cmp_to_key(compare))[:count]


def deletes_first(a: Obj, b: Obj, on_node: Counter[str], now: datetime.datetime | None) -> bool:
    """ActivePodsWithRanks.Less: whether pod `a` should go before pod `b`."""
    node_a, node_b = a["spec"].get("nodeName", ""), b["spec"].get("nodeName", "")
    if node_a != node_b and not (node_a and node_b):
        return not node_a  # 1. unassigned first
    phase_a, phase_b = _PHASE_ORDER.get(_phase(a), 0), _PHASE_ORDER.get(_phase(b), 0)
    if phase_a != phase_b:
        return phase_a < phase_b  # 2. Pending, then Unknown, then Running
    if is_ready(a) != is_ready(b):
        return not is_ready(a)  # 3. not ready first
    cost_a, cost_b = deletion_cost(a), deletion_cost(b)
    if cost_a != cost_b:
        return cost_a < cost_b  # 4. the lower pod-deletion-cost first
    if on_node[node_a] != on_node[node_b]:
        return on_node[node_a] > on_node[node_b]  # 5. doubled up on a node first
    if is_ready(a) and is_ready(b):
        since_a, since_b = ready_since(a), ready_since(b)
        if since_a != since_b:
            return _newer(a, since_a, b, since_b, now)  # 6. ready for less time first
    if max_restarts(a) != max_restarts(b):
        return max_restarts(a) > max_restarts(b)  # 7. restarted more first
    created_a, created_b = _created(a), _created(b)
    if created_a != created_b:
        return _newer(a, created_a, b, created_b, now)  # 8. newer first
    return False


_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def deletion_cost(pod: Obj) -> int:
    """GetDeletionCostFromPodAnnotations: an int32, 0 when unset or not one."""
    value = (pod["metadata"].get("annotations") or {}).get(POD_DELETION_COST, "0")
    try:
        cost = int(value, 10)
    except ValueError:
        return 0
    return cost if -(2**31) <= cost < 2**31 else 0


def max_restarts(pod: Obj) -> int:
    """maxContainerRestarts: the most restarts of any one container."""
    return max((c.get("restartCount", 0) for c in pod.get("status", {}).get("containerStatuses", [])), default=0)


def _newer(a: Obj, time_a: datetime.datetime | None, b: Obj, time_b: datetime.datetime | None,
           now: datetime.datetime | None) -> bool:
    """afterOrZero, in logarithmic buckets of age (LogarithmicScaleDown): a zero time first, then
    the younger bucket; pods of one bucket are ordered by uid, which is as good as random."""
    if time_a is None or time_b is None or now is None:
        return time_a is None if (time_a is None or time_b is None) else time_a > time_b
    diff = _log_rank(now - time_a) - _log_rank(now - time_b)
    return a["metadata"].get("uid", "") < b["metadata"].get("uid", "") if diff == 0 else diff < 0


def _log_rank(age: datetime.timedelta) -> int:
    nanoseconds = age // datetime.timedelta(microseconds=1) * 1000
    return int(math.log2(nanoseconds)) if nanoseconds > 0 else -1


def _phase(pod: Obj) -> str:
    return pod.get("status", {}).get("phase", "Pending")


def _created(pod: Obj) -> datetime.datetime | None:
    return store.parse_timestamp(pod["metadata"].get("creationTimestamp"))


def write_status(batch: store.Batch, *, rs: Obj, pods: list[Obj], now: datetime.datetime,
                 error: StoreError | None = None) -> None:
    """updateReplicaSetStatus, in `batch`, when the status calculated differs from the one stored."""
    if (updated := with_status(rs, pods, now=now, error=error)) is not None:
        batch.update_status(updated)


def with_status(rs: Obj, pods: list[Obj], *, now: datetime.datetime, error: StoreError | None = None) -> Obj | None:
    """The ReplicaSet with the status calculateStatus gives it; None when that is the one it has."""
    status = calculate_status(rs, pods, now=now, error=error)
    return None if status == rs.get("status") else {**rs, "status": status}


def calculate_status(rs: Obj, pods: list[Obj], *, now: datetime.datetime, error: StoreError | None = None) -> Obj:
    """The status the controller writes on every pass (replica_set_utils.calculateStatus): the
    counts, and the ReplicaFailure condition while creating or deleting pods fails (`error`)."""
    template_labels = (rs["spec"]["template"].get("metadata", {}).get("labels") or {}).items()
    min_ready = rs["spec"].get("minReadySeconds", 0)
    labelled = ready = available = 0
    for pod in pods:  # one pass: this runs for every pod of the set on every reconcile
        labelled += template_labels <= (pod["metadata"].get("labels") or {}).items()
        since = ready_since(pod)
        if since is not None:
            ready += 1
            available += min_ready == 0 or (now - since).total_seconds() >= min_ready
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": labelled,
        "readyReplicas": ready,
        "availableReplicas": available,
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    # Zero counters are omitted, as the Go structs' omitempty does
    status = {k: v for k, v in status.items() if v or k == "replicas"}
    conditions = replica_failure(rs, len(pods), error, now=now)
    return {**status, "conditions": conditions} if conditions else status


def replica_failure(rs: Obj, have: int, error: StoreError | None, *, now: datetime.datetime) -> list[Obj]:
    """The ReplicaSet's conditions with ReplicaFailure set (FailedCreate or FailedDelete, the
    error's message) when this pass failed and none is there yet, and removed once a pass goes well."""
    conditions = list(rs.get("status", {}).get("conditions") or [])
    failing = next((c for c in conditions if c["type"] == REPLICA_FAILURE), None)
    if error is not None and failing is None:
        diff = have - int(rs["spec"].get("replicas", 1))
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append({"type": REPLICA_FAILURE, "status": "True", "lastTransitionTime": store.timestamp(now),
                           "reason": reason, "message": error.message})
    elif error is None and failing is not None:
        conditions.remove(failing)
    return conditions


def seconds_until_available(rs: Obj, pods: list[Obj], *, now: datetime.datetime) -> float | None:
    """When a ready pod will have been ready for minReadySeconds: look again then."""
    min_ready = rs["spec"].get("minReadySeconds", 0)
    if not min_ready:
        return None
    waits = [
        min_ready - (now - since).total_seconds()
        for p in pods
        if (since := ready_since(p)) is not None and (now - since).total_seconds() < min_ready
    ]
    return min(waits) if waits else None

