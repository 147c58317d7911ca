"""ReplicaSet controller: keeps spec.replicas pods running, as pkg/controller/replicaset does.

ReplicaSet or one of its pods changes → key `namespace/name` → reconcile: adopt matching
orphans and release pods that no longer match, create or delete pods towards spec.replicas
(at most BURST_REPLICAS a pass, one store batch), then write the status. Expectations keep a
cache that has not yet seen our own creates and deletes from causing a second round of them
(pkg/controller/controller_utils.go ControllerExpectations).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Key, split_key
from playground.runtime.controller import Controller, Result, Summary, count_difference
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.controller_ref import controller_of, new_controller_ref
from playground.store.errors import Forbidden, Invalid, StoreError
from playground.store.pods import is_active, is_ready, ready_since
from playground.store.selectors import label_selector_matches

from .controller_ref_manager import adopt_and_release

Obj = dict[str, Any]
SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
FAILED_CREATE = "FailedCreate"
BURST_REPLICAS = 500  # one pass never creates or deletes more than this
EXPECTATIONS_TIMEOUT = 300.0  # seconds after which unmet expectations are given up on


@dataclass
class Expectations:
    """Pods we created or deleted that the cache has not shown yet, per ReplicaSet."""

    adds: dict[Key, set[str]] = field(default_factory=dict)  # names created, not yet seen
    deletes: dict[Key, set[str]] = field(default_factory=dict)  # uids deleted, still seen
    since: dict[Key, datetime.datetime] = field(default_factory=dict)

    def satisfied(self, key: Key, pods: list[Obj], now: datetime.datetime) -> bool:
        names = {p["metadata"]["name"] for p in pods}
        uids = {p["metadata"]["uid"] for p in pods}
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
                self.delete_pods(rs, key, pods_to_delete(active, count=min(-diff, BURST_REPLICAS)), now=now)

        status = calculate_status(rs, active, now=now)
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

    def would_adopt(self, pod: Obj) -> list[Key]:
        namespace = pod["metadata"].get("namespace")
        labels = pod["metadata"].get("labels") or {}
        return [
            f"{namespace}/{rs['metadata']['name']}"
            for rs in self.cache.list(self.kind, namespace=namespace)
            if label_selector_matches(rs["spec"]["selector"], labels)
        ]

    def create_pods(self, rs: Obj, key: Key, *, count: int, now: datetime.datetime) -> StoreError | None:
        """Create `count` pods in one batch; the API server's refusal, if it refused them."""
        try:
            with store.batch(self.cluster) as batch:
                created = [batch.create(pod_from_template(rs)) for _ in range(count)]
                for pod in created:
                    self.events.record(batch, rs, NORMAL, SUCCESSFUL_CREATE, f"Created pod: {pod['metadata']['name']}")
        except (Invalid, Forbidden) as e:  # a template the API server refuses: say so, as Kubernetes does
            with store.batch(self.cluster) as batch:
                self.events.record(batch, rs, WARNING, FAILED_CREATE, f"Error creating: {e.message}")
            return e
        self.expectations.expect(key, added={p["metadata"]["name"] for p in created}, now=now)
        return None

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


def pods_to_delete(pods: list[Obj], *, count: int) -> list[Obj]:
    """The `count` pods to delete first, ranked as controller.ActivePodsWithRanks sorts them:
    unscheduled, then pending, then not ready, then doubled up on a node, then ready for less
    time, then restarted more, then newer."""
    on_node: dict[str, int] = {}
    for pod in pods:
        node = pod["spec"].get("nodeName", "")
        on_node[node] = on_node.get(node, 0) + 1

    def rank(pod: Obj) -> tuple[Any, ...]:
        node = pod["spec"].get("nodeName", "")
        phase = pod.get("status", {}).get("phase", "Pending")
        since = ready_since(pod)
        restarts = sum(c.get("restartCount", 0) for c in pod.get("status", {}).get("containerStatuses", []))
        return (
            node != "",
            {"Pending": 0, "Unknown": 1, "Running": 2}.get(phase, 0),
            is_ready(pod),
            -on_node[node] if node else 0,
            -(since.timestamp() if since else 0),
            -restarts,
            -(store.parse_timestamp(pod["metadata"].get("creationTimestamp")) or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)).timestamp(),
        )

    return sorted(pods, key=rank)[:count]


def calculate_status(rs: Obj, pods: list[Obj], *, now: datetime.datetime) -> Obj:
    """The status the controller writes on every pass (replica_set_utils.calculateStatus)."""
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
    return {k: v for k, v in status.items() if v or k == "replicas"}


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

