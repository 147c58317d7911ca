"""Pods: the PodSpec (containers, volumes, env, probes, tolerations), pod templates, and Pod itself.

`validate` (this package's __init__) calls `validate_pod` / `validate_pod_update` for Pods; apps.py
and batch.py check their templates with `validate_pod_template`, as the workload validations call
ValidatePodTemplateSpec in Kubernetes. It follows k8s.io/kubernetes
pkg/apis/core/validation/validation.go: ValidatePodSpec, validateContainers and
validateInitContainers, ValidateVolumes, ValidateEnv, validateProbe, ValidateTolerations,
ValidateResourceRequirements, ValidatePodTemplateSpec, ValidatePodCreate and ValidatePodUpdate.
"""
from __future__ import annotations

import json
import re
from typing import Any

from playground.store.errors import FieldError, duplicate, forbidden, invalid, not_supported, required

from .core import (
    PORT_PROTOCOLS,
    TAINT_EFFECTS,
    read_quantity,
    shown_quantity,
    validate_one_volume_source,
    validate_port_num_or_name,
    validate_quantity_value,
    volume_sources,
)
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
    not_found,
    restore,
    spec_of,
    validate_one_of,
)
from .meta import name_is_dns_subdomain, validate_annotations, validate_labels, validate_nonnegative
from .names import (
    inclusive_range_error,
    is_config_map_key,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_relaxed_env_var_name,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
    validate_dns1123_label,
    validate_qualified_name,
)

MAX_INT32 = 2**31 - 1
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
ENV_FIELD_PATHS = [
    "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
    "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
]
_SUBSCRIPTED_FIELD_PATH = re.compile(r"(metadata\.(?:labels|annotations))\['(.*)'\]")


# --- pod specs (ValidatePodSpec and friends) -----------------------------------------------------


def validate_pod_spec(spec: dict, path: str, *, is_pod: bool) -> Errors:
    errors: Errors = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errors.append(required(child(path, "terminationGracePeriodSeconds")))
    volumes, volume_errors = validate_volumes(spec.get("volumes"), child(path, "volumes"))
    errors += volume_errors
    errors += _validate_containers(spec, volumes, path)
    errors += _validate_init_containers(spec, volumes, path)
    errors += _validate_host_network_ports(spec, path, is_pod=is_pod)
    errors += validate_one_of(spec.get("restartPolicy"), RESTART_POLICIES, child(path, "restartPolicy"))
    errors += validate_one_of(spec.get("dnsPolicy"), DNS_POLICIES, child(path, "dnsPolicy"))
    errors += validate_labels(spec.get("nodeSelector"), child(path, "nodeSelector"))
    errors += validate_tolerations(spec.get("tolerations"), child(path, "tolerations"))
    return errors + _validate_pod_spec_names(spec, path) + _validate_active_deadline(spec, path)


def _validate_pod_spec_names(spec: dict, path: str) -> Errors:
    errors: Errors = []
    for field_name, check in (
        ("serviceAccountName", is_dns1123_subdomain),
        ("nodeName", is_dns1123_subdomain),
        ("hostname", is_dns1123_label),
        ("subdomain", is_dns1123_label),
    ):
        value = as_text(spec.get(field_name))
        if value:
            errors += invalid_each(child(path, field_name), value, check(value))
    return errors


def _validate_active_deadline(spec: dict, path: str) -> Errors:
    value = spec.get("activeDeadlineSeconds")
    if value is not None and (not is_int(value) or not 1 <= value <= MAX_INT32):
        return [invalid(child(path, "activeDeadlineSeconds"), value, inclusive_range_error(1, MAX_INT32))]
    return []


# --- volumes (ValidateVolumes, validateVolumeSource) ---------------------------------------------


def validate_volumes(volumes: Any, path: str) -> tuple[dict[str, dict], Errors]:
    """The volumes by name (for volumeMounts to refer to) and their errors."""
    errors: Errors = []
    by_name: dict[str, dict] = {}
    for i, volume in enumerate(map(as_map, as_list(volumes))):
        volume_path = index(path, i)
        name = as_text(volume.get("name"))
        errors += _validate_volume_source(volume, volume_path)
        if not name:
            errors.append(required(child(volume_path, "name")))
        else:
            errors += validate_dns1123_label(name, child(volume_path, "name"))
        if name in by_name:
            errors.append(duplicate(child(volume_path, "name"), name))
        else:
            by_name[name] = volume
    return by_name, errors


