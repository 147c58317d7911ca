"""ReplicaSet controller: keeps spec.replicas pods running, as pkg/controller/replicaset does.

ReplicaSet or one of its pods changes → key `namespace/name` → reconcile: adopt matching
orphans and release pods that no longer match, create or delete pods towards spec.replicas
(at most BURST_REPLICAS a pass, in slowStartBatch's growing batches, one store batch each), then write the status. Expectations keep a
cache that has not yet seen our own creates and deletes from causing a second round of them
(pkg/controller/controller_utils.go ControllerExpectations).
"""
from __future__ import annotations

import datetime
import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Key, split_key
from playground.runtime.controller import (
    Controller,
    Result,
    Summary,
    count_difference,
    create_until_refused,
    slow_start_batches,
)
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.controller_ref import controller_of, new_controller_ref
from playground.store.errors import StoreError
from playground.store.pods import is_active, is_ready, ready_since
from playground.store.selectors import label_selector_matches

from .controller_ref_manager import adopt_and_release

Obj = dict[str, Any]
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


class ReplicaSetController(Controller):
    kind = "ReplicaSet"
    owns = ("Pod",)
    component = "replicaset-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expectations = Expectations()

    def keys_for(self, obj: Obj, old: Obj | None) -> list[Key]:
        keys = list(super().keys_for(obj, old))
        if obj["kind"] == "Pod" and controller_of(obj) is None:
            keys += self.would_adopt(obj)  # an orphan a ReplicaSet may adopt
        return keys

    def reconcile(self, key: Key) -> Result:
        namespace, name = split_key(key)
        rs = self.cache.get(self.kind, key)
        if rs is None:
            return Result()  # deleted: the garbage collector takes care of its pods
        now = self.now()
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_active(p)]

        # Scale only when the cache shows our last creates and deletes (no double creates)
        diff = rs["spec"]["replicas"] - len(active)
        refused = None
        if self.expectations.satisfied(key, pods, now) and not rs["metadata"].get("deletionTimestamp"):
            if diff > 0:
                refused = self.create_pods(rs, key, count=min(diff, BURST_REPLICAS), now=now)
            elif diff < 0:
                doomed = pods_to_delete(active, count=min(-diff, BURST_REPLICAS), related=self.related_pods(rs), now=now)
                self.delete_pods(rs, key, doomed, now=now)

        status = calculate_status(rs, active, now=now, error=refused)
        if status != rs.get("status"):
            store.update_status(self.cluster, {**rs, "status": status})
        if refused is not None:
            raise refused  # manageReplicas' error, returned after the status is written: retried with back-off
        return Result(requeue_after=seconds_until_available(rs, active, now=now))

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

    def create_pods(self, rs: Obj, key: Key, *, count: int, now: datetime.datetime) -> StoreError | None:
        """Create up to `count` pods in slowStartBatch's batches of 1, 2, 4, ..., one store batch
        each, stopping at the first the API server refuses; its refusal, if any (those before it
        are created: a quota lets a ReplicaSet grow to its limit). A scale-up thus reaches the
        watches as a real one does, growing, not as one commit of 500 pods that twenty
        `kubectl get -w` must all print before the next change shows."""
        created: list[Obj] = []
        refused = None
        try:
            for size in slow_start_batches(count):
                with store.batch(self.cluster) as batch:
                    made, refused = create_until_refused(batch, (pod_from_template(rs) for _ in range(size)))
                    for pod in made:
                        self.events.record(batch, rs, NORMAL, SUCCESSFUL_CREATE, f"Created pod: {pod['metadata']['name']}")
                    if refused is not None:  # say so, as Kubernetes does
                        self.events.record(batch, rs, WARNING, FAILED_CREATE, f"Error creating: {refused.message}")
                created += made
                if refused is not None:
                    break
        finally:  # the batches written before an error are expected all the same: no second round of them
            self.expectations.expect(key, added={p["metadata"]["name"] for p in created}, now=now)
        return refused

    def delete_pods(self, rs: Obj, key: Key, pods: list[Obj], *, now: datetime.datetime) -> None:
        with store.batch(self.cluster) as batch:
            for pod in pods:
                batch.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
                self.events.record(batch, rs, NORMAL, SUCCESSFUL_DELETE, f"Deleted pod: {pod['metadata']['name']}")
        self.expectations.expect(key, deleted={p["metadata"]["uid"] for p in pods}, now=now)

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

