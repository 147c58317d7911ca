"""Rolling updates on the cluster map: each pod's tile carries the colour of its owner's revision,
so a new ReplicaSet's pods are seen replacing the old one's (a band of the revision's colour,
hatched for an older revision, and its number as text for whoever does not tell colours apart), and the map's legend names each
colour (owner, revision number, hash, how many pods, which revision is the newest).

store (pods, ReplicaSets, ControllerRevisions) → revision_groups → picture.cluster_picture →
templates/web/pod_tile.html (the tile's band and `rN` label) and templates/web/cluster.html#legend.

A revision is what Kubernetes calls one: a Deployment's ReplicaSet, told apart by the
`pod-template-hash` label and numbered by its `deployment.kubernetes.io/revision` annotation
(deployment_util.revision); a StatefulSet's or DaemonSet's ControllerRevision, told apart by the
pod's `controller-revision-hash` label and numbered by the revision's `revision` field. The
newest revision of an owner is the one a rollout moves to (a rollback makes an old template the
newest revision again, as `kubectl rollout undo` does).
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from playground.controllers import deployment_util
from playground.store.controller_ref import controller_of

Obj = dict[str, Any]
Owner = tuple[str, str, str]  # namespace, kind, name
PALETTE = 8  # band colours, .rev-0 … .rev-7 in playground.css
REVISION_HASH_LABEL = "controller-revision-hash"  # StatefulSet and DaemonSet pods (apps.ControllerRevisionHashLabelKey)
REVISIONED = ("StatefulSet", "DaemonSet")
OWNER_PAGES = {"Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
               "DaemonSet": "daemonsets"}


def revision_groups(pods: Iterable[Obj], replica_sets: Iterable[Obj],
                    revisions: Iterable[Obj]) -> tuple[dict[tuple[str, str], Obj], list[Obj]]:
    """(namespace, pod name) → what its tile adds (`band`: its colour's class, `revision`: `r2`,
    `old`: an older revision than its owner's newest), and the legend."""
    sets = {(rs["metadata"].get("namespace", ""), rs["metadata"]["name"]): rs for rs in replica_sets}
    numbers = _controller_revision_numbers(revisions)
    members: dict[tuple[Owner, str], list[tuple[str, str]]] = {}
    number_of: dict[tuple[Owner, str], int | None] = {}
    for pod in pods:
        found = _revision_of(pod, sets, numbers)
        if found is None:
            continue
        owner, hash_, number = found
        key = (owner, hash_)
        members.setdefault(key, []).append((owner[0], pod["metadata"]["name"]))
        number_of[key] = number
    hues = _hues(number_of)
    newest = _newest(number_of)
    by_pod: dict[tuple[str, str], Obj] = {}
    legend = []
    for key in sorted(members, key=lambda k: (k[0], -(number_of[k] or 0), k[1])):
        owner, hash_ = key
        number = number_of[key]
        old = number is not None and newest.get(owner) is not None and number < newest[owner]
        mark = {"band": f"rev-{hues[key]}", "revision": "" if number is None else f"r{number}", "old": old}
        for pod_key in members[key]:
            by_pod[pod_key] = mark
        legend.append({**mark, "kind": owner[1].lower(), "name": owner[2], "namespace": owner[0], "hash": hash_,
                       "page": OWNER_PAGES[owner[1]], "pods": len(members[key])})
    return by_pod, legend


def _revision_of(pod: Obj, sets: dict[tuple[str, str], Obj], numbers: dict[tuple[str, str], int]) -> tuple[Owner, str, int | None] | None:
    """The pod's owner (the Deployment above its ReplicaSet), its revision's hash and number."""
    ref = controller_of(pod)
    if ref is None:
        return None
    namespace, labels = pod["metadata"].get("namespace", ""), pod["metadata"].get("labels") or {}
    if ref.get("kind") == "ReplicaSet":
        rs = sets.get((namespace, ref["name"]))
        hash_ = labels.get(deployment_util.POD_TEMPLATE_HASH_LABEL, "")
        above = controller_of(rs) if rs is not None else None
        if above is not None and above.get("kind") == "Deployment":
            return (namespace, "Deployment", above["name"]), hash_ or ref["name"], deployment_util.revision(rs)
        return (namespace, "ReplicaSet", ref["name"]), hash_ or ref["name"], None
    if ref.get("kind") in REVISIONED and labels.get(REVISION_HASH_LABEL):
        hash_ = labels[REVISION_HASH_LABEL]
        return (namespace, ref["kind"], ref["name"]), hash_, numbers.get((ref.get("uid", ""), hash_))
    return None


def _controller_revision_numbers(revisions: Iterable[Obj]) -> dict[tuple[str, str], int]:
    """(owner uid, hash) → revision number. A StatefulSet's pods carry the revision's name, a
    DaemonSet's the hash alone (its `controller.kubernetes.io/hash` label): both are keys."""
    numbers: dict[tuple[str, str], int] = {}
    for revision in revisions:
        owner = (controller_of(revision) or {}).get("uid", "")
        meta = revision["metadata"]
        number = int(revision.get("revision") or 0)
        numbers[(owner, meta["name"])] = number
        hash_ = (meta.get("labels") or {}).get("controller.kubernetes.io/hash") or meta["name"].rpartition("-")[2]
        numbers[(owner, hash_)] = number
    return numbers


def _newest(number_of: dict[tuple[Owner, str], int | None]) -> dict[Owner, int]:
    newest: dict[Owner, int] = {}
    for (owner, _), number in number_of.items():
        if number is not None:
            newest[owner] = max(newest.get(owner, number), number)
    return newest


def _hues(number_of: dict[tuple[Owner, str], int | None]) -> dict[tuple[Owner, str], int]:
    """A colour per revision that stays while the revision lives: from a hash of its name, moved
    to the next free colour when an older revision of the same owner has it already."""
    hues: dict[tuple[Owner, str], int] = {}
    taken: dict[Owner, set[int]] = {}
    for key in sorted(number_of, key=lambda k: (k[0], number_of[k] or 0, k[1])):
        owner, hash_ = key
        used = taken.setdefault(owner, set())
        hue = zlib.crc32("/".join((*owner, hash_)).encode()) % PALETTE
        for step in range(PALETTE):
            if (hue + step) % PALETTE not in used:
                hue = (hue + step) % PALETTE
                break
        used.add(hue)
        hues[key] = hue
    return hues
