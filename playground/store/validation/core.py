"""The core API group (v1) other than Pods: Service, ConfigMap, Secret, PersistentVolumeClaim,
PersistentVolume, Namespace, Node and Event, and the core pieces Pods share with them.

`validate` (this package's __init__) calls these rules after ObjectMeta's. They follow
k8s.io/kubernetes pkg/apis/core/validation/validation.go (ValidateService, ValidateConfigMap,
ValidateSecret, ValidatePersistentVolume(Claim), ValidateNamespace, ValidateNode, ValidateEvent and
their Update variants), the Service node-port allocator's range message, and Go's encoding/base64
for where a `[]byte` field is reported corrupt. Pod specs are in pods.py, which imports from here.
"""
from __future__ import annotations

import binascii
import json
from decimal import Decimal
from typing import Any

from playground.store.errors import FieldError, duplicate, forbidden, invalid, not_supported, required, too_long
from playground.store.quantity import canonical_quantity, parse_quantity

from .field import (
    Errors,
    as_list,
    as_map,
    as_text,
    at_key,
    child,
    diff,
    index,
    invalid_each,
    is_int,
    meta_of,
    restore,
    spec_of,
    validate_one_of,
)
from .meta import IS_NEGATIVE, is_qualified_name, validate_immutable, validate_label_selector, validate_labels
from .names import (
    byte_size,
    is_config_map_key,
    is_dns1123_subdomain,
    is_valid_ip,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
    validate_dns1123_label,
    validate_qualified_name,
)

IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
MAX_SECRET_SIZE = 1 * 1024 * 1024  # ConfigMaps share the Secret limit
NODE_PORT_RANGE = (30000, 32767)  # the API server's default --service-node-port-range
SECRET_REDACTED = "<secret contents redacted>"
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]  # Pods, Services and EndpointSlices alike
TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
# The keys of a VolumeSource, in the order validateVolumeSource checks them
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs",
    "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
    "quobyte", "downwardAPI", "fc", "azureFile", "vsphereVolume", "photonPersistentDisk",
    "portworxVolume", "azureDisk", "csi", "configMap", "scaleIO", "storageos", "projected", "ephemeral",
    "image",
)


# --- pieces Pods share: quantities, ports, volume types ------------------------------------------


def read_quantity(value: Any, path: str, errors: Errors) -> Decimal | None:
    """The value of a quantity field, or None after recording why it is not one."""
    try:
        return parse_quantity(value)
    except ValueError as error:
        errors.append(invalid(path, value, str(error)))
        return None


def shown_quantity(value: Any) -> str:
    try:
        return canonical_quantity(value)
    except ValueError:
        return str(value)


def validate_quantity_value(value: Any, path: str, errors: Errors) -> Decimal | None:
    quantity = read_quantity(value, path, errors)
    if quantity is not None and quantity < 0:
        errors.append(invalid(path, shown_quantity(value), IS_NEGATIVE))
        return None
    return quantity



def validate_positive_quantity(value: Any, path: str, errors: Errors) -> None:
    """A size that must be more than nothing (a claim's request, a volume's capacity)."""
    size = read_quantity(value, path, errors)
    if size is not None and size <= 0:
        errors.append(invalid(path, shown_quantity(value), "must be greater than zero"))


def validate_port_num_or_name(port: Any, path: str) -> Errors:
    if isinstance(port, str):
        return invalid_each(path, port, is_valid_port_name(port))
    return invalid_each(path, port if port is not None else 0, is_valid_port_num(port if port is not None else 0))



def volume_sources(volume: dict) -> list[str]:
    return [source for source in VOLUME_SOURCES if volume.get(source) is not None]


def validate_one_volume_source(volume: dict, path: str) -> Errors:
    """A Pod's volume and a PersistentVolume name exactly one VolumeSource."""
    sources = volume_sources(volume)
    if not sources:
        return [required(path, "must specify a volume type")]
    return [forbidden(child(path, source), "may not specify more than 1 volume type") for source in sources[1:]]


# --- Service ------------------------------------------------------------------------------------

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]


