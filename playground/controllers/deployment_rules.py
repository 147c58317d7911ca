"""The Deployment controller's rules, as pure functions on Kubernetes JSON dicts.

store → change log → informers → DeploymentController.reconcile → **these rules** → store.
`sync_deployment(deployment, replica_sets, pods, now=...)` reads like Kubernetes' syncDeployment
from top to bottom and returns a `SyncPlan`: the ReplicaSets to create, update and delete, the
Deployment's new status and revision annotation, the `ScalingReplicaSet` Events, and when to look
again (the progress deadline). Every step it takes is also a public function (`resolve_fenceposts`,
`new_rs_new_replicas`, `reconcile_old_replica_sets`, `scale`, `calculate_status`, ...) so that a
test, a lesson or a page can ask one question without running a whole pass. Nothing here touches
the database, Django or the clock: time comes in as `now`, and inputs are never mutated.

It follows kubernetes/kubernetes:
- pkg/controller/deployment/deployment_controller.go  (syncDeployment: which path a pass takes)
- pkg/controller/deployment/sync.go        (getNewReplicaSet, scale, cleanupDeployment, calculateStatus)
- pkg/controller/deployment/rolling.go     (rolloutRolling and its old/new ReplicaSet arithmetic)
- pkg/controller/deployment/recreate.go    (rolloutRecreate, oldPodsRunning)
- pkg/controller/deployment/progress.go    (syncRolloutStatus, requeueStuckDeployment)
- pkg/controller/deployment/util/deployment_util.go (annotations, fenceposts, proportions, conditions)
- pkg/controller/controller_utils.go       (ComputeHash, the ReplicaSet orderings)

Where it differs, on purpose:
- `pod_template_hash` cannot reproduce Go's spew dump of the PodTemplateSpec struct, so it hashes a
  canonical JSON of the template instead (same FNV-32a, same collisionCount salt, same
  SafeEncodeString alphabet). Names look like Kubernetes' (`web-7c5ddbdf54`) but are not the same
  value a real cluster would give the same template.
- The feature-gated pieces of recent releases (status.terminatingReplicas, podReplacementPolicy)
  are left out: this is the behaviour with the gates off. The deprecated extensions/v1beta1
  `rollbackTo` field does not exist in apps/v1, so rollback is kubectl's client-side rollback
  (playground/kubectl/rollout.py).
- Adoption/orphaning of ReplicaSets (ClaimReplicaSets) is not done here: the ReplicaSets passed in
  are filtered to those whose controller ownerReference is this Deployment.
"""
from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .deployment_util import (
    AVAILABLE,
    DESIRED_REPLICAS_ANNOTATION,
    FOUND_NEW_RS_REASON,
    MAX_INT32,
    MINIMUM_REPLICAS_AVAILABLE,
    MINIMUM_REPLICAS_UNAVAILABLE,
    NEW_REPLICA_SET_REASON,
    NEW_RS_AVAILABLE_REASON,
    PAUSED_DEPLOY_REASON,
    PROGRESSING,
    REPLICA_FAILURE,
    REPLICA_SET_UPDATED_REASON,
    RESUMED_DEPLOY_REASON,
    REVISION_ANNOTATION,
    SCALING_REPLICA_SET,
    SELECTING_ALL,
    TIMED_OUT_REASON,
    annotations_of,
    by_creation_timestamp,
    by_size_newer,
    by_size_older,
    creation_order,
    deployment_complete,
    deployment_progressing,
    deployment_timed_out,
    filter_active,
    find_active_or_latest,
    find_new_replica_set,
    find_old_replica_sets,
    get_condition,
    get_proportion,
    has_progress_deadline,
    is_rolling_update,
    is_saturated,
    max_revision,
    max_surge,
    max_unavailable,
    meta_of,
    min_available,
    name_of,
    new_condition,
    new_replica_set,
    new_rs_new_replicas,
    normalized,
    owned_replica_sets,
    parse_time,
    pod_template_hash,
    pods_by_replica_set,
    remove_condition,
    replicas,
    replicas_annotations_need_update,
    revision,
    set_condition,
    set_new_replica_set_annotations,
    set_replicas_annotations,
    spec_of,
    status_int,
    status_of,
    sum_status,
    total_replicas,
    with_replicas,
)


