"""The change log: every ADDED, MODIFIED and DELETED with its resourceVersion, written in the same
transaction as the object (api.py's commit), read back by watches and informers.

api.py commit → the log rows → notify (after commit: the cluster's watches wake, and
changes_committed tells this process's manager and pages) → changes(cluster, since) →
runtime/informer.py, the pages' sockets, `rollout status`. A watch from before the retained
window is told Gone (410) and relists. Each cluster counts its own resourceVersions
(clusters.take_resource_versions): a write in one cluster moves no other cluster's, and its
writer waits for no other cluster's.
"""
from __future__ import annotations

import collections
import contextlib
import json
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal

from . import clock, notify
from .clusters import id_of, saw_resource_version
from .errors import Gone, NotFound
from .models import Change, Cluster

Obj = dict[str, Any]
COMPACT_EVERY = 1000  # resourceVersions between two trims of the change log

# Sent after every commit, in the writing process: the cluster's name, the last resourceVersion,
# how many the batch wrote and the kinds it wrote (`kinds`; not sent when unknown: anything changed).
changes_committed = Signal()
# One condition per cluster: a commit wakes the watches of its own cluster only
_committed: dict[str, threading.Condition] = collections.defaultdict(threading.Condition)
_local_commits: collections.Counter[str] = collections.Counter()  # batches this process wrote, per cluster


@dataclass(frozen=True)
class WatchEvent:
    """One entry of the change log as a watch delivers it."""

    type: str
    object: Obj
    resource_version: int


@dataclass(frozen=True)
class ClusterState:
    """What a runtime looks at each turn: the cluster's own resourceVersion (its last change, or
    its reset) and its clock, read for every cluster in one query."""

    resource_version: int
    clock: clock.ClockState
    steps: int  # Step requests waiting (clock.take_step)
    id: int = 0
    stored_quota: str = ""  # its row's quota (quota.parse), for the store batches of a turn (clusters.known)


