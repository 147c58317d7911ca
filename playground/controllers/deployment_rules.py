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
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from playground.store.api import LAST_APPLIED
from playground.store.controller_ref import controller_of, is_controlled_by, new_controller_ref
from playground.store.hashing import fnv32a, safe_encode_string
from playground.store.selectors import label_selector_matches

# Annotations and labels, spelled as Kubernetes spells them
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
POD_TEMPLATE_HASH_LABEL = "pod-template-hash"  # apps.DefaultDeploymentUniqueLabelKey

# Annotations a Deployment never copies to its ReplicaSets, nor takes back on rollback
ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        DEPRECATED_ROLLBACK_TO,
    }
)

# Condition types, reasons and Event reasons (deployment_util.go)
PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
SCALING_REPLICA_SET = "ScalingReplicaSet"
SELECTING_ALL = "SelectingAll"

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"
MAX_INT32 = 2**31 - 1
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000  # sync.go: ~100 revisions in revision-history

_NEWEST = "\uffff"  # sorts a ReplicaSet not yet created (no creationTimestamp) after all others


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


# --- small readers over JSON ----------------------------------------------------------------------


def _spec(obj: dict | None) -> dict:
    return ((obj or {}).get("spec") or {}) if obj is not None else {}


def _status(obj: dict | None) -> dict:
    return (obj or {}).get("status") or {}


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _annotations(obj: dict) -> dict[str, str]:
    return _meta(obj).get("annotations") or {}


def _name(obj: dict) -> str:
    return _meta(obj).get("name", "")


def replicas(obj: dict | None) -> int:
    """`*(x.Spec.Replicas)`; the API server defaults it to 1."""
    value = _spec(obj).get("replicas")
    return 1 if value is None else int(value)


def _status_int(obj: dict | None, key: str) -> int:
    return int(_status(obj).get(key) or 0)


def _same(a: dict, b: dict) -> bool:
    """Two ReplicaSets are the same object: same uid, or same name when uids are not assigned yet."""
    uid_a, uid_b = _meta(a).get("uid"), _meta(b).get("uid")
    return uid_a == uid_b if uid_a and uid_b else _name(a) == _name(b)


def _with_replicas(rs: dict, count: int) -> dict:
    rs = copy.deepcopy(rs)
    rs.setdefault("spec", {})["replicas"] = count
    return rs


def format_time(now: datetime.datetime) -> str:
    """metav1.Time as JSON: RFC 3339, UTC, whole seconds."""
    return now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


# --- ordering and filtering (controller_utils.go) -------------------------------------------------


def _created(rs: dict) -> tuple[str, str]:
    # ReplicaSetsByCreationTimestamp: creation time, then name; RFC 3339 UTC strings sort as times
    return (_meta(rs).get("creationTimestamp") or _NEWEST, _name(rs))


def by_creation_timestamp(rss: Iterable[dict]) -> list[dict]:
    return sorted(rss, key=_created)


def _by_size_newer(rss: list[dict]) -> list[dict]:
    """ReplicaSetsBySizeNewer: largest first, newer first among equals (where scale-ups go first)."""
    newest_first = sorted(rss, key=_created, reverse=True)
    return sorted(newest_first, key=replicas, reverse=True)


def _by_size_older(rss: list[dict]) -> list[dict]:
    """ReplicaSetsBySizeOlder: largest first, older first among equals (where scale-downs go first)."""
    return sorted(by_creation_timestamp(rss), key=replicas, reverse=True)


