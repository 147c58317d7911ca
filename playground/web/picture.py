"""The pages' pictures: pure functions from Kubernetes objects to what a page draws.

store (nodes, pods) → cluster_picture → templates/web/cluster.html#nodes;
store (deployment, replica sets, pods) → deployment_picture → templates/web/deployment.html#live;
and one picture per object page (replica_set_picture, node_picture, service_picture,
daemon_set_picture; the StatefulSet's in stateful_picture.py, claims' and volumes' in
storage_picture.py), the Events timeline (events_timeline), kubectl's
tables with their names linked (linked_table), and Secret masking (secret_values, mask).
Every tile answers "what is this pod doing": its state is the STATUS kubectl prints
(store/tables.py), grouped into the few colours a projector can show (Pending, ContainerCreating,
not ready, Ready, failing (CrashLoopBackOff, Error...), Terminating, Completed), drawn by
templates/web/pod_tile.html. Where a page explains a controller's decision (which pods a Service
sends traffic to, which nodes run a daemon pod), it asks the controller's own rules
(controllers/endpoints.py, daemonset.py), so the page and the cluster agree.
"""
from __future__ import annotations

import base64
import datetime
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from playground.controllers import daemonset as ds_rules
from playground.controllers import deployment_util, scheduling
from playground.controllers import endpoints as endpoint_rules
from playground.kubectl.printers import table
from playground.kubectl.rollout import rollout_history
from playground.store.controller_ref import controller_of
from playground.store.pods import is_ready
from playground.store.quantity import parse_quantity
from playground.store import tables
from playground.store.tables import cells

from .rollout_picture import revision_groups
from .sizes import human

Obj = dict[str, Any]


def cluster_picture(nodes: list[Obj], pods: list[Obj], *, now: datetime.datetime, replica_sets: Iterable[Obj] = (),
                    revisions: Iterable[Obj] = ()) -> Obj:
    """The nodes with their pods' tiles, and the pods not scheduled; each tile of a workload's pod
    marked with its revision's colour (rollout_picture), and the legend of those colours."""
    by_node: dict[str, list[Obj]] = {n["metadata"]["name"]: [] for n in nodes}
    pods_on: dict[str, list[Obj]] = {name: [] for name in by_node}  # node_box looks at its node's pods only
    pending = []
    replica_sets = list(replica_sets)
    deployments = _deployments_of(replica_sets)
    marks, legend = revision_groups(pods, replica_sets, revisions)
    for pod in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
        tile = _remembered_tile(pod, now=now)
        tile["deployment"] = deployments.get((tile["namespace"], tile["owner"]), "")
        tile.update(marks.get((tile["namespace"], tile["name"]), NO_REVISION))
        node = pod["spec"].get("nodeName")
        (by_node[node] if node in by_node else pending).append(tile)
        if node in pods_on:
            pods_on[node].append(pod)
    return {
        "nodes": [_remembered_box(n, by_node[n["metadata"]["name"]], pods_on[n["metadata"]["name"]]) for n in nodes],
        "pending": pending,
        "legend": legend,
    }


NO_REVISION: Obj = {"band": "", "revision": "", "old": False}  # a pod no Deployment, StatefulSet or DaemonSet owns


# A live page draws its picture again on every change, and most pods did not change: their tiles
# are remembered by (uid, resourceVersion). Only the age depends on the time (recomputed), and a
# restart's "(5m ago)" (pods that restarted are drawn afresh each time)
_TILES: dict[tuple[str, str], Obj] = {}
MAX_REMEMBERED_TILES = 50_000


def _remembered_tile(pod: Obj, *, now: datetime.datetime) -> Obj:
    meta = pod["metadata"]
    key = (meta.get("uid", ""), meta.get("resourceVersion", ""))
    remembered = _TILES.get(key) if all(key) else None  # objects from the store have both
    if remembered is not None:
        return {**remembered, "age": tables.age(pod, now)}
    tile = pod_tile(pod, now=now)
    if all(key) and tile["restarts"] == "0":
        if len(_TILES) >= MAX_REMEMBERED_TILES:
            _TILES.clear()
        _TILES[key] = dict(tile)
    return tile


