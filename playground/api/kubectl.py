"""kubectl's verbs that change objects on the client side: scale, set image, rollout pause,
resume, restart and undo. The command line (management/commands) and the pages' buttons (web)
both call these, so a button does exactly what the command does and says the same.

Each returns what kubectl prints on success (`deployment.apps/nginx scaled`) and raises
KubectlError with what it prints after `error: `; store errors (NotFound, Invalid, ...) pass
through. Follows staging/src/k8s.io/kubectl/pkg/cmd/{scale,set,rollout} and polymorphichelpers.
"""
from __future__ import annotations

import copy
from typing import Any

from playground.controllers.deployment_rules import restarted_template, rollback_to
from playground.store import api as store
from playground.store.kinds import KINDS

Obj = dict[str, Any]
SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")
TEMPLATED = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")


class KubectlError(Exception):
    """What kubectl prints after `error: `."""


def scale(cluster: str, kind: str, name: str, namespace: str, replicas: int) -> str:
    if kind not in SCALABLE:
        raise KubectlError(f"cannot scale {KINDS[kind].plural}: name a deployment, replicaset or statefulset")
    store.patch(cluster, kind, name, namespace, {"spec": {"replicas": replicas}}, patch_type="merge")
    return f"{KINDS[kind].kubectl_type}/{name} scaled"


def set_image(cluster: str, kind: str, name: str, namespace: str, images: dict[str, str]) -> str:
    """`kubectl set image KIND/NAME CONTAINER=IMAGE ...` (`*` for every container)."""
    obj = store.get(cluster, kind, name, namespace)
    changed = copy.deepcopy(obj)
    spec = changed["spec"]["template"]["spec"] if kind in TEMPLATED else changed["spec"]
    containers = [c for key in ("initContainers", "containers") for c in spec.get(key, [])]
    for container_name, image in images.items():
        matches = [c for c in containers if c["name"] == container_name or container_name == "*"]
        if not matches:
            raise KubectlError(f'unable to find container named "{container_name}"')
        for container in matches:
            container["image"] = image
    store.update(cluster, changed)
    return f"{KINDS[kind].kubectl_type}/{name} image updated"


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
