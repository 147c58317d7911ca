"""Namespace controller: deleting a namespace deletes everything in it, then the namespace.

A Namespace with deletionTimestamp (status.phase Terminating, set by the store) → delete every
namespaced object in it → once none is left (pods may take their grace period) → the
namespaces/finalize subresource removes the `kubernetes` finalizer and the namespace is gone,
as pkg/controller/namespace/deletion/namespaced_resources_deleter.go does.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.store import api as store
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

Obj = dict[str, Any]
NAMESPACED_KINDS = [k.kind for k in KINDS.values() if k.namespaced]


class NamespaceController(Controller):
    kind = "Namespace"
    component = "namespace-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        namespace = obj["metadata"].get("namespace")
        if namespace:
            ns = self.cache.get("Namespace", namespace)
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                yield namespace  # something in a terminating namespace changed: maybe it is empty now

    def reconcile(self, name: Key) -> Result:
        namespace = self.cache.get(self.kind, name)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return Result()
        remaining = [obj for kind in NAMESPACED_KINDS for obj in self.cache.list(kind, namespace=name)]
        if remaining:
            self.delete_contents(remaining)
            return Result()
        with store.batch(self.cluster) as batch:
            batch.finalize_namespace(namespace)
        return Result()

    def delete_contents(self, objects: list[Obj]) -> None:
        for obj in objects:
            if obj["metadata"].get("deletionTimestamp"):
                continue  # already on its way (a pod's grace period, a finalizer)
            try:
                store.delete(self.cluster, obj["kind"], obj["metadata"]["name"], obj["metadata"]["namespace"])
            except NotFound:
                pass
