"""EndpointSlice controller: a Service's pods as EndpointSlices of at most 100 endpoints each.

A Service, a Pod its selector matches (before or after the change), or one of its managed
EndpointSlices → key `namespace/name` of the Service → reconcile: each pod that should be in
the endpoints (not finished, with an IP; terminating pods stay, marked so) becomes an endpoint
with its conditions (ready, serving, terminating), node, zone (the node's topology label),
hostname and a reference to the pod; the endpoints are grouped by their resolved ports (a named
targetPort may mean different numbers on different pods: one group of slices per distinct port
mapping), and the slices are brought to that with as few writes as the reconciler manages:
endpoints updated in place, removed ones dropped, new ones filling slices being updated first,
then the unchanged slice closest to full, then new slices named `<service>-<random5>`. A slice
left with nothing is deleted, or becomes the empty placeholder every Service with a selector
keeps. Services without a selector (and ExternalName ones) get none: their slices are the
user's. A deleted Service's slices go with it through their ownerReference (garbage collector).

Follows pkg/controller/endpointslice/endpointslice_controller.go (syncService) and the
reconciler in staging/src/k8s.io/endpointslice (reconciler.go, utils.go). Where Kubernetes takes
endpoints from a hash set in any order, the playground takes them in pod-name order.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.runtime.cache import Key, key_of, split_key
from playground.runtime.controller import Controller, Result
from playground.runtime.events import WARNING
from playground.store import api as store
from playground.store.controller_ref import new_controller_ref
from playground.store.errors import Forbidden
from playground.store.pods import is_ready

from .endpoints import TriggerTimeTracker, find_port, services_selecting, should_pod_be_in_endpoints

Obj = dict[str, Any]
PortKey = tuple[tuple[tuple[str, Any], ...], ...]
EndpointId = tuple[Any, ...]

CONTROLLER_NAME = "endpointslice-controller.k8s.io"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
HEADLESS_LABEL = "service.kubernetes.io/headless"
RESERVED_LABELS = frozenset({LABEL_SERVICE_NAME, LABEL_MANAGED_BY, HEADLESS_LABEL})
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
MAX_ENDPOINTS_PER_SLICE = 100  # kube-controller-manager's --max-endpoints-per-slice default
ADDRESS_TYPE = "IPv4"  # the playground's pods and services are single-stack IPv4
FAILED_TO_UPDATE = "FailedToUpdateEndpointSlices"
MISSING_NODE_RETRY_SECONDS = 5.0  # a pod on a node that is gone: look again (the pod GC removes it)


@dataclass
class SliceChanges:
    """What one pass writes: slices to create, update and delete."""

    create: list[Obj] = field(default_factory=list)
    update: list[Obj] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)


class EndpointSliceController(Controller):
    kind = "Service"
    component = "endpoint-slice-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trigger_times = TriggerTimeTracker()
        self.max_endpoints_per_slice = MAX_ENDPOINTS_PER_SLICE

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Service":
            return [key_of(obj)]
        if obj["kind"] == "Pod":
            return services_selecting(self.cache, obj, old)
        if obj["kind"] == "EndpointSlice":
            return service_keys_of_slice(obj, old)
        return []

    def reconcile(self, key: Key) -> Result:
        namespace, _ = split_key(key)
        service = self.cache.get("Service", key)
        if service is None:
            self.trigger_times.forget(key)
            return Result()  # its slices follow it through their ownerReference
        selector = service["spec"].get("selector")
        if service["spec"].get("type") == "ExternalName" or not selector:
            return Result()  # no slices from this controller: they are written out of band
        pods = [
            p for p in self.cache.list("Pod", namespace=namespace)
            if selector.items() <= (p["metadata"].get("labels") or {}).items()
        ]
        existing = [s for s in self.managed_slices(service) if not s["metadata"].get("deletionTimestamp")]
        desired, missing_node = desired_endpoints(service, pods, self.cache.objects["Node"])
        changes = reconcile_slices(service, existing, desired, max_per_slice=self.max_endpoints_per_slice)
        trigger_time = self.trigger_times.compute(key, service, pods)
        if changes:
            self.write(service, changes, trigger_time)
        return Result(requeue_after=MISSING_NODE_RETRY_SECONDS, background=True) if missing_node else Result()

    def managed_slices(self, service: Obj) -> list[Obj]:
        """The slices labelled as this controller's for this Service (listed by labels, as
        Kubernetes does: a slice left by an earlier Service of the same name is found too)."""
        meta = service["metadata"]
        return [
            s for s in self.cache.list("EndpointSlice", namespace=meta["namespace"])
            if (labels := s["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME) == meta["name"]
            and labels.get(LABEL_MANAGED_BY) == CONTROLLER_NAME
        ]

    def write(self, service: Obj, changes: SliceChanges, trigger_time: str) -> None:
        meta = service["metadata"]
        try:
            with store.batch(self.cluster) as batch:
                # No new slices for a Service being deleted: the garbage collector would race them
                for endpoint_slice in [] if meta.get("deletionTimestamp") else changes.create:
                    batch.create(with_trigger_time(endpoint_slice, trigger_time))
                for endpoint_slice in changes.update:
                    batch.update(with_trigger_time(endpoint_slice, trigger_time))
                for endpoint_slice in changes.delete:
                    batch.delete("EndpointSlice", endpoint_slice["metadata"]["name"], meta["namespace"])
        except Forbidden:
            return  # the namespace is terminating: creates keep failing, so drop the key
        except Exception as e:
            with store.batch(self.cluster) as batch:
                self.events.record(batch, service, WARNING, FAILED_TO_UPDATE,
                                   f"Error updating Endpoint Slices for Service {meta['namespace']}/{meta['name']}: {e}")
            raise


def service_keys_of_slice(endpoint_slice: Obj, old: Obj | None) -> list[Key]:
    """ServiceControllerKey, for a slice this controller manages (now or before the change)."""
    keys = []
    for version in (v for v in (endpoint_slice, old) if v is not None):
        labels = version["metadata"].get("labels") or {}
        if labels.get(LABEL_MANAGED_BY) == CONTROLLER_NAME and labels.get(LABEL_SERVICE_NAME):
            keys.append(f"{version['metadata']['namespace']}/{labels[LABEL_SERVICE_NAME]}")
    return list(dict.fromkeys(keys))


# -- From pods to endpoints ---------------------------------------------------------------------


@dataclass
class PortGroup:
    """The endpoints that share one resolved port mapping."""

    ports: list[Obj]
    endpoints: dict[EndpointId, Obj] = field(default_factory=dict)


def desired_endpoints(service: Obj, pods: list[Obj], nodes: dict[Key, Obj]) -> tuple[dict[PortKey, PortGroup], bool]:
    """The endpoints each port mapping should list, and whether a pod was skipped because its
    node is gone (unless the Service publishes not-ready addresses, which keeps it)."""
    groups: dict[PortKey, PortGroup] = {}
    missing_node = False
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if not should_pod_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = endpoint_ports(service, pod)
        group = groups.setdefault(port_map_key(ports), PortGroup(ports))
        node_name = pod["spec"].get("nodeName") or ""
        node = nodes.get(node_name)
        if node is None and not service["spec"].get("publishNotReadyAddresses"):
            missing_node = True
            continue
        endpoint = pod_to_endpoint(pod, node, service)
        if endpoint["addresses"]:
            group.endpoints[endpoint_id(endpoint)] = endpoint
    return groups, missing_node


def pod_to_endpoint(pod: Obj, node: Obj | None, service: Obj) -> Obj:
    """podToEndpoint: a terminating pod is never ready (unless the Service publishes not-ready
    addresses) but still serving while its readiness holds."""
    meta, spec = pod["metadata"], pod["spec"]
    serving = is_ready(pod)
    terminating = bool(meta.get("deletionTimestamp"))
    ready = bool(service["spec"].get("publishNotReadyAddresses")) or (serving and not terminating)
    endpoint: Obj = {
        "addresses": endpoint_addresses(pod),
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, service):
        endpoint["hostname"] = spec["hostname"]
    endpoint["targetRef"] = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    if node is not None and (zone := (node["metadata"].get("labels") or {}).get(LABEL_TOPOLOGY_ZONE)):
        endpoint["zone"] = zone
    return endpoint


def endpoint_addresses(pod: Obj) -> list[str]:
    """The pod's IPv4 addresses (podIPs, or podIP alone on a status that has only it)."""
    status = pod.get("status") or {}
    ips = [entry.get("ip") for entry in status.get("podIPs") or []] or [status.get("podIP")]
    return [ip for ip in ips if ip and ":" not in ip]


