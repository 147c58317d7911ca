"""Informers: a cluster's objects in a Cache, listed once and then followed through the change log,
as a client-go reflector lists and watches; told Gone (the log was compacted past it, or the
cluster was reset), it lists again.

store (list_all, changes, cluster_resource_version) → Informer.sync → Cache (+ each change handed
to `on_change`, which the controllers turn into keys). The controllers of a cluster own one
informer (cluster.ClusterRuntime); the pages of a web process share one per cluster (`shared`).
An informer asks only about its own cluster: a write elsewhere costs it nothing.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from playground.store import api as store
from playground.store import changelog
from playground.store.errors import Gone

from .cache import UNCACHED_KINDS, Cache

Obj = dict[str, Any]
OnChange = Callable[[Obj, Obj | None], None]
OnEvent = Callable[[changelog.WatchEvent, Obj | None], None]  # every change as read, Events too
FOLLOW_LIMIT = 5_000  # changes read per query
SHARED_IDLE_SECONDS = 600.0  # a cluster no page has asked about for this long is let go


class Informer:
    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.cache = Cache()
        self.seen_version = -1  # the cluster's resourceVersion at the last sync
        self.lock = threading.Lock()  # for informers shared between threads (the pages')
        self._listed = False
        self._seen_local = -1
        self._last_used = time.monotonic()

    def sync(self, on_change: OnChange | None = None, *, version: int | None = None, on_event: OnEvent | None = None) -> int:
        """Take every change committed to the cluster since the last sync, handing each to
        `on_change(obj, old)`; returns how many. `version`: the cluster's resourceVersion, when
        the caller has read it already (the manager reads every cluster's in one query).
        `on_event(event, old)`: every change followed in the log, uncached kinds too (the
        reconcile recorder reads a reconcile's writes this way, at no extra query)."""
        local = changelog.local_commits(self.cluster)
        wrote, self._seen_local = local != self._seen_local, local
        if version is None and wrote and self._listed:
            # This process wrote to the cluster since: the log has news, read at once without asking
            # the cluster's version first (a round trip of each reconcile that wrote, on PostgreSQL)
            self.seen_version = -1
            count = self._follow_or_list(on_change, on_event)
            self.seen_version = self.cache.resource_version
            return count
        if version is None:
            version = changelog.cluster_resource_version(self.cluster)  # first: a write after it is newer
        if version == self.seen_version:
            return 0
        self.seen_version = version
        return self._follow_or_list(on_change, on_event)

    def _follow_or_list(self, on_change: OnChange | None, on_event: OnEvent | None) -> int:
        if self._listed:
            try:
                return self._follow(on_change, on_event)
            except Gone:
                pass  # the log was compacted past us, or the cluster reset: start again from a list
        return self._list(on_change)

    def sync_local(self, on_change: OnChange | None = None) -> int:
        """As `sync`, but only when this process wrote to the cluster since: between reconciles,
        a free look for the controllers' own writes."""
        if changelog.local_commits(self.cluster) == self._seen_local:
            return 0
        return self.sync(on_change)

    def look_again(self) -> None:
        """The cache was found behind (a Conflict): the next sync reads the log whatever the
        cluster's resourceVersion says."""
        self.seen_version = -1

    def list_sorted(self, kind: str, *, namespace: str | None = None) -> list[Obj]:
        """As store.list: sorted by namespace and name, one namespace or all (None); for threads
        that share the informer."""
        return self.list_at(kind, namespace=namespace)[1]

    def list_at(self, kind: str, *, namespace: str | None = None) -> tuple[int, list[Obj]]:
        """As `list_sorted`, with the resourceVersion the cache holds them at, read together: a
        watch from it misses no change and repeats none the list holds (the watch cache's list)."""
        with self.lock:
            version, found = self.cache.resource_version, self.cache.list(kind, namespace=namespace)
        return version, sorted(found, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))

    def _list(self, on_change: OnChange | None) -> int:
        version = changelog.cluster_resource_version(self.cluster)
        objects = store.list_all(self.cluster, except_kinds=UNCACHED_KINDS)
        self.cache.clear()
        for obj in objects:
            self.cache.apply(changelog.WatchEvent("ADDED", obj, int(obj["metadata"]["resourceVersion"])))
        self.cache.resource_version = max(self.cache.resource_version, version)
        if on_change is not None:
            for obj in objects:
                on_change(obj, None)
        self._listed = True
        return len(objects)

    def _follow(self, on_change: OnChange | None, on_event: OnEvent | None = None) -> int:
        count = 0
        while True:
            events = changelog.changes(self.cluster, self.cache.resource_version, limit=FOLLOW_LIMIT)
            for event in events:
                old = self.cache.apply(event)
                if on_event is not None:
                    on_event(event, old)
                if on_change is not None and event.object["kind"] not in UNCACHED_KINDS:
                    on_change(event.object, old)
            count += len(events)
            if len(events) < FOLLOW_LIMIT:  # the end of the log: no second query to find that out
                return count


# -- The informers a process's pages share ---------------------------------------------------------

_shared: dict[str, Informer] = {}
_shared_lock = threading.Lock()


def shared(cluster: str, *, version: int | None = None) -> Informer:
    """This process's informer for the cluster, synced to now (`version`: the cluster's
    resourceVersion, when the caller knows it already: no query for it): its `seen_version` is
    the resourceVersion its objects are at least as new as. Raises NotFound for a cluster that is
    not there. Clusters no page has asked about for SHARED_IDLE_SECONDS are let go, however
    many there are (a workshop's 200 sandboxes each keep theirs while someone looks)."""
    now = time.monotonic()
    with _shared_lock:
        for name in [n for n, i in _shared.items() if now - i._last_used > SHARED_IDLE_SECONDS]:
            del _shared[name]
        informer = _shared.get(cluster) or _shared.setdefault(cluster, Informer(cluster))
        informer._last_used = now
    try:
        with informer.lock:
            informer.sync(version=version)
    except Exception:
        forget(cluster)  # e.g. NotFound: a deleted cluster leaves nothing behind
        raise
    return informer


def forget(cluster: str) -> None:
    with _shared_lock:
        _shared.pop(cluster, None)


def forget_all() -> None:
    """For tests: a new test database hands out the same resourceVersions again."""
    with _shared_lock:
        _shared.clear()
