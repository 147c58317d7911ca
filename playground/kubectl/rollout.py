"""`kubectl rollout`: status, history, undo, pause, resume and restart of a Deployment.

The rollout command (management/commands/rollout.py) and the Deployment page's buttons (web)
→ here → the store; the Deployment controller then does the rollout. kubectl does all of this
on the client side: undo reads the Deployment's ReplicaSets and writes an old template back,
history lists their revision annotations, restart changes one template annotation. It follows
staging/src/k8s.io/kubectl/pkg/polymorphichelpers: rollback.go (DeploymentRollbacker),
history.go (DeploymentHistoryViewer), objectrestarter.go, objectpauser.go, objectresumer.go and
rollout_status.go (DeploymentStatusViewer). The revision and template rules it shares with the
controller (revision(), equal_ignore_hash, the annotations a rollback keeps) are the
controller's, read from controllers/deployment_rules.py, so the two cannot disagree.
"""
from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import Any

from playground.controllers.deployment_util import (
    ANNOTATIONS_TO_SKIP,
    POD_TEMPLATE_HASH_LABEL,
    equal_ignore_hash,
    owned_replica_sets,
    revision,
)
from playground.store import api as store

from .errors import KubectlError

Obj = dict[str, Any]
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"


@dataclass(frozen=True)
class Rollback:
    """The outcome of `kubectl rollout undo`: what to write to the Deployment, and what kubectl prints."""

    ok: bool
    message: str  # "rolled back", "skipped rollback (...)", or the error kubectl reports
    template: dict | None = None  # spec.template to write, without pod-template-hash
    annotations: dict | None = None  # metadata.annotations to write


# --- the verbs: read, decide, write through the store ----------------------------------------------


def set_paused(cluster: str, name: str, namespace: str, *, paused: bool) -> str:
    """`kubectl rollout pause|resume deployment/NAME`."""
    deployment = store.get(cluster, "Deployment", name, namespace)
    if bool(deployment["spec"].get("paused")) == paused:
        raise KubectlError(f'deployments.apps "{name}" is {"already" if paused else "not"} paused')
    store.patch(cluster, "Deployment", name, namespace, {"spec": {"paused": paused or None}}, patch_type="merge")
    return f"deployment.apps/{name} {'paused' if paused else 'resumed'}"


def restart(cluster: str, name: str, namespace: str) -> str:
    """`kubectl rollout restart deployment/NAME`: a new template annotation, hence a new revision."""
    deployment = store.get(cluster, "Deployment", name, namespace)
    if deployment["spec"].get("paused"):
        raise KubectlError("can't restart paused deployment (run rollout resume first)")
    template = restarted_template(deployment["spec"]["template"], now=store.now(cluster))
    store.update(cluster, {**deployment, "spec": {**deployment["spec"], "template": template}})
    return f"deployment.apps/{name} restarted"


def undo(cluster: str, name: str, namespace: str, *, to_revision: int = 0) -> str:
    """`kubectl rollout undo deployment/NAME [--to-revision=N]`: back to that revision's template."""
    deployment = store.get(cluster, "Deployment", name, namespace)
    outcome = rollback_to(deployment, store.list(cluster, "ReplicaSet", namespace=namespace), to_revision)
    if not outcome.ok:
        raise KubectlError(outcome.message)
    if outcome.template is not None:
        meta = {**deployment["metadata"], "annotations": outcome.annotations or {}}
        store.update(cluster, {**deployment, "metadata": meta, "spec": {**deployment["spec"], "template": outcome.template}})
    return f"deployment.apps/{name} {outcome.message}"


def history(cluster: str, name: str, namespace: str) -> str:
    """`kubectl rollout history deployment/NAME`: the table of its ReplicaSets' revisions."""
    deployment = store.get(cluster, "Deployment", name, namespace)
    replica_sets = store.list(cluster, "ReplicaSet", namespace=namespace)
    return rollout_history(owned_replica_sets(deployment, replica_sets))  # GetAllReplicaSets: selector and controller


# --- the rules, pure functions on JSON dicts -------------------------------------------------------