_BOXES: dict[tuple[Any, ...], Obj] = {}  # a node box but its tiles, by the node's and its pods' versions
MAX_REMEMBERED_BOXES = 1_000


def _remembered_box(node: Obj, tiles: list[Obj], pods: list[Obj]) -> Obj:
    """node_box, its usage sums remembered while neither the node nor its pods changed."""
    meta = node["metadata"]
    key = (meta.get("uid", ""), meta.get("resourceVersion", ""),
           tuple((p["metadata"].get("uid", ""), p["metadata"].get("resourceVersion", "")) for p in pods))
    known = bool(key[0] and key[1] and all(all(k) for k in key[2]))  # objects from the store
    box = _BOXES.get(key) if known else None
    if box is None:
        box = node_box(node, [], pods)
        if known:
            if len(_BOXES) >= MAX_REMEMBERED_BOXES:
                _BOXES.clear()
            _BOXES[key] = box
    return {**box, "pods": tiles}


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
    _, ready, status, restarts, age = cells(pod, now=now)[:5]
    ref = controller_of(pod)
    return {
        "namespace": pod["metadata"].get("namespace", ""),
        "name": pod["metadata"]["name"],
        "ready": ready,
        "status": status,
        "restarts": restarts,
        "age": age,
        "state": tile_state(status, ready),
        "owner": (ref or {}).get("name", ""),
        "owner_path": NAMESPACED_PAGES.get((ref or {}).get("kind", ""), ""),  # its page: /clusters/C/<owner_path>/NS/NAME/
        "message": _unschedulable_message(pod),
    }


def _deployments_of(replica_sets: Iterable[Obj]) -> dict[tuple[str, str], str]:
    """(namespace, ReplicaSet name) → the name of the Deployment that controls it."""
    owners = {}
    for rs in replica_sets:
        meta, ref = rs["metadata"], controller_of(rs)
        if ref is not None and ref.get("kind") == "Deployment":
            owners[(meta.get("namespace", ""), meta["name"])] = ref["name"]
    return owners


# kubectl's STATUS words for a pod that failed or keeps failing (printPod: a container's waiting or
# terminated reason, the pod's status.reason, or its phase), Init: ones included
FAILING_STATUSES = frozenset({
    "CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
    "OOMKilled", "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "ContainerCannotRun",
    "StartError", "ContainerStatusUnknown", "Failed", "Evicted", "NodeLost", "DeadlineExceeded",
})


def tile_state(status: str, ready: str) -> str:
    """The colour group of kubectl's STATUS column: terminating, failing (a failed pod, or a
    container that keeps failing: CrashLoopBackOff, Error, ImagePullBackOff, Init:Error...),
    finished (Completed), ready or running (Running, all containers ready or not), creating
    (ContainerCreating, PodInitializing, Init:N/M), pending (Pending, and anything else)."""
    if status == "Terminating":
        return "terminating"
    reason = status.removeprefix("Init:")
    if reason in FAILING_STATUSES or reason.endswith("BackOff") or reason.startswith("Err"):
        return "failing"
    if status in ("Completed", "Succeeded"):
        return "finished"
    if status == "Running":
        done, total = ready.split("/")
        return "ready" if done == total else "running"
    if status == "NotReady":
        return "running"
    if status in ("ContainerCreating", "PodInitializing") or status.startswith("Init:"):
        return "creating"
    return "pending"


def _condition(node: Obj, kind: str) -> str:
    return next((c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == kind), "Unknown")


def _usage(pods: list[Obj], resource: str, allocatable: str) -> Obj:
    requested = sum(
        (_quantity(c.get("resources", {}).get("requests", {}).get(resource, "0")) for p in pods for c in p["spec"]["containers"]),
        Decimal(0),
    )
    capacity = _quantity(allocatable)
    percent = int(requested * 100 / capacity) if capacity else 0
    return {"percent": min(percent, 100), "text": f"{percent}%"}