def validate_service(service: dict) -> Errors:
    spec = spec_of(service)
    service_type = spec.get("type")
    headless = spec.get("clusterIP") == "None"
    ports = [as_map(p) for p in as_list(spec.get("ports"))]
    errors: Errors = []
    if not ports and not headless and service_type != "ExternalName":
        errors.append(required("spec.ports"))
    if service_type == "ExternalName":
        errors += _validate_external_name(spec)
    names: set[str] = set()
    for i, port in enumerate(ports):
        errors += _validate_service_port(port, index("spec.ports", i), require_name=len(ports) > 1, names=names)
    if spec.get("selector") is not None:
        errors += validate_labels(spec.get("selector"), "spec.selector")
    errors += _validate_session_affinity(spec)
    errors += _validate_cluster_ip(spec)
    if service_type in (None, ""):
        errors.append(required("spec.type"))
    elif service_type not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", service_type, SERVICE_TYPES))
    errors += _validate_node_ports(spec, ports)
    errors += _validate_duplicate_service_ports(ports)
    return errors + _validate_traffic_policies(spec)


def _validate_external_name(spec: dict) -> Errors:
    name = as_text(spec.get("externalName")).removesuffix(".")
    if not name:
        return [required("spec.externalName")]
    return invalid_each("spec.externalName", name, is_dns1123_subdomain(name))


def _validate_service_port(port: dict, path: str, *, require_name: bool, names: set[str]) -> Errors:
    errors: Errors = []
    name = as_text(port.get("name"))
    if require_name and not name:
        errors.append(required(child(path, "name")))
    elif name:
        errors += validate_dns1123_label(name, child(path, "name"))
        if name in names:
            errors.append(duplicate(child(path, "name"), name))
        names.add(name)
    errors += invalid_each(child(path, "port"), port.get("port"), is_valid_port_num(port.get("port")))
    errors += validate_one_of(port.get("protocol"), PORT_PROTOCOLS, child(path, "protocol"))
    errors += validate_port_num_or_name(port.get("targetPort"), child(path, "targetPort"))
    if port.get("appProtocol") is not None:
        errors += validate_qualified_name(as_text(port.get("appProtocol")), child(path, "appProtocol"))
    return errors


