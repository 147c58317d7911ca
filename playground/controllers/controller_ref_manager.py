"""ControllerRefManager's writes (pkg/controller/controller_ref_manager.go): a controller adopts
the orphans its selector matches and releases the objects that stopped matching.

The ReplicaSet, DaemonSet and StatefulSet controllers decide whom to claim; this writes it, in
one batch.
"""
from __future__ import annotations

from typing import Any

from playground.store import api as store
from playground.store.controller_ref import new_controller_ref

Obj = dict[str, Any]


def adopt_and_release(cluster: str, owner: Obj, adopt: list[Obj], release: list[Obj]) -> list[Obj]:
    """Orphans in `adopt` get `owner` as their controller, objects in `release` lose it.
    Returns the adopted objects as written."""
    if not (adopt or release):
        return []
    uid = owner["metadata"]["uid"]
    with store.batch(cluster) as batch:
        adopted = [
            batch.update({**obj, "metadata": {**obj["metadata"], "ownerReferences": [
                *(obj["metadata"].get("ownerReferences") or []), new_controller_ref(owner)]}})
            for obj in adopt
        ]
        for obj in release:
            refs = [r for r in obj["metadata"]["ownerReferences"] if r["uid"] != uid]
            batch.update({**obj, "metadata": {**obj["metadata"], "ownerReferences": refs}})
    return adopted
