"""Endpoints controller: one Endpoints object per Service with a selector, listing its pods.

A Service, or a Pod whose labels its selector matches (before or after the change) → key
`namespace/name` of the Service → reconcile: the pods the selector matches, without the finished
or terminating ones and those without an IP, become addresses (ready pods) or notReadyAddresses,
with the ports of the Service resolved against each pod (a named targetPort is looked up in the
pod's container ports, and a pod without it is left out); the subsets are repacked into the
canonical layout, and the Endpoints is created or updated only when subsets or labels differ.
A Service without a selector is left alone (its Endpoints are the user's to write), and a
deleted Service's Endpoints is deleted. Follows pkg/controller/endpoint/endpoints_controller.go
(syncService), pkg/api/v1/endpoints/util.go (RepackSubsets), pkg/api/v1/pod (FindPort),
staging/src/k8s.io/endpointslice/util (ShouldPodBeInEndpoints) and
pkg/controller/util/endpoint/trigger_time_tracker.go.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Cache, Key, key_of, split_key
from playground.runtime.controller import Controller, Result
from playground.runtime.events import WARNING
from playground.store import api as store
from playground.store.errors import Forbidden, NotFound
from playground.store.pods import is_ready

Obj = dict[str, Any]
LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS_LABEL = "service.kubernetes.io/headless"
FAILED_TO_CREATE_ENDPOINT = "FailedToCreateEndpoint"
FAILED_TO_UPDATE_ENDPOINT = "FailedToUpdateEndpoint"
NO_PORTS = ()  # the key RepackSubsets files the addresses of a headless Service without ports under


@dataclass
class TriggerTimeTracker:
    """When the change that an Endpoints update publishes happened: the Service's creation for
    a new one, else the earliest Ready transition among its pods since the last pass."""

    pods: dict[Key, dict[str, str]] = field(default_factory=dict)  # service → pod name → Ready transition
    services: dict[Key, str] = field(default_factory=dict)  # service → its creationTimestamp

    def compute(self, key: Key, service: Obj, pods: list[Obj]) -> str:
        known = key in self.services
        before = self.pods.get(key, {})
        now = {p["metadata"]["name"]: t for p in pods if (t := ready_transition_time(p))}
        changed = [t for name, t in now.items() if t > before.get(name, "")]
        created = service["metadata"].get("creationTimestamp", "")
        if created > self.services.get(key, ""):
            changed.append(created)
        self.pods[key], self.services[key] = now, created
        return created if not known else min(changed, default="")

    def forget(self, key: Key) -> None:
        self.pods.pop(key, None)
        self.services.pop(key, None)


class EndpointsController(Controller):
    kind = "Service"
    component = "endpoint-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trigger_times = TriggerTimeTracker()

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Service":
            return [key_of(obj)]
        if obj["kind"] == "Pod":
            return services_selecting(self.cache, obj, old)
        if obj["kind"] == "Endpoints" and self.cache.get("Endpoints", key_of(obj)) is None:
            return [key_of(obj)]  # deleted: the Service's controller writes it again
        return []

    def reconcile(self, key: Key) -> Result:
        namespace, name = split_key(key)
        service = self.cache.get("Service", key)
        if service is None:
            self.trigger_times.forget(key)
            if self.cache.get("Endpoints", key) is not None:
                try:
                    store.delete(self.cluster, "Endpoints", name, namespace)
                except NotFound:
                    pass
            return Result()
        selector = service["spec"].get("selector")
        if not selector or service["spec"].get("type") == "ExternalName":
            return Result()  # selectorless: the user writes its Endpoints
        pods = [
            p for p in self.cache.list("Pod", namespace=namespace)
            if selector.items() <= (p["metadata"].get("labels") or {}).items()
        ]
        trigger_time = self.trigger_times.compute(key, service, pods)
        subsets = endpoint_subsets(service, pods)
        current = self.cache.get("Endpoints", key)
        labels = endpoints_labels(service)
        if current is not None and current.get("subsets", []) == subsets and (current["metadata"].get("labels") or {}) == labels:
            return Result()
        self.write(service, current, desired_endpoints(service, current, subsets, labels, trigger_time))
        return Result()

    def write(self, service: Obj, current: Obj | None, endpoints: Obj) -> None:
        meta = service["metadata"]
        try:
            if current is None:
                store.create(self.cluster, endpoints)
            else:
                store.update(self.cluster, endpoints)
        except Forbidden:
            return  # the namespace is terminating: creates keep failing, so drop the key
        except Exception as e:
            reason, message = (
                (FAILED_TO_CREATE_ENDPOINT, f"Failed to create endpoint for service {meta['namespace']}/{meta['name']}: {e}")
                if current is None
                else (FAILED_TO_UPDATE_ENDPOINT, f"Failed to update endpoint {meta['namespace']}/{meta['name']}: {e}")
            )
            with store.batch(self.cluster) as batch:
                self.events.record(batch, endpoints if current is None else current, WARNING, reason, message)
            raise


def services_selecting(cache: Cache, pod: Obj, old: Obj | None) -> list[Key]:
    """The Services whose selector matches the pod's labels, before or after the change; none
    when the change cannot move an endpoint (GetServicesToUpdateOnPodChange): most of a pod's
    status updates (pulling, created, started) leave its address and readiness as they were."""
    gone = cache.get("Pod", key_of(pod)) is None
    if old is not None and not gone and not pod_endpoints_changed(old, pod):
        return []
    namespace = pod["metadata"].get("namespace")
    label_sets = [(p["metadata"].get("labels") or {}).items() for p in (pod, old) if p is not None]
    return [
        key_of(service)
        for service in cache.list("Service", namespace=namespace)
        if (selector := service["spec"].get("selector")) and any(selector.items() <= labels for labels in label_sets)
    ]


def pod_endpoints_changed(old: Obj, new: Obj) -> bool:
    """podEndpointsChanged: labels, hostname or subdomain (membership), deletion, readiness or
    the pod's IPs; name, uid and node are fixed before a pod has an IP, container ports always."""
    old_meta, new_meta = old["metadata"], new["metadata"]
    old_status, new_status = old.get("status") or {}, new.get("status") or {}
    return (
        (old_meta.get("labels") or {}) != (new_meta.get("labels") or {})
        or (old["spec"].get("hostname"), old["spec"].get("subdomain")) != (new["spec"].get("hostname"), new["spec"].get("subdomain"))
        or old_meta.get("deletionTimestamp") != new_meta.get("deletionTimestamp")
        or is_ready(old) != is_ready(new)
        or [e.get("ip") for e in old_status.get("podIPs") or []] != [e.get("ip") for e in new_status.get("podIPs") or []]
        or old_status.get("podIP") != new_status.get("podIP")
        # Playground: a pod that finished leaves, even one never ready (no resync would catch it)
        or (old_status.get("phase") != new_status.get("phase") and new_status.get("phase") in ("Succeeded", "Failed"))
    )


