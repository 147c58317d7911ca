"""Garbage collector: dependents follow their owners, as pkg/controller/garbagecollector does.

Each owner reference of an object is solid (the owner exists), dangling (it is gone, by uid) or
waiting (the owner is being deleted with `propagationPolicy: Foreground` and carries the
`foregroundDeletion` finalizer), as garbagecollector.go `classifyReferences` sorts them. With a
solid owner left, the object stays and only loses its dangling and waiting references; with
none, it is deleted (`attemptToDeleteItem`). A Foreground owner waits, its finalizer kept, until
no dependent with `blockOwnerDeletion` is left, and has those dependents looked at
(`processDeletingDependentsItem`). With `Orphan`, the `orphan` finalizer: the dependents lose
their reference to it, then the finalizer goes. Background (the default) needs nothing here
beyond the first rules.
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
        # An owner in foreground deletion may be waiting for this one: when it is gone, or no longer
        # blocks it (GraphBuilder's processGraphChanges, addUnblockedOwnersToDeleteQueue)
        if gone:
            yield from (r["uid"] for r in meta.get("ownerReferences") or [])
        elif old is not None:
            blocking = {r["uid"] for r in meta.get("ownerReferences") or [] if r.get("blockOwnerDeletion")}
            yield from {r["uid"] for r in old["metadata"].get("ownerReferences") or []
                        if r.get("blockOwnerDeletion")} - blocking

    def reconcile(self, uid: Key) -> Result:
        obj = self.cache.by_uid.get(uid)
        if obj is None:
            return Result()
        finalizers = obj["metadata"].get("finalizers") or []
        if obj["metadata"].get("deletionTimestamp") and ORPHAN in finalizers:
            self.orphan_dependents(obj)
        elif deleting_dependents(obj):
            self.process_deleting_dependents(obj)
        else:
            self.attempt_to_delete(obj)
        return Result()

    def attempt_to_delete(self, obj: Obj) -> None:
        """attemptToDeleteItem: an object with a solid owner stays and loses only its dangling and
        waiting references; one whose owners are all dangling or waiting is deleted."""
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") or not meta.get("ownerReferences"):
            return  # being deleted is a one-way trip: wait for it to be gone
        solid, dangling, waiting = self.classify_references(obj)
        if solid:
            if dangling or waiting:
                self.remove_owner_references(obj, {r["uid"] for r in dangling + waiting})
        elif waiting and self.cache.dependents_of(meta["uid"]):
            self.delete(obj, policy="Foreground")  # its own dependents go first, as its owner asked
        else:
            self.delete(obj, policy=propagation_policy_of(obj))

    def classify_references(self, obj: Obj) -> tuple[list[Obj], list[Obj], list[Obj]]:
        """classifyReferences: solid, dangling and waitingForDependentsDeletion references."""
        solid: list[Obj] = []
        dangling: list[Obj] = []
        waiting: list[Obj] = []
        for ref in obj["metadata"]["ownerReferences"]:
            owner = self.owner(ref, obj["metadata"].get("namespace", ""))
            if owner is None:
                dangling.append(ref)
            elif deleting_dependents(owner):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, dangling, waiting

    def process_deleting_dependents(self, owner: Obj) -> None:
        """processDeletingDependentsItem: the finalizer goes once no dependent blocks it; until
        then each blocking dependent not itself deleting its dependents is attempted."""
        uid = owner["metadata"]["uid"]
        blocking = [d for d in self.cache.dependents_of(uid) if any(
            r["uid"] == uid and r.get("blockOwnerDeletion") for r in d["metadata"]["ownerReferences"])]
        if not blocking:
            self.remove_finalizer(owner, FOREGROUND)
            return
        for dependent in blocking:
            if not deleting_dependents(dependent):
                self.attempt_to_delete(dependent)

    def orphan_dependents(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        with store.batch(self.cluster) as batch:
            for dependent in self.cache.dependents_of(uid):
                refs = [r for r in dependent["metadata"]["ownerReferences"] if r["uid"] != uid]
                batch.update({**dependent, "metadata": {**dependent["metadata"], "ownerReferences": refs}})
        self.remove_finalizer(owner, ORPHAN)

    def owner(self, ref: Obj, namespace: str) -> Obj | None:
        """The owner a reference names, by uid, or None when it is gone (isDangling). Checked
        against the store, not only the cache: deleting on a stale cache is not undoable."""
        if ref["uid"] in self.cache.by_uid:
            return self.cache.by_uid[ref["uid"]]
        try:
            live = store.get(self.cluster, ref["kind"], ref["name"], namespace)
        except NotFound:
            return None
        return live if live["metadata"]["uid"] == ref["uid"] else None

    def remove_owner_references(self, obj: Obj, uids: set[str]) -> None:
        refs = [r for r in obj["metadata"]["ownerReferences"] if r["uid"] not in uids]
        store.update(self.cluster, {**obj, "metadata": {**obj["metadata"], "ownerReferences": refs}})

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




def deleting_dependents(obj: Obj) -> bool:
    """Being deleted with Foreground: deletionTimestamp and the `foregroundDeletion` finalizer."""
    meta = obj["metadata"]
    return bool(meta.get("deletionTimestamp")) and FOREGROUND in (meta.get("finalizers") or [])


def propagation_policy_of(obj: Obj) -> str:
    """attemptToDeleteItem's default branch: a finalizer already on the object is honoured."""
    finalizers = obj["metadata"].get("finalizers") or []
    return "Orphan" if ORPHAN in finalizers else "Foreground" if FOREGROUND in finalizers else "Background"
