"""kubectl's verbs that change objects on the client side: scale, set image, delete; and what an
operator does to a node (cordon, uncordon, drain, and the playground's stop and start of its
kubelet). `kubectl rollout` has its own module (rollout.py). The command line
(management/commands) and the pages' buttons (web) both call these, so a button does exactly
what the command does and says the same.

Each returns what kubectl prints on success (`deployment.apps/nginx scaled`) and raises
KubectlError with what it prints after `error: `; store errors (NotFound, Invalid, ...) pass
through. Follows staging/src/k8s.io/kubectl/pkg/cmd/{scale,set,delete,drain}.
"""
from __future__ import annotations

import copy
from typing import Any

from playground.store import api as store
from playground.store.controller_ref import controller_of
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

from .errors import KubectlError

Obj = dict[str, Any]
SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")
TEMPLATED = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")


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


# --- kubectl delete, and what an operator does to a node ------------------------------------------


def delete(cluster: str, kind: str, name: str, namespace: str = "", *, grace_period: int | None = None) -> str:
    """`kubectl delete KIND NAME`: what it prints once the API server accepted the deletion."""
    store.delete(cluster, kind, name, namespace, grace_period_seconds=grace_period)
    return f'{KINDS[kind].kubectl_type} "{name}" deleted'


def set_unschedulable(cluster: str, name: str, *, unschedulable: bool) -> str:
    """`kubectl cordon|uncordon NODE`."""
    node = store.get(cluster, "Node", name)
    verb = "cordoned" if unschedulable else "uncordoned"
    if bool(node["spec"].get("unschedulable")) == unschedulable:
        return f"node/{name} already {verb}"
    store.patch(cluster, "Node", name, "", {"spec": {"unschedulable": unschedulable or None}}, patch_type="merge")
    return f"node/{name} {verb}"


def drain(cluster: str, name: str, *, ignore_daemonsets: bool = False, force: bool = False,
          grace_period: int | None = None) -> list[str]:
    """`kubectl drain NODE`: cordon it, then evict every pod on it but DaemonSet pods (which a
    DaemonSet would put back at once). Refuses, before evicting anything, pods no controller
    would replace (unless `force`) and DaemonSet pods (unless `ignore_daemonsets`)."""
    lines = [set_unschedulable(cluster, name, unschedulable=True)]
    pods = store.list(cluster, "Pod", namespace=None, field_selector=f"spec.nodeName={name}")
    daemons = [p for p in pods if _controller_kind(p) == "DaemonSet"]
    unmanaged = [p for p in pods if _controller_kind(p) is None]
    if daemons and not ignore_daemonsets:
        raise KubectlError(f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {_names(daemons)}")
    if unmanaged and not force:
        raise KubectlError(f"cannot delete Pods that declare no controller (use --force to override): {_names(unmanaged)}")
    if daemons:
        lines.append(f"Warning: ignoring DaemonSet-managed Pods: {_names(daemons)}")
    for pod in pods:
        if pod in daemons or pod["metadata"].get("deletionTimestamp"):
            continue
        namespace, pod_name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        lines.append(f"evicting pod {namespace}/{pod_name}")
        try:
            store.delete(cluster, "Pod", pod_name, namespace, grace_period_seconds=grace_period)
        except NotFound:
            continue
        lines.append(f"pod/{pod_name} evicted")
    lines.append(f"node/{name} drained")
    return lines


def _controller_kind(pod: Obj) -> str | None:
    return (controller_of(pod) or {}).get("kind")


def _names(pods: list[Obj]) -> str:
    return ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods)
