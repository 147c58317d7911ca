"""Pod garbage collector: pods whose node is gone, as pkg/controller/podgc does.

A pod bound to a node that no longer exists (its kubelet will never finish it) is deleted at
once, without a grace period, after the node has been missing for the quarantine time; a pod
that is being deleted but was never scheduled goes the same way. Before the deletion a pod that
had not finished is marked Failed (markFailedAndDeletePodWithCondition: no kubelet will ever say
so), an orphan with the DisruptionTarget condition, reason DeletionByPodGC.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.store import api as store
from playground.store.errors import NotFound

Obj = dict[str, Any]
ORPHANS = "orphans"
QUARANTINE_SECONDS = 40.0  # podgc quarantineTime: a node may be missing briefly while it re-registers


class PodGarbageCollector(Controller):
    kind = "Pod"
    component = "pod-garbage-collector"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.missing_since: dict[str, datetime.datetime] = {}  # node name → when first seen missing

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Node" and self.cache.get("Node", obj["metadata"]["name"]) is None:
            yield ORPHANS  # a node went away: its pods are orphans now
        elif obj["kind"] == "Pod" and self.needs_collecting(obj):
            yield ORPHANS

    def reconcile(self, key: Key) -> Result:
        now = self.now()
        waits = []
        doomed: list[tuple[Obj, bool]] = []  # (pod, orphaned by its node)
        for pod in self.cache.list("Pod"):
            node = pod["spec"].get("nodeName")
            if node and self.cache.get("Node", node) is None:
                since = self.missing_since.setdefault(node, now)
                left = QUARANTINE_SECONDS - (now - since).total_seconds()
                if left > 0:
                    waits.append(left)
                    continue
                doomed.append((pod, True))
            elif not node and pod["metadata"].get("deletionTimestamp"):
                doomed.append((pod, False))
        self.collect(doomed, now)
        nodes = {n["metadata"]["name"] for n in self.cache.list("Node")}
        self.missing_since = {n: t for n, t in self.missing_since.items() if n not in nodes}
        return Result(requeue_after=min(waits)) if waits else Result()

    def collect(self, pods: list[tuple[Obj, bool]], now: datetime.datetime) -> None:
        for pod, orphaned in pods:
            meta = pod["metadata"]
            try:
                if pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                    store.update_status(self.cluster, marked_failed(pod, orphaned=orphaned, now=now))
                store.delete(self.cluster, "Pod", meta["name"], meta["namespace"], grace_period_seconds=0)
            except NotFound:
                continue  # gone already

    def needs_collecting(self, pod: Obj) -> bool:
        node = pod["spec"].get("nodeName")
        if node:
            return self.cache.get("Node", node) is None
        return bool(pod["metadata"].get("deletionTimestamp"))

    def summarize(self, key: Key, pod: Obj | None) -> Summary:
        if pod is None:
            return super().summarize(key, pod)
        node = pod["spec"].get("nodeName")
        observed = [["node", node or "none yet"], ["phase", pod.get("status", {}).get("phase", "Pending")]]
        return observed, [["node", "a node that fits it"]], "none" if node else "not scheduled: a node must be chosen"


def marked_failed(pod: Obj, *, orphaned: bool, now: datetime.datetime) -> Obj:
    """The pod in phase Failed and, when its node is gone, with DisruptionTarget (DeletionByPodGC)."""
    status = {**pod.get("status", {}), "phase": "Failed"}
    if orphaned:
        condition = {
            "type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
            "message": "PodGC: node no longer exists", "lastTransitionTime": store.timestamp(now),
        }
        status["conditions"] = [*(c for c in status.get("conditions", []) if c["type"] != "DisruptionTarget"), condition]
    return {**pod, "status": status}