@functools.lru_cache(maxsize=1024)
def _quantity(text: str) -> Decimal:
    """parse_quantity, remembered: a thousand pods ask for the same few quantities."""
    return parse_quantity(text)


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
    owned = deployment_util.owned_replica_sets(deployment, replica_sets)
    new_rs = deployment_util.find_new_replica_set(deployment, owned)
    pods_by_rs = deployment_util.pods_by_replica_set(owned, pods)
    containers = spec.get("template", {}).get("spec", {}).get("containers") or []
    meta = deployment["metadata"]
    return {
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
        "replicas": deployment_util.replicas(deployment),
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
        "history": rollout_history(owned),
    }


def strategy(deployment: Obj) -> Obj:
    """The strategy with maxSurge/maxUnavailable resolved to pods for the current replicas
    (surge rounds up, unavailable rounds down, as the controller resolves them)."""
    spec = deployment.get("spec") or {}
    desired = deployment_util.replicas(deployment)
    if not deployment_util.is_rolling_update(deployment):
        return {
            "type": deployment_util.RECREATE,
            "bounds": f"at most {_pods(desired)}, at least 0 available during a rollout: every old pod stops before a new one starts",
        }
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    surge, unavailable = deployment_util.max_surge(deployment), deployment_util.max_unavailable(deployment)
    return {
        "type": deployment_util.ROLLING_UPDATE,
        "max_surge": rolling.get("maxSurge", 0),
        "max_unavailable": rolling.get("maxUnavailable", 0),
        "surge": surge,
        "unavailable": unavailable,
        "bounds": f"at most {_pods(desired + surge)}, at least {desired - unavailable} available during a rollout",
    }


def revision_column(rs: Obj, pods: list[Obj], *, now: datetime.datetime, new: bool) -> Obj:
    meta, status = rs["metadata"], rs.get("status") or {}
    number = deployment_util.revision(rs)
    containers = (rs.get("spec") or {}).get("template", {}).get("spec", {}).get("containers") or []
    return {
        "name": meta["name"],
        "revision": "?" if number is None else number,
        "hash": (meta.get("labels") or {}).get(deployment_util.POD_TEMPLATE_HASH_LABEL, ""),
        "images": [c.get("image", "") for c in containers],
        "desired": deployment_util.replicas(rs),
        "current": int(status.get("replicas") or 0),
        "ready": int(status.get("readyReplicas") or 0),
        "new": new,
        "pods": [pod_tile(p, now=now) for p in sorted(pods, key=lambda p: p["metadata"]["name"])],
    }


def _newest_first(rs: Obj) -> tuple[int, str, str]:
    meta = rs["metadata"]
    return (deployment_util.revision(rs) or 0, meta.get("creationTimestamp") or "", meta["name"])


def _pods(count: int) -> str:
    return f"{count} pod" if count == 1 else f"{count} pods"


# --- links between pages -------------------------------------------------------------------------

# The kinds with a page of their own, and the path segment of that page
NAMESPACED_PAGES = {
    "Pod": "pods",
    "ReplicaSet": "replicasets",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Service": "services",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "PersistentVolumeClaim": "persistentvolumeclaims",
}
CLUSTER_PAGES = {"Node": "nodes", "Namespace": "namespaces", "PersistentVolume": "persistentvolumes"}
NAME_COLUMN = re.compile(r"(?<!\S)NAME(?!\S)")


def object_url(cluster: str, kind: str, name: str, namespace: str = "") -> str:
    """The page of an object, or "" for a kind without one. Spelt out rather than reversed:
    a page links hundreds of objects, and names are DNS labels, safe in a path."""
    if kind in NAMESPACED_PAGES and namespace:
        return f"/clusters/{cluster}/{NAMESPACED_PAGES[kind]}/{namespace}/{name}/"
    if kind in CLUSTER_PAGES:
        return f"/clusters/{cluster}/{CLUSTER_PAGES[kind]}/{name}/"
    return ""


def linked_table(cluster: str, objects: list[Obj], *, now: datetime.datetime, with_namespace: bool) -> list[Obj]:
    """`kubectl get`'s text, line by line, with each NAME cell cut out to be drawn as a link to
    the object's page (the header and a line whose name is not where expected stay plain text)."""
    text = table(objects, now=now, with_namespace=with_namespace)
    if not text:
        return []
    header, *lines = text.splitlines()
    found = NAME_COLUMN.search(header)
    rows: list[Obj] = [{"before": header, "name": "", "url": "", "after": ""}]
    for obj, line in zip(objects, lines):
        meta = obj["metadata"]
        name, start = meta["name"], found.start() if found else -1
        if start < 0 or line[start:start + len(name)] != name:
            rows.append({"before": line, "name": "", "url": "", "after": ""})
            continue
        url = object_url(cluster, obj["kind"], name, meta.get("namespace", ""))
        rows.append({"before": line[:start], "name": name, "url": url, "after": line[start + len(name):]})
    return rows


