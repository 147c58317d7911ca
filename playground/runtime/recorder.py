"""The reconcile recorder: every reconcile of a cluster, always, in a small ring in memory.

Tracer (tracing.py) → Ring.add (each reconcile, as compact JSON) → publish (while a loop page
watches the cluster: the records it has not published yet, in one write) → store/traces.py →
the loop page, in whichever process it runs. Recording never waits for a page: a learner who
opens the loop page after a rollout finds the rollout there.

The ring is bounded twice, so that a server with 200 sandboxes holds at most 200 × RING_BYTES
of records (25 MB), whatever the clusters do: at most RING_RECORDS records and RING_BYTES of
JSON per cluster, the oldest dropped first; one record is at most RECORD_BYTES (a 500-pod burst
lists the writes that fit and counts the rest). Each record carries its place in the ring's
story, `seq` (1, 2, 3, ... since the recorder started) and `epoch` (which start it was), so the
page can mark every gap: records dropped from the ring before a page asked for them, and the
time before the recorder (re)started, when nothing was recorded.
"""
from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from typing import Any

from playground.store import traces

RING_RECORDS = 256  # reconciles kept per cluster (about four minutes of an idle cluster's heartbeats at 1×)
RING_BYTES = 128 * 1024  # and at most this much JSON per cluster
RECORD_BYTES = 2 * 1024  # one record at most; longer lists of writes are cut and counted


class Ring:
    """One cluster's last reconciles, oldest first, as (seq, controller, kind, key, JSON)."""

    def __init__(self, cluster: str, *, started: str) -> None:
        self.cluster = cluster
        self.epoch = f"{uuid.uuid4().hex[:8]}@{started}"  # this start of the recorder, and its simulated time
        self.records: deque[tuple[int, str, str, str, str]] = deque()
        self.bytes = 0
        self.seq = 0
        self.published = 0  # the last seq written to the store
        self.lock = threading.Lock()  # the controllers add, a page's request may publish

    def add(self, trace: traces.Trace) -> None:
        with self.lock:
            self.seq += 1
            data = encode({**trace, "seq": self.seq, "epoch": self.epoch})
            self.records.append((self.seq, trace["controller"], trace["kind"], trace["key"], data))
            self.bytes += len(data)
            while len(self.records) > RING_RECORDS or self.bytes > RING_BYTES:
                self.bytes -= len(self.records.popleft()[4])

    def unpublished(self) -> list[tuple[int, str, str, str, str]]:
        with self.lock:
            return [r for r in self.records if r[0] > self.published]

    def publish(self) -> int:
        """Write what the store has not seen yet (one transaction); returns how many records."""
        fresh = self.unpublished()
        if fresh:
            traces.record_encoded(self.cluster, [r[1:] for r in fresh])
            self.published = fresh[-1][0]
        return len(fresh)


def encode(trace: dict[str, Any]) -> str:
    """Compact JSON of at most RECORD_BYTES: a burst's writes and Events are cut to what fits."""
    data = json.dumps(trace, separators=(",", ":"))
    trace = dict(trace)
    while len(data) > RECORD_BYTES and (trace.get("actions") or trace.get("events")):
        longer = "actions" if len(trace.get("actions") or ()) >= len(trace.get("events") or ()) else "events"
        cut = len(trace[longer]) // 2
        if longer == "actions":
            trace["more_actions"] = trace.get("more_actions", 0) + len(trace["actions"]) - cut
        else:
            trace["more_events"] = trace.get("more_events", 0) + len(trace["events"]) - cut
        trace[longer] = trace[longer][:cut]
        data = json.dumps(trace, separators=(",", ":"))
    if len(data) > RECORD_BYTES:  # long summaries: the record says what it was about, and no more
        trace.update(observed=[], desired=[], objects=trace.get("objects", [])[:8], cut=True)
        trace.update({k: v[:200] for k, v in trace.items() if isinstance(v, str) and k != "epoch"})
        data = json.dumps(trace, separators=(",", ":"))
    return data


# -- This process's rings ------------------------------------------------------------------------

_rings: dict[str, Ring] = {}
_rings_lock = threading.Lock()


def start(cluster: str, *, started: str) -> Ring:
    """A new recorder for the cluster (a runtime started for it): a new epoch."""
    ring = Ring(cluster, started=started)
    with _rings_lock:
        _rings[cluster] = ring
    return ring


def stop(cluster: str, ring: Ring | None = None) -> None:
    """The cluster's runtime is gone (the cluster was deleted): so are its records in memory."""
    with _rings_lock:
        if ring is None or _rings.get(cluster) is ring:
            _rings.pop(cluster, None)


def publish(cluster: str) -> int:
    """Publish the cluster's ring now, if its controllers run in this process (0 if not: then
    they publish within traces.WATCH_CHECK_SECONDS of the page's watch)."""
    with _rings_lock:
        ring = _rings.get(cluster)
    return ring.publish() if ring is not None else 0


def memory() -> dict[str, int]:
    """Rings and bytes of JSON held by this process: what the 200-cluster bound is about."""
    with _rings_lock:
        rings = list(_rings.values())
    return {"rings": len(rings), "records": sum(len(r.records) for r in rings), "bytes": sum(r.bytes for r in rings)}
