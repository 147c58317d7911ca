"""The page of an object that is gone: when it was deleted, and what took its place.

A page's URL outlives its object (a bookmark, a tab left open, an Event's link, a pod's page
after its Delete button). Instead of a bare 404 the page tells what Kubernetes did: the change
log's DELETED entry (store.changelog.last_deletion) gives the object as it last was and the
time it went; its controller ownerReference tells who replaces it, and how:

- a ReplicaSet's or a Job's pod: a new pod with a new name (ReplicaSet.manageReplicas,
  Job's manageJob); a DaemonSet's pod: a new one on the same node (the DaemonSet controller);
- a StatefulSet's pod: the same name again, with the same claims (the ordinal is its identity);
- a Deployment's ReplicaSet: the Deployment keeps `revisionHistoryLimit` old ones;
- an object nothing owned: nothing replaces it.

An owner that is gone too is followed up to the first one still there (a Deployment whose old
ReplicaSet was cleaned up still runs pods), and what that owner controls now, down to the kind
of the deleted object, is what replaced it.

store (changelog, objects) → deleted_object → templates/web/not_found.html (through the
`deleted_object` tag: every view's NotFound renders that page).
"""
from __future__ import annotations

import datetime
from typing import Any

from playground.store import api as store
from playground.store import changelog, tables
from playground.store.controller_ref import controller_of
from playground.store.errors import NotFound
from playground.store.kinds import KINDS
from playground.store.selectors import label_selector_string

from . import navigation
from .picture import object_url

Obj = dict[str, Any]
MAX_OWNERS = 4  # Pod ← ReplicaSet ← Deployment is the longest chain a learner meets
MAX_SHOWN = 20  # replacements listed; the owner's page has the rest

# What each owner does when one of its objects goes, in Kubernetes' terms ({name}: the one gone)
REPLACED_BY = {
    "ReplicaSet": "A ReplicaSet does not bring a pod back: it creates a new one, with a new random "
                  "name, whenever it has fewer than spec.replicas.",
    "Job": "A Job creates a new pod, with a new name, until enough of its pods succeed (or backoffLimit is reached).",
    "DaemonSet": "A DaemonSet runs one pod on each eligible node: it creates a new one, with a new name, on {node}.",
    "StatefulSet": "A StatefulSet creates the pod again with the same name, {name}, and the same "
                   "PersistentVolumeClaims: the ordinal is its identity. Reload this page to see it come back.",
    "Deployment": "A Deployment keeps its newest old ReplicaSets (spec.revisionHistoryLimit, 10 by default) "
                  "for rollbacks and deletes older ones.",
}
NOTHING_OWNED_IT = "Nothing owned it, so nothing replaces it: apply its manifest again to have it back."
# Kinds nothing owns that go in their own way
UNOWNED = {
    "Node": "A node's kubelet registers it again when it comes back; meanwhile the pod garbage collector "
            "deletes the pods bound to it, and their controllers create new ones on the other nodes.",
    "Namespace": "Deleting a namespace deletes everything in it; a namespace of the same name made again starts empty.",
}


def deleted_object(cluster: str, kind: str, name: str, namespace: str = "") -> Obj | None:
    """What the page of a deleted object shows, or None when the change log does not know it
    (it never was, it went before the log's retained window, or the cluster is gone)."""
    try:
        gone = changelog.last_deletion(cluster, kind, name, namespace)
    except NotFound:
        return None
    if gone is None:
        return None
    owners = owner_chain(cluster, gone.object)
    alive = next((o for o in owners if not o["deleted"]), None)
    # A StatefulSet's pod comes back under its own name: its siblings did not replace it
    replaced = replacements(cluster, gone.object, owners) if alive and owners[0]["kind"] != "StatefulSet" else []
    return {
        "kind": kind, "name": name, "namespace": namespace,
        **when(cluster, gone.time),
        "owners": owners,
        "how": how_replaced(gone.object, owners),
        "replaced": [{"name": o["metadata"]["name"], "url": object_url(cluster, o["kind"], o["metadata"]["name"], namespace)}
                     for o in replaced[:MAX_SHOWN]],
        "more": max(0, len(replaced) - MAX_SHOWN),
        "by": alive,
        "namespace_gone": bool(namespace) and _live(cluster, "Namespace", namespace, "", uid="") is None,
        "same_kind": navigation.objects_url(cluster, kind=KINDS.get(kind), namespace=namespace),
        "plural": navigation.plural_title(kind),
    }


