"""The pages' pictures: the cluster as nodes with their pods inside (pending pods in a lane),
and one Deployment as what it wants, what it has and what it is doing (its revisions side by side).

store (nodes, pods) → here → templates/web/cluster.html#nodes;
store (deployment, replica sets, pods) → here → templates/web/deployment.html#live.
Every tile answers "what is this pod doing": its state is the STATUS kubectl prints
(printers.py), grouped into the few colours a projector can show (Pending, ContainerCreating,
not ready, Ready, CrashLoopBackOff, Terminating, Failed/Completed); both pages draw it with
templates/web/pod_tile.html.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from playground.api.printers import row
from playground.controllers import deployment_rules as rules
from playground.store.quantity import parse_quantity

Obj = dict[str, Any]


def cluster_picture(nodes: list[Obj], pods: list[Obj], *, now: datetime.datetime, replica_sets: Iterable[Obj] = ()) -> Obj:
    by_node: dict[str, list[Obj]] = {n["metadata"]["name"]: [] for n in nodes}
    pending = []
    deployments = _deployments_of(replica_sets)
    for pod in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
        tile = pod_tile(pod, now=now)
        tile["deployment"] = deployments.get((tile["namespace"], tile["owner"]), "")
        node = pod["spec"].get("nodeName")
        (by_node[node] if node in by_node else pending).append(tile)
    return {
        "nodes": [node_box(n, by_node[n["metadata"]["name"]], pods) for n in nodes],
        "pending": pending,
    }


def node_box(node: Obj, tiles: list[Obj], pods: list[Obj]) -> Obj:
    name = node["metadata"]["name"]
    allocatable = node.get("status", {}).get("allocatable", {})
    on_node = [p for p in pods if p["spec"].get("nodeName") == name and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")]
    return {
        "name": name,
        "roles": ", ".join(k.rpartition("/")[2] for k in node["metadata"].get("labels", {}) if k.startswith("node-role.kubernetes.io/")) or "worker",
        "ready": _condition(node, "Ready"),
        "unschedulable": bool(node["spec"].get("unschedulable")),
        "taints": [f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}" for t in node["spec"].get("taints") or []],
        "cpu": _usage(on_node, "cpu", allocatable.get("cpu", "0")),
        "memory": _usage(on_node, "memory", allocatable.get("memory", "0")),
        "pods": tiles,
        "pod_count": f"{len(on_node)}/{allocatable.get('pods', '110')}",
    }


def pod_tile(pod: Obj, *, now: datetime.datetime) -> Obj:
    _, ready, status, restarts, age = row(pod, now=now)[:5]
    return {
        "namespace": pod["metadata"].get("namespace", ""),
        "name": pod["metadata"]["name"],
        "ready": ready,
        "status": status,
        "restarts": restarts,
        "age": age,
        "state": tile_state(status, ready),
        "owner": next((r["name"] for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), ""),
        "message": _unschedulable_message(pod),
    }


def _deployments_of(replica_sets: Iterable[Obj]) -> dict[tuple[str, str], str]:
    """(namespace, ReplicaSet name) → the name of the Deployment that controls it."""
    owners = {}
    for rs in replica_sets:
        meta = rs["metadata"]
        for ref in meta.get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Deployment":
                owners[(meta.get("namespace", ""), meta["name"])] = ref["name"]
    return owners


def tile_state(status: str, ready: str) -> str:
    """The colour group of kubectl's STATUS column."""
    if status == "Terminating":
        return "terminating"
    if status in ("CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "OOMKilled") or status.startswith("Init:Error"):
        return "failing"
    if status in ("Completed", "Succeeded", "Failed", "Evicted"):
        return "finished"
    if status == "Running":
        done, total = ready.split("/")
        return "ready" if done == total else "running"
    if status in ("ContainerCreating", "PodInitializing") or status.startswith("Init:"):
        return "creating"
    return "pending"


def _condition(node: Obj, kind: str) -> str:
    return next((c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == kind), "Unknown")


def _usage(pods: list[Obj], resource: str, allocatable: str) -> Obj:
    requested = sum(
        (parse_quantity(c.get("resources", {}).get("requests", {}).get(resource, "0")) for p in pods for c in p["spec"]["containers"]),
        Decimal(0),
    )
    capacity = parse_quantity(allocatable)
    percent = int(requested * 100 / capacity) if capacity else 0
    return {"percent": min(percent, 100), "text": f"{percent}%"}


def _unschedulable_message(pod: Obj) -> str:
    for condition in pod.get("status", {}).get("conditions", []):
        if condition["type"] == "PodScheduled" and condition["status"] == "False":
            return condition.get("message", "")
    return ""


# --- the Deployment page -----------------------------------------------------------------------

STATUS_COUNTERS = (
    ("replicas", "replicas"),
    ("updated", "updatedReplicas"),
    ("ready", "readyReplicas"),
    ("available", "availableReplicas"),
    ("unavailable", "unavailableReplicas"),
)


def deployment_picture(deployment: Obj, replica_sets: list[Obj], pods: list[Obj], *, now: datetime.datetime) -> Obj:
    """What the Deployment wants (spec), what it has (status) and what it is doing: its
    ReplicaSets as revisions, newest first, each with its pods as tiles."""
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    owned = rules.owned_replica_sets(deployment, replica_sets)
    new_rs = rules.find_new_replica_set(deployment, owned)
    pods_by_rs = rules.pods_by_replica_set(owned, pods)
    containers = spec.get("template", {}).get("spec", {}).get("containers") or []
    meta = deployment["metadata"]
    return {
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
        "replicas": rules.replicas(deployment),
        "paused": bool(spec.get("paused")),
        "strategy": strategy(deployment),
        "generation": meta.get("generation", 0),
        "observed_generation": status.get("observedGeneration", 0),
        "counters": [{"name": label, "value": int(status.get(key) or 0)} for label, key in STATUS_COUNTERS],
        "conditions": [
            {k: c.get(k, "") for k in ("type", "status", "reason", "message", "lastUpdateTime")}
            for c in status.get("conditions") or []
        ],
        "containers": [{"name": c["name"], "image": c.get("image", "")} for c in containers],
        "revisions": [
            revision_column(rs, pods_by_rs.get(rs["metadata"].get("uid", ""), []), now=now, new=rs is new_rs)
            for rs in sorted(owned, key=_newest_first, reverse=True)
        ],
        "has_previous_revision": len(owned) > 1,
        "history": rules.rollout_history(owned),
    }


def strategy(deployment: Obj) -> Obj:
    """The strategy with maxSurge/maxUnavailable resolved to pods for the current replicas
    (surge rounds up, unavailable rounds down, as the controller resolves them)."""
    spec = deployment.get("spec") or {}
    desired = rules.replicas(deployment)
    if not rules.is_rolling_update(deployment):
        return {
            "type": rules.RECREATE,
            "bounds": f"at most {_pods(desired)}, at least 0 available during a rollout: every old pod stops before a new one starts",
        }
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    surge, unavailable = rules.max_surge(deployment), rules.max_unavailable(deployment)
    return {
        "type": rules.ROLLING_UPDATE,
        "max_surge": rolling.get("maxSurge", 0),
        "max_unavailable": rolling.get("maxUnavailable", 0),
        "surge": surge,
        "unavailable": unavailable,
        "bounds": f"at most {_pods(desired + surge)}, at least {desired - unavailable} available during a rollout",
    }


def revision_column(rs: Obj, pods: list[Obj], *, now: datetime.datetime, new: bool) -> Obj:
    meta, status = rs["metadata"], rs.get("status") or {}
    number = rules.revision(rs)
    containers = (rs.get("spec") or {}).get("template", {}).get("spec", {}).get("containers") or []
    return {
        "name": meta["name"],
        "revision": "?" if number is None else number,
        "hash": (meta.get("labels") or {}).get(rules.POD_TEMPLATE_HASH_LABEL, ""),
        "images": [c.get("image", "") for c in containers],
        "desired": rules.replicas(rs),
        "current": int(status.get("replicas") or 0),
        "ready": int(status.get("readyReplicas") or 0),
        "new": new,
        "pods": [pod_tile(p, now=now) for p in sorted(pods, key=lambda p: p["metadata"]["name"])],
    }


def _newest_first(rs: Obj) -> tuple[int, str, str]:
    meta = rs["metadata"]
    return (rules.revision(rs) or 0, meta.get("creationTimestamp") or "", meta["name"])


def _pods(count: int) -> str:
    return f"{count} pod" if count == 1 else f"{count} pods"