def owner_link(cluster: str, obj: Obj) -> Obj | None:
    ref = controller_of(obj)
    if ref is None:
        return None
    namespace = obj["metadata"].get("namespace", "")
    return {"kind": ref["kind"], "name": ref["name"], "url": object_url(cluster, ref["kind"], ref["name"], namespace)}


def conditions(obj: Obj) -> list[Obj]:
    return [
        {k: c.get(k, "") for k in ("type", "status", "reason", "message", "lastTransitionTime")}
        for c in (obj.get("status") or {}).get("conditions") or []
    ]


def events_about(events: Iterable[Obj], uid: str) -> list[Obj]:
    """The Events whose involvedObject is this object, oldest first (as `kubectl describe`)."""
    mine = [e for e in events if (e.get("involvedObject") or {}).get("uid") == uid]
    return [event_line(e) for e in sorted(mine, key=event_time)]


def event_time(event: Obj) -> tuple[str, str]:
    return (event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp") or "", event["metadata"]["name"])


def event_line(event: Obj, cluster: str = "") -> Obj:
    involved = event.get("involvedObject") or {}
    kind, name, namespace = involved.get("kind", ""), involved.get("name", ""), involved.get("namespace", "")
    return {
        "type": event.get("type", ""),
        "reason": event.get("reason", ""),
        "message": event.get("message", ""),
        "count": event.get("count", 1),
        "last_seen": event_time(event)[0],
        "from": (event.get("source") or {}).get("component", "") or event.get("reportingComponent", ""),
        "namespace": event["metadata"].get("namespace", ""),
        "object": f"{kind.lower()}/{name}",
        "url": object_url(cluster, kind, name, namespace) if cluster else "",
        "involved": (kind, namespace, name),
    }


# --- the Events timeline ---------------------------------------------------------------------------

EVENT_TYPES = ("Normal", "Warning")


def event_filter_matches(event: Obj, *, namespace: str, kind: str, name: str, type_: str, reason: str) -> bool:
    """The timeline's filters, each empty for "any": kind and name as `kubectl events --for
    kind/name` compares them (kind without case), type and reason exactly."""
    involved = event.get("involvedObject") or {}
    return (
        (not namespace or event["metadata"].get("namespace", "") == namespace)
        and (not kind or involved.get("kind", "").lower() == kind.lower())
        and (not name or involved.get("name", "") == name)
        and (not type_ or event.get("type", "") == type_)
        and (not reason or event.get("reason", "") == reason)
    )


def events_timeline(cluster: str, events: list[Obj], *, limit: int, secrets: list[str], before: str = "",
                    **filters: str) -> Obj:
    """Every Event that passes the filters, newest first, at most `limit` of those older than
    `before` (the cursor of the previous page: `TIME,NAME` of its last line, so that Events
    arriving meanwhile do not shift the page), with the reasons seen (for the reason filter's
    choices) and the cursor of the page after; any Secret value in a message is masked."""
    chosen = [e for e in events if event_filter_matches(e, **filters)]
    chosen.sort(key=event_time, reverse=True)
    time, _, name = before.partition(",")
    older = [e for e in chosen if event_time(e) < (time, name)] if before else chosen
    lines = [event_line(e, cluster) for e in older[:limit]]
    for line in lines:
        line["message"] = mask(line["message"], secrets)
    return {
        "lines": lines,
        "first": len(chosen) - len(older) + 1,
        "last": len(chosen) - len(older) + len(lines),
        "next": ",".join(event_time(older[limit - 1])) if len(older) > limit else "",
        "total": len(chosen),
        "reasons": sorted({e.get("reason", "") for e in events if e.get("reason")}),
        "kinds": sorted({(e.get("involvedObject") or {}).get("kind", "") for e in events} - {""}),
    }


# --- the ReplicaSet page ---------------------------------------------------------------------------


def replica_set_picture(cluster: str, rs: Obj, pods: list[Obj], *, now: datetime.datetime) -> Obj:
    """What the ReplicaSet wants (spec.replicas), has (status) and its pods as tiles."""
    status = rs.get("status") or {}
    owned = [p for p in pods if (controller_of(p) or {}).get("uid") == rs["metadata"].get("uid")]
    containers = (rs.get("spec") or {}).get("template", {}).get("spec", {}).get("containers") or []
    return {
        "counters": [
            {"name": "desired", "value": deployment_util.replicas(rs)},
            {"name": "current", "value": int(status.get("replicas") or 0)},
            {"name": "ready", "value": int(status.get("readyReplicas") or 0)},
            {"name": "available", "value": int(status.get("availableReplicas") or 0)},
        ],
        "owner": owner_link(cluster, rs),
        "selector": _format_selector((rs.get("spec") or {}).get("selector")),
        "images": [c.get("image", "") for c in containers],
        "conditions": conditions(rs),
        "pods": [pod_tile(p, now=now) for p in sorted(owned, key=lambda p: p["metadata"]["name"])],
        "hash": (rs["metadata"].get("labels") or {}).get(deployment_util.POD_TEMPLATE_HASH_LABEL, ""),
        "revision": deployment_util.revision(rs),
    }


def _format_selector(selector: Obj | None) -> str:
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        values = ",".join(e.get("values") or [])
        parts.append(f"{e['key']} {e['operator'].lower()} ({values})" if values else f"{e['operator'] == 'DoesNotExist' and '!' or ''}{e['key']}")
    return ",".join(parts)


# --- the Node page ---------------------------------------------------------------------------------

NODE_RESOURCES = ("cpu", "memory", "ephemeral-storage", "pods")


def node_picture(node: Obj, pods: list[Obj], *, lease: Obj | None, now: datetime.datetime,
                 layers_of: Callable[[str], list[Obj]]) -> Obj:
    """What the node offers (capacity, allocatable), what its pods take (requests and limits
    as `kubectl describe node` adds them up), its conditions, taints, labels, heartbeat, pods
    and image cache."""
    meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    name = meta["name"]
    on_node = [p for p in pods if p["spec"].get("nodeName") == name]
    active = [p for p in on_node if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    return {
        "box": node_box(node, [], pods),
        "resources": allocated_resources(status, active),
        "conditions": conditions(node),
        "taints": node_box(node, [], [])["taints"],
        "labels": sorted((meta.get("labels") or {}).items()),
        "annotations": sorted((meta.get("annotations") or {}).items()),
        "addresses": status.get("addresses") or [],
        "node_info": sorted((status.get("nodeInfo") or {}).items()),
        "pod_cidr": spec.get("podCIDR", ""),
        "heartbeat": heartbeat(lease, now=now),
        "pods": [pod_tile(p, now=now) for p in sorted(on_node, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))],
        "images": image_cache(status.get("images") or [], layers_of),
    }


def allocated_resources(status: Obj, pods: list[Obj]) -> list[Obj]:
    capacity, allocatable = status.get("capacity") or {}, status.get("allocatable") or {}
    rows = []
    for resource in NODE_RESOURCES:
        if resource not in allocatable and resource not in capacity:
            continue
        total = parse_quantity(allocatable.get(resource, capacity.get(resource, "0")))
        requests = len(pods) if resource == "pods" else _sum(pods, "requests", resource)
        limits = None if resource == "pods" else _sum(pods, "limits", resource)
        rows.append({
            "name": resource,
            "capacity": capacity.get(resource, ""),
            "allocatable": allocatable.get(resource, ""),
            "requests": _amount(resource, Decimal(requests)),
            "requests_percent": _percent(Decimal(requests), total),
            "limits": "" if limits is None else _amount(resource, limits),
            "limits_percent": None if limits is None else _percent(limits, total),
        })
    return rows


def _sum(pods: list[Obj], which: str, resource: str) -> Decimal:
    return sum(
        (parse_quantity(((c.get("resources") or {}).get(which) or {}).get(resource, "0"))
         for p in pods for c in p["spec"].get("containers") or []),
        Decimal(0),
    )


def _percent(amount: Decimal, total: Decimal) -> int:
    return int(amount * 100 / total) if total else 0


def _amount(resource: str, value: Decimal) -> str:
    """As `kubectl describe node` prints an amount: cpu in millicores, bytes in Mi/Gi."""
    if resource == "cpu":
        millis = int(value * 1000)
        return f"{millis // 1000}" if millis % 1000 == 0 else f"{millis}m"
    if resource in ("memory", "ephemeral-storage"):
        mi = value / (1024 * 1024)
        return "0" if value == 0 else f"{mi / 1024:g}Gi" if mi >= 1024 and mi % 1024 == 0 else f"{int(mi)}Mi"
    return str(int(value))


def heartbeat(lease: Obj | None, *, now: datetime.datetime) -> Obj | None:
    """The node's Lease in kube-node-lease: who holds it, when it was renewed, and whether it is
    older than its duration (the node lifecycle controller's sign that the kubelet is gone)."""
    if lease is None:
        return None
    spec = lease.get("spec") or {}
    renewed = _parse_time(spec.get("renewTime"))
    duration = int(spec.get("leaseDurationSeconds") or 40)
    age = (now - renewed).total_seconds() if renewed else None
    return {
        "holder": spec.get("holderIdentity", ""),
        "renew_time": spec.get("renewTime", ""),
        "duration": duration,
        "ago": "never" if age is None else f"{int(age)} s ago",
        "expired": age is None or age > duration,
    }


def _parse_time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def image_cache(images: list[Obj], layers_of: Callable[[str], list[Obj]]) -> Obj:
    """node.status.images, each with its layers when the catalog knows them, and which layers
    more than one image on the node shares (pulled once, stored once)."""
    entries = []
    for image in images:
        names = image.get("names") or []
        tag = next((n for n in names if "@" not in n), names[0] if names else "")
        layers = layers_of(tag)
        entries.append({"name": tag, "names": names, "size": human(image.get("sizeBytes") or 0), "layers": layers,
                        "unpacked": human(sum(layer["unpacked_bytes"] for layer in layers)) if layers else ""})
    users: dict[str, int] = {}
    for entry in entries:
        for layer in entry["layers"]:
            users[layer["digest"]] = users.get(layer["digest"], 0) + 1
    for entry in entries:
        for layer in entry["layers"]:
            layer["shared"] = users[layer["digest"]] > 1
    shared = {layer["digest"]: layer for e in entries for layer in e["layers"] if layer["shared"]}
    return {
        "images": entries,
        "shared_layers": list(shared.values()),
        "total": human(sum(image.get("sizeBytes") or 0 for image in images)),
    }


# --- the Service page ------------------------------------------------------------------------------


def service_picture(cluster: str, service: Obj, pods: list[Obj], endpoints: Obj | None) -> Obj:
    """The Service's address and ports, and every pod of its namespace judged as the Endpoints
    controller judges it: left out (labels do not match, finished, no IP yet, terminating),
    not ready (a notReadyAddress: no traffic), or receiving traffic, with each port's
    targetPort resolved for that pod."""
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    ports = spec.get("ports") or []
    return {
        "type": spec.get("type", "ClusterIP"),
        "cluster_ip": spec.get("clusterIP", ""),
        "headless": spec.get("clusterIP") == "None",
        "external_name": spec.get("externalName", ""),
        "selector": sorted(selector.items()),
        "ports": [
            {"name": p.get("name", ""), "port": p.get("port"), "target": p.get("targetPort", p.get("port")),
             "protocol": p.get("protocol", "TCP"), "node_port": p.get("nodePort")}
            for p in ports
        ],
        "publish_not_ready": bool(spec.get("publishNotReadyAddresses")),
        "pods": [traffic_verdict(cluster, service, p) for p in pods] if selector else [],
        "endpoints": endpoint_addresses(endpoints),
    }


def traffic_verdict(cluster: str, service: Obj, pod: Obj) -> Obj:
    """Whether this pod receives the Service's traffic, and why not, in the Endpoints
    controller's order of rules."""
    spec = service.get("spec") or {}
    meta, status = pod["metadata"], pod.get("status") or {}
    labels = meta.get("labels") or {}
    verdict = {"name": meta["name"], "url": object_url(cluster, "Pod", meta["name"], meta.get("namespace", "")),
               "ip": status.get("podIP", ""), "ports": [], "receives": False}
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    mismatched = [f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()) if labels.get(k) != v]
    if mismatched:
        have = ", ".join(f"{k}={labels[k]}" if k in labels else f"no {k}" for k in (m.split("=")[0] for m in mismatched))
        return {**verdict, "state": "excluded", "reason": f"labels do not match: wants {', '.join(mismatched)}; has {have}"}
    if status.get("phase") in ("Succeeded", "Failed"):
        return {**verdict, "state": "excluded", "reason": f"finished ({status['phase']})"}
    if not status.get("podIP") and not status.get("podIPs"):
        return {**verdict, "state": "excluded", "reason": "no IP yet"}
    if meta.get("deletionTimestamp") and not tolerate_unready:
        return {**verdict, "state": "excluded", "reason": "terminating"}
    ports = [target_port_resolution(p, pod) for p in spec.get("ports") or []]
    verdict["ports"] = ports
    if ports and all(p["number"] is None for p in ports):
        return {**verdict, "state": "excluded", "reason": "no container port matches any targetPort"}
    if not (tolerate_unready or is_ready(pod)):
        return {**verdict, "state": "not-ready", "reason": "not ready: listed under notReadyAddresses, gets no traffic"}
    return {**verdict, "state": "receives", "receives": True, "reason": "ready" if not tolerate_unready else "publishNotReadyAddresses"}


