"""Events: what every controller and kubelet action leaves behind, as Kubernetes records them.

A controller's reconcile → `recorder.record(batch, obj, "Normal", "SuccessfulCreate", "Created
pod: web-x7k2p")` → a core/v1 Event written in the same batch as the action it describes.
A repeat of the same event (same object, type, reason, message and source) updates the first
one's `count` and `lastTimestamp` instead of adding another, as client-go's EventCorrelator
does (tools/record/events_cache.go); names are `<object>.<hex of the time in ns>`.
"""
from __future__ import annotations

import datetime
import itertools
import random
from collections import OrderedDict
from typing import Any

from playground.store import api as store
from playground.store.errors import NotFound

Obj = dict[str, Any]
NORMAL, WARNING = "Normal", "Warning"
REMEMBERED_EVENTS = 4_096  # recent events a recorder can still aggregate into (client-go keeps 4,096 too)
# From a random start: two processes (controller workers, one taking a cluster over from the
# other) naming an Event of the same object in the same second must not pick the same name
_unique = itertools.count(random.randrange(900_000_000))  # 100 million names before the wrap


class EventRecorder:
    """Records Events for one component (`replicaset-controller`, `kubelet`, ...) of one cluster."""

    def __init__(self, cluster: str, *, component: str, host: str = "") -> None:
        self.cluster = cluster
        self.component = component
        self.host = host
        self._seen: OrderedDict[tuple[str, ...], Obj] = OrderedDict()  # correlation key → the Event as written

    def record(
        self,
        batch: store.Batch,
        obj: Obj,
        type_: str,
        reason: str,
        message: str,
        *,
        field_path: str = "",
        at: datetime.datetime | None = None,
    ) -> None:
        """Record an Event in `batch`; `at` when it happened earlier than the batch's time."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), field_path, type_, reason, message)
        when = store.timestamp(at or batch.now)
        existing = self._seen.get(key)
        if existing is not None and self._repeat(batch, key, existing, when):
            return
        name = f"{meta['name']}.{self._suffix(at or batch.now)}"
        self._seen[key] = event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": _reference(obj, field_path),
            "type": type_,
            "reason": reason,
            "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "reportingComponent": self.component,
            "reportingInstance": self.host,
            "firstTimestamp": when,
            "lastTimestamp": when,
            "count": 1,
        }
        if len(self._seen) > REMEMBERED_EVENTS:
            self._seen.popitem(last=False)
        batch.create(event, new_name=True)  # unique by its time and this process's count: no lookup first

    def _repeat(self, batch: store.Batch, key: tuple[str, ...], existing: Obj, when: str) -> bool:
        """Count a repeat on the Event already written; False if that Event is gone."""
        repeated = {**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": when}
        repeated["metadata"] = {k: v for k, v in existing["metadata"].items() if k != "resourceVersion"}
        try:
            batch.update(repeated)
        except NotFound:
            del self._seen[key]
            return False
        self._seen[key] = repeated
        self._seen.move_to_end(key)
        return True

    @staticmethod
    def _suffix(now: datetime.datetime) -> str:
        nanoseconds = int(now.timestamp()) * 1_000_000_000 + next(_unique) % 1_000_000_000
        return f"{nanoseconds:x}"


def _reference(obj: Obj, field_path: str) -> Obj:
    meta = obj["metadata"]
    reference = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if meta.get("namespace"):
        reference["namespace"] = meta["namespace"]
    if field_path:
        reference["fieldPath"] = field_path
    return reference