def should_set_hostname(pod: Obj, service: Obj) -> bool:
    """ShouldSetHostname: a pod with a hostname whose subdomain is this Service's name."""
    spec = pod["spec"]
    return bool(spec.get("hostname")) and spec.get("subdomain") == service["metadata"]["name"]


def endpoint_ports(service: Obj, pod: Obj) -> list[Obj]:
    """getEndpointPorts: each Service port this pod serves, its targetPort resolved for it (a
    named port the pod does not have is left out); a headless Service may have none."""
    ports = []
    for service_port in service["spec"].get("ports") or []:
        number = find_port(pod, service_port)
        if number is None:
            continue
        port: Obj = {"name": service_port.get("name", ""), "port": number, "protocol": service_port.get("protocol", "TCP")}
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def port_map_key(ports: list[Obj]) -> PortKey:
    """NewPortMapKey: the same ports in any order are one mapping."""
    return tuple(sorted(tuple(sorted(p.items())) for p in ports))


def endpoint_id(endpoint: Obj) -> EndpointId:
    """What makes two endpoints the same one (the reconciler's endpoint hash): addresses,
    hostname and the pod it points at."""
    ref = endpoint.get("targetRef") or {}
    return (tuple(endpoint["addresses"]), endpoint.get("hostname"), ref.get("namespace"), ref.get("name"))