def cluster_resource_version(cluster: str) -> int:
    """The cluster's own resourceVersion: the last one written in it, or the one its reset took.
    It moves when, and only when, something in the cluster changed, so an informer that saw it
    needs no change-log query; a list at it, then a watch from it, misses nothing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT resource_version FROM {Cluster._meta.db_table} WHERE name = %s", [cluster])
        found = cursor.fetchone()
    if found is None:
        raise NotFound(f'cluster "{cluster}" not found')
    return found[0]


def cluster_states(names: Collection[str] | None = None) -> dict[str, ClusterState]:
    """Every cluster's resourceVersion and clock (or those of `names`), in one query: what the
    controller manager reads each turn, however many clusters there are."""
    # Times as their text, parsed only when a row changed (`_state_of`): loading every row's
    # times as datetimes, each turn, was 6% of a controller worker's CPU at 200 clusters
    columns = ", ".join(f"CAST(c.{name} AS TEXT)" if name in clock.TIME_COLUMNS else f"c.{name}"
                        for name in clock.CLUSTER_COLUMNS)
    where = "" if names is None else f" WHERE c.name IN ({', '.join(['%s'] * len(names))})"
    if names is not None and not names:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.name, c.resource_version, c.clock_steps, c.id, c.quota, {columns}"
            f" FROM {Cluster._meta.db_table} c{where}", list(names or ())
        )
        rows = cursor.fetchall()
    states = {name: _state_of(name, tuple(row)) for name, *row in rows}
    for state in states.values():
        saw_resource_version(state.id, state.resource_version)  # a commit's guess of its versions (api.py)
    if names is None:
        for gone in set(_states) - states.keys():  # deleted clusters
            _states.pop(gone, None)
    return states


# Each cluster's last row and its state: the manager reads every cluster each turn, and most
# rows have not changed since the last (parsing their times cost 8% of a 200-cluster server)
_states: dict[str, tuple[tuple, ClusterState]] = {}


def _state_of(name: str, row: tuple) -> ClusterState:
    key = (*row, clock.idle_after())
    known = _states.get(name)
    if known is not None and known[0] == key:
        return known[1]
    version, steps, cluster_id, limits, *columns = row
    state = ClusterState(version, clock.state_of(dict(zip(clock.CLUSTER_COLUMNS, columns))), steps,
                         cluster_id, limits)
    if columns[0] is not None:  # a clock with no origin yet starts at the wall's now: not the same next time
        _states[name] = key, state
    return state


def changes(cluster: str, since: int, *, limit: int = 10_000) -> list[WatchEvent]:
    """Change-log entries after resourceVersion `since`, oldest first; raises Gone if compacted."""
    found = _own_since(cluster, since, limit=limit)
    if found is None:
        found = stored_changes(cluster, since, limit=limit)
    return [WatchEvent(c.type, json.loads(c.data), c.resource_version) for c in found]


@dataclass(frozen=True)
class StoredChange:
    """One entry of the change log as stored: the object's JSON undecoded (as `json.dumps(obj,
    separators=(",", ":"))` wrote it), for a reader that can pass it on as it is."""

    type: str
    kind: str
    namespace: str
    name: str
    resource_version: int
    data: str


def stored_changes(cluster: str, since: int, *, limit: int = 10_000) -> list[StoredChange]:
    """As `changes`, the objects left as the stored JSON; raises Gone if compacted."""
    with connection.cursor() as cursor:  # plain SQL, one statement: every informer sync asks, after every commit
        # The cluster's compaction read in the same statement (one snapshot) as its entries: a
        # compaction is seen with the entries it removed, never a silent gap
        cursor.execute(
            f"SELECT c.compacted_revision, ch.type, ch.kind, ch.namespace, ch.name, ch.resource_version, ch.data"
            f" FROM {Cluster._meta.db_table} c LEFT JOIN {Change._meta.db_table} ch"
            " ON ch.cluster_id = c.id AND ch.resource_version > %s"
            " WHERE c.name = %s ORDER BY ch.resource_version LIMIT %s",
            [since, cluster, limit],
        )
        rows = cursor.fetchall()
    if not rows:
        raise NotFound(f'cluster "{cluster}" not found')
    compacted = rows[0][0]
    if since < (compacted or 0):
        raise Gone(f"too old resource version: {since} ({compacted})")
    return [StoredChange(*row[1:]) for row in rows if row[1] is not None]


@dataclass(frozen=True)
class Deletion:
    """The change-log entry that removed an object: the object as it last was, and when it went."""

    object: Obj
    resource_version: int
    time: str  # the cluster's simulated time of the delete, RFC 3339 ("" for an entry older than the column)


def last_deletion(cluster: str, kind: str, name: str, namespace: str = "") -> Deletion | None:
    """The newest DELETED entry of the object, or None when the log holds none (it never was, or
    it went before the retained window). Asked only by the page of a missing object: no index of
    its own, the cluster's entries are read newest first until one matches."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT data, resource_version, time FROM {Change._meta.db_table} WHERE cluster_id = %s"
            " AND kind = %s AND namespace = %s AND name = %s AND type = 'DELETED'"
            " ORDER BY resource_version DESC LIMIT 1",
            [id_of(cluster), kind, namespace, name],
        )
        found = cursor.fetchone()
    return None if found is None else Deletion(json.loads(found[0]), found[1], found[2])


def watch(
    cluster: str,
    since: int,
    *,
    kind: str | None = None,
    namespace: str | None = None,
    timeout: float = 30.0,
) -> Iterator[WatchEvent]:
    """Every change after `since`, once and in order, as it happens, until `timeout` real seconds
    pass without one. A commit of this process wakes the watcher early, and one of another process
    too while this process listens (store/notify.py); else it is picked up on the next look, so a
    lost notification costs latency only."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = changes(cluster, since)
        for event in batch:
            since = event.resource_version
            if (kind is None or event.object.get("kind") == kind) and (
                namespace is None or event.object["metadata"].get("namespace") == namespace
            ):
                deadline = time.monotonic() + timeout
                yield event
        if not batch:
            condition = _committed[cluster]
            with condition:
                condition.wait(timeout=min(1.0, max(0.0, deadline - time.monotonic())))


def compact(cluster: str, *, keep: int | None = None) -> int:
    """Drop all but the last `keep` change-log entries of a cluster; returns how many went."""
    keep = settings.PLAYGROUND_CHANGE_LOG_RETENTION if keep is None else keep
    cluster_id = id_of(cluster)
    versions = Change.objects.filter(cluster_id=cluster_id).order_by("-resource_version")
    cutoff = versions.values_list("resource_version", flat=True)[keep : keep + 1].first()
    if cutoff is None:
        return 0
    with transaction.atomic():
        Cluster.objects.filter(id=cluster_id).update(compacted_revision=cutoff)
        deleted, _ = Change.objects.filter(cluster_id=cluster_id, resource_version__lte=cutoff).delete()
    return deleted


_own = threading.local()  # this thread's journal while `own_writes` holds: (cluster, [StoredChange])


@contextlib.contextmanager
def own_writes(cluster: str) -> Iterator[None]:
    """Within this block this thread keeps what it commits to `cluster`, and `changes` answers
    from that, without a query, whenever it follows on from where the reader is: a controller
    manager's informer takes a reconcile's own writes back as they were written (a round trip of
    every reconcile that wrote, on PostgreSQL). A write of anyone else's in between leaves a gap
    in the versions, and the log is read as before."""
    before = getattr(_own, "journal", None)
    _own.journal = (cluster, [])
    try:
        yield
    finally:
        _own.journal = before


def _keep_own(cluster: str, entries: list[StoredChange]) -> None:
    journal = getattr(_own, "journal", None)
    if journal is None or journal[0] != cluster or not entries:
        return
    kept = journal[1]
    if kept and kept[-1].resource_version + 1 != entries[0].resource_version:
        kept.clear()  # someone else wrote in between: only what follows on without a gap is kept
    kept.extend(entries)


def _own_since(cluster: str, since: int, *, limit: int) -> list[StoredChange] | None:
    """This thread's own entries right after `since`, or None when they are not all there is."""
    journal = getattr(_own, "journal", None)
    if journal is None or journal[0] != cluster:
        return None
    kept = journal[1]
    seen = next((i for i, entry in enumerate(kept) if entry.resource_version > since), len(kept))
    del kept[:seen]
    if not kept or kept[0].resource_version != since + 1:
        return None
    taken = kept[:limit]
    del kept[:len(taken)]
    return taken


def local_commits(cluster: str) -> int:
    """How many batches this process has written to the cluster: a free "anything new from us?"
    for an informer between two reconciles."""
    return _local_commits[cluster]


def _wake_watches(cluster: str) -> None:
    condition = _committed[cluster]
    with condition:
        condition.notify_all()


notify.tell_also(lambda told: _wake_watches(told.cluster))  # another process's commit, heard


def _notify(cluster: str, resource_version: int, *, count: int, kinds: frozenset[str]) -> None:
    # Every thousandth version or so, trim this cluster's log to its retention window.
    if resource_version // COMPACT_EVERY != (resource_version - count) // COMPACT_EVERY:
        compact(cluster)
    _wake_watches(cluster)
    changes_committed.send(sender=None, cluster=cluster, resource_version=resource_version, count=count, kinds=kinds)


def committed(cluster: str, entries: list[StoredChange]) -> None:
    """A batch wrote these entries in this transaction: once it commits, wake the cluster's
    watches and tell this process's manager and pages (the other processes were told by the
    statement that took the versions, clusters.take_resource_versions)."""
    _local_commits[cluster] += 1

    def done() -> None:
        _keep_own(cluster, entries)
        _notify(cluster, entries[-1].resource_version, count=len(entries), kinds=frozenset(e.kind for e in entries))

    transaction.on_commit(done)
