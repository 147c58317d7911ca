"""The controller workers' leases on clusters, in a table of their own (models.ClusterLease), and
the fence every write of a worker passes.

runtime/leases.py (which clusters to take, renew, let go) → here (the rows) ← commit.py
(the fence). As client-go's leader election does with a coordination.k8s.io Lease
(tools/leaderelection/resourcelock), a lease is taken by a compare-and-swap on the record the
taker saw, so two workers cannot both take it; a database advisory lock would not do, since it
belongs to a connection and PgBouncer's transaction pooling hands connections around.

Fencing: a worker's thread says which cluster it works on and at which epoch (`holding`), and the
store's commit takes its resourceVersions only if the lease row still names that holder and
epoch — in the same statement, the row share-locked on PostgreSQL, so a takeover waits for a
write under way and any write after it is refused (`Fenced`).
"""
from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from .errors import Fenced
from .models import Cluster, ClusterLease

TABLE = ClusterLease._meta.db_table


@dataclass(frozen=True)
class LeaseRecord:
    """One row as a worker reads it: `cluster` is None for a worker's own lease."""

    cluster: str | None
    holder_identity: str
    renew_time: datetime.datetime
    lease_duration_seconds: float
    lease_transitions: int


def read() -> list[LeaseRecord]:
    """Every lease, in one query."""
    rows = ClusterLease.objects.values_list(
        "cluster__name", "holder_identity", "renew_time", "lease_duration_seconds", "lease_transitions")
    return [LeaseRecord(*row) for row in rows]


def acquire(cluster: str, seen: LeaseRecord | None, *, identity: str, duration: float,
            now: datetime.datetime) -> int | None:
    """Take the cluster's lease if it is still as `seen` (None: no row yet); returns the new
    epoch, or None when another worker changed it first."""
    if seen is None:
        created = ClusterLease.objects.bulk_create(
            [ClusterLease(cluster_id=Cluster.objects.get(name=cluster).id, holder_identity=identity, acquire_time=now,
                          renew_time=now, lease_duration_seconds=duration, lease_transitions=1)],
            ignore_conflicts=True,
        )
        return 1 if created and _holds(cluster, identity, 1) else None
    epoch = seen.lease_transitions + 1
    taken = ClusterLease.objects.filter(
        cluster__name=cluster, holder_identity=seen.holder_identity, renew_time=seen.renew_time,
        lease_transitions=seen.lease_transitions,
    ).update(holder_identity=identity, acquire_time=now, renew_time=now, lease_duration_seconds=duration,
             lease_transitions=epoch)
    return epoch if taken else None


def _holds(cluster: str, identity: str, epoch: int) -> bool:
    # bulk_create with ignore_conflicts cannot tell a row made from one skipped
    return ClusterLease.objects.filter(cluster__name=cluster, holder_identity=identity, lease_transitions=epoch).exists()


def join(identity: str, *, duration: float, now: datetime.datetime) -> None:
    """The worker's own lease: the others count it among the workers sharing the clusters."""
    ClusterLease.objects.create(cluster=None, holder_identity=identity, acquire_time=now, renew_time=now,
                                lease_duration_seconds=duration)


def renew(identity: str, clusters: Iterable[str], *, now: datetime.datetime) -> None:
    """Renew the worker's own lease and those of these clusters, in one statement. Only those it
    works on: one it gave up on its own (its renew deadline passed) must expire for another."""
    ClusterLease.objects.filter(Q(cluster=None) | Q(cluster__name__in=list(clusters)),
                                holder_identity=identity).update(renew_time=now)


def release(identity: str, clusters: Iterable[str], *, now: datetime.datetime) -> None:
    """Let these clusters go at once (a clean stop, or more than a fair share): another worker
    may take them without waiting for them to expire, as ReleaseOnCancel does."""
    ClusterLease.objects.filter(holder_identity=identity, cluster__name__in=list(clusters)).update(
        holder_identity="", renew_time=now, lease_duration_seconds=1)


def leave(identity: str) -> None:
    ClusterLease.objects.filter(holder_identity=identity, cluster=None).delete()


def forget_worker(seen: LeaseRecord) -> None:
    """A dead worker's own lease, once expired (if it is still as seen)."""
    ClusterLease.objects.filter(cluster=None, holder_identity=seen.holder_identity,
                                renew_time=seen.renew_time).delete()


# -- The fence ----------------------------------------------------------------------------------

_held = threading.local()  # the cluster this thread works on for a worker: (cluster, identity, epoch)


@contextlib.contextmanager
def holding(cluster: str, identity: str, epoch: int) -> Iterator[None]:
    """Writes to `cluster` made in this block are refused unless `identity` still holds its
    lease at `epoch`."""
    before = getattr(_held, "fence", None)
    _held.fence = (cluster, identity, epoch)
    try:
        yield
    finally:
        _held.fence = before


def fence_of(cluster: str) -> tuple[str, int] | None:
    """(identity, epoch) a write to `cluster` from this thread must still hold, if any."""
    fence = getattr(_held, "fence", None)
    return fence[1:] if fence is not None and fence[0] == cluster else None


def fence_condition(cluster_id: int, fence: tuple[str, int]) -> tuple[str, list[Any]]:
    """An SQL condition that holds while the lease is still the fence's, and its parameters. On
    PostgreSQL the row is share-locked until the transaction ends: a takeover (an UPDATE of
    that row) waits for this write, and once it has committed this condition is false (READ
    COMMITTED re-reads a row it had to wait for). SQLite runs one write transaction at a time."""
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    return (f"EXISTS (SELECT 1 FROM {TABLE} WHERE cluster_id = %s AND holder_identity = %s"
            f" AND lease_transitions = %s{lock})", [cluster_id, *fence])


def check_fence(cursor: Any, cluster: str, cluster_id: int, fence: tuple[str, int]) -> None:
    """Raise Fenced unless the fence holds (for a transaction that takes no resourceVersion)."""
    condition, params = fence_condition(cluster_id, fence)
    cursor.execute(f"SELECT {condition}", params)
    if not cursor.fetchone()[0]:
        raise fenced(cluster, fence)


def fenced(cluster: str, fence: tuple[str, int]) -> Fenced:
    identity, epoch = fence
    return Fenced(f'cluster "{cluster}": worker {identity} no longer holds its lease (epoch {epoch});'
                  " the write is refused")

