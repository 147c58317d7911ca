"""The cluster page's picture: nodes as boxes with their pods inside, pending pods in a lane.

store (nodes, pods) → here → templates/web/cluster.html#nodes. Every tile answers "what is
this pod doing": its state is the STATUS kubectl prints (printers.py), grouped into the few
colours a projector can show (Pending, ContainerCreating, not ready, Ready, CrashLoopBackOff,
Terminating, Failed/Completed).
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from playground.api.printers import row
from playground.store.quantity import parse_quantity

Obj = dict[str, Any]


def cluster_picture(nodes: list[Obj], pods: list[Obj], *, now: datetime.datetime) -> Obj:
    by_node: dict[str, list[Obj]] = {n["metadata"]["name"]: [] for n in nodes}
    pending = []
    for pod in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
        tile = pod_tile(pod, now=now)
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