def _validate_session_affinity(spec: dict) -> Errors:
    affinity = spec.get("sessionAffinity")
    errors = validate_one_of(affinity, SESSION_AFFINITIES, "spec.sessionAffinity")
    if affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errors.append(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    return errors


def _validate_cluster_ip(spec: dict) -> Errors:
    cluster_ip = as_text(spec.get("clusterIP"))
    if cluster_ip in ("", "None"):
        return []
    return invalid_each("spec.clusterIP", cluster_ip, is_valid_ip(cluster_ip))


def _validate_node_ports(spec: dict, ports: list[dict]) -> Errors:
    errors: Errors = []
    seen: set[tuple[Any, Any]] = set()
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(ports):
        node_port, path = port.get("nodePort"), child(index("spec.ports", i), "nodePort")
        if node_port in (None, 0):
            continue
        if spec.get("type") == "ClusterIP":
            errors.append(forbidden(path, "may not be used when `type` is 'ClusterIP'"))
        elif spec.get("type") in ("NodePort", "LoadBalancer") and not (is_int(node_port) and low <= node_port <= high):
            # the node-port allocator's message
            errors.append(invalid(path, node_port, f"provided port is not in the valid range. The range of valid ports is {low}-{high}"))
        key = (port.get("protocol"), node_port)
        if key in seen:
            errors.append(duplicate(path, node_port))
        seen.add(key)
    return errors


def _validate_duplicate_service_ports(ports: list[dict]) -> Errors:
    errors: Errors = []
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            errors.append(duplicate(index("spec.ports", i), {"port": port.get("port"), "protocol": port.get("protocol")}))
        seen.add(key)
    return errors


def _validate_traffic_policies(spec: dict) -> Errors:
    errors: Errors = []
    external = spec.get("externalTrafficPolicy")
    accessible = spec.get("type") in ("LoadBalancer", "NodePort") or (spec.get("type") == "ClusterIP" and bool(spec.get("externalIPs")))
    if not accessible and external not in (None, ""):
        errors.append(invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"))
    elif accessible:
        errors += validate_one_of(external, ["Cluster", "Local"], "spec.externalTrafficPolicy")
    internal = spec.get("internalTrafficPolicy")
    if spec.get("type") in ("ClusterIP", "NodePort", "LoadBalancer"):
        errors += validate_one_of(internal, ["Cluster", "Local"], "spec.internalTrafficPolicy")
    return errors


def validate_service_update(service: dict, old: dict) -> Errors:
    errors = validate_service(service)
    spec, old_spec = spec_of(service), spec_of(old)
    new_ip, old_ip = as_text(spec.get("clusterIP")), as_text(old_spec.get("clusterIP"))
    # An update that leaves clusterIP out keeps the allocated one (the registry copies it over)
    if "ExternalName" not in (spec.get("type"), old_spec.get("type")) and old_ip and new_ip:
        errors += validate_immutable(new_ip, old_ip, "spec.clusterIP")
    return errors


# --- ConfigMap and Secret -----------------------------------------------------------------------


def validate_config_map(config_map: dict) -> Errors:
    errors: Errors = []
    data, binary_data = as_map(config_map.get("data")), as_map(config_map.get("binaryData"))
    total = 0
    for key, value in data.items():
        errors += invalid_each(at_key("data", key), key, is_config_map_key(key))
        if key in binary_data:
            errors.append(invalid(at_key("data", key), key, "duplicate of key present in binaryData"))
        if isinstance(value, str):
            total += byte_size(value)
        else:
            errors.append(invalid(at_key("data", key), value, "must be a string"))
    for key, value in binary_data.items():
        errors += invalid_each(at_key("binaryData", key), key, is_config_map_key(key))
        decoded = _decode_base64(value, at_key("binaryData", key), errors)
        total += len(decoded or b"")
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("", MAX_SECRET_SIZE))  # "" is the whole object, as in Kubernetes
    return errors


def _decode_base64(value: Any, path: str, errors: Errors) -> bytes | None:
    """[]byte fields arrive base64-encoded; Go's decoder rejects what this rejects."""
    if not isinstance(value, str):
        errors.append(invalid(path, SECRET_REDACTED, "must be a base64-encoded string"))
        return None
    position = go_base64_error(value)
    if position is not None:
        errors.append(invalid(path, SECRET_REDACTED, f"illegal base64 data at input byte {position}"))
        return None
    return binascii.a2b_base64(value.replace("\r", "").replace("\n", ""))


_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def go_base64_error(text: str) -> int | None:
    """The byte offset encoding/base64.StdEncoding reports as corrupt, or None if it decodes."""
    data, si, n = text.encode(), 0, len(text.encode())
    while si < n:
        quantum = 0
        while quantum < 4:
            while si < n and data[si] in b"\r\n":
                si += 1
            if si == n:
                return None if quantum == 0 else si - quantum
            char = data[si]
            si += 1
            if char in _BASE64_ALPHABET:
                quantum += 1
                continue
            if char != ord("=") or quantum < 2:
                return si - 1
            return _check_padding(data, si, quantum)
    return None


def _check_padding(data: bytes, si: int, quantum: int) -> int | None:
    """After a '=' at `quantum` (2 or 3): the rest must be the padding and newlines only."""
    n = len(data)
    if quantum == 2:
        while si < n and data[si] in b"\r\n":
            si += 1
        if si == n:
            return n
        if data[si] != ord("="):
            return si - 1
        si += 1
    while si < n and data[si] in b"\r\n":
        si += 1
    return si if si < n else None


SECRET_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
}


def validate_secret(secret: dict) -> Errors:
    errors: Errors = []
    data = as_map(secret.get("data"))
    decoded: dict[str, bytes] = {}
    total = 0
    for key, value in data.items():
        errors += invalid_each(at_key("data", key), key, is_config_map_key(key))
        raw = _decode_base64(value, at_key("data", key), errors)
        if raw is not None:
            decoded[key] = raw
            total += len(raw)
    for key in as_map(secret.get("stringData")):
        errors += invalid_each(at_key("data", key), key, is_config_map_key(key))
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("data", MAX_SECRET_SIZE))
    return errors + _validate_secret_type(secret, data, decoded)


def _validate_secret_type(secret: dict, data: dict, decoded: dict[str, bytes]) -> Errors:
    secret_type = secret.get("type")
    if secret_type == "kubernetes.io/service-account-token":
        if not as_text(as_map(meta_of(secret).get("annotations")).get("kubernetes.io/service-account.name")):
            return [required("metadata.annotations[kubernetes.io/service-account.name]")]
        return []
    if secret_type == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        return [required("data[username]"), required("data[password]")]
    if secret_type == "kubernetes.io/ssh-auth" and not decoded.get("ssh-privatekey"):
        return [required("data[ssh-privatekey]")]
    errors = [required(at_key("data", key)) for key in SECRET_REQUIRED_KEYS.get(secret_type, ()) if key not in data]
    if secret_type in ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg") and not errors:
        key = SECRET_REQUIRED_KEYS[secret_type][0]
        errors += _validate_json(decoded.get(key), at_key("data", key))
    return errors