def target_port_resolution(service_port: Obj, pod: Obj) -> Obj:
    """A Service port's targetPort for one pod: a number as it is, a name looked up among the
    pod's container ports (podutil.FindPort), or missing (that port leaves the pod out)."""
    target = service_port.get("targetPort", service_port.get("port"))
    number = endpoint_rules.find_port(pod, service_port)
    named = isinstance(target, str) and not target.isdigit()
    if number is None:
        text = f"{service_port.get('port')} → no container port named {target!s}"
    else:
        text = f"{service_port.get('port')} → {target} = {number}" if named else f"{service_port.get('port')} → {number}"
    return {"port": service_port.get("port"), "target": target, "number": number, "named": named, "text": text}


def endpoint_addresses(endpoints: Obj | None) -> list[Obj]:
    rows = []
    for subset in (endpoints or {}).get("subsets") or []:
        ports = ", ".join(f"{p.get('name') + ':' if p.get('name') else ''}{p['port']}/{p.get('protocol', 'TCP')}" for p in subset.get("ports") or [])
        for ready, key in ((True, "addresses"), (False, "notReadyAddresses")):
            for address in subset.get(key) or []:
                rows.append({"ip": address.get("ip", ""), "ready": ready, "ports": ports,
                             "pod": (address.get("targetRef") or {}).get("name", ""), "hostname": address.get("hostname", "")})
    return rows