def rollback_to(deployment: Obj, replica_sets: list[Obj], to_revision: int = 0) -> Rollback:
    """`kubectl rollout undo [--to-revision=N]`: the template and annotations to write back.

    Revision 0 is the one before the current. The new ReplicaSet keeps its pods: the controller
    then finds the old ReplicaSet's template equal and makes it the new one, with a new revision.
    """
    if to_revision < 0:
        return Rollback(False, _revision_not_found(to_revision))
    owned = owned_replica_sets(deployment, replica_sets)
    target = _replica_set_for_revision(owned, to_revision)
    if isinstance(target, str):
        return Rollback(False, target.replace("{name}", _name(deployment)))
    if _spec(deployment).get("paused"):
        message = "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
        return Rollback(False, message)
    if equal_ignore_hash(_spec(target).get("template"), _spec(deployment).get("template")):
        return Rollback(True, f"skipped rollback (current template already matches revision {to_revision})")
    return Rollback(True, "rolled back", _template_without_hash(target), _rollback_annotations(deployment, target))


def _revision_not_found(wanted: int) -> str:
    return f"unable to find specified revision {wanted} in history"


def _replica_set_for_revision(replica_sets: list[Obj], wanted: int) -> Obj | str:
    """deploymentRevision: the ReplicaSet of that revision, or the previous one for 0; else the error."""
    latest: tuple[int, Obj | None] = (-1, None)
    previous: tuple[int, Obj | None] = (-1, None)
    for rs in replica_sets:
        number = revision(rs)
        if number is None:
            continue
        if wanted == 0:
            if latest[0] < number:
                latest, previous = (number, rs), latest
            elif previous[0] < number:
                previous = (number, rs)
        elif wanted == number:
            return rs
    if wanted > 0:
        return _revision_not_found(wanted)
    if previous[1] is None:
        return 'no rollout history found for deployment "{name}"'
    return previous[1]


def _template_without_hash(rs: Obj) -> Obj:
    template = copy.deepcopy(_spec(rs).get("template") or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    return template


def _rollback_annotations(deployment: Obj, rs: Obj) -> dict[str, str]:
    """The Deployment keeps its own revision/apply annotations and takes the rest from the ReplicaSet."""
    kept = {k: v for k, v in _annotations(deployment).items() if k in ANNOTATIONS_TO_SKIP}
    return {**kept, **{k: v for k, v in _annotations(rs).items() if k not in ANNOTATIONS_TO_SKIP}}


def rollout_history(replica_sets: list[Obj]) -> str:
    """`kubectl rollout history deployment/NAME`: REVISION and CHANGE-CAUSE, oldest first."""
    causes: dict[int, str] = {}
    for rs in replica_sets:
        number = revision(rs)
        if number is not None:
            causes[number] = _annotations(rs).get(CHANGE_CAUSE_ANNOTATION) or "<none>"
    if not causes:
        return "No rollout history found."
    rows = [("REVISION", "CHANGE-CAUSE"), *((str(r), causes[r]) for r in sorted(causes))]
    width = max(len(first) for first, _ in rows) + 2  # text/tabwriter, padding 2; the last cell is not padded
    return "".join(f"{first.ljust(width)}{second}\n" for first, second in rows)


def restarted_template(template: Obj, *, now: datetime.datetime) -> Obj:
    """`kubectl rollout restart`: only a template annotation changes, which is a new template,
    hence a new ReplicaSet and an ordinary rolling update."""
    template = copy.deepcopy(template)
    annotations = template.setdefault("metadata", {}).setdefault("annotations", {})
    annotations[RESTARTED_AT_ANNOTATION] = _rfc3339(now)
    return template


def rollout_status_message(deployment: Obj) -> tuple[str, bool]:
    """kubectl's DeploymentStatusViewer: what `rollout status` prints, and whether it is done."""
    name, status = deployment["metadata"]["name"], deployment.get("status", {})
    if deployment["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...", False
    progressing = next((c for c in status.get("conditions", []) if c["type"] == "Progressing"), None)
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        raise KubectlError(f'deployment "{name}" exceeded its progress deadline')
    desired, updated = deployment["spec"].get("replicas", 1), status.get("updatedReplicas", 0)
    if updated < desired:
        return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {desired} new replicas have been updated...', False
    if status.get("replicas", 0) > updated:
        return f'Waiting for deployment "{name}" rollout to finish: {status["replicas"] - updated} old replicas are pending termination...', False
    if status.get("availableReplicas", 0) < updated:
        return f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of {updated} updated replicas are available...', False
    return f'deployment "{name}" successfully rolled out', True


def _rfc3339(now: datetime.datetime) -> str:
    """Go's time.RFC3339: `Z` for UTC, else the offset."""
    text = now.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z")


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _annotations(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _name(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("name", "")
