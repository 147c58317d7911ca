"""Configuration into a container: its environment, as the kubelet computes it when the
container starts.

kubelet (kuberuntime_manager.create_and_start) → `container_environment(pod, container, lookup, ...)` →
the `NAME=value` list the runtime gives the process, kept in the kubelet's memory for that
container instance (a later ConfigMap change is not seen until the container restarts, as on a
real node) → the simulated program (`printenv X`, `env`, `echo $X`) and `$(VAR)` in its
command and args.

Follows kubernetes/kubernetes pkg/kubelet/kubelet_pods.go makeEnvironmentVariables and
getServiceEnvVarMap, pkg/kubelet/envvars/envvars.go FromServices (the Docker-link variables),
podFieldSelectorRuntimeValue, pkg/api/v1/resource ExtractContainerResourceValue (the downward
API's resourceFieldRef, limits defaulted to the node's allocatable) and
third_party/forked/golang/expansion (the `$(VAR)` syntax, `$$` for a literal `$`).

A missing ConfigMap or Secret, or a missing key, is the kubelet's error and leaves the container
waiting in CreateContainerConfigError, retried until it appears; `optional: true` references
are skipped.
"""
from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from playground.store.quantity import parse_quantity

Obj = dict[str, Any]
Lookup = Callable[[str, str], "Obj | None"]  # (kind, name) → the object in the pod's namespace
MASTER_SERVICES = ("kubernetes",)  # always in every container's environment, from `default`
ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")  # validation.IsEnvVarName
INVALID_ENV_NAMES = "InvalidEnvironmentVariableNames"


class ConfigError(Exception):
    """What stops the kubelet from generating the container's config (CreateContainerConfigError)."""


# --- the whole environment -------------------------------------------------------------------------


def container_environment(pod: Obj, container: Obj, lookup: Lookup, *, services: list[Obj] | None = None,
                          node: Obj | None = None, warnings: list[str] | None = None) -> dict[str, str]:
    """The container's environment, in the order the runtime receives it: envFrom sources, then
    env (each `$(VAR)` expanded against what is defined so far and the service variables), then
    the service variables not already defined. Raises ConfigError as the kubelet fails; the
    names envFrom had to skip are reported in `warnings` (the kubelet's Warning Event)."""
    namespace = pod["metadata"].get("namespace", "default")
    service_env = service_environment(services or [], namespace,
                                      enable_service_links=pod["spec"].get("enableServiceLinks", True) is not False)
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        _add_env_from(env, source, namespace, lookup, warnings)
    for var in container.get("env") or []:
        value = _env_value(var, pod, container, namespace, lookup, env, service_env, node)
        if value is not None:
            env[var["name"]] = value
    for name, value in service_env.items():
        env.setdefault(name, value)
    return env


def container_config_error(container: Obj, namespace: str, lookup: Lookup) -> str | None:
    """The kubelet's message when the container's env names a missing ConfigMap, Secret or key."""
    pod: Obj = {"metadata": {"namespace": namespace, "name": "", "uid": ""}, "spec": {"enableServiceLinks": False},
                "status": {}}
    try:
        container_environment(pod, container, lookup)
    except ConfigError as error:
        return str(error)
    return None


def _add_env_from(env: dict[str, str], source: Obj, namespace: str, lookup: Lookup, warnings: list[str] | None) -> None:
    for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
        ref = source.get(key)
        if not ref:
            continue
        obj = lookup(kind, ref["name"])
        if obj is None:
            if ref.get("optional"):
                continue
            raise ConfigError(f'{kind.lower()} "{ref["name"]}" not found')
        invalid = []
        for name, value in object_data(obj).items():
            name = (source.get("prefix") or "") + name
            if not ENV_VAR_NAME.fullmatch(name):
                invalid.append(name)
                continue
            env[name] = value
        if invalid and warnings is not None:
            warnings.append(f"Keys [{', '.join(sorted(invalid))}] from the EnvFrom {kind.lower()} {namespace}/{ref['name']} "
                            "were skipped since they are considered invalid environment variable names.")