# -- From endpoints to slices -------------------------------------------------------------------


def reconcile_slices(service: Obj, existing: list[Obj], desired: dict[PortKey, PortGroup], *, max_per_slice: int) -> SliceChanges:
    """reconcileByAddressType + finalize: the slices to create, update and delete."""
    changes = SliceChanges()
    by_port_map: dict[PortKey, list[Obj]] = {}
    for endpoint_slice in existing:
        if owned_by(endpoint_slice, service) and endpoint_slice.get("addressType") == ADDRESS_TYPE:
            by_port_map.setdefault(port_map_key(endpoint_slice.get("ports") or []), []).append(endpoint_slice)
        else:
            changes.delete.append(endpoint_slice)  # another Service's (same name, earlier uid) or another family
    for key, group in desired.items():
        part = reconcile_port_mapping(service, by_port_map.get(key, []), group, max_per_slice=max_per_slice)
        changes.create += part.create
        changes.update += part.update
        changes.delete += part.delete
    for key, slices in by_port_map.items():
        if key not in desired:
            changes.delete += slices  # a port mapping no pod has any more
    if len(existing) == len(changes.delete) and not changes.create:
        keep_or_add_placeholder(service, changes)
    return reuse_deleted_names(service, changes)


def keep_or_add_placeholder(service: Obj, changes: SliceChanges) -> None:
    """A Service with a selector always has a slice, if only an empty one."""
    placeholder = new_endpoint_slice(service, [])
    if len(changes.delete) == 1 and is_placeholder_like(changes.delete[0], placeholder):
        changes.delete.clear()  # the one slice left already is the placeholder
    else:
        changes.create.append(placeholder)


def is_placeholder_like(endpoint_slice: Obj, placeholder: Obj) -> bool:
    """placeholderSliceCompare: same namespace, labels and owners, no ports, no endpoints."""
    meta, want = endpoint_slice["metadata"], placeholder["metadata"]
    return (
        meta.get("namespace") == want["namespace"]
        and (meta.get("labels") or {}) == want["labels"]
        and [_ref_identity(r) for r in meta.get("ownerReferences") or []] == [_ref_identity(r) for r in want["ownerReferences"]]
        and not endpoint_slice.get("ports")
        and not endpoint_slice.get("endpoints")
        and endpoint_slice.get("addressType") == placeholder["addressType"]
    )