class Event(NamedTuple):
    """An Event on the Deployment: `type` Normal or Warning, Kubernetes' reason and message."""

    type: str
    reason: str
    message: str


class Scale(NamedTuple):
    """One scaling step: `replica_set` as the step found it, to `replicas`.

    `sync_annotations` marks proportional scaling, which rewrites the desired/max-replicas
    annotations even when the size stays the same (scaleReplicaSet, not ...AndRecordEvent).
    """

    replica_set: dict
    replicas: int
    sync_annotations: bool = False


@dataclass
class SyncPlan:
    """What one pass of the Deployment controller writes, in the order Kubernetes writes it."""

    create: list[dict] = field(default_factory=list)  # the new ReplicaSet, at most one
    update: list[dict] = field(default_factory=list)  # ReplicaSets scaled or re-annotated (final state)
    delete: list[dict] = field(default_factory=list)  # old ReplicaSets beyond revisionHistoryLimit
    status: dict | None = None  # the Deployment's new status; None when unchanged
    revision: str | None = None  # deployment.kubernetes.io/revision for the Deployment; None when unchanged
    events: list[Event] = field(default_factory=list)
    requeue_after: float | None = None  # simulated seconds until the progress deadline must be checked

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete or self.status or self.revision or self.events)


# --- rolling and recreate steps (rolling.go, recreate.go) -------------------------------------


def reconcile_new_replica_set(all_rss: list[dict], new_rs: dict, deployment: dict) -> Scale | None:
    """reconcileNewReplicaSet: scale the new ReplicaSet down to spec.replicas, or up as far as surge allows."""
    desired = replicas(deployment)
    if replicas(new_rs) == desired:
        return None
    if replicas(new_rs) > desired:
        return Scale(new_rs, desired)
    target = new_rs_new_replicas(deployment, all_rss, new_rs)
    return Scale(new_rs, target) if target != replicas(new_rs) else None


def reconcile_old_replica_sets(
    all_rss: list[dict], old_rss: list[dict], new_rs: dict, deployment: dict
) -> list[Scale]:
    """reconcileOldReplicaSets: how far old ReplicaSets may shrink without dropping below
    minAvailable, counting the new ReplicaSet's unavailable pods as already lost. Unhealthy old
    pods go first (they cost no availability), then available ones, oldest ReplicaSet first."""
    if total_replicas(old_rss) == 0:
        return []
    new_rs_unavailable = replicas(new_rs) - status_int(new_rs, "availableReplicas")
    max_scaled_down = total_replicas(all_rss) - min_available(deployment) - new_rs_unavailable
    if max_scaled_down <= 0:
        return []
    try:
        cleanup = cleanup_unhealthy_replicas(old_rss, deployment, max_scaled_down)
    except ValueError:
        return []  # Kubernetes gives up scaling down for this pass and waits for fresh status
    scaled = {name_of(step.replica_set): step.replicas for step in cleanup}
    old_rss = [with_replicas(rs, scaled[name_of(rs)]) if name_of(rs) in scaled else rs for rs in old_rss]
    return cleanup + scale_down_old_replica_sets_for_rolling_update([*old_rss, new_rs], old_rss, deployment)