def _validate_volume_source(volume: dict, path: str) -> Errors:
    errors, sources = validate_one_volume_source(volume, path), volume_sources(volume)
    if not sources:
        return errors
    source, value = sources[0], as_map(volume.get(sources[0]))
    checks = {
        "hostPath": _validate_host_path,
        "emptyDir": _validate_empty_dir,
        "secret": _validate_secret_volume,
        "configMap": _validate_config_map_volume,
        "persistentVolumeClaim": _validate_claim_volume,
        "downwardAPI": _validate_downward_api_volume,
    }
    if source in checks:
        errors += checks[source](value, child(path, source))
    return errors


def _validate_host_path(source: dict, path: str) -> Errors:
    errors = [] if as_text(source.get("path")) else [required(child(path, "path"))]
    host_path_type = source.get("type")
    if host_path_type is not None and host_path_type not in HOST_PATH_TYPES:
        errors.append(not_supported(child(path, "type"), host_path_type, HOST_PATH_TYPES))
    return errors


def _validate_empty_dir(source: dict, path: str) -> Errors:
    errors: Errors = []
    if source.get("sizeLimit") is not None:
        size = read_quantity(source["sizeLimit"], child(path, "sizeLimit"), errors)
        if size is not None and size < 0:
            errors.append(forbidden(child(path, "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
    return errors


def _validate_file_mode(mode: Any, path: str) -> Errors:
    if mode is not None and (not is_int(mode) or not 0 <= mode <= 0o777):
        return [invalid(path, mode, FILE_MODE_ERROR)]
    return []


def _validate_key_to_paths(items: Any, path: str) -> Errors:
    errors: Errors = []
    for i, item in enumerate(map(as_map, as_list(items))):
        item_path = index(path, i)
        if not as_text(item.get("key")):
            errors.append(required(child(item_path, "key")))
        errors += _validate_local_path(as_text(item.get("path")), child(item_path, "path"))
        errors += _validate_file_mode(item.get("mode"), child(item_path, "mode"))
    return errors


def _validate_local_path(target: str, path: str) -> Errors:
    """validateLocalNonReservedPath: relative, no '..' element, not starting with '..'."""
    if not target:
        return [required(path)]
    errors: Errors = []
    if target.startswith("/"):
        errors.append(invalid(path, target, "must be a relative path"))
    if ".." in target.split("/"):
        errors.append(invalid(path, target, "must not contain '..'"))
    if target.startswith("..") and not target.startswith("../"):
        errors.append(invalid(path, target, "must not start with '..'"))
    return errors


def _validate_secret_volume(source: dict, path: str) -> Errors:
    errors = [] if as_text(source.get("secretName")) else [required(child(path, "secretName"))]
    errors += _validate_file_mode(source.get("defaultMode"), child(path, "defaultMode"))
    return errors + _validate_key_to_paths(source.get("items"), child(path, "items"))


def _validate_config_map_volume(source: dict, path: str) -> Errors:
    errors = [] if as_text(source.get("name")) else [required(child(path, "name"))]
    errors += _validate_file_mode(source.get("defaultMode"), child(path, "defaultMode"))
    return errors + _validate_key_to_paths(source.get("items"), child(path, "items"))


def _validate_claim_volume(source: dict, path: str) -> Errors:
    return [] if as_text(source.get("claimName")) else [required(child(path, "claimName"))]


def _validate_downward_api_volume(source: dict, path: str) -> Errors:
    errors = _validate_file_mode(source.get("defaultMode"), child(path, "defaultMode"))
    for i, item in enumerate(map(as_map, as_list(source.get("items")))):
        item_path = index(child(path, "items"), i)
        errors += _validate_local_path(as_text(item.get("path")), child(item_path, "path"))
        errors += _validate_file_mode(item.get("mode"), child(item_path, "mode"))
    return errors


# --- containers (validateContainers, validateInitContainers, validateContainerCommon) ------------


def _validate_containers(spec: dict, volumes: dict, path: str) -> Errors:
    containers_path = child(path, "containers")
    containers = [as_map(c) for c in as_list(spec.get("containers"))]
    if not containers:
        return [required(containers_path)]
    errors: Errors = []
    names: set[str] = set()
    for i, container in enumerate(containers):
        container_path = index(containers_path, i)
        errors += validate_container(container, volumes, container_path)
        name = as_text(container.get("name"))
        if name in names:
            errors.append(duplicate(child(container_path, "name"), name))
        names.add(name)
        errors += _validate_probes(container, container_path)
        errors += _validate_lifecycle(container.get("lifecycle"), child(container_path, "lifecycle"))
        if container.get("restartPolicy") is not None:
            errors.append(forbidden(child(container_path, "restartPolicy"), "may not be set for non-init containers"))
    return errors + _validate_host_port_conflicts(containers, containers_path)


def _validate_init_containers(spec: dict, volumes: dict, path: str) -> Errors:
    init_path = child(path, "initContainers")
    names = {as_text(as_map(c).get("name")) for c in as_list(spec.get("containers"))}
    errors: Errors = []
    for i, container in enumerate(map(as_map, as_list(spec.get("initContainers")))):
        container_path = index(init_path, i)
        errors += validate_container(container, volumes, container_path)
        restart_policy = container.get("restartPolicy")
        if restart_policy is not None and restart_policy != "Always":
            errors.append(not_supported(child(container_path, "restartPolicy"), restart_policy, ["Always"]))
        name = as_text(container.get("name"))
        if name in names:
            errors.append(duplicate(child(container_path, "name"), name))
        elif name:
            names.add(name)
        errors += _validate_host_port_conflicts([container], init_path)
        if restart_policy == "Always":  # a sidecar: probes and hooks like a regular container
            errors += _validate_probes(container, container_path)
            errors += _validate_lifecycle(container.get("lifecycle"), child(container_path, "lifecycle"))
            continue
        for field_name in ("lifecycle", *PROBES):
            if container.get(field_name) is not None:
                errors.append(forbidden(
                    child(container_path, field_name), "may not be set for init containers without restartPolicy=Always"
                ))
    return errors


def validate_container(container: dict, volumes: dict, path: str) -> Errors:
    """validateContainerCommon: what every container, regular or init, must get right."""
    errors: Errors = []
    name = as_text(container.get("name"))
    if not name:
        errors.append(required(child(path, "name")))
    else:
        errors += validate_dns1123_label(name, child(path, "name"))
    if not as_text(container.get("image")):
        errors.append(required(child(path, "image")))
    errors += validate_one_of(
        container.get("terminationMessagePolicy"), TERMINATION_MESSAGE_POLICIES, child(path, "terminationMessagePolicy")
    )
    errors += validate_container_ports(container.get("ports"), child(path, "ports"))
    errors += validate_env(container.get("env"), child(path, "env"))
    errors += _validate_env_from(container.get("envFrom"), child(path, "envFrom"))
    errors += validate_volume_mounts(container.get("volumeMounts"), volumes, child(path, "volumeMounts"))
    errors += validate_one_of(container.get("imagePullPolicy"), PULL_POLICIES, child(path, "imagePullPolicy"))
    return errors + validate_resource_requirements(container.get("resources"), child(path, "resources"))


def validate_container_ports(ports: Any, path: str) -> Errors:
    errors: Errors = []
    names: set[str] = set()
    for i, port in enumerate(map(as_map, as_list(ports))):
        port_path = index(path, i)
        name = as_text(port.get("name"))
        if name:
            messages = is_valid_port_name(name)
            if messages:
                errors += invalid_each(child(port_path, "name"), name, messages)
            elif name in names:
                errors.append(duplicate(child(port_path, "name"), name))
            names.add(name)
        container_port = port.get("containerPort")
        if container_port in (None, 0):
            errors.append(required(child(port_path, "containerPort")))
        else:
            errors += invalid_each(child(port_path, "containerPort"), container_port, is_valid_port_num(container_port))
        if port.get("hostPort") not in (None, 0):
            errors += invalid_each(child(port_path, "hostPort"), port["hostPort"], is_valid_port_num(port["hostPort"]))
        errors += validate_one_of(port.get("protocol"), PORT_PROTOCOLS, child(port_path, "protocol"))
    return errors


def _validate_host_port_conflicts(containers: list[dict], path: str) -> Errors:
    errors: Errors = []
    seen: set[str] = set()
    for i, container in enumerate(containers):
        for j, port in enumerate(map(as_map, as_list(container.get("ports")))):
            if port.get("hostPort") in (None, 0):
                continue
            key = f"{as_text(port.get('protocol'))}/{as_text(port.get('hostIP'))}/{port['hostPort']}"
            if key in seen:
                errors.append(duplicate(child(index(child(index(path, i), "ports"), j), "hostPort"), key))
            seen.add(key)
    return errors


def _validate_host_network_ports(spec: dict, path: str, *, is_pod: bool) -> Errors:
    if spec.get("hostNetwork") is not True:
        return []
    errors: Errors = []
    for i, container in enumerate(map(as_map, as_list(spec.get("containers")))):
        for j, port in enumerate(map(as_map, as_list(container.get("ports")))):
            host_port, container_port = port.get("hostPort") or 0, port.get("containerPort")
            # in a template an unset hostPort is fine: it is defaulted on the Pod
            if (is_pod or host_port != 0) and host_port != container_port:
                port_path = index(child(index(child(path, "containers"), i), "ports"), j)
                errors.append(invalid(child(port_path, "hostPort"), host_port, "must match `containerPort` when `hostNetwork` is true"))
    return errors


# --- container resources (ValidateResourceRequirements) ------------------------------------------


def validate_resource_requirements(resources: Any, path: str) -> Errors:
    errors: Errors = []
    resources = as_map(resources)
    limits_path, requests_path = child(path, "limits"), child(path, "requests")
    limits = {}
    for name, value in as_map(resources.get("limits")).items():
        errors += _validate_container_resource_name(name, at_key(limits_path, name))
        limits[name] = validate_quantity_value(value, at_key(limits_path, name), errors)
    for name, value in as_map(resources.get("requests")).items():
        errors += _validate_container_resource_name(name, at_key(requests_path, name))
        request = validate_quantity_value(value, at_key(requests_path, name), errors)
        limit = limits.get(name)
        if request is not None and limit is not None and request > limit:
            shown_limit = shown_quantity(as_map(resources.get("limits"))[name])
            errors.append(invalid(requests_path, shown_quantity(value), f"must be less than or equal to {name} limit of {shown_limit}"))
    return errors


def _validate_container_resource_name(name: str, path: str) -> Errors:
    errors = validate_qualified_name(name, path)
    if errors:
        return errors
    if "/" not in name and name not in STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
        return [invalid(path, name, "must be a standard resource for containers")]
    return []


# --- environment and mounts (ValidateEnv, validateEnvFrom, ValidateVolumeMounts) -----------------


def validate_env(env: Any, path: str) -> Errors:
    errors: Errors = []
    for i, variable in enumerate(map(as_map, as_list(env))):
        variable_path = index(path, i)
        name = as_text(variable.get("name"))
        if not name:
            errors.append(required(child(variable_path, "name")))
        else:
            errors += invalid_each(child(variable_path, "name"), name, is_relaxed_env_var_name(name))
        errors += _validate_env_value_from(variable, child(variable_path, "valueFrom"))
    return errors


def _validate_env_value_from(variable: dict, path: str) -> Errors:
    value_from = variable.get("valueFrom")
    if value_from is None:
        return []
    value_from = as_map(value_from)
    sources = [s for s in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if value_from.get(s) is not None]
    errors: Errors = []
    if "fieldRef" in sources:
        errors += _validate_field_ref(as_map(value_from["fieldRef"]), child(path, "fieldRef"))
    for source in ("configMapKeyRef", "secretKeyRef"):
        if source in sources:
            errors += _validate_key_selector(as_map(value_from[source]), child(path, source))
    if not sources:
        errors.append(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
    elif as_text(variable.get("value")):
        errors.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(sources) > 1:
        errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def _validate_field_ref(field_ref: dict, path: str) -> Errors:
    if not as_text(field_ref.get("apiVersion")):
        return [required(child(path, "apiVersion"))]
    field_path = as_text(field_ref.get("fieldPath"))
    if not field_path:
        return [required(child(path, "fieldPath"))]
    subscripted = _SUBSCRIPTED_FIELD_PATH.fullmatch(field_path)
    if subscripted:
        key = subscripted[2].lower() if subscripted[1] == "metadata.annotations" else subscripted[2]
        return validate_qualified_name(key, path)
    if field_path not in ENV_FIELD_PATHS:
        return [not_supported(child(path, "fieldPath"), field_path, sorted(ENV_FIELD_PATHS))]
    return []


def _validate_key_selector(selector: dict, path: str) -> Errors:
    name, key = as_text(selector.get("name")), as_text(selector.get("key"))
    errors = invalid_each(child(path, "name"), name, is_dns1123_subdomain(name))
    if not key:
        errors.append(required(child(path, "key")))
    else:
        errors += invalid_each(child(path, "key"), key, is_config_map_key(key))
    return errors


def _validate_env_from(env_from: Any, path: str) -> Errors:
    errors: Errors = []
    for i, source in enumerate(map(as_map, as_list(env_from))):
        prefix = as_text(source.get("prefix"))
        if prefix:
            errors += invalid_each(child(index(path, i), "prefix"), prefix, is_relaxed_env_var_name(prefix))
        refs = [r for r in ("configMapRef", "secretRef") if source.get(r) is not None]
        for ref in refs:
            name = as_text(as_map(source[ref]).get("name"))
            ref_path = child(index(path, i), ref, "name")
            errors += [required(ref_path)] if not name else invalid_each(ref_path, name, name_is_dns_subdomain(name, True))
        if not refs:
            errors.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def validate_volume_mounts(mounts: Any, volumes: dict, path: str) -> Errors:
    errors: Errors = []
    mount_points: set[str] = set()
    for i, mount in enumerate(map(as_map, as_list(mounts))):
        mount_path = index(path, i)
        name, target = as_text(mount.get("name")), as_text(mount.get("mountPath"))
        if not name:
            errors.append(required(child(mount_path, "name")))
        if name not in volumes:
            errors.append(not_found(child(mount_path, "name"), name))
        if not target:
            errors.append(required(child(mount_path, "mountPath")))
        if target in mount_points:
            errors.append(invalid(child(mount_path, "mountPath"), target, "must be unique"))
        mount_points.add(target)
        sub_path = as_text(mount.get("subPath"))
        if sub_path:
            errors += _validate_local_path(sub_path, child(path, "subPath"))
    return errors


# --- probes and lifecycle hooks (validateProbe, validateLifecycle, validateHandler) --------------


def _validate_probes(container: dict, path: str) -> Errors:
    errors: Errors = []
    for probe_name in PROBES:
        probe = container.get(probe_name)
        if probe is None:
            continue
        probe, probe_path = as_map(probe), child(path, probe_name)
        errors += validate_probe(probe, probe_path)
        if probe_name != "readinessProbe" and probe.get("successThreshold") != 1:
            errors.append(invalid(child(probe_path, "successThreshold"), probe.get("successThreshold"), "must be 1"))
        if probe_name == "readinessProbe" and probe.get("terminationGracePeriodSeconds") is not None:
            errors.append(invalid(
                child(probe_path, "terminationGracePeriodSeconds"),
                probe["terminationGracePeriodSeconds"], "must not be set for readinessProbes",
            ))
    return errors


def validate_probe(probe: dict, path: str) -> Errors:
    errors = _validate_handler(probe, PROBE_HANDLERS, path)
    for field_name in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errors += validate_nonnegative(probe.get(field_name), child(path, field_name))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and (not is_int(grace) or grace <= 0):
        errors.append(invalid(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    return errors


def _validate_lifecycle(lifecycle: Any, path: str) -> Errors:
    errors: Errors = []
    for hook in ("postStart", "preStop"):
        handler = as_map(lifecycle).get(hook)
        if handler is not None:
            errors += _validate_handler(as_map(handler), LIFECYCLE_HANDLERS, child(path, hook))
    return errors


def _validate_handler(handler: dict, kinds: tuple[str, ...], path: str) -> Errors:
    """Exactly one way to probe or hook: exec, httpGet, tcpSocket, grpc (or sleep for hooks)."""
    present = [kind for kind in kinds if handler.get(kind) is not None]
    if not present:
        return [required(path, "must specify a handler type")]
    errors = [forbidden(child(path, kind), "may not specify more than 1 handler type") for kind in present[1:]]
    kind, action, action_path = present[0], as_map(handler.get(present[0])), child(path, present[0])
    if kind == "exec" and not as_list(action.get("command")):
        errors.append(required(child(action_path, "command")))
    if kind == "httpGet":
        errors += _validate_http_get(action, action_path)
    if kind == "tcpSocket":
        errors += validate_port_num_or_name(action.get("port"), child(action_path, "port"))
    if kind == "grpc":
        errors += invalid_each(child(action_path, "port"), action.get("port"), is_valid_port_num(action.get("port")))
    return errors


def _validate_http_get(action: dict, path: str) -> Errors:
    errors = [] if as_text(action.get("path")) else [required(child(path, "path"))]
    errors += validate_port_num_or_name(action.get("port"), child(path, "port"))
    if action.get("scheme") not in ("HTTP", "HTTPS"):
        errors.append(not_supported(child(path, "scheme"), action.get("scheme"), ["HTTP", "HTTPS"]))
    return errors



# --- tolerations (ValidateTolerations) -----------------------------------------------------------


def validate_tolerations(tolerations: Any, path: str) -> Errors:
    errors: Errors = []
    for i, toleration in enumerate(map(as_map, as_list(tolerations))):
        toleration_path = index(path, i)
        key, operator = as_text(toleration.get("key")), toleration.get("operator") or ""
        value, effect = as_text(toleration.get("value")), toleration.get("effect") or ""
        if key:
            errors += validate_qualified_name(key, child(toleration_path, "key"))
        if not key and operator != "Exists":
            errors.append(invalid(
                child(toleration_path, "operator"), operator,
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            ))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(invalid(child(toleration_path, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if operator in ("Equal", ""):
            messages = is_valid_label_value(value)
            if messages:
                errors.append(invalid(child(toleration_path, "operator"), value, ";".join(messages)))
        elif operator == "Exists":
            if value:
                errors.append(invalid(child(toleration_path, "operator"), toleration, "value must be empty when `operator` is 'Exists'"))
        else:
            errors.append(not_supported(child(toleration_path, "operator"), operator, ["Equal", "Exists"]))
        if effect and effect not in TAINT_EFFECTS:
            errors.append(not_supported(child(toleration_path, "effect"), effect, TAINT_EFFECTS))
    return errors


# --- pod templates (ValidatePodTemplateSpec, and what a workload's template must be) --------------


def validate_pod_template(template: Any, path: str) -> Errors:
    """ValidatePodTemplateSpec. Its labels are reported at `template.labels`, as Kubernetes does."""
    if not isinstance(template, dict):
        return [required(path)]
    errors = validate_pod_template_metadata(template, path)
    errors += validate_pod_spec(as_map(template.get("spec")), child(path, "spec"), is_pod=False)
    if as_list(as_map(template.get("spec")).get("ephemeralContainers")):
        errors.append(forbidden(child(path, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
    return errors


def validate_pod_template_metadata(template: Any, path: str) -> Errors:
    metadata = as_map(as_map(template).get("metadata"))
    errors = validate_labels(metadata.get("labels"), child(path, "labels"))
    return errors + validate_annotations(metadata.get("annotations"), child(path, "annotations"))


def validate_template_restarts_always(spec: dict, kind: str) -> Errors:
    """A workload's pods run for ever: restartPolicy Always and no activeDeadlineSeconds."""
    errors: Errors = []
    template_spec = as_map(as_map(spec.get("template")).get("spec"))
    restart_policy = template_spec.get("restartPolicy")
    if restart_policy != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", restart_policy, ["Always"]))
    if template_spec.get("activeDeadlineSeconds") is not None:
        errors.append(forbidden("spec.template.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported"))
    return errors


def template_labels(spec: dict) -> dict:
    return as_map(as_map(as_map(spec.get("template")).get("metadata")).get("labels"))


def selector_mismatch(spec: dict) -> FieldError:
    """A workload's selector must select the pods its template makes."""
    return invalid("spec.template.metadata.labels", template_labels(spec), "`selector` does not match template `labels`")


# --- Pod ----------------------------------------------------------------------------------------

POD_UPDATABLE_FIELDS = ",".join((
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
))


def validate_pod(pod: dict) -> Errors:
    spec = spec_of(pod)
    errors = validate_pod_spec(spec, "spec", is_pod=True)
    for list_name in ("containers", "initContainers"):
        for i, container in enumerate(map(as_map, as_list(spec.get(list_name)))):
            image = as_text(container.get("image"))
            if image != image.strip():
                image_path = child(index(child("spec", list_name), i), "image")
                errors.append(invalid(image_path, image, "must not have leading or trailing whitespace"))
    return errors


def validate_pod_update(pod: dict, old: dict) -> Errors:
    """ValidatePodUpdate: a Pod's spec is fixed once created, except for a few fields."""
    errors = validate_pod(pod)
    new_spec, old_spec = spec_of(pod), spec_of(old)
    for list_name in ("containers", "initContainers"):
        if len(as_list(new_spec.get(list_name))) != len(as_list(old_spec.get(list_name))):
            return errors + [forbidden(child("spec", list_name), "pod updates may not add or remove containers")]
    deadline_errors = _validate_active_deadline_update(new_spec, old_spec)
    if deadline_errors:
        return errors + deadline_errors
    errors += _validate_only_added_tolerations(new_spec, old_spec)
    munged = _munged_pod_spec(new_spec, old_spec)
    if munged != old_spec:
        detail = f"pod updates may not change fields other than {POD_UPDATABLE_FIELDS}\n{diff(old_spec, munged, 'spec')}"
        errors.append(forbidden("spec", detail))
    return errors


def _validate_active_deadline_update(new_spec: dict, old_spec: dict) -> Errors:
    new, old, path = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds"), "spec.activeDeadlineSeconds"
    if new is None:
        return [] if old is None else [invalid(path, None, "must not update from a positive integer to nil value")]
    if not is_int(new) or not 0 <= new <= MAX_INT32:
        return [invalid(path, new, inclusive_range_error(0, MAX_INT32))]
    if is_int(old) and old < new:
        return [invalid(path, new, "must be less than or equal to previous value")]
    return []


def _validate_only_added_tolerations(new_spec: dict, old_spec: dict) -> Errors:
    new_tolerations = [as_map(t) for t in as_list(new_spec.get("tolerations"))]
    for old in map(as_map, as_list(old_spec.get("tolerations"))):
        # tolerationSeconds may change; anything else about an existing toleration may not
        if not any(_same_toleration(old, new) for new in new_tolerations):
            return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")]
    return []


def _same_toleration(old: dict, new: dict) -> bool:
    seconds = new.get("tolerationSeconds")
    return {**old, "tolerationSeconds": seconds} == {**new, "tolerationSeconds": seconds}


def _munged_pod_spec(new_spec: dict, old_spec: dict) -> dict:
    """The new spec with every field a Pod update may change set back to its old value."""
    munged = json.loads(json.dumps(new_spec))
    for list_name in ("containers", "initContainers"):
        for container, old_container in zip(as_list(munged.get(list_name)), as_list(old_spec.get(list_name))):
            if isinstance(container, dict) and isinstance(old_container, dict):
                restore(container, old_container, "image")
    for field_name in ("activeDeadlineSeconds", "tolerations"):
        restore(munged, old_spec, field_name)
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if is_int(old_grace) and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


