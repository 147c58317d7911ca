"""Service IPs and node ports: what the API server's service registry allocates on create.

store.create(Service) → admission (decode, defaults, validation) → here → persist. Like the
registry's `beginCreate` (pkg/registry/core/service/storage/storage.go and alloc.go): clusterIP
and clusterIPs are brought in line, ipFamilyPolicy and ipFamilies are settled for this
single-stack IPv4 cluster, a ClusterIP comes from the service CIDR (10.96.0.0/12, kind's
default) and NodePort and LoadBalancer ports get nodePorts from 30000-32767. A requested IP or
port must be in the range and free, refused with the allocators' own messages
(ipallocator/bitmap.go, portallocator/allocator.go).

Kubernetes keeps a bitmap per range; here what is allocated is read from the cluster's Services
(one query), so a deleted Service frees its IP and ports with nothing to release, and every
cluster (sandbox) has its ranges to itself. Dynamic picks follow the allocators' scan with
offset (KEP-3070): the low band of each range (10.96.0.1-10.96.1.0, ports 30000-30085) is kept
for addresses people choose, like kube-dns' 10.96.0.10, and is used only once the rest is full.
Kubernetes starts the scan of each band at a random place; the playground starts at its
beginning, so that a lesson shows the same addresses every time.
"""
from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import FieldError, Invalid, StoreError, invalid
from .models import StoredObject

Obj = dict[str, Any]
SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/12")  # kind's --service-cluster-ip-range
NODE_PORT_RANGE = (30000, 32767)  # --service-node-port-range
CLUSTER_IP_NONE = "None"  # a headless Service
SINGLE_STACK, PREFER_DUAL_STACK, REQUIRE_DUAL_STACK = "SingleStack", "PreferDualStack", "RequireDualStack"
IPV4, IPV6 = "IPv4", "IPv6"


@dataclass(frozen=True)
class InUse:
    """What the cluster's Services hold: their cluster IPs and node ports (health checks included)."""

    cluster_ips: frozenset[str]
    node_ports: frozenset[int]


def in_use(cluster_id: int, pending: Iterable[Obj] = ()) -> InUse:
    """The IPs and ports held by the cluster's stored Services and by `pending` ones (created
    earlier in the same batch): one query."""
    rows = StoredObject.objects.filter(cluster_id=cluster_id, kind="Service").values_list("data", flat=True)
    return held_by([*(json.loads(data) for data in rows), *pending])


def held_by(services: Iterable[Obj]) -> InUse:
    ips: set[str] = set()
    ports: set[int] = set()
    for service in services:
        spec = service.get("spec") or {}
        ips.update(ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip and ip != CLUSTER_IP_NONE)
        ports.update(p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort"))
        if spec.get("healthCheckNodePort"):
            ports.add(spec["healthCheckNodePort"])
    return InUse(frozenset(ips), frozenset(ports))


def allocate(service: Obj, taken: InUse) -> None:
    """Fill in a new Service's clusterIP(s), IP family fields and node ports, as the registry's
    allocateCreate does; raises Invalid (422) for an IP or port that is taken or out of range.
    `service` is the admitted copy about to be stored, and is changed in place."""
    spec = service.setdefault("spec", {})
    name = service["metadata"].get("name", "")
    if spec.get("type") == "ExternalName":
        return  # no IPs, no families, no ports
    normalize_cluster_ips(spec)
    _raise_if(name, init_ip_family_fields(spec))
    _raise_if(name, allocate_cluster_ips(spec, taken.cluster_ips))
    _raise_if(name, allocate_node_ports(spec, set(taken.node_ports)))


def _raise_if(name: str, errors: list[FieldError]) -> None:
    if errors:
        raise Invalid("Service", name, errors)


# -- ClusterIPs ---------------------------------------------------------------------------------


def normalize_cluster_ips(spec: Obj) -> None:
    """An old client sets only clusterIP: clusterIPs starts from it (storage.go normalizeClusterIPs)."""
    if spec.get("clusterIP") and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]