def _env_value(var: Obj, pod: Obj, container: Obj, namespace: str, lookup: Lookup, env: dict[str, str],
               service_env: dict[str, str], node: Obj | None) -> str | None:
    """One variable's value; None when an optional reference is missing (the variable is left out)."""
    if var.get("value"):
        return expand(var["value"], env, service_env)
    value_from = var.get("valueFrom")
    if not value_from:
        return ""
    if "fieldRef" in value_from:
        return pod_field_value(pod, value_from["fieldRef"]["fieldPath"])
    if "resourceFieldRef" in value_from:
        return resource_field_value(container, value_from["resourceFieldRef"], node)
    for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
        ref = value_from.get(key)
        if ref:
            return _key_value(kind, ref, namespace, lookup)
    return ""


def _key_value(kind: str, ref: Obj, namespace: str, lookup: Lookup) -> str | None:
    obj = lookup(kind, ref["name"])
    if obj is None:
        if ref.get("optional"):
            return None
        raise ConfigError(f'{kind.lower()} "{ref["name"]}" not found')
    data = object_data(obj, binary=kind == "ConfigMap")
    if ref["key"] not in data:
        if ref.get("optional"):
            return None
        raise ConfigError(f"couldn't find key {ref['key']} in {kind} {namespace}/{ref['name']}")
    return data[ref["key"]]


def object_data(obj: Obj, *, binary: bool = False) -> dict[str, str]:
    """A ConfigMap's data (and binaryData when asked), or a Secret's data base64-decoded
    (stringData is folded into data by the API server)."""
    if obj.get("kind") == "Secret":
        return {key: decode_secret_value(value) for key, value in (obj.get("data") or {}).items()}
    data = dict(obj.get("data") or {})
    if binary:
        data.update({key: decode_secret_value(value) for key, value in (obj.get("binaryData") or {}).items()})
    return data


