"""Field documentation, as `kubectl explain` prints it, from the real v1.32 schemas.

Schema descriptions → here → the editor's help text and `python manage.py explain`. The store
compiles the same schemas without their descriptions (playground/store/schemas.py) to validate;
this module reads the descriptions from the same definitions, lazily and once, and walks a field
path the way kubectl's explain template does (staging/src/k8s.io/kubectl/pkg/explain/v2/
templates/plaintext.tmpl): through references, list items and map values.
"""
from __future__ import annotations

import functools
import json
import os
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from playground.store import schemas
from playground.store.kinds import KINDS, Kind, resolve

Schema = dict[str, Any]
_REF = re.compile(r"#/\$defs/(.+)$")


class ExplainError(ValueError):
    """A resource or field that does not exist; the message is kubectl's."""


@dataclass(frozen=True)
class Field:
    """One field of a kind: what `kubectl explain KIND.PATH` says about it."""

    name: str
    type: str  # kubectl's type guess: string, integer, Object, []Container, map[string]string
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    fields: tuple[Field, ...] = field(default=(), repr=False)  # its own fields, when it is an object


def explain(kind: str, path: str = "") -> Field:
    """The field at `path` ("spec.template.spec.containers.image") of `kind`; raises ExplainError.
    List indexes in the path (`containers[0]`) are ignored, as a list's fields are its items'."""
    schema, name, required, description, top = _field_schema(kind, path)
    return Field(
        name=name,
        type="Object" if top else type_guess(schema),
        description=description,
        required=required,
        enum=_enum(schema),
        fields=_fields(schema),
    )


def _field_schema(kind: str, path: str) -> tuple[Schema, str, bool, str, bool]:
    """The schema at `path`, its name, whether it is required, its description, whether it is the kind."""
    k = _kind(kind)
    schema: Schema = _root(k.schema_file)
    name, required = k.kind, False
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", path).split(".") if p]
    description = _description(schema)
    for part in parts:
        container = _resolve(_element(schema))
        properties = container.get("properties") or {}
        if part not in properties:
            raise ExplainError(f'field "{part}" does not exist')
        required = part in (container.get("required") or [])
        schema, name = properties[part], part
        description = _description(schema)
    return schema, name, required, description, not parts


def help_text(kind: str, path: str) -> str:
    """The description of a field; for a key of a map (`resources.requests.cpu`), the map's;
    "" for a path the schema does not have."""
    try:
        return explain(kind, path).description
    except ExplainError:
        pass
    try:
        parent = explain(kind, path.rpartition(".")[0]) if "." in path else None
    except ExplainError:
        return ""
    return parent.description if parent is not None and parent.type.startswith("map[") else ""


def render(kind: str, path: str = "", *, recursive: bool = False) -> str:
    """The text `kubectl explain KIND[.PATH] [--recursive]` prints (its plaintext output)."""
    k = _kind(kind)
    found = explain(kind, path)
    lines = []
    if k.group:
        lines.append(f"GROUP:      {k.group}")
    lines += [f"KIND:       {k.kind}", f"VERSION:    {k.api_version.rpartition('/')[2]}", ""]
    if path:
        lines.append(f"FIELD: {found.name} <{found.type}>")
        if found.enum:
            lines.append("ENUM:")
            lines += [f"    {_enum_value(v)}" for v in found.enum]
        lines.append("")
    lines.append("DESCRIPTION:")
    lines += _wrap(found.description or "<empty>", 76, 4)
    if found.fields and recursive:  # names and types only, each level two spaces further in
        lines += ["", "FIELDS:", *_tree(_field_schema(kind, path)[0], 2, ()), ""]
    elif found.fields:
        lines += ["", "FIELDS:"]
        for f in found.fields:
            lines.append(f"  {f.name}\t<{f.type}>" + (" -required-" if f.required else ""))
            if f.enum:
                more = ", ...." if len(f.enum) > 4 else ""  # the short view shows four values
                lines.append("  enum: " + ", ".join(_enum_value(v) for v in f.enum[:4]) + more)
            lines += _wrap(f.description or "<no description>", 76, 4)
            lines.append("")
        lines.pop()
    return "\n".join(lines) + "\n"