# --- the DaemonSet page (the StatefulSet page: stateful_picture.py) ------------------------------


def daemon_set_picture(cluster: str, ds: Obj, nodes: list[Obj], pods: list[Obj], *, now: datetime.datetime) -> Obj:
    """One row per node: whether the DaemonSet's pod should run there (NodeShouldRunDaemonPod)
    and why not, and the pod it has there."""
    mine = [p for p in pods if (controller_of(p) or {}).get("uid") == ds["metadata"].get("uid")]
    by_node = ds_rules.nodes_to_daemon_pods(mine)
    status = ds.get("status") or {}
    return {
        "nodes": [
            {
                "name": n["metadata"]["name"],
                "url": object_url(cluster, "Node", n["metadata"]["name"]),
                **daemon_eligibility(n, ds),
                "pods": [pod_tile(p, now=now) for p in by_node.get(n["metadata"]["name"], [])],
            }
            for n in nodes
        ],
        "counters": [{"name": key, "value": status.get(key, 0)} for key in DAEMON_SET_COUNTERS],
        "update_strategy": ds_rules.update_strategy(ds),
        "node_selector": sorted(((ds["spec"]["template"].get("spec") or {}).get("nodeSelector") or {}).items()),
    }


DAEMON_SET_COUNTERS = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
                       "numberAvailable", "numberMisscheduled")