def cleanup_unhealthy_replicas(old_rss: list[dict], deployment: dict, max_cleanup_count: int) -> list[Scale]:
    """cleanupUnhealthyReplicas: shrink old ReplicaSets by their unavailable pods, oldest first.

    The ReplicaSet controller deletes not-ready pods first, so this never lowers availability,
    and a crash-looping old ReplicaSet cannot block the rollout (kubernetes#16737). A ReplicaSet
    reporting more available pods than it wants (its status lags a scale-down) raises ValueError,
    as Kubernetes errors there rather than scale on stale numbers.
    """
    steps, total = [], 0
    for rs in by_creation_timestamp(old_rss):
        if total >= max_cleanup_count:
            break
        available = status_int(rs, "availableReplicas")
        if replicas(rs) == 0 or replicas(rs) == available:
            continue
        count = min(max_cleanup_count - total, replicas(rs) - available)
        if count < 0:
            meta = meta_of(rs)
            raise ValueError(
                "when cleaning up unhealthy replicas, got invalid request to scale down "
                f"{meta.get('namespace', '')}/{meta.get('name', '')} {replicas(rs)} -> {replicas(rs) - count}"
            )
        steps.append(Scale(rs, replicas(rs) - count))
        total += count
    return steps


def scale_down_old_replica_sets_for_rolling_update(
    all_rss: list[dict], old_rss: list[dict], deployment: dict
) -> list[Scale]:
    """scaleDownOldReplicaSetsForRollingUpdate: remove available old pods down to minAvailable,
    oldest ReplicaSet first."""
    available = sum_status(all_rss, "availableReplicas")
    to_scale_down = available - min_available(deployment)
    steps, total = [], 0
    for rs in by_creation_timestamp(old_rss):
        if total >= to_scale_down:
            break
        if replicas(rs) == 0:
            continue
        count = min(replicas(rs), to_scale_down - total)
        steps.append(Scale(rs, replicas(rs) - count))
        total += count
    return steps


def scale_down_old_replica_sets_for_recreate(old_rss: list[dict]) -> list[Scale]:
    """Recreate: every old ReplicaSet goes to 0 before anything new starts."""
    return [Scale(rs, 0) for rs in old_rss if replicas(rs) != 0]


def old_pods_running(new_rs: dict | None, old_rss: list[dict], pods_by_rs: dict[str, list[dict]]) -> bool:
    """oldPodsRunning: an old ReplicaSet still reports pods, or an old pod is not yet Succeeded/Failed.
    Recreate waits on this, so old and new pods never run side by side."""
    if sum_status(old_rss, "replicas") > 0:
        return True
    new_uid = meta_of(new_rs).get("uid") if new_rs is not None else None
    for uid, pods in pods_by_rs.items():
        if new_uid is not None and uid == new_uid:
            continue
        if any(status_of(pod).get("phase") not in ("Succeeded", "Failed") for pod in pods):
            return True
    return False


# --- proportional scaling (sync.go scale) -----------------------------------------------------


def scale(deployment: dict, new_rs: dict | None, old_rss: list[dict]) -> list[Scale]:
    """scale: resize for a scaling event (or while paused) without hastening the rollout.

    One active ReplicaSet takes the whole size; a saturated new ReplicaSet lets the old ones go;
    otherwise (RollingUpdate) the added or removed pods are spread over the active ReplicaSets in
    proportion to their size, largest first, leftovers to the largest.
    """
    active_or_latest = find_active_or_latest(new_rs, old_rss)
    if active_or_latest is not None:
        if replicas(active_or_latest) == replicas(deployment):
            return []
        return [Scale(active_or_latest, replicas(deployment))]
    if is_saturated(deployment, new_rs):
        return [Scale(rs, 0) for rs in filter_active(old_rss)]
    if not is_rolling_update(deployment):
        return []
    return _proportional_scale(deployment, filter_active([*old_rss, new_rs]))


def _proportional_scale(deployment: dict, active: list[dict]) -> list[Scale]:
    allowed = replicas(deployment) + max_surge(deployment) if replicas(deployment) > 0 else 0
    to_add = allowed - total_replicas(active)
    if to_add > 0:
        active = by_size_newer(active)  # among equals, newer ReplicaSets grow first
    elif to_add < 0:
        active = by_size_older(active)  # among equals, older ReplicaSets shrink first
    sizes, added = {}, 0
    for rs in active:
        proportion = get_proportion(rs, deployment, to_add, added) if to_add != 0 else 0
        sizes[name_of(rs)] = replicas(rs) + proportion
        added += proportion
    if active and to_add != 0:
        largest = name_of(active[0])
        sizes[largest] = max(sizes[largest] + to_add - added, 0)
    return [Scale(rs, sizes[name_of(rs)], sync_annotations=True) for rs in active]