def desired_endpoints(service: Obj, current: Obj | None, subsets: list[Obj], labels: dict[str, str], trigger_time: str) -> Obj:
    """The Endpoints to write: the current one (or a new one) with new subsets and labels, and
    the trigger-time annotation set, or removed when no change triggered this pass."""
    meta = service["metadata"]
    if current is None:
        metadata: Obj = {"name": meta["name"], "namespace": meta["namespace"]}
    else:
        metadata = {k: v for k, v in current["metadata"].items() if k != "managedFields"}
    annotations = dict(metadata.get("annotations") or {})
    if trigger_time:
        annotations[LAST_CHANGE_TRIGGER_TIME] = trigger_time
    else:
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
    metadata["labels"], metadata["annotations"] = labels, annotations
    for empty in [k for k in ("labels", "annotations") if not metadata[k]]:
        del metadata[empty]  # an empty map is left out, as Go's omitempty does
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
    if subsets:
        endpoints["subsets"] = subsets
    return endpoints


def endpoints_labels(service: Obj) -> dict[str, str]:
    """The Service's labels, and `service.kubernetes.io/headless` when it has no cluster IP."""
    labels = dict(service["metadata"].get("labels") or {})
    cluster_ip = service["spec"].get("clusterIP")
    if cluster_ip in (None, "", "None"):
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


# -- From pods to subsets -----------------------------------------------------------------------