def _ref_identity(ref: Obj) -> tuple[Any, ...]:
    return tuple(ref.get(k) for k in ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"))


def reuse_deleted_names(service: Obj, changes: SliceChanges) -> SliceChanges:
    """finalize: a slice about to be created takes the place of one about to be deleted (an
    update of that one), so a Service's slices keep their names where they can."""
    kept = []
    for doomed in changes.delete:
        if changes.create and doomed.get("addressType") == changes.create[-1]["addressType"] and owned_by(doomed, service):
            replacement = changes.create.pop()
            changes.update.append(_as_update_of(doomed, replacement))
        else:
            kept.append(doomed)
    changes.delete = kept
    return changes


def _as_update_of(current: Obj, replacement: Obj) -> Obj:
    metadata = {k: v for k, v in current["metadata"].items() if k != "managedFields"}
    metadata["labels"] = replacement["metadata"]["labels"]
    updated = {**replacement, "metadata": metadata}
    if not updated.get("ports"):
        updated.pop("ports", None)
    return updated


def reconcile_port_mapping(service: Obj, existing: list[Obj], group: PortGroup, *, max_per_slice: int) -> SliceChanges:
    """reconcileByPortMapping: (1) drop endpoints no longer wanted and refresh changed ones,
    (2) fill the slices being updated anyway, fullest first, (3) put what is left into the
    unchanged slice it fills closest to full, or into new slices."""
    wanted = dict(group.endpoints)
    to_update: dict[str, Obj] = {}
    unchanged: dict[str, Obj] = {}
    changes = SliceChanges()
    for endpoint_slice in existing:
        kept = [wanted.pop(eid) for e in endpoint_slice.get("endpoints") or [] if (eid := endpoint_id(e)) in wanted]
        old_endpoints = endpoint_slice.get("endpoints") or []
        labels, labels_changed = slice_labels(endpoint_slice, service)
        name = endpoint_slice["metadata"]["name"]
        if kept != old_endpoints and not kept:
            changes.delete.append(endpoint_slice)
        elif kept != old_endpoints or labels_changed:
            to_update[name] = _with(endpoint_slice, endpoints=kept, labels=labels)
        else:
            unchanged[name] = endpoint_slice
    remaining = list(wanted.values())
    for endpoint_slice in sorted(to_update.values(), key=lambda s: -len(s["endpoints"])):
        room = max_per_slice - len(endpoint_slice["endpoints"])
        endpoint_slice["endpoints"] += remaining[:max(room, 0)]
        remaining = remaining[max(room, 0):]
    while remaining:
        target = slice_to_fill(list(unchanged.values()), len(remaining), max_per_slice) if len(remaining) < max_per_slice else None
        if target is None:
            fresh = new_endpoint_slice(service, group.ports)
            fresh["endpoints"], remaining = remaining[:max_per_slice], remaining[max_per_slice:]
            changes.create.append(fresh)
        else:
            name = target["metadata"]["name"]
            del unchanged[name]
            to_update[name] = _with(target, endpoints=[*(target.get("endpoints") or []), *remaining], labels=None)
            remaining = []
    changes.update = list(to_update.values())
    return changes


def _with(endpoint_slice: Obj, *, endpoints: list[Obj], labels: dict[str, str] | None) -> Obj:
    """A copy of a cached slice with new endpoints (and labels): never mutate the cache."""
    metadata = {k: v for k, v in endpoint_slice["metadata"].items() if k != "managedFields"}
    if labels is not None:
        metadata["labels"] = labels
    return {**endpoint_slice, "metadata": metadata, "endpoints": list(endpoints)}


def slice_to_fill(slices: list[Obj], count: int, max_per_slice: int) -> Obj | None:
    """getSliceToFill: the slice that `count` more endpoints bring closest to full."""
    best, closest = None, max_per_slice
    for endpoint_slice in slices:
        left = max_per_slice - (count + len(endpoint_slice.get("endpoints") or []))
        if 0 <= left < closest:
            best, closest = endpoint_slice, left
            if left == 0:
                break
    return best


def new_endpoint_slice(service: Obj, ports: list[Obj]) -> Obj:
    """newEndpointSlice: named by the API server from `<service>-`, owned by the Service."""
    meta = service["metadata"]
    labels, _ = slice_labels({"metadata": {}}, service)
    endpoint_slice: Obj = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta['name']}-",
            "namespace": meta["namespace"],
            "labels": labels,
            "ownerReferences": [new_controller_ref(service)],
        },
        "addressType": ADDRESS_TYPE,
        "endpoints": [],
    }
    if ports:
        endpoint_slice["ports"] = [dict(p) for p in ports]
    return endpoint_slice


def slice_labels(endpoint_slice: Obj, service: Obj) -> tuple[dict[str, str], bool]:
    """setEndpointSliceLabels: the Service's labels (but the reserved ones), the headless label
    when it has no cluster IP, and the service-name and managed-by labels; and whether the
    Service's own labels differ from what the slice carries."""
    current = {k: v for k, v in (endpoint_slice["metadata"].get("labels") or {}).items() if k not in RESERVED_LABELS}
    labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items() if k not in RESERVED_LABELS}
    changed = current != labels
    if service["spec"].get("clusterIP") in (None, "", "None"):
        labels[HEADLESS_LABEL] = ""
    labels[LABEL_SERVICE_NAME] = service["metadata"]["name"]
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    return labels, changed


def owned_by(endpoint_slice: Obj, service: Obj) -> bool:
    uid = service["metadata"]["uid"]
    return any(
        r.get("uid") == uid and r.get("kind") == "Service" and r.get("apiVersion") == "v1"
        for r in endpoint_slice["metadata"].get("ownerReferences") or []
    )


def with_trigger_time(endpoint_slice: Obj, trigger_time: str) -> Obj:
    """addTriggerTimeAnnotation: set when a change triggered this pass, removed otherwise."""
    metadata = dict(endpoint_slice["metadata"])
    annotations = dict(metadata.get("annotations") or {})
    if trigger_time:
        annotations[LAST_CHANGE_TRIGGER_TIME] = trigger_time
    else:
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
    metadata["annotations"] = annotations
    if not annotations:
        del metadata["annotations"]
    return {**endpoint_slice, "metadata": metadata}
