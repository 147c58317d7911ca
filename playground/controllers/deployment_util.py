"""What a Deployment and its ReplicaSets say, read as Kubernetes reads them: annotations, revisions,
the pod-template-hash, the rollout's fenceposts, proportions and conditions
(pkg/controller/deployment/util/deployment_util.go, and controller_utils.go's ComputeHash and
orderings), as pure functions on Kubernetes JSON dicts.

The Deployment controller's rules (deployment_rules.py), kubectl's rollout (playground/kubectl/
rollout.py, as k8s.io/kubectl/pkg/util/deployment mirrors these) and the pages all read a
Deployment through these. Nothing here touches the database, Django or the clock.
"""
from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterable
from typing import Any

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



# --- small readers over JSON ----------------------------------------------------------------------


def spec_of(obj: dict | None) -> dict:
    return ((obj or {}).get("spec") or {}) if obj is not None else {}


def status_of(obj: dict | None) -> dict:
    return (obj or {}).get("status") or {}


def meta_of(obj: dict) -> dict:
    return obj.get("metadata") or {}


def annotations_of(obj: dict) -> dict[str, str]:
    return meta_of(obj).get("annotations") or {}


def name_of(obj: dict) -> str:
    return meta_of(obj).get("name", "")


def replicas(obj: dict | None) -> int:
    """`*(x.Spec.Replicas)`; the API server defaults it to 1."""
    value = spec_of(obj).get("replicas")
    return 1 if value is None else int(value)


def status_int(obj: dict | None, key: str) -> int:
    return int(status_of(obj).get(key) or 0)


def _same(a: dict, b: dict) -> bool:
    """Two ReplicaSets are the same object: same uid, or same name when uids are not assigned yet."""
    uid_a, uid_b = meta_of(a).get("uid"), meta_of(b).get("uid")
    return uid_a == uid_b if uid_a and uid_b else name_of(a) == name_of(b)


def with_replicas(rs: dict, count: int) -> dict:
    rs = copy.deepcopy(rs)
    rs.setdefault("spec", {})["replicas"] = count
    return rs


def format_time(now: datetime.datetime) -> str:
    """metav1.Time as JSON: RFC 3339, UTC, whole seconds."""
    return now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


# --- ordering and filtering (controller_utils.go) -------------------------------------------------


def creation_order(rs: dict) -> tuple[str, str]:
    # ReplicaSetsByCreationTimestamp: creation time, then name; RFC 3339 UTC strings sort as times
    return (meta_of(rs).get("creationTimestamp") or _NEWEST, name_of(rs))


def by_creation_timestamp(rss: Iterable[dict]) -> list[dict]:
    return sorted(rss, key=creation_order)


def by_size_newer(rss: list[dict]) -> list[dict]:
    """ReplicaSetsBySizeNewer: largest first, newer first among equals (where scale-ups go first)."""
    newest_first = sorted(rss, key=creation_order, reverse=True)
    return sorted(newest_first, key=replicas, reverse=True)


def by_size_older(rss: list[dict]) -> list[dict]:
    """ReplicaSetsBySizeOlder: largest first, older first among equals (where scale-downs go first)."""
    return sorted(by_creation_timestamp(rss), key=replicas, reverse=True)


def filter_active(rss: Iterable[dict | None]) -> list[dict]:
    """FilterActiveReplicaSets: the ReplicaSets that want pods."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def owned_replica_sets(deployment: dict, replica_sets: Iterable[dict]) -> list[dict]:
    """The ReplicaSets this Deployment controls (ListReplicaSets: selector match and ControllerRef)."""
    selector = spec_of(deployment).get("selector")
    return [
        rs
        for rs in replica_sets
        if is_controlled_by(rs, deployment) and label_selector_matches(selector, meta_of(rs).get("labels") or {})
    ]


def pods_by_replica_set(replica_sets: Iterable[dict], pods: Iterable[dict]) -> dict[str, list[dict]]:
    """getPodMapForDeployment: pods grouped by the uid of the ReplicaSet that controls them."""
    by_uid: dict[str, list[dict]] = {meta_of(rs).get("uid", ""): [] for rs in replica_sets}
    for pod in pods:
        ref = controller_of(pod)
        if ref is not None and ref.get("uid") in by_uid:
            by_uid[ref["uid"]].append(pod)
    return by_uid


# --- the pod template hash (controller_utils.go ComputeHash) ---------------------------------------


def normalized(value: Any) -> Any:
    """Semantic equality treats nil and empty maps/slices alike; so do hashing and comparison here."""
    if isinstance(value, dict):
        items = {k: normalized(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def pod_template_hash(template: dict, collision_count: int | None) -> str:
    """The `pod-template-hash` label value and ReplicaSet name suffix for a pod template.

    Kubernetes hashes a spew dump of the Go struct; we hash canonical JSON (sorted keys, empty
    values dropped) with the same FNV-32a, then add collisionCount exactly as Kubernetes does
    (8 bytes, little-endian uint32 first) and encode the decimal sum with SafeEncodeString.
    """
    canonical = json.dumps(normalized(template), sort_keys=True, separators=(",", ":"))
    data = canonical.encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode_string(str(fnv32a(data)))


def equal_ignore_hash(template1: dict | None, template2: dict | None) -> bool:
    """EqualIgnoreHash: the same pod template, whatever their pod-template-hash labels say."""
    return _without_hash_label(template1) == _without_hash_label(template2)


def _without_hash_label(template: dict | None) -> Any:
    # Copies of the path to the label only: `normalized` builds a new value of the rest (a deep
    # copy of each template was 2% of a 200-cluster server's CPU)
    template = dict(template or {})
    metadata = template["metadata"] = dict(template.get("metadata") or {})
    labels = metadata["labels"] = dict(metadata.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    return normalized(template)


# --- new and old ReplicaSets, revisions ------------------------------------------------------------


def find_new_replica_set(deployment: dict, replica_sets: Iterable[dict]) -> dict | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's."""
    template = spec_of(deployment).get("template")
    for rs in by_creation_timestamp(replica_sets):
        if equal_ignore_hash(spec_of(rs).get("template"), template):
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
    value = annotations_of(obj).get(REVISION_ANNOTATION)
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
        changed = set_replicas_annotations(annotations, desired, desired + max_surge(deployment)) or changed
    return rs, changed