def scale_replica_set(
    rs: dict, new_scale: int, deployment: dict, *, sync_annotations: bool = False
) -> tuple[dict | None, Event | None]:
    """scaleReplicaSet(AndRecordEvent): the ReplicaSet to write (None when nothing changes) and its Event.

    Every write also refreshes desired/max-replicas, which later proportional scaling reads.
    """
    old_scale = replicas(rs)
    if old_scale == new_scale and not sync_annotations:
        return None, None
    desired = replicas(deployment)
    maximum = desired + max_surge(deployment)
    if old_scale == new_scale and not replicas_annotations_need_update(rs, desired, maximum):
        return None, None
    updated = with_replicas(rs, new_scale)
    set_replicas_annotations(updated.setdefault("metadata", {}).setdefault("annotations", {}), desired, maximum)
    if old_scale == new_scale:
        return updated, None
    return updated, Event("Normal", SCALING_REPLICA_SET, scaling_message(name_of(rs), old_scale, new_scale))


def scaling_message(rs_name: str, old_scale: int, new_scale: int) -> str:
    """The ScalingReplicaSet message: "Scaled up replica set web-7c5ddbdf54 from 0 to 3"."""
    operation = "up" if old_scale < new_scale else "down"
    return f"Scaled {operation} replica set {rs_name} from {old_scale} to {new_scale}"


def is_scaling_event(deployment: dict, replica_sets: Iterable[dict]) -> bool:
    """isScalingEvent: an active ReplicaSet was sized for a different spec.replicas than now."""
    for rs in filter_active(replica_sets):
        try:
            desired = int(annotations_of(rs)[DESIRED_REPLICAS_ANNOTATION])
        except (KeyError, ValueError):
            continue
        if desired != replicas(deployment):
            return True
    return False


# --- revision history cleanup (sync.go cleanupDeployment) -----------------------------------------


def has_revision_history_limit(deployment: dict) -> bool:
    limit = spec_of(deployment).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


def cleanup_old_replica_sets(deployment: dict, old_rss: list[dict]) -> list[dict]:
    """cleanupDeployment: the old ReplicaSets to delete so that revisionHistoryLimit remain.

    Oldest revision first, and only ReplicaSets that are scaled to 0, run no pods, and whose
    controller has seen their latest spec: a ReplicaSet still draining is kept for a later pass.
    """
    if not has_revision_history_limit(deployment):
        return []
    alive = [rs for rs in old_rss if rs is not None and not meta_of(rs).get("deletionTimestamp")]
    diff = len(alive) - int(spec_of(deployment)["revisionHistoryLimit"])
    if diff <= 0:
        return []
    return [rs for rs in sorted(alive, key=_revision_order)[:diff] if _deletable(rs)]


def _revision_order(rs: dict) -> tuple[int, str, str]:
    # ReplicaSetsByRevision: by revision, ties (or unreadable revisions) by creation time
    return (revision(rs) or 0, *creation_order(rs))


def _deletable(rs: dict) -> bool:
    if status_int(rs, "replicas") != 0 or replicas(rs) != 0:
        return False
    return int(meta_of(rs).get("generation") or 0) <= status_int(rs, "observedGeneration")


# --- status and progress (sync.go calculateStatus, progress.go) -------------------------------


