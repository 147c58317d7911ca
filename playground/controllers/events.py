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
from typing import TYPE_CHECKING, Any

from playground.store import api as store

if TYPE_CHECKING:
    from .runtime import Cache

Obj = dict[str, Any]
NORMAL, WARNING = "Normal", "Warning"
_unique = itertools.count()


class EventRecorder:
    """Records Events for one component (`replicaset-controller`, `kubelet`, ...) of one cluster."""

    def __init__(self, cluster: str, cache: Cache, *, component: str, host: str = "") -> None:
        self.cluster = cluster
        self.cache = cache
        self.component = component
        self.host = host
        self._seen: dict[tuple[str, ...], str] = {}  # correlation key → the Event's name

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
        existing = self.cache.get("Event", f"{namespace}/{self._seen[key]}") if key in self._seen else None
        if existing is not None:
            batch.update({**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": when})
            return
        name = f"{meta['name']}.{self._suffix(at or batch.now)}"
        self._seen[key] = name
        batch.create(
            {
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
        )

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