def filter_active(rss: Iterable[dict | None]) -> list[dict]:
    """FilterActiveReplicaSets: the ReplicaSets that want pods."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def owned_replica_sets(deployment: dict, replica_sets: Iterable[dict]) -> list[dict]:
    """The ReplicaSets this Deployment controls (ListReplicaSets: selector match and ControllerRef)."""
    selector = _spec(deployment).get("selector")
    return [
        rs
        for rs in replica_sets
        if is_controlled_by(rs, deployment) and label_selector_matches(selector, _meta(rs).get("labels") or {})
    ]


def pods_by_replica_set(replica_sets: Iterable[dict], pods: Iterable[dict]) -> dict[str, list[dict]]:
    """getPodMapForDeployment: pods grouped by the uid of the ReplicaSet that controls them."""
    by_uid: dict[str, list[dict]] = {_meta(rs).get("uid", ""): [] for rs in replica_sets}
    for pod in pods:
        ref = controller_of(pod)
        if ref is not None and ref.get("uid") in by_uid:
            by_uid[ref["uid"]].append(pod)
    return by_uid


# --- the pod template hash (controller_utils.go ComputeHash) ---------------------------------------


def _normalized(value: Any) -> Any:
    """Semantic equality treats nil and empty maps/slices alike; so do hashing and comparison here."""
    if isinstance(value, dict):
        items = {k: _normalized(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


def pod_template_hash(template: dict, collision_count: int | None) -> str:
    """The `pod-template-hash` label value and ReplicaSet name suffix for a pod template.

    Kubernetes hashes a spew dump of the Go struct; we hash canonical JSON (sorted keys, empty
    values dropped) with the same FNV-32a, then add collisionCount exactly as Kubernetes does
    (8 bytes, little-endian uint32 first) and encode the decimal sum with SafeEncodeString.
    """
    canonical = json.dumps(_normalized(template), sort_keys=True, separators=(",", ":"))
    data = canonical.encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode_string(str(fnv32a(data)))


def equal_ignore_hash(template1: dict | None, template2: dict | None) -> bool:
    """EqualIgnoreHash: the same pod template, whatever their pod-template-hash labels say."""
    return _without_hash_label(template1) == _without_hash_label(template2)


def _without_hash_label(template: dict | None) -> Any:
    template = copy.deepcopy(template or {})
    (template.get("metadata") or {}).get("labels", {}).pop(POD_TEMPLATE_HASH_LABEL, None)
    return _normalized(template)


# --- new and old ReplicaSets, revisions ------------------------------------------------------------


def find_new_replica_set(deployment: dict, replica_sets: Iterable[dict]) -> dict | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's."""
    template = _spec(deployment).get("template")
    for rs in by_creation_timestamp(replica_sets):
        if equal_ignore_hash(_spec(rs).get("template"), template):
            return rs
    return None


