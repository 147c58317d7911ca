"""One cluster's objects as its informer last saw them, with the indexes the loops ask by
(client-go's thread-safe store and indexers: by owner uid, pods by node, uncontrolled objects).

informer.Informer → Cache.apply(event) → controllers, kubelets and pages read `get`, `list`,
`owned_by`, `pods_on`. What they read is shared: never mutate it; copy, then write through the store.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from playground.store import changelog
from playground.store.controller_ref import controller_of
from playground.store.selectors import label_selector_matches

Obj = dict[str, Any]
Key = str  # "namespace/name", or "name" for a cluster-scoped object
# Nothing reads Events back from the cache (a recorder remembers its own, the Events page lists
# them itself), and they outnumber everything else: a 10,000-pod rollout leaves 50,000 of them.
UNCACHED_KINDS = frozenset({"Event"})


def key_of(obj: Obj) -> Key:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


def split_key(key: Key) -> tuple[str, str]:
    namespace, _, name = key.rpartition("/")
    return namespace, name


class Cache:
    """A cluster's objects by kind and key, as of `resource_version`."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.objects: dict[str, dict[Key, Obj]] = defaultdict(dict)
        self.by_uid: dict[str, Obj] = {}
        self.dependents: dict[str, set[tuple[str, Key]]] = defaultdict(set)  # owner uid → (kind, key)
        self.pods_by_node: dict[str, set[Key]] = defaultdict(set)
        self.orphans: dict[tuple[str, str], set[Key]] = defaultdict(set)  # (kind, namespace) → no controller
        self.resource_version = 0

    def get(self, kind: str, key: Key) -> Obj | None:
        return self.objects[kind].get(key)

    def list(self, kind: str, *, namespace: str | None = None, selector: Obj | None = None) -> list[Obj]:
        """Objects of a kind, optionally in one namespace and matching a LabelSelector object."""
        found = self.objects[kind].values()
        if namespace is not None:
            found = [o for o in found if o["metadata"].get("namespace") == namespace]
        if selector is not None:
            found = [o for o in found if label_selector_matches(selector, o["metadata"].get("labels") or {})]
        return list(found)

    def uncontrolled(self, kind: str, *, namespace: str) -> list[Obj]:
        """Objects of a kind in a namespace with no controller: what a controller may adopt."""
        objects = self.objects[kind]
        return [objects[key] for key in self.orphans[(kind, namespace)] if key in objects]

    def owned_by(self, owner: Obj, kind: str) -> list[Obj]:
        """The objects of `kind` with an ownerReference to `owner` (by uid)."""
        keys = self.dependents.get(owner["metadata"]["uid"], ())
        return [self.objects[kind][key] for k, key in keys if k == kind and key in self.objects[kind]]

    def dependents_of(self, uid: str) -> list[Obj]:
        return [self.objects[kind][key] for kind, key in self.dependents.get(uid, ()) if key in self.objects[kind]]

    def pods_on(self, node_name: str) -> list[Obj]:
        pods = self.objects["Pod"]
        return [pods[key] for key in self.pods_by_node.get(node_name, ()) if key in pods]

    def apply(self, event: changelog.WatchEvent) -> Obj | None:
        """Take one change into the cache; returns the object as it was before (None if new).
        Changes already seen (an object newer than the event) are ignored."""
        obj = event.object
        kind, key = obj["kind"], key_of(obj)
        if kind in UNCACHED_KINDS:
            self.resource_version = max(self.resource_version, event.resource_version)
            return None
        old = self.objects[kind].get(key)
        if old is not None and int(old["metadata"]["resourceVersion"]) >= event.resource_version:
            return old
        if old is not None:
            self._unindex(kind, key, old)
        if event.type == "DELETED":
            self.objects[kind].pop(key, None)
        else:
            self.objects[kind][key] = obj
            self._index(kind, key, obj)
        self.resource_version = max(self.resource_version, event.resource_version)
        return old

    def _index(self, kind: str, key: Key, obj: Obj) -> None:
        self.by_uid[obj["metadata"]["uid"]] = obj
        for ref in obj["metadata"].get("ownerReferences") or []:
            self.dependents[ref["uid"]].add((kind, key))
        if kind == "Pod" and obj["spec"].get("nodeName"):
            self.pods_by_node[obj["spec"]["nodeName"]].add(key)
        if controller_of(obj) is None:
            self.orphans[(kind, obj["metadata"].get("namespace", ""))].add(key)

    def _unindex(self, kind: str, key: Key, obj: Obj) -> None:
        self.by_uid.pop(obj["metadata"]["uid"], None)
        for ref in obj["metadata"].get("ownerReferences") or []:
            self.dependents[ref["uid"]].discard((kind, key))
        if kind == "Pod" and obj["spec"].get("nodeName"):
            self.pods_by_node[obj["spec"]["nodeName"]].discard(key)
        self.orphans[(kind, obj["metadata"].get("namespace", ""))].discard(key)