def endpoint_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """The subsets syncService computes for `service` over the pods its selector matches."""
    spec = service["spec"]
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    entries: list[tuple[Obj, tuple[Obj, ...], bool]] = []  # (address, ports, ready)
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, include_terminating=tolerate_unready):
            continue
        address = endpoint_address(service, pod)
        ready = tolerate_unready or is_ready(pod)
        if not spec.get("ports"):
            if spec.get("clusterIP") == "None":  # a headless Service may have no ports
                entries.append((address, NO_PORTS, ready))
            continue
        for service_port in spec["ports"]:
            number = find_port(pod, service_port)
            if number is not None:
                entries.append((address, (endpoint_port(service_port, number),), ready))
    return repack_subsets(entries)


def should_pod_be_in_endpoints(pod: Obj, *, include_terminating: bool) -> bool:
    """Not finished, has an IP, and (unless the Service publishes them) not terminating."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def ready_transition_time(pod: Obj) -> str:
    for condition in (pod.get("status") or {}).get("conditions", []):
        if condition.get("type") == "Ready":
            return condition.get("lastTransitionTime") or ""
    return ""


def endpoint_address(service: Obj, pod: Obj) -> Obj:
    """podToEndpointAddressForService: the pod's IPv4 address, its node and a reference to it."""
    meta, status = pod["metadata"], pod.get("status") or {}
    ips = [entry["ip"] for entry in status.get("podIPs") or [] if entry.get("ip")] or [status["podIP"]]
    ip = next((ip for ip in ips if ":" not in ip), ips[0])
    address: Obj = {"ip": ip}
    spec = pod["spec"]
    if spec.get("hostname") and spec.get("subdomain") == service["metadata"]["name"]:
        address["hostname"] = spec["hostname"]  # a StatefulSet pod behind its governing Service
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
    return address


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The container port a Service port's targetPort means for this pod (podutil.FindPort):
    a number as it is, a name looked up in the pod's container ports of the same protocol."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol", "TCP")
    spec = pod["spec"]
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in [*spec.get("containers", []), *sidecars]:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port["containerPort"]
    return None


def endpoint_port(service_port: Obj, number: int) -> Obj:
    port: Obj = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol", "TCP")
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def repack_subsets(entries: list[tuple[Obj, tuple[Obj, ...], bool]]) -> list[Obj]:
    """RepackSubsets: each address under every port it serves (not ready wins over ready),
    then one subset per distinct set of addresses, with all the ports they share. Addresses
    are sorted by IP (as text) and pod uid; Kubernetes orders ports and subsets by a hash of
    their Go structs, the playground by their contents."""
    by_port: dict[tuple[tuple[str, Any], ...], dict[tuple[str, str], tuple[Obj, bool]]] = {}
    for address, ports, ready in entries:
        key = (address["ip"], address["targetRef"]["uid"])
        for port in ports or (None,):
            port_key = tuple(sorted(port.items())) if port is not None else NO_PORTS
            addresses = by_port.setdefault(port_key, {})
            was = addresses.get(key)
            addresses[key] = (was[0] if was else address, ready and (was is None or was[1]))
    by_addresses: dict[tuple[Any, ...], tuple[dict[tuple[str, str], tuple[Obj, bool]], list[Obj]]] = {}
    for port_key, addresses in by_port.items():
        group = tuple(sorted((k, ready) for k, (_, ready) in addresses.items()))
        ports = by_addresses.setdefault(group, (addresses, []))[1]
        if port_key != NO_PORTS:
            ports.append(dict(port_key))
    subsets = [_subset(addresses, ports) for addresses, ports in by_addresses.values()]
    return sorted(subsets, key=_subset_order)


def _subset(addresses: dict[tuple[str, str], tuple[Obj, bool]], ports: list[Obj]) -> Obj:
    ordered = [addresses[k] for k in sorted(addresses)]
    subset: Obj = {}
    if ready := [a for a, r in ordered if r]:
        subset["addresses"] = ready
    if not_ready := [a for a, r in ordered if not r]:
        subset["notReadyAddresses"] = not_ready
    if ports:
        subset["ports"] = sorted(ports, key=lambda p: (p.get("name", ""), p["port"], p["protocol"]))
    return subset


def _subset_order(subset: Obj) -> tuple[Any, ...]:
    ports = [(p.get("name", ""), p["port"], p["protocol"]) for p in subset.get("ports", [])]
    first = (subset.get("addresses") or subset.get("notReadyAddresses") or [{"ip": ""}])[0]["ip"]
    return (ports, first)