def find_old_replica_sets(deployment: dict, replica_sets: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """FindOldReplicaSets: (old ReplicaSets that want pods, all old ReplicaSets)."""
    replica_sets = list(replica_sets)
    new_rs = find_new_replica_set(deployment, replica_sets)
    all_old = [rs for rs in replica_sets if new_rs is None or not _same(rs, new_rs)]
    return [rs for rs in all_old if replicas(rs) != 0], all_old


def revision(obj: dict) -> int | None:
    """Revision: the revision annotation as a number, 0 when absent, None when unparsable."""
    value = _annotations(obj).get(REVISION_ANNOTATION)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return None


def max_revision(replica_sets: Iterable[dict]) -> int:
    """MaxRevision: the highest revision, skipping ReplicaSets whose revision cannot be read."""
    return max((r for r in map(revision, replica_sets) if r is not None), default=0)


def set_new_replica_set_annotations(
    deployment: dict,
    rs: dict,
    new_revision: str,
    *,
    exists: bool,
    limit_in_chars: int = MAX_REV_HISTORY_LENGTH_IN_CHARS,
) -> tuple[dict, bool]:
    """SetNewReplicaSetAnnotations: a copy of `rs` with the Deployment's annotations, its revision
    raised to `new_revision` (remembering the old one in revision-history when an old template
    comes back), and, for a ReplicaSet about to be created, desired/max replicas. Returns
    (copy, whether the annotations changed)."""
    rs = copy.deepcopy(rs)
    annotations = rs.setdefault("metadata", {}).setdefault("annotations", {})
    changed = _copy_deployment_annotations(deployment, annotations)
    old_revision = annotations.get(REVISION_ANNOTATION)
    try:
        old_number = int(old_revision) if old_revision else 0
    except ValueError:
        return rs, False  # Kubernetes logs and leaves a ReplicaSet with a garbled revision alone
    if old_number < int(new_revision):
        annotations[REVISION_ANNOTATION] = new_revision
        changed = True
        if old_revision is not None:
            _remember_revision(annotations, old_revision, limit_in_chars)
    if not exists:
        desired = replicas(deployment)
        changed = _set_replicas_annotations(annotations, desired, desired + max_surge(deployment)) or changed
    return rs, changed


def _copy_deployment_annotations(deployment: dict, annotations: dict[str, str]) -> bool:
    changed = False
    for key, value in _annotations(deployment).items():
        if key in ANNOTATIONS_TO_SKIP or annotations.get(key) == value:
            continue
        annotations[key] = value
        changed = True
    return changed


def _remember_revision(annotations: dict[str, str], old_revision: str, limit_in_chars: int) -> None:
    """Append the revision this ReplicaSet used to serve, dropping the oldest past the length limit."""
    history = annotations.get(REVISION_HISTORY_ANNOTATION, "")
    if not history:
        annotations[REVISION_HISTORY_ANNOTATION] = old_revision
        return
    revisions = history.split(",")
    total, start = len(history) + len(old_revision) + 1, 0
    while total > limit_in_chars and start < len(revisions):
        total -= len(revisions[start]) + 1
        start += 1
    if total <= limit_in_chars:
        annotations[REVISION_HISTORY_ANNOTATION] = ",".join([*revisions[start:], old_revision])


def _set_replicas_annotations(annotations: dict[str, str], desired: int, maximum: int) -> bool:
    """SetReplicasAnnotations: record the Deployment size (and size + surge) this ReplicaSet was sized for."""
    wanted = {DESIRED_REPLICAS_ANNOTATION: str(desired), MAX_REPLICAS_ANNOTATION: str(maximum)}
    changed = any(annotations.get(k) != v for k, v in wanted.items())
    annotations.update(wanted)
    return changed


def replicas_annotations_need_update(rs: dict, desired: int, maximum: int) -> bool:
    annotations = _annotations(rs)
    return annotations.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or annotations.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


def new_replica_set(deployment: dict, hash: str, revision: str, replicas: int) -> dict:  # noqa: A002
    """The ReplicaSet getNewReplicaSet creates: `<deployment>-<hash>`, labelled and selected by
    pod-template-hash, controlled by the Deployment, annotated with revision and sizes."""
    meta, spec = _meta(deployment), _spec(deployment)
    template = copy.deepcopy(spec.get("template") or {})
    labels = (template.setdefault("metadata", {}).get("labels") or {}) | {POD_TEMPLATE_HASH_LABEL: hash}
    template["metadata"]["labels"] = labels
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH_LABEL: hash}
    rs_spec: dict[str, Any] = {"replicas": replicas, "selector": selector, "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]  # omitempty, as the API shows it
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta.get('name', '')}-{hash}",  # deterministic, so a retried create is idempotent
            "namespace": meta.get("namespace", "default"),
            "labels": dict(template["metadata"]["labels"]),
            "ownerReferences": [new_controller_ref(deployment)],
        },
        "spec": rs_spec,
    }
    annotated, _ = set_new_replica_set_annotations(deployment, rs, revision, exists=False)
    return annotated


# --- rolling-update arithmetic (deployment_util.go, rolling.go) -----------------------------------