def daemon_eligibility(node: Obj, ds: Obj) -> Obj:
    """Whether the daemon pod runs on this node, and the first rule that says no."""
    should_run, should_continue = ds_rules.node_should_run_daemon_pod(node, ds)
    if should_run:
        return {"eligible": True, "reason": "eligible"}
    spec = ds["spec"]["template"].get("spec") or {}
    name = node["metadata"]["name"]
    if spec.get("nodeName") not in (None, "", name):
        return {"eligible": False, "reason": f"spec.nodeName is {spec['nodeName']}"}
    labels = node["metadata"].get("labels") or {}
    missing = [f"{k}={v}" for k, v in (spec.get("nodeSelector") or {}).items() if labels.get(k) != v]
    if missing:
        return {"eligible": False, "reason": f"nodeSelector does not match: the node lacks {', '.join(missing)}"}
    pod = {"metadata": {}, "spec": ds_rules.with_daemon_tolerations(spec)}
    taint = scheduling.untolerated_taint((node.get("spec") or {}).get("taints"), pod["spec"].get("tolerations"))
    if taint is not None:
        value = f"={taint['value']}" if taint.get("value") else ""
        keeps = " (a pod already there keeps running)" if should_continue else ""
        return {"eligible": False, "reason": f"untolerated taint {taint['key']}{value}:{taint['effect']}{keeps}"}
    return {"eligible": False, "reason": "node affinity does not match"}