def calculate_status(
    deployment: dict, all_rss: list[dict | None], new_rs: dict | None, *, now: datetime.datetime
) -> dict:
    """calculateStatus: counts summed over the ReplicaSets, and the Available condition.

    Zero counts are left out, as the API server's JSON (omitempty) leaves them out.
    """
    rss = [rs for rs in all_rss if rs is not None]
    available = sum_status(rss, "availableReplicas")
    status: dict[str, Any] = {
        "observedGeneration": int(meta_of(deployment).get("generation") or 0),
        "replicas": sum_status(rss, "replicas"),
        "updatedReplicas": status_int(new_rs, "replicas") if new_rs is not None else 0,
        "readyReplicas": sum_status(rss, "readyReplicas"),
        "availableReplicas": available,
        # More available than wanted (a scale-down in flight) is not negative unavailability
        "unavailableReplicas": max(total_replicas(rss) - available, 0),
    }
    status = {k: v for k, v in status.items() if v}
    conditions = copy.deepcopy(status_of(deployment).get("conditions") or [])
    if conditions:
        status["conditions"] = conditions
    if status_of(deployment).get("collisionCount") is not None:
        status["collisionCount"] = status_of(deployment)["collisionCount"]
    set_condition(status, _availability_condition(deployment, available, now=now))
    return status


def _availability_condition(deployment: dict, available: int, *, now: datetime.datetime) -> dict:
    if available >= replicas(deployment) - max_unavailable(deployment):
        message = "Deployment has minimum availability."
        return new_condition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE, message, now=now)
    message = "Deployment does not have minimum availability."
    return new_condition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE, message, now=now)


def rollout_status(
    deployment: dict, all_rss: list[dict | None], new_rs: dict | None, *, now: datetime.datetime
) -> dict:
    """syncRolloutStatus's new status: calculate_status plus the Progressing condition and
    ReplicaSet failures promoted to the Deployment."""
    status = calculate_status(deployment, all_rss, new_rs, now=now)
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
    current = get_condition(status_of(deployment), PROGRESSING)
    # A finished rollout seen again on a resync: nothing to estimate
    all_updated = status.get("replicas", 0) == status.get("updatedReplicas", 0)
    complete = all_updated and current is not None and current.get("reason") == NEW_RS_AVAILABLE_REASON
    if has_progress_deadline(deployment) and not complete:
        _set_progressing(deployment, status, new_rs, current, now=now)
    _promote_replica_failure(status, all_rss, new_rs)
    return status


def _subject(deployment: dict, new_rs: dict | None) -> str:
    return f'ReplicaSet "{name_of(new_rs)}"' if new_rs is not None else f'Deployment "{name_of(deployment)}"'


def _set_progressing(
    deployment: dict, status: dict, new_rs: dict | None, current: dict | None, *, now: datetime.datetime
) -> None:
    subject = _subject(deployment, new_rs)
    if deployment_complete(deployment, status):
        message = f"{subject} has successfully progressed."
        set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE_REASON, message, now=now))
    elif deployment_progressing(deployment, status):
        # Progress refreshes lastUpdateTime even with the same reason: that is what the deadline counts from
        message = f"{subject} is progressing."
        condition = new_condition(PROGRESSING, "True", REPLICA_SET_UPDATED_REASON, message, now=now)
        if current is not None:
            if current["status"] == "True":
                condition["lastTransitionTime"] = current.get("lastTransitionTime")
            remove_condition(status, PROGRESSING)
        set_condition(status, condition)
    elif deployment_timed_out(deployment, status, now=now):
        message = f"{subject} has timed out progressing."
        set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT_REASON, message, now=now))


def _promote_replica_failure(status: dict, all_rss: list[dict | None], new_rs: dict | None) -> None:
    """getReplicaFailures: the new ReplicaSet's ReplicaFailure first, else any old one's."""
    candidates = [new_rs] if new_rs is not None else []
    failures = _replica_failures(candidates) or _replica_failures(all_rss)
    if failures:
        set_condition(status, failures[0])
    else:
        remove_condition(status, REPLICA_FAILURE)


def _replica_failures(rss: Iterable[dict | None]) -> list[dict]:
    failures = []
    for rs in rss:
        for c in status_of(rs).get("conditions") or [] if rs is not None else []:
            if c.get("type") == REPLICA_FAILURE:
                # ReplicaSetToDeploymentCondition: a ReplicaSet condition has no lastUpdateTime of its own
                keys = ("status", "lastTransitionTime", "reason", "message")
                failures.append({"type": REPLICA_FAILURE, **{k: c.get(k) for k in keys}})
                failures[-1]["lastUpdateTime"] = c.get("lastTransitionTime")
    return failures


