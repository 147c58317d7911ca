"""Clusters: each a sandbox of its own (nodes, namespaces, objects), created, reset and deleted
as a whole, each with its own resourceVersion counter, as each real cluster has its own etcd.

manage.py cluster / the demo / workshops → create, reset, delete → the store's tables; the
store's reads and writes (api.py) and the change log (changelog.py) find a cluster's row here.
"""
from __future__ import annotations

import collections
import contextlib
import datetime
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from . import clock, notify, quota
from .errors import AlreadyExists, BadRequest, NotFound, StoreError
from .models import Change, Cluster, ReconcileTrace, ResourceVersionCounter, StoredObject


def create(name: str) -> None:
    """A new, empty cluster (the demo content is added by playground.store.demo)."""
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", name):
        raise BadRequest(f'cluster name "{name}" must be a lowercase RFC 1123 label (a-z, 0-9, "-", at most 63)')
    if exists(name):
        raise AlreadyExists(f'clusters "{name}" already exists')
    wall = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        start = _first_version(cursor)
        Cluster.objects.create(name=name, resource_version=start, compacted_revision=start, clock_origin=wall,
                               clock_anchor=wall, clock_used=clock.wall_now())


def delete(name: str) -> None:
    with transaction.atomic():
        cluster_id, version = _lock(name)  # first: a writer of the cluster finishes before its rows go
        Change.objects.filter(cluster_id=cluster_id).delete()
        StoredObject.objects.filter(cluster_id=cluster_id).delete()
        Cluster.objects.filter(id=cluster_id).delete()
        _raise_high_water(version)


def reset(name: str) -> None:
    """Forget every object of the cluster; its watchers are told Gone and relist an empty cluster."""
    with transaction.atomic():
        cluster_id, _ = _lock(name)
        Change.objects.filter(cluster_id=cluster_id).delete()
        StoredObject.objects.filter(cluster_id=cluster_id).delete()
        ReconcileTrace.objects.filter(cluster_id=cluster_id).delete()
        Cluster.objects.filter(id=cluster_id).update(resource_version=F("resource_version") + 1,
                                                     compacted_revision=F("resource_version") + 1)


def exists(name: str) -> bool:
    return Cluster.objects.filter(name=name).exists()


def names() -> list[str]:
    return list(Cluster.objects.order_by("name").values_list("name", flat=True))


@dataclass(frozen=True)
class Summary:
    """One cluster as the list of clusters shows it: what `kubectl get nodes` and `kubectl get
    pods -A` would count there, and its clock (its age is its own simulated time)."""

    name: str
    nodes: int
    pods: int
    clock: clock.ClockState


def summaries() -> list[Summary]:
    """Every cluster by name, counted in two queries however many clusters a workshop has (the
    counts come from the index on kind, not from the objects' JSON)."""
    counts: collections.Counter[tuple[int, str]] = collections.Counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cluster_id, kind, COUNT(*) FROM {StoredObject._meta.db_table}"
            " WHERE kind IN ('Node', 'Pod') GROUP BY cluster_id, kind"
        )
        for cluster_id, kind, count in cursor.fetchall():
            counts[(cluster_id, kind)] = count
    rows = Cluster.objects.order_by("name").values("id", "name", *clock.CLUSTER_COLUMNS)
    return [Summary(row["name"], counts[(row["id"], "Node")], counts[(row["id"], "Pod")], clock.state_of(row))
            for row in rows]


