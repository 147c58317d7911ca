"""OpenAPI v3: the documents kubectl reads before it writes (`apply`, `create -f`, `edit`) and
for `explain`, built from the same schemas admission validates with (playground/store/schemas.py,
the kubernetes-validate package's v1.32 definitions).

kubectl's default validation looks up each kind's PATCH operation in /openapi/v3 by its
`x-kubernetes-group-version-kind`; when that operation takes a `fieldValidation` parameter,
kubectl leaves validation to the server (`fieldValidation=Strict`), and without the documents it
refuses to apply at all ("failed to download openapi"). The root lists one document per
group/version, each at a URL with its content's hash; kubectl prepends the kubeconfig's path
(the cluster) to it. Compare: kubernetes/kubernetes api/openapi-spec/v3/apis__apps__v1_openapi.json.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from playground.store import schemas
from playground.store.kinds import Kind

from . import discovery

Obj = dict[str, Any]

# The kubernetes-validate definitions are JSON Schema for validating; the API server's are
# OpenAPI: a nullable type is a type, unknown fields are not an error, apiVersion and kind are
# plain strings, and a reference with its own description is wrapped in allOf.
_VALIDATION_ONLY = ("additionalProperties",)
_WRITE_QUERY = ("dryRun", "fieldManager", "fieldValidation", "pretty")


def root() -> Obj:
    """GET /openapi/v3: each group/version's document and where it is."""
    paths = {}
    for group, version in discovery.group_versions():
        name = _document_name(group, version)
        paths[name] = {"serverRelativeURL": f"/openapi/v3/{name}?hash={document_hash(group, version)}"}
    return {"paths": paths}


def document_hash(group: str, version: str) -> str:
    return hashlib.sha512(document_bytes(group, version)).hexdigest()[:128].upper()


@functools.cache
def document_bytes(group: str, version: str) -> bytes:
    return json.dumps(_document(group, version), separators=(",", ":")).encode()


def find(path: str) -> tuple[str, str] | None:
    """(group, version) of a document path such as `api/v1` or `apis/apps/v1`."""
    for group, version in discovery.group_versions():
        if _document_name(group, version) == path:
            return group, version
    return None


def _document(group: str, version: str) -> Obj:
    definitions = schemas.read_definitions()
    kinds = discovery.kinds_in(group, version)
    names = reachable(definitions, [definition_name(definitions, k) for k in kinds])
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": f"v{schemas.KUBERNETES_VERSION}"},
        "paths": {path: item for k in kinds for path, item in _paths(k, definition_name(definitions, k)).items()},
        "components": {"schemas": {name: _openapi(definitions[name]) for name in sorted(names)}},
    }


def _paths(k: Kind, definition: str) -> Obj:
    prefix = f"/api/{k.api_version}" if not k.group else f"/apis/{k.api_version}"
    collection = f"{prefix}/namespaces/{{namespace}}/{k.plural}" if k.namespaced else f"{prefix}/{k.plural}"
    gvk = {"group": k.group, "version": k.api_version.rpartition("/")[2], "kind": k.kind}
    ref = {"$ref": f"#/components/schemas/{definition}"}
    body = {"content": {"*/*": {"schema": ref}}, "required": True}
    answer = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}

    def operation(action: str, verb: str, *, writes: bool, request: Obj | None = None) -> Obj:
        op: Obj = {
            "operationId": f"{verb}{k.kind}",
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            "parameters": [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
                           for name in (_WRITE_QUERY if writes else ("pretty",))],
            "responses": answer,
        }
        if request:
            op["requestBody"] = request
        return op

    patch_body = {"content": {media: {"schema": {"type": "object"}} for media in (
        "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
        "application/strategic-merge-patch+json")}, "required": True}
    return {
        collection: {"get": operation("list", "list", writes=False),
                     "post": operation("post", "create", writes=True, request=body)},
        f"{collection}/{{name}}": {
            "get": operation("get", "read", writes=False),
            "put": operation("put", "replace", writes=True, request=body),
            "patch": operation("patch", "patch", writes=True, request=patch_body),
            "delete": operation("delete", "delete", writes=False),
        },
    }


def definition_name(definitions: Obj, k: Kind) -> str:
    return next(name for name, definition in definitions.items()
                if {"group": k.group, "version": k.api_version.rpartition("/")[2], "kind": k.kind}
                in definition.get("x-kubernetes-group-version-kind", []))


def reachable(definitions: Obj, names: list[str]) -> set[str]:
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        pending.extend(re.findall(r'"#/\$defs/([^"]+)"', json.dumps(definitions[name])))
    return found


def _openapi(schema: Any, *, field: str = "") -> Any:
    """A definition as the API server's OpenAPI v3 writes it."""
    if isinstance(schema, list):
        return [_openapi(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted: Obj = {}
    for key, value in schema.items():
        if key in _VALIDATION_ONLY and value is False:
            continue
        if key == "type" and isinstance(value, list):
            value = next((t for t in value if t != "null"), "object")
        if key == "enum" and field in ("apiVersion", "kind"):
            continue
        if key == "$ref":
            value = value.replace("#/$defs/", "#/components/schemas/")
        if key == "properties":
            value = {name: _openapi(prop, field=name) for name, prop in value.items()}
        elif key != "enum":
            value = _openapi(value)
        converted[key] = value
    if "$ref" in converted and len(converted) > 1:
        return {"allOf": [{"$ref": converted.pop("$ref")}], **converted}
    return converted


def _document_name(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"