def decode_secret_value(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except ValueError:
        return value  # the store validates data as base64: only a hand-made object gets here


# --- $(VAR) expansion ----------------------------------------------------------------------------


def expand(text: str, *contexts: Mapping[str, str]) -> str:
    """expansion.Expand with MappingFuncFor(contexts): `$(NAME)` is the first context's value,
    left as written when no context has it; `$$` is a literal `$`."""
    out: list[str] = []
    checkpoint, cursor = 0, 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_var, advance = _read_variable_name(text[cursor + 1:])
            out.append(_lookup(read, contexts) if is_var else read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


def _read_variable_name(rest: str) -> tuple[str, bool, int]:
    if rest[0] == "$":
        return "$", False, 1  # an escaped operator
    if rest[0] == "(":
        closer = rest.find(")", 1)
        if closer != -1:
            return rest[1:closer], True, closer + 1
        return "$(", False, 1  # an incomplete reference stays as written
    return "$" + rest[0], False, 1


def _lookup(name: str, contexts: tuple[Mapping[str, str], ...]) -> str:
    for context in contexts:
        if name in context:
            return context[name]
    return f"$({name})"


def expand_command(container: Obj, env: Mapping[str, str]) -> Obj:
    """The container with `$(VAR)` in its command and args expanded (kuberuntime
    ExpandContainerCommandAndArgs): what the runtime actually runs."""
    expanded = dict(container)
    for key in ("command", "args"):
        if container.get(key):
            expanded[key] = [expand(str(word), env) for word in container[key]]
    return expanded


# --- the downward API ----------------------------------------------------------------------------


def pod_field_value(pod: Obj, field_path: str) -> str:
    """podFieldSelectorRuntimeValue / fieldpath.ExtractFieldPathAsString."""
    metadata, spec, status = pod.get("metadata", {}), pod.get("spec", {}), pod.get("status") or {}
    match = re.fullmatch(r"metadata\.(labels|annotations)\['(.*)'\]", field_path)
    if match:
        return str((metadata.get(match[1]) or {}).get(match[2], ""))
    simple = {
        "metadata.name": metadata.get("name", ""), "metadata.namespace": metadata.get("namespace", ""),
        "metadata.uid": metadata.get("uid", ""), "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": status.get("hostIP", ""), "status.podIP": status.get("podIP", ""),
        "status.hostIPs": ",".join(a.get("ip", "") for a in status.get("hostIPs") or []),
        "status.podIPs": ",".join(a.get("ip", "") for a in status.get("podIPs") or []),
    }
    if field_path in simple:
        return str(simple[field_path])
    if field_path in ("metadata.labels", "metadata.annotations"):
        return format_map(metadata.get(field_path.split(".")[1]) or {})
    return ""


def format_map(values: Mapping[str, str]) -> str:
    """fieldpath.FormatMap: `key="value"` lines, sorted, as a downward API labels file reads."""
    return "\n".join(f'{key}="{_go_quote_body(str(value))}"' for key, value in sorted(values.items()))


def _go_quote_body(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def resource_field_value(container: Obj, ref: Obj, node: Obj | None) -> str:
    """ExtractContainerResourceValue: the value divided by the divisor, rounded up; a limit the
    container does not set is the node's allocatable (defaultPodLimitsForDownwardAPI)."""
    resources = container.get("resources") or {}
    group, _, name = ref.get("resource", "").partition(".")
    divisor = parse_quantity(str(ref.get("divisor") or "1")) or Decimal(1)
    value = (resources.get(group) or {}).get(name)
    if value is None and group == "limits":
        value = ((node or {}).get("status", {}).get("allocatable") or {}).get(name)
    if value is None and group == "requests" and name in ((resources.get("limits") or {})):
        value = resources["limits"][name]
    amount = parse_quantity(str(value)) if value is not None else Decimal(0)
    if name == "cpu":
        # convertResourceCPUToString: milli-units, rounded up, divided by the divisor's milli-units
        milli, divisor_milli = math.ceil(amount * 1000), math.ceil(divisor * 1000) or 1
        return str(math.ceil(Decimal(milli) / Decimal(divisor_milli)))
    return str(math.ceil(math.ceil(amount) / divisor))


# --- Service links -------------------------------------------------------------------------------


def service_environment(services: list[Obj], namespace: str, *, enable_service_links: bool) -> dict[str, str]:
    """getServiceEnvVarMap + envvars.FromServices: for each Service with a cluster IP, in the
    pod's namespace (when enableServiceLinks) and `kubernetes` from `default` always,
    NAME_SERVICE_HOST / NAME_SERVICE_PORT[_PORTNAME] and the Docker-link NAME_PORT_... variables."""
    chosen: dict[str, Obj] = {}
    for service in services:
        ip = service.get("spec", {}).get("clusterIP") or ""
        if ip in ("", "None"):
            continue
        name, service_namespace = service["metadata"]["name"], service["metadata"].get("namespace")
        if service_namespace == "default" and name in MASTER_SERVICES:
            chosen.setdefault(name, service)
        elif service_namespace == namespace and enable_service_links:
            chosen[name] = service
    env: dict[str, str] = {}
    for name in sorted(chosen):
        env.update(_service_variables(chosen[name]))
    return env


def _service_variables(service: Obj) -> dict[str, str]:
    prefix = service["metadata"]["name"].replace("-", "_").upper()
    ip = service["spec"]["clusterIP"]
    ports = service["spec"].get("ports") or []
    env = {f"{prefix}_SERVICE_HOST": ip}
    if not ports:
        return env
    env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
    for port in ports:
        if port.get("name"):
            env[f"{prefix}_SERVICE_PORT_{port['name'].replace('-', '_').upper()}"] = str(port["port"])
    host = f"[{ip}]" if ":" in ip else ip
    for index, port in enumerate(ports):
        protocol = port.get("protocol") or "TCP"
        url = f"{protocol.lower()}://{host}:{port['port']}"
        if index == 0:
            env[f"{prefix}_PORT"] = url  # Docker special-cases the first port
        port_prefix = f"{prefix}_PORT_{port['port']}_{protocol.upper()}"
        env.update({port_prefix: url, f"{port_prefix}_PROTO": protocol.lower(),
                    f"{port_prefix}_PORT": str(port["port"]), f"{port_prefix}_ADDR": ip})
    return env