def _validate_json(content: bytes | None, path: str) -> Errors:
    if content is None:
        return []  # undecodable: already reported
    if not content.strip():
        return [invalid(path, SECRET_REDACTED, "unexpected end of JSON input")]
    try:
        parsed = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        return [invalid(path, SECRET_REDACTED, str(error))]
    if not isinstance(parsed, dict):
        detail = f"json: cannot unmarshal {type(parsed).__name__} into Go value of type map[string]interface {{}}"
        return [invalid(path, SECRET_REDACTED, detail)]
    return []


def _validate_immutable_data(obj: dict, old: dict, data_fields: tuple[str, ...]) -> Errors:
    """An object stored with `immutable: true` keeps its data, and the flag, for ever."""
    if old.get("immutable") is not True:
        return []
    errors = [] if obj.get("immutable") is True else [forbidden("immutable", IMMUTABLE_WHEN_SET)]
    for field_name in data_fields:
        if obj.get(field_name) != old.get(field_name):
            errors.append(forbidden(field_name, IMMUTABLE_WHEN_SET))
    return errors


def validate_config_map_update(config_map: dict, old: dict) -> Errors:
    return _validate_immutable_data(config_map, old, ("data", "binaryData")) + validate_config_map(config_map)


def validate_secret_update(secret: dict, old: dict) -> Errors:
    errors = validate_immutable(secret.get("type"), old.get("type"), "type")
    return errors + _validate_immutable_data(secret, old, ("data",)) + validate_secret(secret)


# --- PersistentVolumeClaim and PersistentVolume (StorageClass is in storage.py) ---------------

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]


def validate_claim_spec(spec: dict, path: str) -> Errors:
    access_modes = as_list(spec.get("accessModes"))
    errors: Errors = []
    if not access_modes:
        errors.append(required(child(path, "accessModes"), "at least 1 access mode is required"))
    if spec.get("selector") is not None:
        errors += validate_label_selector(spec.get("selector"), child(path, "selector"))
    errors += _validate_access_modes(access_modes, child(path, "accessModes"))
    if "ReadWriteOncePod" in access_modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in access_modes):
        errors.append(forbidden(child(path, "accessModes"), "may not use ReadWriteOncePod with other access modes"))
    errors += _validate_storage_request(as_map(as_map(spec.get("resources")).get("requests")), at_key(child(path, "resources"), "storage"))
    return errors + _validate_class_and_volume_mode(spec, path)


def _validate_access_modes(access_modes: list, path: str) -> Errors:
    return [not_supported(path, mode, ACCESS_MODES) for mode in access_modes if mode not in ACCESS_MODES]


def _validate_class_and_volume_mode(spec: dict, path: str) -> Errors:
    """What a claim and a volume both say about themselves: their class and their volumeMode."""
    errors: Errors = []
    class_name = as_text(spec.get("storageClassName"))
    if class_name:
        errors += invalid_each(child(path, "storageClassName"), class_name, is_dns1123_subdomain(class_name))
    if spec.get("volumeMode") is not None and spec.get("volumeMode") not in VOLUME_MODES:
        errors.append(not_supported(child(path, "volumeMode"), spec.get("volumeMode"), VOLUME_MODES))
    return errors


def _validate_storage_request(requests: dict, path: str) -> Errors:
    if "storage" not in requests:
        return [required(path)]
    errors: Errors = []
    validate_positive_quantity(requests["storage"], path, errors)
    return errors


def validate_persistent_volume_claim(claim: dict) -> Errors:
    return validate_claim_spec(spec_of(claim), "spec")


