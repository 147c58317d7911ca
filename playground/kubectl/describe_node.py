"""`kubectl describe node`: a node's roles, taints, lease, conditions, capacity, the pods on it and
what they ask of it, as describe.go's NodeDescriber prints them.

describe.describe → describe_node here → the store (the node's Lease in kube-node-lease, its
non-terminated pods) → a PrefixWriter. Requests and limits of a pod are resourcehelper's
PodRequestsAndLimits (the sum of its containers, at least its largest init container); fractions
are of the node's allocatable, cut to whole percents as kubectl's int64() cuts them.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from playground.store import api as store
from playground.store import quantity
from playground.store.errors import NotFound

from .describe_text import PrefixWriter, annotations_multiline, labels_multiline, rfc1123z, since

Obj = dict[str, Any]
ROLE_PREFIX = "node-role.kubernetes.io/"
TERMINATED = ("Succeeded", "Failed")
ALLOCATED = ("cpu", "memory", "ephemeral-storage")


def describe_node(cluster: str, w: PrefixWriter, node: Obj, now: datetime.datetime) -> None:
    meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{meta['name']}\n")
    roles = sorted(k.removeprefix(ROLE_PREFIX) for k in meta.get("labels") or {} if k.startswith(ROLE_PREFIX))
    w.write(0, f"Roles:\t{','.join(roles) or '<none>'}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    taints = [taint_text(t) for t in spec.get("taints") or []]
    w.write(0, "Taints:\t" + ("\t".join(f"{t}\n" for t in taints) or "<none>\n"))
    w.write(0, f"Unschedulable:\t{str(bool(spec.get('unschedulable'))).lower()}\n")
    describe_lease(cluster, w, meta["name"])
    describe_conditions(w, status.get("conditions") or [])
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type')}:\t{address.get('address')}\n")
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        if status.get(key):
            w.write(0, f"{title}:\n")
            for name in sorted(status[key]):
                w.write(1, f"{name}:\t{status[key][name]}\n")
    describe_system_info(w, status.get("nodeInfo") or {})
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    pods = [p for p in store.list(cluster, "Pod", namespace=None, field_selector=f"spec.nodeName={meta['name']}")
            if (p.get("status") or {}).get("phase") not in TERMINATED]
    describe_pods_on_node(w, pods, status.get("allocatable") or {}, now)


def taint_text(taint: Obj) -> str:
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key')}{value}:{taint.get('effect')}"


def describe_lease(cluster: str, w: PrefixWriter, name: str) -> None:
    try:
        lease = store.get(cluster, "Lease", name, "kube-node-lease")
    except NotFound:
        w.write(0, "Lease:\tFailed to get lease: leases.coordination.k8s.io \"%s\" not found\n" % name)
        return
    spec = lease.get("spec") or {}
    w.write(0, "Lease:\n")
    w.write(1, f"HolderIdentity:\t{spec.get('holderIdentity') or '<unset>'}\n")
    w.write(1, f"AcquireTime:\t{rfc1123z(spec['acquireTime']) if spec.get('acquireTime') else '<unset>'}\n")
    w.write(1, f"RenewTime:\t{rfc1123z(spec['renewTime']) if spec.get('renewTime') else '<unset>'}\n")


def describe_conditions(w: PrefixWriter, conditions: list[Obj]) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
    for c in conditions:
        w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                   f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")


def describe_system_info(w: PrefixWriter, info: Obj) -> None:
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"), ("Operating System", "operatingSystem"),
                       ("Architecture", "architecture"), ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        w.write(1, f"{title}:\t{info.get(key, '')}\n")


def pod_requests_and_limits(pod: Obj) -> tuple[dict[str, tuple[Decimal, str]], dict[str, tuple[Decimal, str]]]:
    """PodRequestsAndLimits: per resource, (value, the format of its first quantity)."""
    spec = pod.get("spec") or {}
    totals: tuple[dict[str, tuple[Decimal, str]], dict[str, tuple[Decimal, str]]] = ({}, {})
    for container in spec.get("containers") or []:
        for total, key in zip(totals, ("requests", "limits")):
            for name, text in ((container.get("resources") or {}).get(key) or {}).items():
                value, fmt = quantity._parse(text)
                before = total.get(name, (Decimal(0), fmt))
                total[name] = (before[0] + value, before[1])
    for container in spec.get("initContainers") or []:
        for total, key in zip(totals, ("requests", "limits")):
            for name, text in ((container.get("resources") or {}).get(key) or {}).items():
                value, fmt = quantity._parse(text)
                if value > total.get(name, (Decimal(-1), fmt))[0]:
                    total[name] = (value, fmt)
    return totals


def amount(entry: tuple[Decimal, str] | None) -> str:
    return quantity._canonicalize(entry[0], entry[1]) if entry else "0"


def percent(entry: tuple[Decimal, str] | None, allocatable: Obj, name: str) -> int:
    total = quantity.parse_quantity(allocatable.get(name, "0"))
    if not entry or total == 0:
        return 0
    if name == "cpu":  # MilliValue against MilliValue
        return int(float(int(entry[0] * 1000)) / float(int(total * 1000)) * 100)
    return int(float(int(entry[0])) / float(int(total)) * 100)


def describe_pods_on_node(w: PrefixWriter, pods: list[Obj], allocatable: Obj, now: datetime.datetime) -> None:
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    sums: tuple[dict[str, tuple[Decimal, str]], dict[str, tuple[Decimal, str]]] = ({}, {})
    for pod in pods:
        requests, limits = pod_requests_and_limits(pod)
        cells = [f"{amount(d.get(r))} ({percent(d.get(r), allocatable, r)}%)"
                 for r in ("cpu", "memory") for d in (requests, limits)]
        w.write(1, f"{pod['metadata']['namespace']}\t{pod['metadata']['name']}\t\t{cells[0]}\t{cells[1]}\t{cells[2]}\t"
                   f"{cells[3]}\t{since(pod['metadata'].get('creationTimestamp'), now)}\n")
        for total, part in zip(sums, (requests, limits)):
            for name, (value, fmt) in part.items():
                before = total.get(name, (Decimal(0), fmt))
                total[name] = (before[0] + value, before[1])
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for name in ALLOCATED:
        w.write(1, f"{name}\t{amount(sums[0].get(name))} ({percent(sums[0].get(name), allocatable, name)}%)\t"
                   f"{amount(sums[1].get(name))} ({percent(sums[1].get(name), allocatable, name)}%)\n")