def object_counts(name: str) -> dict[str, int]:
    """How many objects of each kind the cluster holds (`kubectl get KIND -A`'s row count),
    counted on the (cluster, kind, namespace, name) index without reading an object."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, COUNT(*) FROM {StoredObject._meta.db_table} WHERE cluster_id = %s GROUP BY kind",
            [id_of(name)],
        )
        return dict(cursor.fetchall())


def id_of(name: str) -> int:
    turn = getattr(_known, "row", None)
    if turn is not None and turn[0] == name:  # a controller manager's turn of the cluster read it already
        return turn[1]
    with connection.cursor() as cursor:  # plain SQL: asked on every read, cheaper than building the query
        cursor.execute(f"SELECT id FROM {Cluster._meta.db_table} WHERE name = %s", [name])
        found = cursor.fetchone()
    if found is None:
        raise NotFound(f'cluster "{name}" not found')
    return found[0]


_known = threading.local()  # this thread's turn of a cluster: (name, id, clock, quota, admission's lookups), or None
LookedUp = dict[tuple[str, ...], Any]


@contextlib.contextmanager
def known(name: str, cluster_id: int, state: clock.ClockState, limits: quota.Quota,
          looked_up: LookedUp | None = None) -> Iterator[None]:
    """Within this block, this thread's store batches of cluster `name` take its id, clock and
    quota from here instead of a query each, and its reads the id (`id_of`): a controller
    manager's turn of a cluster reads its row once for all the turn's reconciles (a round trip
    of every batch, on PostgreSQL). A clock or quota set meanwhile by another thread is taken at
    the next turn. `looked_up`: what admission read, kept from turn to turn by the caller
    (`looked_up_this_turn`); a new one for this block if not given."""
    before = getattr(_known, "row", None)
    _known.row = (name, cluster_id, state, limits, {} if looked_up is None else looked_up)
    try:
        yield
    finally:
        _known.row = before


def cluster_clock_and_quota(name: str) -> tuple[int, clock.ClockState, quota.Quota]:
    """What a store batch needs of its cluster, in one query (none within `known`)."""
    turn = getattr(_known, "row", None)
    if turn is not None and turn[0] == name:
        return turn[1:4]
    row = clock.cluster_row(name)
    if row is None:
        raise NotFound(f'cluster "{name}" not found')
    return row["id"], clock.state_of(row), quota.parse(row["quota"], name)


def looked_up_this_turn(name: str) -> LookedUp | None:
    """What the store's admission looked up in cluster `name` during this thread's turn (`known`;
    None outside one): the namespaces open for new objects, the ServiceAccounts and the
    PriorityClasses pods name. They are not read again, as the API server's admission plugins
    (NamespaceLifecycle, ServiceAccount, Priority) read their informers' copies, a moment
    behind, not the database. The store forgets them all when the thread writes an object of
    one of those kinds, and a controller manager when its informer sees one changed
    (runtime/cluster.py)."""
    turn = getattr(_known, "row", None)
    return turn[4] if turn is not None and turn[0] == name else None


def quota_of(name: str) -> quota.Quota:
    return cluster_clock_and_quota(name)[2]


def set_quota(name: str, **limits: Any) -> quota.Quota:
    """Set some of a cluster's limits (`pods=50`; None: no limit; "default": the settings'
    default again) and keep the others; returns the quota now in force. Objects already over
    a lowered limit stay: a quota refuses what comes next, as Kubernetes' does."""
    with transaction.atomic():
        stored = Cluster.objects.select_for_update().filter(name=name).values_list("quota", flat=True).first()
        if stored is None:
            raise NotFound(f'cluster "{name}" not found')
        Cluster.objects.filter(name=name).update(quota=quota.merged(stored, limits))
    return quota_of(name)


def usage(cluster_id: int) -> dict[str, int]:
    """What the cluster's quota counts now (quota.OBJECTS, PODS, NODES): one query on the
    (cluster, kind, namespace, name) index, reading only the pods' JSON (a finished pod no
    longer counts). Asked once per batch that creates something, in a cluster with a count limit."""
    system = quota.SYSTEM_NAMESPACES
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, namespace, CASE WHEN kind = 'Pod' THEN data ELSE '' END FROM {StoredObject._meta.db_table}"
            f" WHERE cluster_id = %s AND kind NOT IN ({', '.join(['%s'] * len(quota.UNCOUNTED_KINDS))})"
            f" AND namespace NOT IN ({', '.join(['%s'] * len(system))})",
            [cluster_id, *sorted(quota.UNCOUNTED_KINDS), *system],
        )
        return quota.usage_from_rows(cursor.fetchall())