def requeue_after(deployment: dict, new_status: dict, *, now: datetime.datetime) -> float | None:
    """requeueStuckDeployment: seconds until the progress deadline must be checked again; None when
    there is nothing to wait for (no deadline, no Progressing condition, complete, timed out)."""
    current = get_condition(status_of(deployment), PROGRESSING)
    if not has_progress_deadline(deployment) or current is None:
        return None
    if deployment_complete(deployment, new_status) or current.get("reason") == TIMED_OUT_REASON:
        return None
    seconds = int(spec_of(deployment)["progressDeadlineSeconds"])
    deadline = parse_time(current["lastUpdateTime"]) + datetime.timedelta(seconds=seconds)
    after = (deadline - now).total_seconds()
    if after < 1:
        return 0.0
    return after + 1  # Kubernetes adds a second against millisecond skew (kubernetes#39785)


def paused_condition(deployment: dict, *, now: datetime.datetime) -> dict | None:
    """checkPausedConditions: the Progressing condition pausing or resuming sets, None when none is due.
    Unknown, so the deadline does not count the time spent paused; a timeout is never overwritten."""
    if not has_progress_deadline(deployment):
        return None
    current = get_condition(status_of(deployment), PROGRESSING)
    if current is not None and current.get("reason") == TIMED_OUT_REASON:
        return None
    paused_set = current is not None and current.get("reason") == PAUSED_DEPLOY_REASON
    if spec_of(deployment).get("paused") and not paused_set:
        return new_condition(PROGRESSING, "Unknown", PAUSED_DEPLOY_REASON, "Deployment is paused", now=now)
    if not spec_of(deployment).get("paused") and paused_set:
        return new_condition(PROGRESSING, "Unknown", RESUMED_DEPLOY_REASON, "Deployment is resumed", now=now)
    return None


def selects_everything(deployment: dict) -> bool:
    selector = spec_of(deployment).get("selector")
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


# --- one pass: syncDeployment ----------------------------------------------------------------------


def sync_deployment(
    deployment: dict, replica_sets: list[dict], pods: list[dict], *, now: datetime.datetime
) -> SyncPlan:
    """One pass of the Deployment controller (syncDeployment): what to write, read top to bottom.

    `replica_sets` and `pods` are those in the Deployment's namespace (or already narrowed to
    it); only ReplicaSets it controls, and their pods, are considered.
    """
    return _Pass(deployment, replica_sets, pods, now).run()