def parse_resource(text: str) -> tuple[str, str]:
    """`deployment.spec.strategy` → ("Deployment", "spec.strategy"), as kubectl reads its argument.
    A group suffix (`deployments.apps.spec`) is not needed: the first part names the resource."""
    head, _, rest = text.partition(".")
    k = resolve(head)
    if k is None:
        raise ExplainError(f'the server doesn\'t have a resource type "{head}"')
    return k.kind, rest


def type_guess(schema: Schema) -> str:
    """kubectl's `typeGuess`: []Item for lists, map[string]V for maps, the definition's name
    for a reference to an object, the JSON type otherwise ("object" written "Object")."""
    if "items" in schema:
        return "[]" + type_guess(schema["items"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return "map[string]" + type_guess(extra)
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        target = schemas.definitions().get(name, {})
        kind = _json_type(target)
        return name.rpartition(".")[2] if kind in ("", "object") else kind
    kind = _json_type(schema)
    return "Object" if kind in ("", "object") else kind


# -- Walking the schema ---------------------------------------------------------------------------


@functools.cache
def _root(schema_file: str) -> Schema:
    """A kind's top-level schema with its references pointing into `schemas.definitions()`."""
    with open(os.path.join(schemas.SCHEMA_DIR, schema_file)) as f:
        return json.loads(f.read().replace('"/api/_definitions.json#', '"#'))


def _kind(kind: str) -> Kind:
    k = KINDS.get(kind) or resolve(kind)
    if k is None:
        raise ExplainError(f'the server doesn\'t have a resource type "{kind}"')
    return k


def _ref_name(ref: str) -> str:
    match = _REF.search(ref)
    return match.group(1) if match else ref


def _resolve(schema: Schema) -> Schema:
    """The definition a schema refers to (the schema itself when it refers to none)."""
    if "$ref" in schema:
        return schemas.definitions().get(_ref_name(schema["$ref"]), {})
    return schema


def _element(schema: Schema) -> Schema:
    """A list's item or a map's value schema: their fields are the field's fields."""
    schema = _resolve(schema)
    if "items" in schema:
        return _element(schema["items"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and not schema.get("properties"):
        return _element(extra)
    return schema


def _description(schema: Schema) -> str:
    """The field's own description, then its type's, as kubectl's "description" template joins them."""
    own = schema.get("description") or ""
    target = _element(schema)
    inner = (target.get("description") or "") if target is not schema else ""
    return "\n".join(text for text in (own, inner if inner != own else "") if text)


def _tree(schema: Schema, indent: int, seen: tuple[str, ...]) -> list[str]:
    """`--recursive`'s field lines under `schema`; a type already open above is not opened again."""
    lines = []
    for f in _fields(schema):
        lines.append(" " * indent + f"{f.name}\t<{f.type}>" + (" -required-" if f.required else ""))
        sub = (_element(schema).get("properties") or {})[f.name]
        ref = _element_ref(sub)
        if ref not in seen:
            lines += _tree(sub, indent + 2, (*seen, ref) if ref else seen)
    return lines


def _element_ref(schema: Schema) -> str:
    """The definition a field's value (or its items, or its map values) refers to, if any."""
    for candidate in (schema, schema.get("items") or {}, schema.get("additionalProperties") or {}):
        found = next((part["$ref"] for part in [candidate, *(candidate.get("allOf") or [])]
                      if isinstance(part, dict) and "$ref" in part), "")
        if found:
            return found
    return ""


def _fields(schema: Schema) -> tuple[Field, ...]:
    target = _element(schema)
    properties = target.get("properties") or {}
    required = set(target.get("required") or [])
    return tuple(
        Field(
            name=name,
            type=type_guess(sub),
            description=sub.get("description") or "",
            required=name in required,
            # The local schemas pin apiVersion and kind with an enum the API server's do not have
            enum=_enum(sub) if name not in ("apiVersion", "kind") else (),
        )
        for name, sub in sorted(properties.items())
    )


def _json_type(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((t for t in kind if t != "null"), "")
    return kind or ""


def _enum(schema: Schema) -> tuple[str, ...]:
    return tuple(str(v) for v in (schema.get("enum") or []) if v is not None)


def _enum_value(value: str) -> str:
    return '""' if value == "" else value


def _wrap(text: str, width: int, indent: int) -> list[str]:
    """Sprig's `wrap | indent`: each paragraph wrapped at `width`, every line indented."""
    lines = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""]
        lines += [" " * indent + line if line else "" for line in wrapped]
    return lines