def take_resource_versions(cursor: Any, cluster: str, cluster_id: int, count: int, *, kinds: Iterable[str],
                           only_if: tuple[str, list[Any]] | None = None,
                           written_at: datetime.datetime | None = None) -> None:
    """Take `count` of the cluster's resourceVersions, the answer read later with
    `resource_versions_taken` (in a pipeline, the rows stamped with them go with this statement:
    commit.py). The cluster row's lock, held until the transaction ends, orders the
    cluster's writers, so its change-log entries commit in resourceVersion order and a watcher
    never sees a later version before an earlier one; writers of other clusters do not wait for
    it. With `only_if` (an SQL condition and its parameters: a worker's fence, leases.py) nothing
    is taken when the condition is false, at no extra statement. The same statement tells the
    other processes of the change and the `kinds` it writes (notify.py), delivered when, and only
    if, the transaction commits; and, given `written_at`, notes a person's write (`written_last`)."""
    condition, params = only_if if only_if is not None else ("TRUE", [])
    told, told_params = notify.returning(cluster, kinds)  # the other processes, with the commit: no statement of its own
    written, written_params = ("", []) if written_at is None else (
        ", written_at = %s", [connection.ops.adapt_datetimefield_value(written_at)])
    cursor.execute(f"UPDATE {Cluster._meta.db_table} SET resource_version = resource_version + %s{written}"
                   f" WHERE id = %s AND {condition} RETURNING resource_version{told}",
                   [count, *written_params, cluster_id, *params, *told_params])


def written_last(names: Iterable[str]) -> str | None:
    """Of these clusters, the one a person wrote to last (None if nobody wrote to any): a
    learner's, not their controllers' (whose heartbeats move every cluster's resourceVersion)."""
    written = Cluster.objects.filter(name__in=list(names), written_at__isnull=False).order_by("-written_at")
    return written.values_list("name", flat=True).first()


def resource_versions_taken(cursor: Any, cluster: str, cluster_id: int, *,
                            only_if: tuple[str, list[Any]] | None = None) -> int | None:
    """The last version `take_resource_versions` took, remembered as the cluster's last seen; None
    when its `only_if` was false."""
    row = cursor.fetchone()
    if row is not None:
        saw_resource_version(cluster_id, row[0])
        return row[0]
    if only_if is None or not Cluster.objects.filter(id=cluster_id).exists():
        raise NotFound(f'cluster "{cluster}" not found')
    return None


# The resourceVersion this process saw each cluster (by id) reach last: its own commits, and the
# controller manager's read of every cluster each turn. A commit stamps its rows on it and takes
# the versions in the same round trip instead of waiting for them first; when another writer
# took some meanwhile, the versions it got say so, and it is rolled back and done again (commit.py).
# A guess too high (a commit rolled back after its versions were taken) costs the same, once.
_seen_versions: dict[int, int] = {}


def resource_version_seen(cluster_id: int) -> int | None:
    return _seen_versions.get(cluster_id)


def saw_resource_version(cluster_id: int, version: int) -> None:
    _seen_versions[cluster_id] = version


def _lock(name: str) -> tuple[int, int]:
    """The cluster's id and resourceVersion, its row locked until the transaction ends."""
    found = Cluster.objects.select_for_update().filter(name=name).values_list("id", "resource_version").first()
    if found is None:
        raise NotFound(f'cluster "{name}" not found')
    return found


def _first_version(cursor: Any) -> int:
    """A new cluster's first resourceVersion: above every one a deleted cluster reached, so a
    cluster made again under an old name is never mistaken for the one an informer saw before."""
    for _ in range(2):
        cursor.execute("UPDATE store_resourceversioncounter SET value = value + 1 WHERE id = 1 RETURNING value")
        row = cursor.fetchone()
        if row is not None:
            return row[0]
        cursor.execute("INSERT INTO store_resourceversioncounter (id, value) VALUES (1, 0)")  # a flushed test database
    raise StoreError("the resourceVersion counter is missing")


def _raise_high_water(version: int) -> None:
    if not ResourceVersionCounter.objects.filter(id=1).update(value=Greatest("value", Value(version))):
        ResourceVersionCounter.objects.create(id=1, value=version)
