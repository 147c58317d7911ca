"""What a Pod's status says, read the way Kubernetes reads it: active, ready, available.

Controllers, kubelets, pages and the loop's traces all ask these questions of the same JSON;
they are answered here once, as pkg/api/v1/pod/util.go (IsPodReady, IsPodAvailable) and
pkg/controller/controller_utils.go (IsPodActive) answer them.
"""
from __future__ import annotations

import datetime
from typing import Any

from .api import parse_timestamp

Obj = dict[str, Any]


def is_active(pod: Obj) -> bool:
    """Not finished and not being deleted (controller.IsPodActive)."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_ready(pod: Obj) -> bool:
    """The Ready condition is True (podutil.IsPodReady)."""
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def ready_since(pod: Obj) -> datetime.datetime | None:
    for condition in pod.get("status", {}).get("conditions", []):
        if condition["type"] == "Ready" and condition["status"] == "True":
            return parse_timestamp(condition.get("lastTransitionTime"))
    return None


def is_available(pod: Obj, min_ready_seconds: int, now: datetime.datetime) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable)."""
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds == 0 or (now - since).total_seconds() >= min_ready_seconds