class _Pass:
    """The working state of one pass: a copy of the Deployment and what has been decided so far."""

    def __init__(self, deployment: dict, replica_sets: list[dict], pods: list[dict], now: datetime.datetime) -> None:
        self.original = deployment
        self.d = copy.deepcopy(deployment)
        self.d.setdefault("status", {})
        self.rss = copy.deepcopy(owned_replica_sets(deployment, replica_sets))
        self.pods_by_rs = pods_by_replica_set(self.rss, pods)
        self.now = now
        self.plan = SyncPlan()
        self._updates: dict[str, dict] = {}
        self._rolling_out = False  # only rollouts wait on the progress deadline (requeueStuckDeployment)

    def run(self) -> SyncPlan:
        if selects_everything(self.d):
            return self._selecting_all()
        if meta_of(self.d).get("deletionTimestamp"):
            self._sync_status_only()
        else:
            self._route()
        return self._finish()

    def _route(self) -> None:
        condition = paused_condition(self.d, now=self.now)
        if condition is not None:
            set_condition(self.d["status"], condition)
        if spec_of(self.d).get("paused") or is_scaling_event(self.d, self.rss):
            self._sync()
        elif is_rolling_update(self.d):
            self._rollout_rolling()
        else:
            self._rollout_recreate()

    def _selecting_all(self) -> SyncPlan:
        message = "This deployment is selecting all pods. A non-empty selector is required."
        self.plan.events.append(Event("Warning", SELECTING_ALL, message))
        generation = int(meta_of(self.d).get("generation") or 0)
        if int(self.d["status"].get("observedGeneration") or 0) < generation:
            self.d["status"]["observedGeneration"] = generation
        return self._finish()

    # -- the paths a pass takes

    def _sync_status_only(self) -> None:
        new_rs, old_rss = self._get_all_replica_sets_and_sync_revision(create=False)
        self.d["status"] = calculate_status(self.d, [*old_rss, new_rs], new_rs, now=self.now)

    def _sync(self) -> None:
        """sync: scaling events and paused Deployments; proportional, never a rollout step."""
        new_rs, old_rss = self._get_all_replica_sets_and_sync_revision(create=False)
        self._apply(scale(self.d, new_rs, old_rss))
        if spec_of(self.d).get("paused"):
            self._cleanup(old_rss)
        self.d["status"] = calculate_status(self.d, [*old_rss, new_rs], new_rs, now=self.now)

    def _rollout_rolling(self) -> None:
        new_rs, old_rss = self._get_all_replica_sets_and_sync_revision(create=True)
        if new_rs is None:
            return  # a hash collision was recorded; the next pass creates under a new name
        all_rss = [*old_rss, new_rs]
        step = reconcile_new_replica_set(all_rss, new_rs, self.d)
        if step is not None and self._apply([step]):
            return self._sync_rollout_status(all_rss, new_rs)
        if self._apply(reconcile_old_replica_sets(all_rss, filter_active(old_rss), new_rs, self.d)):
            return self._sync_rollout_status(all_rss, new_rs)
        if deployment_complete(self.d, self.d["status"]):
            self._cleanup(old_rss)
        self._sync_rollout_status(all_rss, new_rs)

    def _rollout_recreate(self) -> None:
        # Not creating the new ReplicaSet yet: nothing new may start before the old pods are gone
        new_rs, old_rss = self._get_all_replica_sets_and_sync_revision(create=False)
        all_rss = [*old_rss, new_rs]
        if self._apply(scale_down_old_replica_sets_for_recreate(filter_active(old_rss))):
            return self._sync_rollout_status(all_rss, new_rs)
        if old_pods_running(new_rs, old_rss, self.pods_by_rs):
            return self._sync_rollout_status(all_rss, new_rs)
        if new_rs is None:
            new_rs, old_rss = self._get_all_replica_sets_and_sync_revision(create=True)
            if new_rs is None:
                return
            all_rss = [*old_rss, new_rs]
        self._apply([Scale(new_rs, replicas(self.d))])
        if deployment_complete(self.d, self.d["status"]):
            self._cleanup(old_rss)
        self._sync_rollout_status(all_rss, new_rs)

    # -- steps

    def _get_all_replica_sets_and_sync_revision(self, *, create: bool) -> tuple[dict | None, list[dict]]:
        """getAllReplicaSetsAndSyncRevision / getNewReplicaSet."""
        _, all_old = find_old_replica_sets(self.d, self.rss)
        existing = find_new_replica_set(self.d, self.rss)
        new_revision = str(max_revision(all_old) + 1)
        if existing is not None:
            return self._sync_existing_new_rs(existing, new_revision), all_old
        if not create:
            return None, all_old
        return self._create_new_rs(all_old, new_revision), all_old

    def _sync_existing_new_rs(self, existing: dict, new_revision: str) -> dict:
        rs, changed = set_new_replica_set_annotations(self.d, existing, new_revision, exists=True)
        min_ready = spec_of(self.d).get("minReadySeconds") or 0
        if changed or (spec_of(rs).get("minReadySeconds") or 0) != min_ready:
            rs["spec"].pop("minReadySeconds", None)
            if min_ready:
                rs["spec"]["minReadySeconds"] = min_ready
            self._record(rs)
            return rs  # Kubernetes returns after this write; the Deployment's revision follows next pass
        self._set_revision(annotations_of(rs).get(REVISION_ANNOTATION, ""))
        if has_progress_deadline(self.d) and get_condition(self.d["status"], PROGRESSING) is None:
            message = f'Found new replica set "{name_of(rs)}"'
            condition = new_condition(PROGRESSING, "True", FOUND_NEW_RS_REASON, message, now=self.now)
            set_condition(self.d["status"], condition)
        return rs

    def _create_new_rs(self, all_old: list[dict], new_revision: str) -> dict | None:
        hash_ = pod_template_hash(spec_of(self.d).get("template") or {}, self.d["status"].get("collisionCount"))
        empty = new_replica_set(self.d, hash_, new_revision, 0)
        count = new_rs_new_replicas(self.d, [*all_old, empty], empty)
        rs = with_replicas(empty, count)
        if self._name_taken(rs):
            # AlreadyExists with another template: a hash collision. Bump collisionCount and retry.
            self.d["status"]["collisionCount"] = int(self.d["status"].get("collisionCount") or 0) + 1
            self.plan.requeue_after = 0.0
            return None
        self.plan.create.append(rs)
        self.rss.append(rs)
        if count > 0:
            self.plan.events.append(Event("Normal", SCALING_REPLICA_SET, scaling_message(name_of(rs), 0, count)))
        self._set_revision(new_revision)
        if has_progress_deadline(self.d):
            message = f'Created new replica set "{name_of(rs)}"'
            condition = new_condition(PROGRESSING, "True", NEW_REPLICA_SET_REASON, message, now=self.now)
            set_condition(self.d["status"], condition)
        return rs

    def _name_taken(self, rs: dict) -> bool:
        # Only the given ReplicaSets are known here; the store's AlreadyExists covers the rest
        return any(name_of(other) == name_of(rs) for other in self.rss)

    def _set_revision(self, value: str) -> None:
        annotations = self.d.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[REVISION_ANNOTATION] = value

    def _apply(self, steps: list[Scale]) -> bool:
        """Write each scaling step on top of earlier writes in this pass; True when a size changed."""
        scaled = False
        for step in steps:
            current = self._updates.get(name_of(step.replica_set), step.replica_set)
            current = with_replicas(current, replicas(step.replica_set))
            updated, event = scale_replica_set(current, step.replicas, self.d, sync_annotations=step.sync_annotations)
            if updated is not None:
                self._record(updated)
            if event is not None:
                self.plan.events.append(event)
                scaled = True
        return scaled

    def _record(self, rs: dict) -> None:
        created = next((c for c in self.plan.create if name_of(c) == name_of(rs)), None)
        if created is not None:
            self.plan.create[self.plan.create.index(created)] = rs  # not written yet: create it this size
            return
        self._updates[name_of(rs)] = rs

    def _cleanup(self, old_rss: list[dict]) -> None:
        self.plan.delete.extend(cleanup_old_replica_sets(self.d, old_rss))

    def _sync_rollout_status(self, all_rss: list[dict | None], new_rs: dict | None) -> None:
        self.d["status"] = rollout_status(self.d, all_rss, new_rs, now=self.now)
        self._rolling_out = True

    def _finish(self) -> SyncPlan:
        plan = self.plan
        plan.update = list(self._updates.values())
        if _comparable_status(self.d["status"]) != _comparable_status(status_of(self.original)):
            plan.status = self.d["status"]
        revision_now = annotations_of(self.d).get(REVISION_ANNOTATION)
        if revision_now != annotations_of(self.original).get(REVISION_ANNOTATION):
            plan.revision = revision_now
        if plan.requeue_after is None and self._rolling_out:
            # Checked against the status this pass leaves behind, so a write does not lose the wake-up
            plan.requeue_after = requeue_after(self.d, self.d["status"], now=self.now)
        return plan


def _comparable_status(status: dict) -> Any:
    """A status as the API would store it: zero counts omitted (omitempty), empty lists dropped."""
    return normalized({k: v for k, v in status.items() if v != 0})