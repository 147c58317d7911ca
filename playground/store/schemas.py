"""Schema validation with the real Kubernetes OpenAPI schemas, compiled once per kind.

Admission → here: the first check of a manifest, what the API server's strict decoding does
(types, required fields, unknown fields). The schemas are the strict v1.32 ones shipped by the
kubernetes-validate package; calling its `validate()` re-reads them on every call (≈ 22 ms an
object), so each kind's schema is compiled with fastjsonschema on first use (≈ 0.6 s) and the
compiled function is reused (≈ 0.02 ms an object).
"""
from __future__ import annotations

import functools
import json
import os
import re
import threading
from typing import Any, Callable

import fastjsonschema
import kubernetes_validate

from .errors import FieldError, invalid, not_supported, required
from .kinds import KINDS, Kind

KUBERNETES_VERSION = "1.32.0"
SCHEMA_DIR = os.path.join(
    os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema", f"v{KUBERNETES_VERSION}-local-strict"
)
_REF_PREFIX = '"/api/_definitions.json#'
_compile_lock = threading.Lock()
TYPE_UNKNOWN_FIELD = "Unknown field"


def validate(kind: Kind, obj: dict[str, Any]) -> list[FieldError]:
    """The first schema violation of `obj` as a field error (empty when it conforms)."""
    try:
        validator(kind)(obj)
    except fastjsonschema.JsonSchemaValueException as e:
        return _field_errors(e)
    return []


@functools.cache
def definitions() -> dict[str, Any]:
    """All of Kubernetes' type definitions (`$defs`), with their references made local and the
    integer bounds the Go decoder enforces."""
    return _with_integer_bounds(read_definitions())


def read_definitions() -> dict[str, Any]:
    """The definitions as the package ships them (references made local), read afresh."""
    with open(os.path.join(SCHEMA_DIR, "_definitions.json")) as f:
        return json.loads(f.read().replace(_REF_PREFIX, '"#'))["$defs"]


def _with_integer_bounds(schema: Any) -> Any:
    """Bounds for `format: int32 | int64`, which the Go decoder enforces and JSON Schema does not."""
    if isinstance(schema, dict):
        fmt = schema.get("format")
        bits = {"int32": 31, "int64": 63}.get(fmt) if isinstance(fmt, str) else None
        if bits:
            schema.setdefault("minimum", -(2**bits))
            schema.setdefault("maximum", 2**bits - 1)
        for value in schema.values():
            _with_integer_bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            _with_integer_bounds(value)
    return schema


def compile_every_kind() -> None:
    """Compile every kind's schema now (seconds): a controller worker does it before it takes a
    cluster, so that a cluster it takes over never waits on its first writes of a kind, long
    enough for the cluster's nodes to look dead."""
    for kind in KINDS.values():
        validator(kind)


def validator(kind: Kind) -> Callable[[Any], Any]:
    with _compile_lock:  # two threads asking for one kind compile it once
        return _compile(kind.kind, kind.schema_file)


@functools.cache
def _compile(kind: str, schema_file: str) -> Callable[[Any], Any]:
    with open(os.path.join(SCHEMA_DIR, schema_file)) as f:
        root = json.loads(f.read().replace(_REF_PREFIX, '"#'))
    root.pop("$schema", None)  # fastjsonschema knows draft 7; these schemas use nothing newer
    root.pop("$id", None)
    root["$defs"] = _reachable(root, definitions())
    # Each check's error carries its schema node, so descriptions would be copied into the
    # generated code thousands of times (hundreds of MB for Pod); they are not needed to check.
    return fastjsonschema.compile(_without_descriptions(root), use_default=False)


