"""A pod's QoS class, as pkg/apis/core/v1/helper/qos ComputePodQOS gives it: admission writes it in
the new pod's status, the kubelet keeps it there, the pages show it."""
from __future__ import annotations

from typing import Any

from .quantity import parse_quantity

Obj = dict[str, Any]


QOS_RESOURCES = ("cpu", "memory")  # isSupportedQoSComputeResource


def qos_class(spec: Obj) -> str:
    """ComputePodQOS: Guaranteed when every container limits cpu and memory and what all of them
    request equals what they limit; BestEffort when nothing is requested or limited (a zero
    quantity counts as none); Burstable otherwise."""
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        _add_positive(requests, resources.get("requests") or {})
        limited = _add_positive(limits, resources.get("limits") or {})
        guaranteed &= limited >= set(QOS_RESOURCES)
    if not requests and not limits:
        return "BestEffort"
    guaranteed &= all(name in limits and limits[name] == value for name, value in requests.items())
    return "Guaranteed" if guaranteed and len(requests) == len(limits) else "Burstable"


def _add_positive(totals: dict[str, Any], quantities: Obj) -> set[str]:
    """Add the positive cpu and memory quantities into `totals`; returns their names."""
    found = set()
    for name in QOS_RESOURCES:
        try:
            value = parse_quantity(str(quantities[name])) if name in quantities else 0
        except ValueError:
            continue  # malformed: validation, which runs next, refuses it with its place
        if value > 0:
            totals[name] = totals.get(name, 0) + value
            found.add(name)
    return found
