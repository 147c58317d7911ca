"""Reconcile traces: the records behind the controller loop page, and the flag that asks for them.

runtime/recorder.py (every reconcile, in a ring in the controllers' memory) → published here
while a loop page watches the cluster → the ReconcileTrace table → the loop page
(web/loop_views.py) and its socket, in whichever process they run. A trace is not a Kubernetes
object and never enters the change log: it is a teaching aid, like `kubectl get --v=8`'s request
log, so it lives beside the objects, bounded (the last KEEP records per cluster). watch() sets a
flag with an expiry that the page renews; the controllers publish their ring while it is set
(what they recorded before it, too, as far as the ring reaches). A cluster nobody watches writes
none; a process's controllers look at every cluster's flag in one query, at most once per
WATCH_CHECK_SECONDS of real time.

Also here, because only the store reads its tables: the change-log entries of one object
(object_history), from which the Deployment page draws its chart.
"""
from __future__ import annotations

import datetime
import json
import time
from typing import Any, TypedDict

from django.db import transaction

from . import clusters
from .models import Change, ReconcileTrace, TraceWatch

KEEP = 300  # records per cluster (a ring's worth and a little more); older ones are trimmed as new ones arrive
ROUTINE_KEEP = 40  # and of the nodes' heartbeats, kept apart (runtime/recorder.py)
TRIM_EVERY = 25  # ids between two trims: the table holds at most KEEP + TRIM_EVERY per cluster
WATCH_SECONDS = 30.0  # how long one watch() keeps recording without being renewed
WATCH_CHECK_SECONDS = 1.0  # how stale a runtime's idea of the flag may be (other processes' pages)

_local_watches = 0  # watch() and unwatch() calls in this process: its runtimes look again at once
# The clusters watched at this process's last look: (when, _local_watches then, their names)
_watched: tuple[float, int, frozenset[str]] | None = None


class Trace(TypedDict, total=False):
    """One reconcile, as runtime/tracing.py records it and the loop page shows it."""

    id: int
    controller: str
    kind: str
    key: str
    subject: str  # the key in words, e.g. "Deployment default/web"
    time: str  # simulated, RFC 3339
    observed: list[list[str]]  # [label, value] pairs
    desired: list[list[str]]
    difference: str
    actions: list[dict[str, Any]]  # verb, kind, namespace, name, text, owner
    more_actions: int  # writes beyond the ones listed (a burst)
    events: list[dict[str, str]]
    outcome: str  # e.g. "looks again in 5s", "conflict: retried"
    objects: list[str]  # "Kind/namespace/name" of the key and every object it wrote, and their owners
    seq: int  # its place in its lane's story: 1, 2, 3, ... since the recorder started
    epoch: str  # which start of the recorder: "<id>@<simulated time it started>"
    lane: str  # "main", or "routine" for the nodes' heartbeats


def _wall() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# -- The flag ------------------------------------------------------------------------------------


def watch(cluster: str, *, seconds: float = WATCH_SECONDS) -> None:
    """Record this cluster's reconciles for the next `seconds` (a loop page is open)."""
    global _local_watches
    cluster_id = clusters.id_of(cluster)
    TraceWatch.objects.update_or_create(cluster_id=cluster_id, defaults={"until": _wall() + datetime.timedelta(seconds=seconds)})
    _local_watches += 1


def unwatch(cluster: str) -> None:
    """Stop recording (the last loop page closed, or a test wants quiet)."""
    global _local_watches
    TraceWatch.objects.filter(cluster__name=cluster).delete()
    _local_watches += 1


def watched(cluster: str) -> bool:
    """Whether a loop page watches the cluster, as this process looked at most
    WATCH_CHECK_SECONDS ago (or since its last watch or unwatch): one query for all its clusters,
    where a look per cluster was 200 queries a second for a room's busy controllers."""
    global _watched
    now = time.monotonic()
    if _watched is None or _watched[1] != _local_watches or now - _watched[0] >= WATCH_CHECK_SECONDS:
        names = TraceWatch.objects.filter(until__gt=_wall()).values_list("cluster__name", flat=True)
        _watched = (now, _local_watches, frozenset(names))
    return cluster in _watched[2]


def forget_watched() -> None:
    """For tests: a new test database has no watches, whatever the last look saw."""
    global _watched
    _watched = None


# -- The records ---------------------------------------------------------------------------------


def record(cluster: str, traces: list[Trace]) -> None:
    """Keep these records (oldest first), and trim the cluster's to the last KEEP."""
    record_encoded(cluster, [(t["controller"], t["kind"], t["key"], json.dumps(t, separators=(",", ":")), False) for t in traces])


def record_encoded(cluster: str, records: list[tuple[str, str, str, str, bool]]) -> None:
    """As record, for (controller, kind, key, JSON, routine) as the recorder's ring holds them."""
    if not records:
        return
    cluster_id = clusters.id_of(cluster)
    rows = [
        ReconcileTrace(cluster_id=cluster_id, controller=controller, kind=kind, key=key, data=data, routine=routine)
        for controller, kind, key, data, routine in records
    ]
    with transaction.atomic():
        ReconcileTrace.objects.bulk_create(rows)
        if len(rows) > 1 or rows[0].id is None or rows[0].id % TRIM_EVERY == 0:
            trim(cluster_id, routine=False)
            trim(cluster_id, routine=True)


def trim(cluster_id: int, *, routine: bool = False) -> None:
    """Drop all but the cluster's last KEEP records (ROUTINE_KEEP of the nodes' heartbeats)."""
    keep = ROUTINE_KEEP if routine else KEEP
    mine = ReconcileTrace.objects.filter(cluster_id=cluster_id, routine=routine)
    cutoff = mine.order_by("-id").values_list("id", flat=True)[keep:keep + 1].first()
    if cutoff is not None:
        mine.filter(id__lte=cutoff).delete()


def latest(cluster: str, *, limit: int = KEEP, after: int = 0) -> list[Trace]:
    """The cluster's records newest first (only those after id `after`), each with its id."""
    rows = (
        ReconcileTrace.objects.filter(cluster_id=clusters.id_of(cluster), id__gt=after)
        .order_by("-id")
        .values_list("id", "data")[:limit]
    )
    return [{**json.loads(data), "id": id_} for id_, data in rows]


def last_id(cluster: str) -> int:
    """The id of the newest record (0 if none): a cheap "anything new?" for the page's socket."""
    found = ReconcileTrace.objects.filter(cluster__name=cluster).order_by("-id").values_list("id", flat=True).first()
    return found or 0


def clear(cluster: str) -> None:
    ReconcileTrace.objects.filter(cluster_id=clusters.id_of(cluster)).delete()


# -- One object's history ------------------------------------------------------------------------


def object_history(cluster: str, kind: str, namespace: str, name: str, *, since: int = 0) -> list[tuple[int, str, dict[str, Any], str]]:
    """(resourceVersion, type, object, the simulated time of the write in RFC 3339, or "" for an
    entry from before the log kept it) of every change-log entry of one object after `since`,
    oldest first: what is left of it (the log is compacted to its retention window)."""
    rows = (
        Change.objects.filter(cluster_id=clusters.id_of(cluster), resource_version__gt=since, kind=kind, namespace=namespace, name=name)
        .order_by("resource_version")
        .values_list("resource_version", "type", "data", "time")
    )
    return [(rv, type_, json.loads(data), time) for rv, type_, data, time in rows]
