"""The reconcile recorder: every reconcile of a cluster, always, in a small ring in memory.

Tracer (tracing.py) → Ring.add (each reconcile, as compact JSON) → publish (while a loop page
watches the cluster: the records it has not published yet, in one write) → store/traces.py →
the loop page, in whichever process it runs. Recording never waits for a page: a learner who
opens the loop page after a rollout finds the rollout there.

The ring is bounded twice, so that a server with 200 sandboxes holds at most 200 × (RING_BYTES +
ROUTINE_BYTES) of records (14.7 MB), whatever the clusters do: at most RING_RECORDS records and
RING_BYTES of compressed JSON per cluster, the oldest dropped first, and the nodes' heartbeats
apart in a small lane of their own (Ring); one record is at most RECORD_BYTES of JSON (a 500-pod
burst lists the writes that fit and counts the rest). Each record carries its place in its lane's story, `seq`
(1, 2, 3, ... since the recorder started) and `epoch` (which start it was), so the page can mark
every gap: records dropped from the ring before a page asked for them, and the time before the
recorder (re)started, when nothing was recorded.
"""
from __future__ import annotations

import json
import threading
import uuid
import zlib
from collections import deque
from typing import Any

from playground.store import traces

RING_RECORDS = 256  # reconciles kept per cluster
RING_BYTES = 64 * 1024  # and at most this much (compressed) per cluster
ROUTINE_RECORDS, ROUTINE_BYTES = 32, 8 * 1024  # the nodes' heartbeats, in a lane of their own
RECORD_BYTES = 2 * 1024  # one record's JSON at most; longer lists of writes are cut and counted
LANES = {"main": (RING_RECORDS, RING_BYTES), "routine": (ROUTINE_RECORDS, ROUTINE_BYTES)}
RECORD_WINDOW_BITS = 11  # a 2 KB window: a whole record (zlib.decompress reads any window)

Record = tuple[int, str, str, str, bytes, bool]  # seq, controller, kind, key, compressed JSON, routine


def compress(data: bytes) -> bytes:
    """zlib's fastest level, with a window as long as a record and little memory: a record of 700
    bytes of JSON keeps in about 230, as with zlib's defaults, whose 256 KB of state, mapped and
    zeroed afresh for each record, made compressing 4% of a worker's CPU at 200 clusters (side by
    side, 50 µs a record against 6.6)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, RECORD_WINDOW_BITS, 2)
    return compressor.compress(data) + compressor.flush()


class Lane:
    """One story of the ring, oldest first, bounded in records and bytes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.most, self.most_bytes = LANES[name]
        self.records: deque[Record] = deque()
        self.bytes = 0
        self.seq = 0
        self.published = 0  # the last seq written to the store

    def add(self, trace: traces.Trace, epoch: str) -> None:
        self.seq += 1
        data = compress(encode({**trace, "seq": self.seq, "epoch": epoch, "lane": self.name}).encode())
        self.records.append((self.seq, trace["controller"], trace["kind"], trace["key"], data, self.name == "routine"))
        self.bytes += len(data)
        while len(self.records) > self.most or self.bytes > self.most_bytes:
            self.bytes -= len(self.records.popleft()[4])


class Ring:
    """One cluster's last reconciles, in two lanes numbered apart: the nodes' routine heartbeats
    (a kubelet renewing its Lease, the node controller finding every node Ready: one a second
    in an idle cluster, and in an instant one thousands) and the rest, so that the heartbeats
    never push a rollout out of the ring."""

    def __init__(self, cluster: str, *, started: str) -> None:
        self.cluster = cluster
        self.epoch = f"{uuid.uuid4().hex[:8]}@{started}"  # this start of the recorder, and its simulated time
        self.lanes = {name: Lane(name) for name in LANES}
        self.lock = threading.Lock()  # the controllers add, a page's request may publish

    @property
    def seq(self) -> int:
        """Reconciles recorded so far, both lanes."""
        return sum(lane.seq for lane in self.lanes.values())

    @property
    def bytes(self) -> int:
        return sum(lane.bytes for lane in self.lanes.values())

    @property
    def records(self) -> list[Record]:
        return [r for lane in self.lanes.values() for r in lane.records]

    def add(self, trace: traces.Trace, *, routine: bool = False) -> None:
        with self.lock:
            self.lanes["routine" if routine else "main"].add(trace, self.epoch)

    def unpublished(self) -> list[Record]:
        with self.lock:
            return [r for lane in self.lanes.values() for r in lane.records if r[0] > lane.published]

    def publish(self) -> int:
        """Write what the store has not seen yet (one transaction); returns how many records."""
        with self.lock:
            fresh = {name: [r for r in lane.records if r[0] > lane.published] for name, lane in self.lanes.items()}
        rows = [(*r[1:4], text(r), r[5]) for name in LANES for r in fresh[name]]
        if rows:
            traces.record_encoded(self.cluster, rows)
            for name, records in fresh.items():
                if records:
                    self.lanes[name].published = records[-1][0]
        return len(rows)


def text(record: Record) -> str:
    """A record's JSON."""
    return zlib.decompress(record[4]).decode()


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
_resting: dict[str, Ring] = {}  # asleep clusters' rings: kept, within the same bound per cluster
_rings_lock = threading.Lock()


def start(cluster: str, *, started: str) -> Ring:
    """A new recorder for the cluster (a runtime started for it): a new epoch; or, for a cluster
    that woke up, the ring it had when it fell asleep (its time stood still: there is no gap)."""
    with _rings_lock:
        ring = _resting.pop(cluster, None) or Ring(cluster, started=started)
        _rings[cluster] = ring
    return ring


def rest(cluster: str, ring: Ring) -> None:
    """The cluster fell asleep: its runtime goes, its records stay for when it wakes here."""
    with _rings_lock:
        if _rings.get(cluster) is ring:
            _resting[cluster] = _rings.pop(cluster)


def stop(cluster: str, ring: Ring | None = None) -> None:
    """The cluster's runtime is gone (the cluster was deleted): so are its records in memory."""
    with _rings_lock:
        if ring is None or _rings.get(cluster) is ring:
            _rings.pop(cluster, None)
            _resting.pop(cluster, None)


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
