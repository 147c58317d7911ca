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
    born: dict[tuple[Owner, str], str] = {}
    seen: dict[tuple[str, str, str], Any] = {}
    for pod in pods:
        found = _revision_of(pod, sets, numbers, seen)
        if found is None:
            continue
        owner, hash_, number, created = found
        key = (owner, hash_)
        members.setdefault(key, []).append((owner[0], pod["metadata"]["name"]))
        number_of[key], born[key] = number, created
    hues = _hues(born)
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


def _revision_of(pod: Obj, sets: dict[tuple[str, str], Obj], numbers: dict[tuple[str, str], tuple[int, str]],
                 seen: dict[tuple[str, str, str], Any]) -> tuple[Owner, str, int | None, str] | None:
    """The pod's owner (the Deployment above its ReplicaSet), its revision's hash, number and
    creationTimestamp (the ReplicaSet's or the ControllerRevision's). `seen` keeps each answer by
    (namespace, owner, hash): a thousand pods of one ReplicaSet are one revision."""
    ref = controller_of(pod)
    if ref is None:
        return None
    meta = pod["metadata"]
    namespace, labels = meta.get("namespace", ""), meta.get("labels") or {}
    if ref.get("kind") == "ReplicaSet":
        key = (namespace, ref["name"], labels.get(deployment_util.POD_TEMPLATE_HASH_LABEL, ""))
        if key not in seen:
            seen[key] = _replica_set_revision(namespace, ref["name"], key[2], sets.get((namespace, ref["name"])))
        return seen[key]
    if ref.get("kind") in REVISIONED and labels.get(REVISION_HASH_LABEL):
        hash_ = labels[REVISION_HASH_LABEL]
        number, created = numbers.get((ref.get("uid", ""), hash_), (None, ""))
        return (namespace, ref["kind"], ref["name"]), hash_, number, created
    return None


def _replica_set_revision(namespace: str, name: str, hash_: str, rs: Obj | None) -> tuple[Owner, str, int | None, str]:
    above = controller_of(rs) if rs is not None else None
    created = (rs or {}).get("metadata", {}).get("creationTimestamp") or ""
    if above is not None and above.get("kind") == "Deployment":
        return (namespace, "Deployment", above["name"]), hash_ or name, deployment_util.revision(rs), created
    return (namespace, "ReplicaSet", name), hash_ or name, None, created


def _controller_revision_numbers(revisions: Iterable[Obj]) -> dict[tuple[str, str], tuple[int, str]]:
    """(owner uid, hash) → revision number and creationTimestamp. A StatefulSet's pods carry the
    revision's name, a DaemonSet's the hash alone (its `controller.kubernetes.io/hash` label):
    both are keys."""
    numbers: dict[tuple[str, str], tuple[int, str]] = {}
    for revision in revisions:
        owner = (controller_of(revision) or {}).get("uid", "")
        meta = revision["metadata"]
        number = (int(revision.get("revision") or 0), meta.get("creationTimestamp") or "")
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


def _hues(born: dict[tuple[Owner, str], str]) -> dict[tuple[Owner, str], int]:
    """A colour per revision that stays while the revision lives: from a hash of its name, moved
    to the next colour no older revision on the map has (the oldest choose first, so a new
    revision never takes the colour of one already drawn; with more revisions than colours,
    colours repeat, though never within one owner's revisions while it has fewer than colours)."""
    hues: dict[tuple[Owner, str], int] = {}
    used: set[int] = set()
    owners: dict[Owner, set[int]] = {}
    for key in sorted(born, key=lambda k: (born[k], k)):
        owner, hash_ = key
        hue = zlib.crc32("/".join((*owner, hash_)).encode()) % PALETTE
        order = (*range(hue, PALETTE), *range(hue))
        mine = owners.setdefault(owner, set())
        hues[key] = next((h for h in order if h not in used), next((h for h in order if h not in mine), hue))
        used.add(hues[key])
        mine.add(hues[key])
    return hues
