"""The stored rows of objects as the store reads them before a write, and the rows this process
committed lately, remembered so that a write naming the version committed last reads nothing
first (api.py; as the API server's GuaranteedUpdate may start from its cache, the statement
that stores the write still checks the version).

api.py's preparing of a write → `read` / `read_at` → the row; commit.py (its statements
`pipelined` on PostgreSQL) → `keep`.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

from .changelog import StoredChange
from .kinds import Kind

DELETED = "DELETED"


@contextlib.contextmanager
def pipelined() -> Iterator[None]:
    """On PostgreSQL the statements within are sent on without waiting for each answer (psycopg's
    pipeline mode), and answered together when one's answer is read or the block ends: a batch
    is a round trip for its BEGIN, resourceVersions, rows and log, and one for its COMMIT, where
    each statement was one. In-process SQLite has no round trips."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def read(cluster_id: int, k: Kind, namespace: str, name: str) -> tuple[int, str] | None:
    """(resourceVersion, JSON) of one object. Plain SQL: this runs on every write."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resource_version, data FROM store_storedobject"
            " WHERE cluster_id = %s AND kind = %s AND namespace = %s AND name = %s",
            [cluster_id, k.kind, namespace, name],
        )
        return cursor.fetchone()


# The rows this process committed lately, as it committed them: (cluster id, kind, namespace,
# name) -> (resourceVersion, JSON). A controller writes mostly what its own process wrote last
# (the scheduler binds the pods its ReplicaSet made, their kubelet reports on them), and reading
# the row first was a round trip of every write on PostgreSQL.
_committed: dict[tuple[int, str, str, str], tuple[int, str]] = {}
COMMITTED_ROWS = 20_000  # then forgotten all at once, to start again: a bound, not an LRU
UNKEPT_KINDS = frozenset({"Event"})  # written once, and many: they would crowd the others out


def read_at(cluster_id: int, k: Kind, namespace: str, name: str, named: str | None) -> tuple[int, str] | None:
    """As `read`, without a query when the writer named the version this process committed last."""
    kept = _committed.get((cluster_id, k.kind, namespace, name)) if named else None
    if kept is not None and str(kept[0]) == named:
        return kept
    return read(cluster_id, k, namespace, name)


def keep(cluster_id: int, entries: list[StoredChange]) -> None:
    """Remember a committed batch's rows (its change-log entries)."""
    if len(_committed) >= COMMITTED_ROWS:
        _committed.clear()
    for entry in entries:
        if entry.kind in UNKEPT_KINDS:
            continue
        key = (cluster_id, entry.kind, entry.namespace, entry.name)
        if entry.type == DELETED:
            _committed.pop(key, None)
        else:
            _committed[key] = (entry.resource_version, entry.data)


def forget(cluster_id: int, k: Kind, namespace: str, name: str) -> None:
    """The row moved on, or went, behind this process's back: read it next time."""
    _committed.pop((cluster_id, k.kind, namespace, name), None)


def forget_all() -> None:
    """For tests: a new test database hands out the same ids and resourceVersions again."""
    _committed.clear()
