"""Garbage collector: dependents follow their owners, as pkg/controller/garbagecollector does.

An object whose owners (ownerReferences, by uid) are all gone is deleted; references to owners
that are gone are dropped when others remain. An owner deleted with `propagationPolicy:
Foreground` carries the `foregroundDeletion` finalizer: its dependents are deleted first, and
the finalizer goes once no dependent with `blockOwnerDeletion` is left. With `Orphan`, the
`orphan` finalizer: the dependents lose their reference to it, then the finalizer goes.
Background (the default) needs nothing here beyond the first rule.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key, key_of
from playground.runtime.controller import Controller, Result, Summary
from playground.store import api as store
from playground.store.errors import NotFound

Obj = dict[str, Any]
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


class GarbageCollector(Controller):
    """Keys are object uids: the collector works on the graph of owners, across kinds."""

    kind = "*"
    component = "garbage-collector-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        meta = obj["metadata"]
        refs_changed = old is None or old["metadata"].get("ownerReferences") != meta.get("ownerReferences")
        if meta.get("ownerReferences") and refs_changed:
            yield meta["uid"]
        gone = self.cache.by_uid.get(meta["uid"]) is None
        if gone or set(meta.get("finalizers") or ()) & {FOREGROUND, ORPHAN}:
            yield meta["uid"]  # deleted or deleting: its dependents need a look
            for dependent in self.cache.dependents_of(meta["uid"]):
                yield dependent["metadata"]["uid"]
        if gone:
            for ref in meta.get("ownerReferences") or []:
                yield ref["uid"]  # an owner in foreground deletion may be waiting for this one

    def reconcile(self, uid: Key) -> Result:
        obj = self.cache.by_uid.get(uid)
        if obj is None:
            return Result()
        finalizers = obj["metadata"].get("finalizers") or []
        if obj["metadata"].get("deletionTimestamp") and ORPHAN in finalizers:
            self.orphan_dependents(obj)
        elif obj["metadata"].get("deletionTimestamp") and FOREGROUND in finalizers:
            self.delete_dependents_first(obj)
        elif obj["metadata"].get("ownerReferences"):
            self.follow_owners(obj)
        return Result()

    def follow_owners(self, obj: Obj) -> None:
        refs = obj["metadata"]["ownerReferences"]
        absent = [ref for ref in refs if not self.owner_exists(ref, obj["metadata"].get("namespace", ""))]
        if not absent:
            if any(self.waiting_for_dependents(ref) for ref in refs) and not obj["metadata"].get("deletionTimestamp"):
                self.delete(obj, policy="Foreground")
            return
        if len(absent) == len(refs):
            self.delete(obj, policy="Background")
            return
        kept = [ref for ref in refs if ref not in absent]
        store.update(self.cluster, {**obj, "metadata": {**obj["metadata"], "ownerReferences": kept}})

    def delete_dependents_first(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        blocking = []
        for dependent in self.cache.dependents_of(uid):
            ref = next(r for r in dependent["metadata"]["ownerReferences"] if r["uid"] == uid)
            if ref.get("blockOwnerDeletion"):
                blocking.append(dependent)
            if not dependent["metadata"].get("deletionTimestamp"):
                self.delete(dependent, policy="Foreground")
        if not blocking:
            self.remove_finalizer(owner, FOREGROUND)

    def orphan_dependents(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        with store.batch(self.cluster) as batch:
            for dependent in self.cache.dependents_of(uid):
                refs = [r for r in dependent["metadata"]["ownerReferences"] if r["uid"] != uid]
                batch.update({**dependent, "metadata": {**dependent["metadata"], "ownerReferences": refs}})
        self.remove_finalizer(owner, ORPHAN)

    def owner_exists(self, ref: Obj, namespace: str) -> bool:
        """Checked against the store, not only the cache: deleting on a stale cache is not undoable."""
        if ref["uid"] in self.cache.by_uid:
            return True
        try:
            live = store.get(self.cluster, ref["kind"], ref["name"], namespace)
        except NotFound:
            return False
        return live["metadata"]["uid"] == ref["uid"]

    def waiting_for_dependents(self, ref: Obj) -> bool:
        owner = self.cache.by_uid.get(ref["uid"])
        return owner is not None and bool(owner["metadata"].get("deletionTimestamp")) and FOREGROUND in (
            owner["metadata"].get("finalizers") or []
        )

    def delete(self, obj: Obj, *, policy: str) -> None:
        meta = obj["metadata"]
        try:
            store.delete(self.cluster, obj["kind"], meta["name"], meta.get("namespace", ""), propagation_policy=policy)
        except NotFound:
            pass  # already gone: what we wanted

    def remove_finalizer(self, obj: Obj, finalizer: str) -> None:
        finalizers = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        store.update(self.cluster, {**obj, "metadata": {**obj["metadata"], "finalizers": finalizers}})

    def summarize(self, key: Key, obj: Obj | None) -> Summary:
        """Its keys are uids: does the object's every owner still exist?"""
        if obj is None:
            return [["object", f"uid {key} is gone"]], [], "nothing left to collect"
        owners = obj["metadata"].get("ownerReferences") or []
        missing = [o for o in owners if o.get("uid") not in self.cache.by_uid]
        names = ", ".join(f"{o['kind']} {o['name']}" + (" (gone)" if o in missing else "") for o in owners)
        observed = [["object", f"{obj['kind']} {key_of(obj)}"], ["owners", names or "none"]]
        desired = [["owners", "every owner exists, or the object goes"]]
        return observed, desired, f"{len(missing)} owner{'s' if len(missing) != 1 else ''} gone" if missing else "none"