def validate_persistent_volume_claim_update(claim: dict, old: dict) -> Errors:
    errors = validate_persistent_volume_claim(claim)
    new_spec, old_spec = json.loads(json.dumps(spec_of(claim))), json.loads(json.dumps(spec_of(old)))
    if not old_spec.get("volumeName"):
        restore(old_spec, new_spec, "volumeName")  # binding sets volumeName once
    if as_map(claim.get("status")).get("phase") == "Bound":
        restore(as_map(as_map(new_spec.get("resources")).get("requests")), as_map(as_map(old_spec.get("resources")).get("requests")), "storage")
    restore(new_spec, old_spec, "volumeAttributesClassName")
    if new_spec != old_spec:
        errors.append(forbidden("spec", (
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
            + diff(old_spec, new_spec, "spec")
        )))
    new_size, old_size = _storage_size(spec_of(claim)), _storage_size(spec_of(old))
    if new_size is not None and old_size is not None and new_size < old_size:
        errors.append(forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
    return errors


def _storage_size(spec: dict) -> Decimal | None:
    try:
        return parse_quantity(as_map(as_map(spec.get("resources")).get("requests"))["storage"])
    except (KeyError, ValueError):
        return None


def validate_persistent_volume(volume: dict) -> Errors:
    spec = spec_of(volume)
    errors: Errors = []
    if not as_list(spec.get("accessModes")):
        errors.append(required("spec.accessModes"))
    errors += _validate_access_modes(as_list(spec.get("accessModes")), "spec.accessModes")
    errors += _validate_capacity(spec.get("capacity"))
    errors += validate_one_volume_source(spec, "spec")
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy not in (None, "") and policy not in RECLAIM_POLICIES:
        errors.append(not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES))
    return errors + _validate_class_and_volume_mode(spec, "spec")


def _validate_capacity(capacity: Any) -> Errors:
    capacity = as_map(capacity)
    if not capacity:
        return [required("spec.capacity")]
    errors: Errors = []
    if "storage" not in capacity or len(capacity) > 1:
        errors.append(not_supported("spec.capacity", capacity, ["storage"]))
    for name, value in capacity.items():
        validate_positive_quantity(value, at_key("spec.capacity", name), errors)
    return errors


# --- Namespace, Node, Event and the rest --------------------------------------------------------


def validate_namespace(namespace: dict) -> Errors:
    errors: Errors = []
    for finalizer in as_list(spec_of(namespace).get("finalizers")):
        name = as_text(finalizer)
        messages = is_qualified_name(name)
        if messages:
            errors += invalid_each("spec.finalizers", name, messages)
        elif "/" not in name and name != "kubernetes":
            errors.append(invalid("spec.finalizers", name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errors


def validate_node(node: dict) -> Errors:
    spec, status = spec_of(node), as_map(node.get("status"))
    errors = _validate_taints(spec.get("taints"), "spec.taints")
    for list_name in ("capacity", "allocatable"):
        for name, value in as_map(status.get(list_name)).items():
            validate_quantity_value(value, at_key(child("status", list_name), name), errors)
    return errors


def _validate_taints(taints: Any, path: str) -> Errors:
    errors: Errors = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(map(as_map, as_list(taints))):
        taint_path = index(path, i)
        key, value, effect = as_text(taint.get("key")), as_text(taint.get("value")), as_text(taint.get("effect"))
        errors += validate_qualified_name(key, child(taint_path, "key"))
        errors += invalid_each(child(taint_path, "value"), value, is_valid_label_value(value))
        errors += validate_one_of(effect, TAINT_EFFECTS, child(taint_path, "effect"))
        if (key, effect) in seen:
            error = duplicate(taint_path, taint)
            errors.append(FieldError(error.type, error.field, "taints must be unique by key and effect pair", taint))
        seen.add((key, effect))
    return errors

def validate_event(event: dict) -> Errors:
    """legacyValidateEvent for core/v1 Events."""
    namespace = as_text(meta_of(event).get("namespace"))
    involved = as_map(event.get("involvedObject"))
    involved_namespace = as_text(involved.get("namespace"))
    path = "involvedObject.namespace"
    if not event.get("eventTime"):
        if not involved_namespace and namespace not in ("", "default"):
            return [invalid(path, involved_namespace, "does not match event.namespace")]
        if involved_namespace and involved_namespace != namespace:
            return [invalid(path, involved_namespace, "does not match event.namespace")]
        return []
    errors: Errors = []
    if not involved_namespace and namespace not in ("default", "kube-system"):
        errors.append(invalid(path, involved_namespace, "does not match event.namespace"))
    # core/v1 calls the reporting controller "source" in these messages
    reporting_controller = as_text(event.get("reportingComponent"))
    if not reporting_controller:
        errors.append(required("source"))
    errors += validate_qualified_name(reporting_controller, "source")
    for field_name in ("reportingInstance", "action", "reason"):
        if not as_text(event.get(field_name)):
            errors.append(required(field_name))
    return errors