def when(cluster: str, time: str) -> Obj:
    """The time of the delete as the clock shows times (HH:MM:SS) and how long ago, in the
    cluster's simulated time."""
    moment = store.parse_timestamp(time)
    if moment is None:
        return {"time": "", "at": "", "ago": ""}
    ago = tables.human_duration(store.now(cluster) - moment)
    return {"time": time, "at": moment.astimezone(datetime.timezone.utc).strftime("%H:%M:%S"), "ago": ago}


def owner_chain(cluster: str, obj: Obj) -> list[Obj]:
    """The object's controllers, nearest first (a pod's ReplicaSet, then its Deployment), each
    there (with its page) or deleted (with when: the change log has it as it last was)."""
    chain: list[Obj] = []
    namespace = obj["metadata"].get("namespace", "")
    ref = controller_of(obj)
    while ref is not None and len(chain) < MAX_OWNERS:
        owner = _live(cluster, ref["kind"], ref["name"], namespace, uid=ref.get("uid", ""))
        entry = {"kind": ref["kind"], "name": ref["name"], "object": owner, "deleted": owner is None,
                 "url": object_url(cluster, ref["kind"], ref["name"], namespace) if owner else ""}
        chain.append(entry)
        if owner is None:
            gone = changelog.last_deletion(cluster, ref["kind"], ref["name"], namespace)
            entry.update(when(cluster, gone.time) if gone else {"at": "", "ago": ""})
            owner = gone.object if gone else None
        ref = controller_of(owner) if owner else None
    return chain


def _live(cluster: str, kind: str, name: str, namespace: str, *, uid: str) -> Obj | None:
    """The object if it is still there, the same one (an object made again under the same name
    is another object: it does not own what the old one owned)."""
    try:
        found = store.get(cluster, kind, name, namespace)
    except NotFound:
        return None
    return found if not uid or found["metadata"].get("uid") == uid else None


def replacements(cluster: str, obj: Obj, owners: list[Obj]) -> list[Obj]:
    """The objects of the deleted one's kind that its nearest living owner controls now, through
    the owners between them (a Deployment → its ReplicaSets → their pods); a DaemonSet's pod on
    the same node only."""
    namespace = obj["metadata"].get("namespace", "")
    living = next(index for index, o in enumerate(owners) if not o["deleted"])
    path = [o["kind"] for o in owners[:living]][::-1] + [obj["kind"]]  # the kinds from below the living owner down
    owner = owners[living]["object"]
    # What it controls carries its selector's labels all the way down: only those are read
    selector = label_selector_string((owner.get("spec") or {}).get("selector")) or ""
    uids = {owner["metadata"]["uid"]}
    found: list[Obj] = []
    for kind in path:
        found = [o for o in store.list(cluster, kind, namespace=namespace or None, label_selector=selector)
                 if (controller_of(o) or {}).get("uid") in uids]
        uids = {o["metadata"]["uid"] for o in found}
    if owners[0]["kind"] == "DaemonSet":
        node = (obj.get("spec") or {}).get("nodeName")
        found = [p for p in found if (p.get("spec") or {}).get("nodeName") == node]
    return sorted(found, key=lambda o: o["metadata"]["name"])


def how_replaced(obj: Obj, owners: list[Obj]) -> str:
    if not owners:
        return UNOWNED.get(obj["kind"], NOTHING_OWNED_IT)
    owner = owners[0]["kind"]
    node = (obj.get("spec") or {}).get("nodeName") or "its node"
    text = REPLACED_BY.get(owner, f"Its {owner} decides what replaces it.")
    return text.format(name=obj["metadata"]["name"], node=node)


def missing_message(cluster: str, kind: str, name: str, namespace: str, *, fallback: str) -> str:
    """What a live page says once its object is deleted under it: the API server's NotFound, when
    it went, and that a reload shows what replaced it (the NotFound alone when the change log
    does not know)."""
    try:
        gone = changelog.last_deletion(cluster, kind, name, namespace)
    except NotFound:
        return fallback
    if gone is None:
        return fallback
    at = when(cluster, gone.time)["at"]
    return f"{fallback} (deleted{f' at {at}' if at else ''}): reload the page to see what replaced it."
