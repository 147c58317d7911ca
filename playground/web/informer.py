"""The web process's informer: each viewed cluster's objects in memory, kept current from the
change log, so a live page re-renders from what changed instead of decoding every object again.

store (objects, change log) → here (list once, then `store.changes` since the last version seen,
a relist when the log was compacted past it, as a client-go informer does) → the pages'
pictures (views.cluster_context) → the websockets (consumers.py). One query answers "anything
new?" when nothing changed anywhere. Events stay out, as in the controllers' cache: they are
many and a page that shows them lists them itself. The objects handed out are shared: read them,
never change them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from playground.store import api as store
from playground.store.errors import Gone

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name)
MAX_CLUSTERS = 16  # a workshop server has many sandboxes; keep the ones being looked at
UNCACHED_KINDS = ("Event",)
FOLLOW_LIMIT = 5_000  # changes read per query


class ClusterObjects:
    """One cluster's objects by kind, as of `resource_version` (the global counter when last synced)."""

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.objects: dict[str, dict[Key, Obj]] = {}
        self.resource_version = 0  # the last change taken from the log
        self.synced_at = -1  # the global counter at the last sync
        self.lock = threading.Lock()

    def sync(self) -> int:
        """Take every change committed so far; returns the global resourceVersion the objects
        are at least as new as (a page rendered from them resumes its socket from there)."""
        version = store.current_resource_version()  # first: a write after it is > it, and shown later
        with self.lock:
            if version == self.synced_at:
                return version
            if self.synced_at < 0:
                self._list(version)
            else:
                try:
                    self._follow()
                except Gone:  # the log was compacted past us: start again from a list
                    self._list(version)
            self.synced_at = version
        return version

    def list(self, kind: str, *, namespace: str | None = None) -> list[Obj]:
        """As store.list: sorted by namespace and name, one namespace or all (None)."""
        with self.lock:
            found = self.objects.get(kind, {})
            keys = sorted(k for k in found if namespace is None or k[0] in (namespace, ""))
            return [found[k] for k in keys]

    def _list(self, version: int) -> None:
        self.objects = {}
        for obj in store.list_all(self.cluster, except_kinds=UNCACHED_KINDS):
            self._put(obj)
        self.resource_version = version

    def _follow(self) -> None:
        while True:
            events = store.changes(self.cluster, self.resource_version, limit=FOLLOW_LIMIT)
            for event in events:
                obj = event.object
                if obj["kind"] not in UNCACHED_KINDS:
                    if event.type == "DELETED":
                        self.objects.get(obj["kind"], {}).pop(_key(obj), None)
                    else:
                        self._put(obj)
                self.resource_version = event.resource_version
            if len(events) < FOLLOW_LIMIT:  # the end of the log: no second query to find that out
                return

    def _put(self, obj: Obj) -> None:
        self.objects.setdefault(obj["kind"], {})[_key(obj)] = obj


def _key(obj: Obj) -> Key:
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


_clusters: OrderedDict[str, ClusterObjects] = OrderedDict()
_clusters_lock = threading.Lock()


def cluster_objects(cluster: str) -> tuple[int, ClusterObjects]:
    """The cluster's objects, synced to now, and the resourceVersion they are at least as new
    as; raises NotFound for a cluster that is not there."""
    with _clusters_lock:
        found = _clusters.get(cluster)
        if found is None:
            found = _clusters[cluster] = ClusterObjects(cluster)
            while len(_clusters) > MAX_CLUSTERS:
                _clusters.popitem(last=False)
        _clusters.move_to_end(cluster)
    try:
        version = found.sync()
    except Exception:
        forget(cluster)  # e.g. NotFound: a deleted cluster leaves nothing behind
        raise
    return version, found


def forget(cluster: str) -> None:
    with _clusters_lock:
        _clusters.pop(cluster, None)


def forget_all() -> None:
    """For tests: a new test database hands out the same resourceVersions again."""
    with _clusters_lock:
        _clusters.clear()
