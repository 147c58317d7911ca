"""Storing a batch: its rows, its change-log entries and its resourceVersions in one transaction.

The storage layer under api.py's verbs, as etcd3's store.go is under the API server's generic
registry: api.py admits each write and decides what it is (a create, an update on the version it
read, a delete); this module takes the cluster's next resourceVersions, stores the rows on them,
refuses a write whose row moved on since it was read (Conflict) or went (NotFound), passes a
controller worker's fence (leases.py), and tells the change log once the transaction commits.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from . import changelog, clock, clusters, leases, quota
from . import rows as object_rows
from .errors import AlreadyExists, Conflict, NotFound, object_conflict, object_not_found
from .kinds import Kind

Obj = dict[str, Any]
ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
LOOKED_UP_KINDS = frozenset({"Namespace", "ServiceAccount", "PriorityClass"})  # what admission reads (api.Batch.looked_up)


@dataclass
class Write:
    """One object of a batch as admitted: what becomes of it, and the resourceVersion its row
    must still have (an update's or a delete's; None for a create)."""

    type: str  # ADDED, MODIFIED or DELETED, as the change log and a watch say it
    kind: Kind
    obj: Obj
    expected_version: int | None = None


def commit(cluster: str, cluster_id: int, writes: list[Write], *, time: str,
           also: list[Callable[[], None]] | None = None, limits: quota.Quota | None = None) -> None:
    """Store the writes and their change-log entries (at `time`, the batch's simulated moment) in
    one transaction, then notify. Plain SQL: this is the hot path, and the ORM's per-row work
    would halve its rate. A controller worker's writes pass its fence (leases.py) in the
    statement that takes their resourceVersions; `also` is the caller's own work on its own
    tables, committed with them.
    The rows are stamped with the versions after the last this process saw the cluster take, sent
    with the statement that takes them (one round trip where waiting for them first was two, on
    PostgreSQL); when another writer took some meanwhile, the batch is rolled back and stored
    again on the versions it is given."""
    if not writes and not also:
        return
    seen = clusters.resource_version_seen(cluster_id) if writes else None
    try:
        entries = _store(cluster, cluster_id, writes, None if seen is None else seen + 1, time=time, also=also, limits=limits)
    except _VersionsMoved:
        entries = _store(cluster, cluster_id, writes, None, time=time, also=also, limits=limits)
    if writes:
        transaction.on_commit(lambda: object_rows.keep(cluster_id, entries))
        changelog.committed(cluster, entries)
        looked_up = clusters.looked_up_this_turn(cluster)
        if looked_up and any(w.kind.kind in LOOKED_UP_KINDS for w in writes):
            looked_up.clear()  # a namespace may be terminating now, an account gone: look again


class _VersionsMoved(Exception):
    """Another writer took some of the cluster's resourceVersions since this process saw them."""


def _store(cluster: str, cluster_id: int, writes: list[Write], first: int | None, *, time: str,
           also: list[Callable[[], None]] | None, limits: quota.Quota | None) -> list[changelog.StoredChange]:
    """One transaction of `commit`, its rows stamped from version `first` on (None: the versions
    taken are read first); raises _VersionsMoved, rolled back, if they were not the ones taken."""
    fence = leases.fence_of(cluster)
    only_if = None if fence is None else leases.fence_condition(cluster_id, fence)
    entries: list[changelog.StoredChange] = []
    updated: list[tuple[Any, Write]] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor, connection.cursor() as versions:
            with object_rows.pipelined():
                if writes:
                    clusters.take_resource_versions(
                        versions, cluster, cluster_id, len(writes), kinds={w.kind.kind for w in writes}, only_if=only_if,
                        written_at=clock.wall_now() if fence is None else None)  # a person's write, not a controller's
                    guessed = first is not None
                    if first is None:
                        first = _first_taken(versions, cluster, cluster_id, len(writes), fence, only_if)
                    if limits is not None:
                        _recount_quota(cluster_id, limits, writes)
                    entries, updated = _store_rows(cursor, cluster_id, writes, first=first, time=time)
                elif fence is not None:
                    leases.check_fence(cursor, cluster, cluster_id, fence)
            if writes and guessed and _first_taken(versions, cluster, cluster_id, len(writes), fence, only_if) != first:
                raise _VersionsMoved
            for row_cursor, w in updated:
                with row_cursor:
                    if row_cursor.rowcount != 1:  # the row moved on since it was read, or went
                        raise _lost(cursor, cluster_id, w)
            # The caller's own work, after the pipeline: it may read as it goes (a server-side
            # cursor of the ORM's iterator(), which pipeline mode refuses)
            for work in also or ():
                work()
    except IntegrityError:
        raise AlreadyExists("an object of the same kind and name was created at the same time") from None
    return entries


def _first_taken(versions: Any, cluster: str, cluster_id: int, count: int, fence: tuple[str, int] | None,
                 only_if: tuple[str, Any] | None) -> int:
    last = clusters.resource_versions_taken(versions, cluster, cluster_id, only_if=only_if)
    if last is None:
        raise leases.fenced(cluster, fence)  # type: ignore[arg-type]
    return last - count + 1


def _store_rows(cursor: Any, cluster_id: int, writes: list[Write], *, first: int,
                time: str) -> tuple[list[changelog.StoredChange], list[tuple[Any, Write]]]:
    """The writes stored, and the change log's entries; returns those, and each update's or
    delete's own cursor, whose rowcount says whether its row still had the version read."""
    new_rows, log, updated = [], [], []
    for version, w in enumerate(writes, start=first):
        meta = w.obj["metadata"]
        meta["resourceVersion"] = str(version)
        data = json.dumps(w.obj, separators=(",", ":"))
        labels = json.dumps(meta.get("labels") or {})
        namespace = meta.get("namespace", "")
        if w.type == ADDED:
            new_rows.append((cluster_id, w.kind.kind, namespace, meta["name"], meta["uid"], version, labels, data))
        else:
            updated.append((_write_row(cluster_id, w, version, labels, data), w))
        log.append((cluster_id, version, w.type, w.kind.kind, namespace, meta["name"], data, time))
    cursor.executemany(
        "INSERT INTO store_storedobject (cluster_id, kind, namespace, name, uid, resource_version, labels, data)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        new_rows,
    )
    cursor.executemany(
        "INSERT INTO store_change (cluster_id, resource_version, type, kind, namespace, name, data, time)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        log,
    )
    entries = [changelog.StoredChange(type_, kind, namespace, name, version, data)
               for _, version, type_, kind, namespace, name, data, _ in log]
    return entries, updated


def _recount_quota(cluster_id: int, limits: quota.Quota, writes: list[Write]) -> None:
    """The quota counted again under the cluster's row lock, which orders its writers: two batches
    admitted side by side (a page and a controller) cannot both take the last pod. Only a batch
    whose admission read the usage (a count limit, a counted create) pays this query."""
    used = clusters.usage(cluster_id)
    for w in writes:
        if w.type == ADDED:
            meta = w.obj["metadata"]
            used = quota.check_create(limits, used, w.kind.kind, w.kind.resource, meta["name"], meta.get("namespace", ""))


def _write_row(cluster_id: int, w: Write, version: int, labels: str, data: str) -> Any:
    """Update or delete the row if it still has the version we read (optimistic concurrency), on
    a cursor of its own: its rowcount, 1 or 0, is read once the batch's statements are answered."""
    where = "cluster_id = %s AND kind = %s AND namespace = %s AND name = %s AND resource_version = %s"
    key = [cluster_id, w.kind.kind, w.obj["metadata"].get("namespace") or "", w.obj["metadata"]["name"], w.expected_version]
    cursor = connection.cursor()
    if w.type == DELETED:
        cursor.execute(f"DELETE FROM store_storedobject WHERE {where}", key)
    else:
        cursor.execute(f"UPDATE store_storedobject SET resource_version = %s, labels = %s, data = %s WHERE {where}",
                       [version, labels, data, *key])
    return cursor


def _lost(cursor: Any, cluster_id: int, w: Write) -> Conflict | NotFound:
    """The row moved on since it was read, or went: a Conflict, or NotFound, as the API server's
    GuaranteedUpdate says when its read is stale (the row this process remembered, too)."""
    meta = w.obj["metadata"]
    object_rows.forget(cluster_id, w.kind, meta.get("namespace") or "", meta["name"])
    cursor.execute("SELECT 1 FROM store_storedobject WHERE cluster_id = %s AND kind = %s AND namespace = %s AND name = %s",
                   [cluster_id, w.kind.kind, meta.get("namespace") or "", meta["name"]])
    if cursor.fetchone() is None:
        return object_not_found(w.kind.resource, meta["name"])
    return object_conflict(w.kind.resource, meta["name"])