def is_rolling_update(deployment: dict) -> bool:
    return (_spec(deployment).get("strategy") or {}).get("type", ROLLING_UPDATE) == ROLLING_UPDATE


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "25%" of total rounded up or down."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
    percent = int(value[:-1])
    return -(-percent * total // 100) if round_up else percent * total // 100


def resolve_fenceposts(
    max_surge: int | str | None, max_unavailable: int | str | None, desired: int
) -> tuple[int, int]:
    """ResolveFenceposts: (surge, unavailable) in pods. Surge rounds up, unavailable rounds down,
    and when both come to 0 unavailable becomes 1, or the rollout could never move."""
    surge = scaled_value(max_surge, desired, round_up=True)
    unavailable = scaled_value(max_unavailable, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling_update(deployment: dict) -> dict:
    return (_spec(deployment).get("strategy") or {}).get("rollingUpdate") or {}


def _fenceposts(deployment: dict) -> tuple[int, int]:
    rolling = _rolling_update(deployment)
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas(deployment))


def max_surge(deployment: dict) -> int:
    """MaxSurge: how many pods over spec.replicas a rolling update may run (0 for Recreate)."""
    return _fenceposts(deployment)[0] if is_rolling_update(deployment) else 0


def max_unavailable(deployment: dict) -> int:
    """MaxUnavailable: how many of spec.replicas may be unavailable, never more than spec.replicas."""
    desired = replicas(deployment)
    if not is_rolling_update(deployment) or desired == 0:
        return 0
    return min(_fenceposts(deployment)[1], desired)


def min_available(deployment: dict) -> int:
    return replicas(deployment) - max_unavailable(deployment) if is_rolling_update(deployment) else 0


def total_replicas(rss: Iterable[dict | None]) -> int:
    """GetReplicaCountForReplicaSets: the pods the ReplicaSets want."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def _sum_status(rss: Iterable[dict | None], key: str) -> int:
    return sum(_status_int(rs, key) for rs in rss if rs is not None)


def new_rs_new_replicas(deployment: dict, all_rss: list[dict], new_rs: dict) -> int:
    """NewRSNewReplicas: the size the new ReplicaSet may grow to now.

    RollingUpdate: up to spec.replicas + maxSurge pods in all, never more than spec.replicas in the
    new ReplicaSet. Recreate: all of spec.replicas at once (old pods are gone by then).
    """
    if not is_rolling_update(deployment):
        return replicas(deployment)
    desired = replicas(deployment)
    # The surge as written, without ResolveFenceposts: NewRSNewReplicas reads it directly
    surge = scaled_value(_rolling_update(deployment).get("maxSurge"), desired, round_up=True)
    current = total_replicas(all_rss)
    max_total = desired + surge
    if current >= max_total:
        return replicas(new_rs)
    return replicas(new_rs) + min(max_total - current, desired - replicas(new_rs))


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
    new_rs_unavailable = replicas(new_rs) - _status_int(new_rs, "availableReplicas")
    max_scaled_down = total_replicas(all_rss) - min_available(deployment) - new_rs_unavailable
    if max_scaled_down <= 0:
        return []
    try:
        cleanup = cleanup_unhealthy_replicas(old_rss, deployment, max_scaled_down)
    except ValueError:
        return []  # Kubernetes gives up scaling down for this pass and waits for fresh status
    scaled = {_name(step.replica_set): step.replicas for step in cleanup}
    old_rss = [_with_replicas(rs, scaled[_name(rs)]) if _name(rs) in scaled else rs for rs in old_rss]
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
        available = _status_int(rs, "availableReplicas")
        if replicas(rs) == 0 or replicas(rs) == available:
            continue
        count = min(max_cleanup_count - total, replicas(rs) - available)
        if count < 0:
            meta = _meta(rs)
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
    available = _sum_status(all_rss, "availableReplicas")
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
    if _sum_status(old_rss, "replicas") > 0:
        return True
    new_uid = _meta(new_rs).get("uid") if new_rs is not None else None
    for uid, pods in pods_by_rs.items():
        if new_uid is not None and uid == new_uid:
            continue
        if any(_status(pod).get("phase") not in ("Succeeded", "Failed") for pod in pods):
            return True
    return False


# --- proportional scaling (sync.go scale, deployment_util.go GetProportion) ------------------------


def is_saturated(deployment: dict, rs: dict | None) -> bool:
    """IsSaturated: the new ReplicaSet holds, is sized for, and has available all of spec.replicas."""
    if rs is None:
        return False
    try:
        desired = int(_annotations(rs).get(DESIRED_REPLICAS_ANNOTATION, ""))
    except ValueError:
        return False
    want = replicas(deployment)
    return replicas(rs) == want and desired == want and _status_int(rs, "availableReplicas") == want


def find_active_or_latest(new_rs: dict | None, old_rss: list[dict]) -> dict | None:
    """FindActiveOrLatest: the only ReplicaSet with pods, or the newest when none has; None when several do."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=_created, reverse=True)
    active = filter_active([*newest_first, new_rs])
    if len(active) == 1:
        return active[0]
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return None


def replica_set_fraction(rs: dict, deployment: dict) -> int:
    """getReplicaSetFraction: how many pods this ReplicaSet gains (or loses) when the Deployment's
    size + surge changes, in proportion to the size + surge it was last sized for (max-replicas)."""
    if replicas(deployment) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(deployment) + max_surge(deployment)
    try:
        annotated = int(_annotations(rs)[MAX_REPLICAS_ANNOTATION])
    except (KeyError, ValueError):
        # Without the annotation, the Deployment's current size is the best guess; the min/max in
        # get_proportion still keeps the total within bounds.
        annotated = _status_int(deployment, "replicas")
    if annotated == 0:
        return 0  # never scale up from zero proportionally (Go would divide by zero here)
    return _round_half_away(replicas(rs) * deployment_replicas / annotated) - replicas(rs)


def _round_half_away(x: float) -> int:
    """k8s.io/utils/integer.RoundToInt32."""
    return int(x - 0.5) if x < 0 else int(x + 0.5)


def get_proportion(rs: dict | None, deployment: dict, to_add: int, added: int) -> int:
    """GetProportion: this ReplicaSet's share of `to_add`, never overshooting what is left of it."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction, allowed = replica_set_fraction(rs, deployment), to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


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
        active = _by_size_newer(active)  # among equals, newer ReplicaSets grow first
    elif to_add < 0:
        active = _by_size_older(active)  # among equals, older ReplicaSets shrink first
    sizes, added = {}, 0
    for rs in active:
        proportion = get_proportion(rs, deployment, to_add, added) if to_add != 0 else 0
        sizes[_name(rs)] = replicas(rs) + proportion
        added += proportion
    if active and to_add != 0:
        largest = _name(active[0])
        sizes[largest] = max(sizes[largest] + to_add - added, 0)
    return [Scale(rs, sizes[_name(rs)], sync_annotations=True) for rs in active]


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
    updated = _with_replicas(rs, new_scale)
    _set_replicas_annotations(updated.setdefault("metadata", {}).setdefault("annotations", {}), desired, maximum)
    if old_scale == new_scale:
        return updated, None
    return updated, Event("Normal", SCALING_REPLICA_SET, scaling_message(_name(rs), old_scale, new_scale))


def scaling_message(rs_name: str, old_scale: int, new_scale: int) -> str:
    """The ScalingReplicaSet message: "Scaled up replica set web-7c5ddbdf54 from 0 to 3"."""
    operation = "up" if old_scale < new_scale else "down"
    return f"Scaled {operation} replica set {rs_name} from {old_scale} to {new_scale}"


def is_scaling_event(deployment: dict, replica_sets: Iterable[dict]) -> bool:
    """isScalingEvent: an active ReplicaSet was sized for a different spec.replicas than now."""
    for rs in filter_active(replica_sets):
        try:
            desired = int(_annotations(rs)[DESIRED_REPLICAS_ANNOTATION])
        except (KeyError, ValueError):
            continue
        if desired != replicas(deployment):
            return True
    return False


# --- revision history cleanup (sync.go cleanupDeployment) -----------------------------------------


def has_revision_history_limit(deployment: dict) -> bool:
    limit = _spec(deployment).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


def cleanup_old_replica_sets(deployment: dict, old_rss: list[dict]) -> list[dict]:
    """cleanupDeployment: the old ReplicaSets to delete so that revisionHistoryLimit remain.

    Oldest revision first, and only ReplicaSets that are scaled to 0, run no pods, and whose
    controller has seen their latest spec: a ReplicaSet still draining is kept for a later pass.
    """
    if not has_revision_history_limit(deployment):
        return []
    alive = [rs for rs in old_rss if rs is not None and not _meta(rs).get("deletionTimestamp")]
    diff = len(alive) - int(_spec(deployment)["revisionHistoryLimit"])
    if diff <= 0:
        return []
    return [rs for rs in sorted(alive, key=_revision_order)[:diff] if _deletable(rs)]


def _revision_order(rs: dict) -> tuple[int, str, str]:
    # ReplicaSetsByRevision: by revision, ties (or unreadable revisions) by creation time
    return (revision(rs) or 0, *_created(rs))


def _deletable(rs: dict) -> bool:
    if _status_int(rs, "replicas") != 0 or replicas(rs) != 0:
        return False
    return int(_meta(rs).get("generation") or 0) <= _status_int(rs, "observedGeneration")


# --- status and conditions (sync.go calculateStatus, progress.go) ---------------------------------


def get_condition(status: dict, condition_type: str) -> dict | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == condition_type), None)


def new_condition(condition_type: str, status: str, reason: str, message: str, *, now: datetime.datetime) -> dict:
    stamp = format_time(now)
    return {
        "type": condition_type,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def set_condition(status: dict, condition: dict) -> None:
    """SetDeploymentCondition (in place, on a status we own): same status and reason is no change;
    same status keeps its lastTransitionTime."""
    current = get_condition(status, condition["type"])
    same_status = current is not None and current["status"] == condition["status"]
    if same_status and current.get("reason") == condition["reason"]:
        return
    if same_status:
        condition = {**condition, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: dict, condition_type: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != condition_type]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def calculate_status(
    deployment: dict, all_rss: list[dict | None], new_rs: dict | None, *, now: datetime.datetime
) -> dict:
    """calculateStatus: counts summed over the ReplicaSets, and the Available condition.

    Zero counts are left out, as the API server's JSON (omitempty) leaves them out.
    """
    rss = [rs for rs in all_rss if rs is not None]
    available = _sum_status(rss, "availableReplicas")
    status: dict[str, Any] = {
        "observedGeneration": int(_meta(deployment).get("generation") or 0),
        "replicas": _sum_status(rss, "replicas"),
        "updatedReplicas": _status_int(new_rs, "replicas") if new_rs is not None else 0,
        "readyReplicas": _sum_status(rss, "readyReplicas"),
        "availableReplicas": available,
        # More available than wanted (a scale-down in flight) is not negative unavailability
        "unavailableReplicas": max(total_replicas(rss) - available, 0),
    }
    status = {k: v for k, v in status.items() if v}
    conditions = copy.deepcopy(_status(deployment).get("conditions") or [])
    if conditions:
        status["conditions"] = conditions
    if _status(deployment).get("collisionCount") is not None:
        status["collisionCount"] = _status(deployment)["collisionCount"]
    set_condition(status, _availability_condition(deployment, available, now=now))
    return status


def _availability_condition(deployment: dict, available: int, *, now: datetime.datetime) -> dict:
    if available >= replicas(deployment) - max_unavailable(deployment):
        message = "Deployment has minimum availability."
        return new_condition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE, message, now=now)
    message = "Deployment does not have minimum availability."
    return new_condition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE, message, now=now)


def has_progress_deadline(deployment: dict) -> bool:
    deadline = _spec(deployment).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def deployment_complete(deployment: dict, status: dict) -> bool:
    """DeploymentComplete: every desired replica updated and available, no old pods, generation observed."""
    want = replicas(deployment)
    return (
        int(status.get("updatedReplicas") or 0) == want
        and int(status.get("replicas") or 0) == want
        and int(status.get("availableReplicas") or 0) == want
        and int(status.get("observedGeneration") or 0) >= int(_meta(deployment).get("generation") or 0)
    )


def deployment_progressing(deployment: dict, new_status: dict) -> bool:
    """DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last seen."""
    old = _status(deployment)

    def count(status: dict, key: str) -> int:
        return int(status.get(key) or 0)

    old_old = count(old, "replicas") - count(old, "updatedReplicas")
    new_old = count(new_status, "replicas") - count(new_status, "updatedReplicas")
    return (
        count(new_status, "updatedReplicas") > count(old, "updatedReplicas")
        or new_old < old_old
        or count(new_status, "readyReplicas") > count(old, "readyReplicas")
        or count(new_status, "availableReplicas") > count(old, "availableReplicas")
    )


def deployment_timed_out(deployment: dict, new_status: dict, *, now: datetime.datetime) -> bool:
    """DeploymentTimedOut: no progress reported for longer than progressDeadlineSeconds (strictly)."""
    if not has_progress_deadline(deployment):
        return False
    condition = get_condition(new_status, PROGRESSING)
    if condition is None or condition.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if condition.get("reason") == TIMED_OUT_REASON:
        return True
    deadline = datetime.timedelta(seconds=int(_spec(deployment)["progressDeadlineSeconds"]))
    return parse_time(condition["lastUpdateTime"]) + deadline < now


def rollout_status(
    deployment: dict, all_rss: list[dict | None], new_rs: dict | None, *, now: datetime.datetime
) -> dict:
    """syncRolloutStatus's new status: calculate_status plus the Progressing condition and
    ReplicaSet failures promoted to the Deployment."""
    status = calculate_status(deployment, all_rss, new_rs, now=now)
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
    current = get_condition(_status(deployment), PROGRESSING)
    # A finished rollout seen again on a resync: nothing to estimate
    all_updated = status.get("replicas", 0) == status.get("updatedReplicas", 0)
    complete = all_updated and current is not None and current.get("reason") == NEW_RS_AVAILABLE_REASON
    if has_progress_deadline(deployment) and not complete:
        _set_progressing(deployment, status, new_rs, current, now=now)
    _promote_replica_failure(status, all_rss, new_rs)
    return status


def _subject(deployment: dict, new_rs: dict | None) -> str:
    return f'ReplicaSet "{_name(new_rs)}"' if new_rs is not None else f'Deployment "{_name(deployment)}"'


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
        for c in _status(rs).get("conditions") or [] if rs is not None else []:
            if c.get("type") == REPLICA_FAILURE:
                # ReplicaSetToDeploymentCondition: a ReplicaSet condition has no lastUpdateTime of its own
                keys = ("status", "lastTransitionTime", "reason", "message")
                failures.append({"type": REPLICA_FAILURE, **{k: c.get(k) for k in keys}})
                failures[-1]["lastUpdateTime"] = c.get("lastTransitionTime")
    return failures


def requeue_after(deployment: dict, new_status: dict, *, now: datetime.datetime) -> float | None:
    """requeueStuckDeployment: seconds until the progress deadline must be checked again; None when
    there is nothing to wait for (no deadline, no Progressing condition, complete, timed out)."""
    current = get_condition(_status(deployment), PROGRESSING)
    if not has_progress_deadline(deployment) or current is None:
        return None
    if deployment_complete(deployment, new_status) or current.get("reason") == TIMED_OUT_REASON:
        return None
    seconds = int(_spec(deployment)["progressDeadlineSeconds"])
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
    current = get_condition(_status(deployment), PROGRESSING)
    if current is not None and current.get("reason") == TIMED_OUT_REASON:
        return None
    paused_set = current is not None and current.get("reason") == PAUSED_DEPLOY_REASON
    if _spec(deployment).get("paused") and not paused_set:
        return new_condition(PROGRESSING, "Unknown", PAUSED_DEPLOY_REASON, "Deployment is paused", now=now)
    if not _spec(deployment).get("paused") and paused_set:
        return new_condition(PROGRESSING, "Unknown", RESUMED_DEPLOY_REASON, "Deployment is resumed", now=now)
    return None


def selects_everything(deployment: dict) -> bool:
    selector = _spec(deployment).get("selector")
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
        if _meta(self.d).get("deletionTimestamp"):
            self._sync_status_only()
        else:
            self._route()
        return self._finish()

    def _route(self) -> None:
        condition = paused_condition(self.d, now=self.now)
        if condition is not None:
            set_condition(self.d["status"], condition)
        if _spec(self.d).get("paused") or is_scaling_event(self.d, self.rss):
            self._sync()
        elif is_rolling_update(self.d):
            self._rollout_rolling()
        else:
            self._rollout_recreate()

    def _selecting_all(self) -> SyncPlan:
        message = "This deployment is selecting all pods. A non-empty selector is required."
        self.plan.events.append(Event("Warning", SELECTING_ALL, message))
        generation = int(_meta(self.d).get("generation") or 0)
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
        if _spec(self.d).get("paused"):
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
        min_ready = _spec(self.d).get("minReadySeconds") or 0
        if changed or (_spec(rs).get("minReadySeconds") or 0) != min_ready:
            rs["spec"].pop("minReadySeconds", None)
            if min_ready:
                rs["spec"]["minReadySeconds"] = min_ready
            self._record(rs)
            return rs  # Kubernetes returns after this write; the Deployment's revision follows next pass
        self._set_revision(_annotations(rs).get(REVISION_ANNOTATION, ""))
        if has_progress_deadline(self.d) and get_condition(self.d["status"], PROGRESSING) is None:
            message = f'Found new replica set "{_name(rs)}"'
            condition = new_condition(PROGRESSING, "True", FOUND_NEW_RS_REASON, message, now=self.now)
            set_condition(self.d["status"], condition)
        return rs

    def _create_new_rs(self, all_old: list[dict], new_revision: str) -> dict | None:
        hash_ = pod_template_hash(_spec(self.d).get("template") or {}, self.d["status"].get("collisionCount"))
        empty = new_replica_set(self.d, hash_, new_revision, 0)
        count = new_rs_new_replicas(self.d, [*all_old, empty], empty)
        rs = _with_replicas(empty, count)
        if self._name_taken(rs):
            # AlreadyExists with another template: a hash collision. Bump collisionCount and retry.
            self.d["status"]["collisionCount"] = int(self.d["status"].get("collisionCount") or 0) + 1
            self.plan.requeue_after = 0.0
            return None
        self.plan.create.append(rs)
        self.rss.append(rs)
        if count > 0:
            self.plan.events.append(Event("Normal", SCALING_REPLICA_SET, scaling_message(_name(rs), 0, count)))
        self._set_revision(new_revision)
        if has_progress_deadline(self.d):
            message = f'Created new replica set "{_name(rs)}"'
            condition = new_condition(PROGRESSING, "True", NEW_REPLICA_SET_REASON, message, now=self.now)
            set_condition(self.d["status"], condition)
        return rs

    def _name_taken(self, rs: dict) -> bool:
        # Only the given ReplicaSets are known here; the store's AlreadyExists covers the rest
        return any(_name(other) == _name(rs) for other in self.rss)

    def _set_revision(self, value: str) -> None:
        annotations = self.d.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[REVISION_ANNOTATION] = value

    def _apply(self, steps: list[Scale]) -> bool:
        """Write each scaling step on top of earlier writes in this pass; True when a size changed."""
        scaled = False
        for step in steps:
            current = self._updates.get(_name(step.replica_set), step.replica_set)
            current = _with_replicas(current, replicas(step.replica_set))
            updated, event = scale_replica_set(current, step.replicas, self.d, sync_annotations=step.sync_annotations)
            if updated is not None:
                self._record(updated)
            if event is not None:
                self.plan.events.append(event)
                scaled = True
        return scaled

    def _record(self, rs: dict) -> None:
        created = next((c for c in self.plan.create if _name(c) == _name(rs)), None)
        if created is not None:
            self.plan.create[self.plan.create.index(created)] = rs  # not written yet: create it this size
            return
        self._updates[_name(rs)] = rs

    def _cleanup(self, old_rss: list[dict]) -> None:
        self.plan.delete.extend(cleanup_old_replica_sets(self.d, old_rss))

    def _sync_rollout_status(self, all_rss: list[dict | None], new_rs: dict | None) -> None:
        self.d["status"] = rollout_status(self.d, all_rss, new_rs, now=self.now)
        self._rolling_out = True

    def _finish(self) -> SyncPlan:
        plan = self.plan
        plan.update = list(self._updates.values())
        if _comparable_status(self.d["status"]) != _comparable_status(_status(self.original)):
            plan.status = self.d["status"]
        revision_now = _annotations(self.d).get(REVISION_ANNOTATION)
        if revision_now != _annotations(self.original).get(REVISION_ANNOTATION):
            plan.revision = revision_now
        if plan.requeue_after is None and self._rolling_out:
            # Checked against the status this pass leaves behind, so a write does not lose the wake-up
            plan.requeue_after = requeue_after(self.d, self.d["status"], now=self.now)
        return plan


def _comparable_status(status: dict) -> Any:
    """A status as the API would store it: zero counts omitted (omitempty), empty lists dropped."""
    return _normalized({k: v for k, v in status.items() if v != 0})