def init_ip_family_fields(spec: Obj) -> list[FieldError]:
    """ipFamilyPolicy and ipFamilies for a single-stack IPv4 cluster (alloc.go initIPFamilyFields)."""
    cluster_ip, cluster_ips = spec.get("clusterIP", ""), list(spec.get("clusterIPs") or [])
    headless_without_selector = cluster_ip == CLUSTER_IP_NONE and not spec.get("selector")
    if not spec.get("ipFamilyPolicy"):
        spec["ipFamilyPolicy"] = REQUIRE_DUAL_STACK if headless_without_selector else SINGLE_STACK
    errors = cluster_ips_related_errors(spec)
    if errors:
        return errors
    policy, families = spec["ipFamilyPolicy"], list(spec.get("ipFamilies") or [])
    if policy == SINGLE_STACK and len(cluster_ips) == 2:
        errors.append(invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
    if policy == SINGLE_STACK and len(families) == 2:
        errors.append(invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
    for i, ip in enumerate(cluster_ips):
        if ip == CLUSTER_IP_NONE:
            break
        if i >= len(families):
            if family_of(ip) == IPV4:
                families.append(IPV4)
            else:
                errors.append(_invalid_ips(f"spec.clusterIPs[{i}]", cluster_ips, f"{family_of(ip)} is not configured on this cluster"))
    if errors:
        return errors
    if headless_without_selector:
        # Kubernetes lets these name both families even on a single-stack cluster
        families = families or [IPV4]
        if len(families) < 2 and policy != SINGLE_STACK:
            families.append(IPV6 if families[0] == IPV4 else IPV4)
        spec["ipFamilies"] = families
        return []
    if policy == REQUIRE_DUAL_STACK:
        errors.append(invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services"))
    errors += [invalid(f"spec.ipFamilies[{i}]", f, "not configured on this cluster") for i, f in enumerate(families) if f != IPV4]
    spec["ipFamilies"] = families or [IPV4]
    return errors


def cluster_ips_related_errors(spec: Obj) -> list[FieldError]:
    """The part of ValidateServiceClusterIPsRelatedFields the allocator runs first: clusterIP
    and clusterIPs agree, and name at most one address per family."""
    cluster_ip, cluster_ips = spec.get("clusterIP", ""), list(spec.get("clusterIPs") or [])
    if cluster_ip and cluster_ips and cluster_ips[0] != cluster_ip:
        return [_invalid_ips("spec.clusterIPs", cluster_ips, "first value must match `clusterIP`")]
    if not cluster_ip and cluster_ips:
        return [_invalid_ips("spec.clusterIPs", cluster_ips, "must be empty when `clusterIP` is not specified")]
    if len(cluster_ips) > 2:
        return [FieldError("Too many", "spec.clusterIPs", f"{len(cluster_ips)}: must have at most 2 items")]
    if len(cluster_ips) == 2 and cluster_ips[0] == CLUSTER_IP_NONE:
        return [invalid("spec.clusterIPs[1]", cluster_ips[1], "must not be set when first value is 'None'")]
    errors = []
    for i, ip in enumerate(cluster_ips[1:], start=1):
        if family_of(ip) is None:
            errors.append(invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        elif family_of(ip) == family_of(cluster_ips[0]):
            errors.append(invalid("spec.clusterIPs", cluster_ips, "may specify no more than one IP for each IP family"))
    return errors


def allocate_cluster_ips(spec: Obj, taken: frozenset[str]) -> list[FieldError]:
    """A ClusterIP for a Service that has none, or the requested one if it is free and in the
    range (alloc.go allocClusterIPs and allocIPs). Headless Services keep None."""
    cluster_ips = list(spec.get("clusterIPs") or [])
    if cluster_ips and cluster_ips[0] == CLUSTER_IP_NONE:
        return []
    requested = cluster_ips[0] if cluster_ips else ""
    if not requested:
        ip = next_free_ip(taken)
        if ip is None:
            raise StoreError("Internal error occurred: failed to allocate a serviceIP: range is full")
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip, *cluster_ips[1:]]
        return []
    problem = ip_problem(requested, taken)
    if problem:
        return [_invalid_ips("spec.clusterIPs", cluster_ips, f"failed to allocate IP {requested}: {problem}")]
    spec["clusterIP"] = requested
    return []


def ip_problem(ip: str, taken: frozenset[str]) -> str:
    """Why the IP allocator refuses `ip`, in its words, or "" if it may be allocated."""
    if not in_range(ip):
        return f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"
    return "provided IP is already allocated" if ip in taken else ""


def in_range(ip: str) -> bool:
    """In the CIDR, and neither its network nor its broadcast address (bitmap.go contains)."""
    address = ipaddress.ip_address(ip)
    return address in SERVICE_CIDR and address not in (SERVICE_CIDR.network_address, SERVICE_CIDR.broadcast_address)


def next_free_ip(taken: frozenset[str]) -> str | None:
    base = int(SERVICE_CIDR.network_address) + 1  # offset 0 of the allocator is 10.96.0.1
    size = SERVICE_CIDR.num_addresses - 2
    for offset in scan_order(size, ip_range_offset(SERVICE_CIDR.num_addresses)):
        ip = str(ipaddress.IPv4Address(base + offset))
        if ip not in taken:
            return ip
    return None


def ip_range_offset(cidr_size: int) -> int:
    """The size of the low band kept for static picks: min(max(16, size/16), 256)
    (ipallocator calculateRangeOffset)."""
    return 0 if cidr_size <= 16 else min(max(16, cidr_size // 16), 256)


def scan_order(size: int, offset: int) -> Iterator[int]:
    """The upper band first, then the low one (allocator randomScanStrategyWithOffset)."""
    yield from range(offset, size)
    yield from range(0, offset)


def family_of(ip: str) -> str | None:
    try:
        return IPV4 if ipaddress.ip_address(ip).version == 4 else IPV6
    except ValueError:
        return None


def _invalid_ips(path: str, cluster_ips: list[str], detail: str) -> FieldError:
    """A field error on clusterIPs, with the value as Go's %#v prints a []string."""
    shown = "[]string{" + ", ".join(json.dumps(ip) for ip in cluster_ips) + "}"
    return FieldError("Invalid value", path, f"{shown}: {detail}")


# -- NodePorts ----------------------------------------------------------------------------------


def allocate_node_ports(spec: Obj, taken: set[int]) -> list[FieldError]:
    """nodePorts for NodePort and LoadBalancer Services, requested ones checked (alloc.go
    initNodePorts); two ports with the same number share one nodePort. Then the
    healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local."""
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        errors = _init_node_ports(spec, taken)
        if errors:
            return errors
    if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local":
        requested = spec.get("healthCheckNodePort")
        if requested:
            problem = port_problem(requested, taken)
            if problem:
                raise StoreError(
                    f"Internal error occurred: failed to allocate requested HealthCheck NodePort {requested}: {problem}"
                )
        else:
            spec["healthCheckNodePort"] = _next_port(taken)
    return []


def _init_node_ports(spec: Obj, taken: set[int]) -> list[FieldError]:
    allocate_new = spec.get("type") == "NodePort" or spec.get("allocateLoadBalancerNodePorts", True)
    by_port: dict[int, int] = {}
    ports = spec.get("ports") or []
    for i, port in enumerate(ports):
        requested = port.get("nodePort") or 0
        if not requested and not allocate_new:
            continue  # only requested ones are honoured
        shared = by_port.get(port["port"])
        if shared and (not requested or requested == shared):
            port["nodePort"] = shared
            continue
        wanted = requested or next((p.get("nodePort") for p in ports[i:] if p["port"] == port["port"] and p.get("nodePort")), 0)
        if wanted:
            problem = port_problem(wanted, taken)
            if problem:
                return [invalid(f"spec.ports[{i}].nodePort", wanted, problem)]
            taken.add(wanted)
            port["nodePort"] = wanted
        else:
            port["nodePort"] = _next_port(taken)
        by_port.setdefault(port["port"], port["nodePort"])
    return []


def port_problem(port: int, taken: set[int]) -> str:
    """Why the port allocator refuses `port`, in its words, or "" if it may be allocated."""
    low, high = NODE_PORT_RANGE
    if not low <= port <= high:
        return f"provided port is not in the valid range. The range of valid ports is {low}-{high}"
    return "provided port is already allocated" if port in taken else ""


def _next_port(taken: set[int]) -> int:
    low, high = NODE_PORT_RANGE
    size = high - low + 1
    for offset in scan_order(size, port_range_offset(size)):
        if low + offset not in taken:
            taken.add(low + offset)
            return low + offset
    raise StoreError("Internal error occurred: failed to allocate a nodePort: range is full")


def port_range_offset(size: int) -> int:
    """min(max(16, size/32), 128) (portallocator calculateRangeOffset): 86 for 30000-32767."""
    return 0 if size <= 16 else min(max(16, size // 32), 128)
