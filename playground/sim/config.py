"""What the kubelet checks before it starts a container: the ConfigMaps and Secrets its
environment names (kubelet_pods.go makeEnvironmentVariables). A missing one, or a missing key,
leaves the container waiting in CreateContainerConfigError with the kubelet's message, retried
until it appears; `optional: true` references are skipped."""
from __future__ import annotations

from typing import Any, Callable

Obj = dict[str, Any]
Lookup = Callable[[str, str], "Obj | None"]  # (kind, name) → the object in the pod's namespace


def container_config_error(container: Obj, namespace: str, lookup: Lookup) -> str | None:
    for source in container.get("envFrom") or []:
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(key)
            if ref and not ref.get("optional") and lookup(kind, ref["name"]) is None:
                return f'{kind.lower()} "{ref["name"]}" not found'
    for var in container.get("env") or []:
        value_from = var.get("valueFrom") or {}
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            ref = value_from.get(key)
            if ref and not ref.get("optional"):
                problem = _missing_key(kind, ref, namespace, lookup)
                if problem:
                    return problem
    return None


def _missing_key(kind: str, ref: Obj, namespace: str, lookup: Lookup) -> str | None:
    obj = lookup(kind, ref["name"])
    if obj is None:
        return f'{kind.lower()} "{ref["name"]}" not found'
    if ref["key"] not in (obj.get("data") or {}) and ref["key"] not in (obj.get("binaryData") or {}):
        return f"couldn't find key {ref['key']} in {kind} {namespace}/{ref['name']}"
    return None