# --- the ConfigMap and Secret pages --------------------------------------------------------------

MASK = "••••••"


def users_of(cluster: str, kind: str, name: str, pods: list[Obj]) -> list[Obj]:
    """The pods that use this ConfigMap or Secret, and how (env, envFrom, volume)."""
    used = []
    for pod in pods:
        ways = sorted(set(references(pod, kind, name)))
        if ways:
            meta = pod["metadata"]
            used.append({"name": meta["name"], "url": object_url(cluster, "Pod", meta["name"], meta.get("namespace", "")), "ways": ways})
    return used


def references(pod: Obj, kind: str, name: str) -> Iterator[str]:
    """How a pod refers to a ConfigMap or Secret: env, envFrom, a volume or a projected source."""
    ref_key, volume_key = ("configMapKeyRef", "configMap") if kind == "ConfigMap" else ("secretKeyRef", "secret")
    from_key = "configMapRef" if kind == "ConfigMap" else "secretRef"
    spec = pod.get("spec") or {}
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for env in container.get("env") or []:
            if ((env.get("valueFrom") or {}).get(ref_key) or {}).get("name") == name:
                yield f"env {env.get('name', '')} in {container['name']}"
        for source in container.get("envFrom") or []:
            if (source.get(from_key) or {}).get("name") == name:
                yield f"envFrom in {container['name']}"
    for volume in spec.get("volumes") or []:
        direct = volume.get(volume_key) or {}
        if (direct.get("name") if kind == "ConfigMap" else direct.get("secretName")) == name:
            yield f"volume {volume['name']}"
        for source in (volume.get("projected") or {}).get("sources") or []:
            if (source.get(volume_key) or {}).get("name") == name:
                yield f"projected volume {volume['name']}"


def secret_values(secrets: Iterable[Obj]) -> list[str]:
    """The decoded values of these Secrets, longest first, to be masked wherever they show up
    (logs, env); values too short to be told apart from ordinary text are left alone."""
    values = set()
    for secret in secrets:
        values.update(decode_secret_value(encoded) for encoded in (secret.get("data") or {}).values())
        values.update(str(v) for v in (secret.get("stringData") or {}).values())
    return sorted((v for v in values if len(v) >= MIN_MASKED_LENGTH), key=len, reverse=True)


MIN_MASKED_LENGTH = 3


def decode_secret_value(encoded: str) -> str:
    try:
        return base64.b64decode(encoded).decode("utf-8", errors="replace")
    except (ValueError, TypeError):
        return encoded


def mask(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, MASK)
    return text
