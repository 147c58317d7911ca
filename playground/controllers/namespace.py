"""Namespace controller: deleting a namespace deletes everything in it, then the namespace.

A Namespace with deletionTimestamp (status.phase Terminating, set by the store) → delete every
namespaced object in it → write on the namespace's status what is left and why (the five deletion
conditions, so that `kubectl describe ns` of a namespace stuck in Terminating says what it waits
for) → once none is left (pods may take their grace period, finalizers their controllers) → the
namespaces/finalize subresource removes the `kubernetes` finalizer and the namespace is gone,
as pkg/controller/namespace/deletion/namespaced_resources_deleter.go (`Delete`,
`deleteAllContent`) and status_condition_utils.go do.
"""
from __future__ import annotations

import copy
import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.store import api as store
from playground.store.errors import Conflict, NotFound
from playground.store.kinds import KINDS, Kind

Obj = dict[str, Any]
NAMESPACED_KINDS = [k.kind for k in KINDS.values() if k.namespaced]

# The condition types the namespace deleter maintains, in its order (conditionTypes), each with
# the False ("ok") reason and message it shows while nothing is wrong (okReasons, okMessages)
DELETION_CONDITIONS = {
    "NamespaceDeletionDiscoveryFailure": ("ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure": (
        "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    "NamespaceContentRemaining": ("ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining": ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}
FINALIZER_ESTIMATE_SECONDS = 15  # finalizerEstimateSeconds: a default wait for a finalizer to finish


@dataclass
class ContentTotals:
    """What deleteAllContent learns from one pass: its estimate, what remains (allGVRDeletionMetadata)
    and the errors of the kinds that should have gone and did not."""

    estimate: int = 0
    remaining_by_kind: dict[str, int] = field(default_factory=dict)
    remaining_by_finalizer: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class NamespaceController(Controller):
    kind = "Namespace"
    component = "namespace-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        namespace = obj["metadata"].get("namespace")
        if namespace:
            ns = self.cache.get("Namespace", namespace)
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                yield namespace  # something in a terminating namespace changed: maybe it is empty now

    def reconcile(self, name: Key) -> Result:
        namespace = self.cache.get(self.kind, name)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return Result()
        contents = {kind: self.cache.list(kind, namespace=name) for kind in NAMESPACED_KINDS}
        remaining = {kind: self.delete_contents(objects) for kind, objects in contents.items() if objects}
        deleted_at = store.parse_timestamp(namespace["metadata"]["deletionTimestamp"])
        totals = content_totals(name, remaining, pods=contents["Pod"], deleted_at=deleted_at, now=self.now())
        self.update_conditions(namespace, totals)
        if totals.errors:
            return Result(requeue_after=self.rate_limited(name))
        if totals.estimate > 0:
            return Result(requeue_after=totals.estimate // 2 + 1)  # ResourcesRemainingError, as syncNamespaceFromKey
        with store.batch(self.cluster) as batch:
            batch.finalize_namespace(namespace)
        return Result()

    def delete_contents(self, objects: list[Obj]) -> list[Obj]:
        """Delete each object (Background) and return those still there: terminating pods,
        objects held by finalizers (the list deleteAllContentForGroupVersionResource takes after)."""
        remaining = []
        for obj in objects:
            if obj["metadata"].get("deletionTimestamp"):
                remaining.append(obj)  # already on its way (a pod's grace period, a finalizer)
                continue
            try:
                marked = store.delete(self.cluster, obj["kind"], obj["metadata"]["name"], obj["metadata"]["namespace"])
            except NotFound:
                continue
            if marked["metadata"].get("deletionTimestamp"):
                remaining.append(marked)
        return remaining

    def update_conditions(self, namespace: Obj, totals: ContentTotals) -> None:
        status = copy.deepcopy(namespace.get("status") or {})
        if update_conditions(status, deletion_conditions(totals), now=self.now()):
            try:
                store.update_status(self.cluster, {**namespace, "status": status})
            except (NotFound, Conflict):
                pass  # as deleteAllContent, a failed status write only waits for the next pass


def content_totals(
    namespace: str, remaining: dict[str, list[Obj]], *, pods: list[Obj],
    deleted_at: datetime.datetime | None, now: datetime.datetime,
) -> ContentTotals:
    """deleteAllContent's sums over the kinds, each judged as deleteAllContentForGroupVersionResource
    does: what remains with an estimate (a pod's grace period) or a finalizer is waited for; what
    remains with neither is an error ("unexpected items still remain")."""
    totals = ContentTotals()
    for kind, objects in remaining.items():
        if not objects:
            continue
        estimate = estimate_graceful_termination(pods, deleted_at=deleted_at, now=now) if kind == "Pod" else 0
        finalizers = Counter(f for obj in objects for f in obj["metadata"].get("finalizers") or [])
        if not estimate and finalizers:
            estimate = FINALIZER_ESTIMATE_SECONDS
        elif not estimate:
            totals.errors.append(
                f"unexpected items still remain in namespace: {namespace} for gvr: {group_version_resource(KINDS[kind])}")
        totals.estimate = max(totals.estimate, estimate)
        totals.remaining_by_kind[kind] = len(objects)
        totals.remaining_by_finalizer.update(finalizers)
    return totals


def estimate_graceful_termination(
    pods: list[Obj], *, deleted_at: datetime.datetime | None, now: datetime.datetime,
) -> int:
    """estimateGracefulTerminationForPods: the longest grace period of the pods still running,
    and nothing once that long has passed since the namespace was deleted."""
    estimate = max(
        (p["spec"].get("terminationGracePeriodSeconds", 30) for p in pods
         if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")),
        default=0,
    )
    if deleted_at is None or (now - deleted_at).total_seconds() >= estimate:
        return 0
    return estimate


def group_version_resource(k: Kind) -> str:
    """schema.GroupVersionResource's String(): `/v1, Resource=pods`, `apps/v1, Resource=deployments`."""
    return f"{k.group}/{k.api_version.rpartition('/')[2]}, Resource={k.plural}"


def deletion_conditions(totals: ContentTotals) -> dict[str, tuple[str, str, str]]:
    """The conditions that report trouble (ProcessContentTotals, makeDeleteContentCondition), by
    type: status, reason, message. Types not here are written in their ok form."""
    conditions: dict[str, tuple[str, str, str]] = {}
    if totals.errors:
        conditions["NamespaceDeletionContentFailure"] = (
            "True", "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(totals.errors)} remaining: {', '.join(sorted(totals.errors))}")
    if totals.remaining_by_kind:
        resources = sorted(f"{KINDS[kind].plural}.{KINDS[kind].group} has {count} resource instances"
                           for kind, count in totals.remaining_by_kind.items())
        conditions["NamespaceContentRemaining"] = (
            "True", "SomeResourcesRemain", f"Some resources are remaining: {', '.join(resources)}")
    if totals.remaining_by_finalizer:
        finalizers = sorted(f"{finalizer} in {count} resource instances"
                            for finalizer, count in totals.remaining_by_finalizer.items())
        conditions["NamespaceFinalizersRemaining"] = (
            "True", "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {', '.join(finalizers)}")
    return conditions


def update_conditions(status: Obj, new: dict[str, tuple[str, str, str]], *, now: datetime.datetime) -> bool:
    """updateConditions: every maintained type is set, to its trouble or else its ok form; a
    condition whose status is unchanged keeps its lastTransitionTime. Returns whether anything changed."""
    changed = False
    conditions = status.setdefault("conditions", [])
    for condition_type, (ok_reason, ok_message) in DELETION_CONDITIONS.items():
        state, reason, message = new.get(condition_type, ("False", ok_reason, ok_message))
        old = next((c for c in conditions if c["type"] == condition_type), None)
        if old is None:
            old = {"type": condition_type, "status": state, "lastTransitionTime": store.timestamp(now)}
            conditions.append(old)
        elif (old["status"], old.get("reason"), old.get("message")) == (state, reason, message):
            continue
        elif old["status"] != state:
            old["lastTransitionTime"] = store.timestamp(now)
        old.update(status=state, reason=reason, message=message)
        changed = True
    return changed
