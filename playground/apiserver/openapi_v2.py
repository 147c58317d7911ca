"""OpenAPI v2, in the protobuf kubectl asks for (gnostic's openapi_v2.Document): the schemas
kubectl validates a `kind: List` with on the client.

kubectl validates an edited or applied object on the server (`fieldValidation=Strict`) when the
kind's PATCH operation in /openapi/v3 takes that parameter; a List has no PATCH operation, so for
`kubectl edit nodes` (every node as one List) it validates each item itself, against /openapi/v2
(cli-runtime resource/query_param_verifier_v3.go: HasSupport refuses v1/List; kubectl
cmd/util/editor/editoptions.go: a failed validation prints `nodes "…" is invalid`). kubectl reads
only `definitions` (kube-openapi pkg/util/proto/document.go): each definition's type, properties,
items, additionalProperties, required and `x-kubernetes-group-version-kind`, so only those are
written. Field numbers: google/gnostic openapiv2/OpenAPIv2.proto.
"""
from __future__ import annotations

import functools
import json
from typing import Any

from playground.store import schemas

from . import discovery, openapi

# kubectl asks for application/com.github.proto-openapi.spec.v2@v1.0+protobuf, a name Go's
# mime.ParseMediaType refuses (`@`): the API server answers these bytes as octet-stream
# (kube-openapi pkg/handler/handler.go).
MEDIA_TYPE = "application/octet-stream"


@functools.cache
def document_bytes() -> bytes:
    """The Document: swagger (1), info (2: title 1, version 2), definitions (9)."""
    definitions = schemas.read_definitions()
    names = openapi.reachable(definitions, [openapi.definition_name(definitions, k)
                                            for group, version in discovery.group_versions()
                                            for k in discovery.kinds_in(group, version)])
    info = _text(1, "Kubernetes") + _text(2, f"v{schemas.KUBERNETES_VERSION}")
    named = b"".join(_message(1, _text(1, name) + _message(2, _schema(definitions[name])))
                     for name in sorted(names))
    return _text(1, "2.0") + _message(2, info) + _message(9, named)


def _schema(schema: dict[str, Any]) -> bytes:
    """A gnostic Schema. The API server's v2 has no allOf: a reference stands alone."""
    if "$ref" in schema:
        return _text(1, schema["$ref"].replace("#/$defs/", "#/definitions/"))
    out = b""
    if isinstance(schema.get("format"), str):
        out += _text(2, schema["format"])
    if isinstance(schema.get("description"), str):
        out += _text(4, schema["description"])
    out += b"".join(_text(19, name) for name in schema.get("required", []))
    if isinstance(schema.get("additionalProperties"), dict):
        out += _message(21, _message(1, _schema(schema["additionalProperties"])))
    kind = schema.get("type")
    if isinstance(kind, list):  # a nullable type is its type, as in /openapi/v3
        kind = next((t for t in kind if t != "null"), "object")
    if kind:
        out += _message(22, _text(1, kind))
    if isinstance(schema.get("items"), dict):
        out += _message(23, _message(1, _schema(schema["items"])))
    if "properties" in schema:
        out += _message(25, b"".join(_message(1, _text(1, name) + _message(2, _schema(prop)))
                                     for name, prop in schema["properties"].items()))
    for name, value in schema.items():
        if name.startswith("x-kubernetes-"):  # NamedAny: the value as YAML (JSON is YAML)
            out += _message(31, _text(1, name) + _message(2, _text(2, json.dumps(value))))
    return out


def _message(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(body)) + body


def _text(number: int, value: str) -> bytes:
    return _message(number, value.encode())


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