def _reachable(root: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Only the definitions this kind refers to, directly or not."""
    found: dict[str, Any] = {}
    pending = [root]
    while pending:
        for name in re.findall(r'"#/\$defs/([^"]+)"', json.dumps(pending.pop())):
            if name not in found:
                found[name] = defs[name]
                pending.append(defs[name])
    return found


def _without_descriptions(schema: Any) -> Any:
    """The schema without its doc strings; a property named `description` (PriorityClass has
    one) is a schema, not a doc string, and stays."""
    if isinstance(schema, dict):
        return {k: _without_descriptions(v) for k, v in schema.items() if k != "description" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_without_descriptions(v) for v in schema]
    return schema


def _field_errors(e: fastjsonschema.JsonSchemaValueException) -> list[FieldError]:
    path = _path(e.path or [])
    rule = e.rule
    if rule == "additionalProperties":
        extra = sorted(set(e.value) - set(e.definition.get("properties", {}))) if isinstance(e.value, dict) else []
        return [FieldError(TYPE_UNKNOWN_FIELD, _join(path, key)) for key in extra] or [
            invalid(path, e.value, "unknown field")
        ]
    if rule == "required":
        missing = [k for k in e.rule_definition if isinstance(e.value, dict) and k not in e.value]
        return [required(_join(path, key)) for key in missing] or [required(path)]
    if rule == "type":
        wanted = e.rule_definition if isinstance(e.rule_definition, str) else e.rule_definition[0]
        return [invalid(path, e.value, f"must be of type {wanted}")]
    if rule == "enum":
        return [not_supported(path, e.value, [v for v in e.rule_definition if v is not None])]
    if rule == "minimum":
        return [invalid(path, e.value, f"must be greater than or equal to {e.rule_definition}")]
    if rule == "maximum":
        return [invalid(path, e.value, f"must be less than or equal to {e.rule_definition}")]
    detail = e.message.removeprefix(e.name).strip() or f"breaks the schema rule {rule}"
    return [invalid(path, e.value, detail)]


def _path(parts: list[str]) -> str:
    """fastjsonschema's ['data', 'spec', 'containers', '0'] as Kubernetes' `spec.containers[0]`."""
    text = ""
    for part in parts[1:]:
        text += f"[{part}]" if str(part).isdigit() else (f".{part}" if text else str(part))
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def unknown_fields(kind: Kind, obj: Any, *, patch: bool = False) -> list[str]:
    """Every field of `obj` its kind's schema does not know, as `spec.template.spec.x` (what the
    API server's strict decoding names, and what `fieldValidation=Warn|Ignore` drops). In a
    merge `patch`, a field set to null removes it, so an unknown one is no harm."""
    found: list[str] = []
    _walk_unknown(_kind_definition(kind), obj, "", found, prune=False, patch=patch)
    return found


def without_unknown_fields(kind: Kind, obj: Any, *, patch: bool = False) -> tuple[Any, list[str]]:
    """`obj` with the unknown fields dropped (in place), and their paths."""
    found: list[str] = []
    _walk_unknown(_kind_definition(kind), obj, "", found, prune=True, patch=patch)
    return obj, found


def _kind_definition(kind: Kind) -> dict[str, Any]:
    gvk = {"group": kind.group, "version": kind.api_version.rpartition("/")[2], "kind": kind.kind}
    return next(d for d in definitions().values() if gvk in d.get("x-kubernetes-group-version-kind", []))


def _walk_unknown(schema: dict[str, Any], value: Any, path: str, found: list[str], *, prune: bool,
                  patch: bool) -> None:
    while "$ref" in schema:
        schema = definitions()[schema["$ref"].removeprefix("#/$defs/")]
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is not None:
            for key in list(value):
                if key in properties:
                    _walk_unknown(properties[key], value[key], _join(path, key), found, prune=prune, patch=patch)
                elif schema.get("additionalProperties") is False and not key.startswith("$") and not (
                        patch and value[key] is None):
                    found.append(_join(path, key))  # `$patch`, `$setElementOrder/…`: patch directives
                    if prune:
                        del value[key]
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                _walk_unknown(schema["additionalProperties"], item, f"{path}[{key}]", found, prune=prune, patch=patch)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk_unknown(schema["items"], item, f"{path}[{index}]", found, prune=prune, patch=patch)