def _copy_deployment_annotations(deployment: dict, annotations: dict[str, str]) -> bool:
    changed = False
    for key, value in annotations_of(deployment).items():
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


def set_replicas_annotations(annotations: dict[str, str], desired: int, maximum: int) -> bool:
    """SetReplicasAnnotations: record the Deployment size (and size + surge) this ReplicaSet was sized for."""
    wanted = {DESIRED_REPLICAS_ANNOTATION: str(desired), MAX_REPLICAS_ANNOTATION: str(maximum)}
    changed = any(annotations.get(k) != v for k, v in wanted.items())
    annotations.update(wanted)
    return changed


def replicas_annotations_need_update(rs: dict, desired: int, maximum: int) -> bool:
    annotations = annotations_of(rs)
    return annotations.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or annotations.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


def new_replica_set(deployment: dict, hash: str, revision: str, replicas: int) -> dict:  # noqa: A002
    """The ReplicaSet getNewReplicaSet creates: `<deployment>-<hash>`, labelled and selected by
    pod-template-hash, controlled by the Deployment, annotated with revision and sizes."""
    meta, spec = meta_of(deployment), spec_of(deployment)
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
    return (spec_of(deployment).get("strategy") or {}).get("type", ROLLING_UPDATE) == ROLLING_UPDATE


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
    return (spec_of(deployment).get("strategy") or {}).get("rollingUpdate") or {}


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


def sum_status(rss: Iterable[dict | None], key: str) -> int:
    return sum(status_int(rs, key) for rs in rss if rs is not None)


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


# --- proportional scaling (sync.go scale, deployment_util.go GetProportion) ------------------------


def is_saturated(deployment: dict, rs: dict | None) -> bool:
    """IsSaturated: the new ReplicaSet holds, is sized for, and has available all of spec.replicas."""
    if rs is None:
        return False
    try:
        desired = int(annotations_of(rs).get(DESIRED_REPLICAS_ANNOTATION, ""))
    except ValueError:
        return False
    want = replicas(deployment)
    return replicas(rs) == want and desired == want and status_int(rs, "availableReplicas") == want


def find_active_or_latest(new_rs: dict | None, old_rss: list[dict]) -> dict | None:
    """FindActiveOrLatest: the only ReplicaSet with pods, or the newest when none has; None when several do."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=creation_order, reverse=True)
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
        annotated = int(annotations_of(rs)[MAX_REPLICAS_ANNOTATION])
    except (KeyError, ValueError):
        # Without the annotation, the Deployment's current size is the best guess; the min/max in
        # get_proportion still keeps the total within bounds.
        annotated = status_int(deployment, "replicas")
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


def has_progress_deadline(deployment: dict) -> bool:
    deadline = spec_of(deployment).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def deployment_complete(deployment: dict, status: dict) -> bool:
    """DeploymentComplete: every desired replica updated and available, no old pods, generation observed."""
    want = replicas(deployment)
    return (
        int(status.get("updatedReplicas") or 0) == want
        and int(status.get("replicas") or 0) == want
        and int(status.get("availableReplicas") or 0) == want
        and int(status.get("observedGeneration") or 0) >= int(meta_of(deployment).get("generation") or 0)
    )


def deployment_progressing(deployment: dict, new_status: dict) -> bool:
    """DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last seen."""
    old = status_of(deployment)

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
    deadline = datetime.timedelta(seconds=int(spec_of(deployment)["progressDeadlineSeconds"]))
    return parse_time(condition["lastUpdateTime"]) + deadline < now
