"""Kubernetes' protobuf encoding, read into the JSON the store takes.

kubectl's typed clients (`kubectl create deployment|configmap|secret|…`, `kubectl run`) send
their objects as `application/vnd.kubernetes.protobuf`, and kubectl 1.32 does not fall back to
JSON. The envelope is the 4 bytes `k8s\\0` and a runtime.Unknown (apiVersion, kind, and the
object's own bytes); the object is a message of k8s.io/api's generated.proto. Those files are
vendored here (comments removed), and this module reads them for field numbers, names (they
are the JSON names) and types: no generated code, no protoc.
staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go.

A Go struct's protobuf carries every non-pointer field, empty or not, and its JSON leaves out
the empty ones (`omitempty`): so an empty string, a zero, a false, a zero time and an empty
list or map are left out here too — except in a pointer field (pointers.py), which the client
sends only when it set it: there a zero was meant (`replicas: 0`).
"""
from __future__ import annotations

import base64
import datetime
import functools
import json
import re
import struct
from pathlib import Path
from typing import Any

from playground.store.kinds import Kind

from .pointers import POINTERS

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"
SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float", "fixed64", "sfixed64"}
_FIELD = re.compile(r"^\s*(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)\s*;")
_MAP_FIELD = re.compile(r"^\s*map<\s*(\S+)\s*,\s*(\S+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")


class ProtobufError(ValueError):
    """The bytes are not a Kubernetes object in protobuf."""


def decode(body: bytes, k: Kind) -> dict[str, Any]:
    """The object a protobuf body carries, as JSON; it must be of kind `k`."""
    return decode_as(body, k.api_version, k.kind, _message_name(k))


def decode_as(body: bytes, api_version: str, kind: str, message: str) -> dict[str, Any]:
    """The object of `kind` a protobuf body carries (read as `message`), as JSON."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf prefix")
    envelope = _message(UNKNOWN, body[len(MAGIC):])
    type_meta = envelope.get("typeMeta") or {}
    found = (type_meta.get("apiVersion", ""), type_meta.get("kind", ""))
    if found != (api_version, kind):
        raise ProtobufError(f"the body holds {found[1] or 'no kind'} {found[0]}, not {kind} {api_version}")
    raw = base64.b64decode(envelope.get("raw", ""))
    return {"apiVersion": api_version, "kind": kind, **_message(message, raw)}


# -- The schema --------------------------------------------------------------------------------------


@functools.cache
def _messages() -> dict[str, dict[int, tuple[str, str, str]]]:
    """message name → field number → (name, type, label: optional | repeated | map:KEY)."""
    messages: dict[str, dict[int, tuple[str, str, str]]] = {}
    for path in sorted(Path(__file__).parent.glob("*.proto")):
        package, current = "", None
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith("package "):
                package = stripped.removeprefix("package ").rstrip(";")
            elif stripped.startswith("message ") and stripped.endswith("{"):
                current = messages.setdefault(f"{package}.{stripped.split()[1]}", {})
            elif stripped == "}":
                current = None
            elif current is not None and (found := _MAP_FIELD.match(line)):
                key, value, name, number = found.groups()
                current[int(number)] = (name, _qualified(value, package), f"map:{key}")
            elif current is not None and (found := _FIELD.match(line)):
                label, type_, name, number = found.groups()
                current[int(number)] = (name, _qualified(type_, package), label)
    return messages


def _qualified(type_: str, package: str) -> str:
    if type_ in SCALARS:
        return type_
    return type_.lstrip(".") if type_.startswith(".") else f"{package}.{type_}"


def _message_name(k: Kind) -> str:
    group = k.group.split(".")[0] if k.group else "core"
    name = f"k8s.io.api.{group}.{k.api_version.rpartition('/')[2]}.{k.kind}"
    if name not in _messages():
        raise ProtobufError(f"{k.kind} is not read from protobuf here")
    return name


# -- The wire format ---------------------------------------------------------------------------------


def _message(name: str, data: bytes) -> dict[str, Any]:
    fields = _messages().get(name)
    if fields is None:
        raise ProtobufError(f"unknown message {name}")
    special = _SPECIAL.get(name)
    obj: dict[str, Any] = {}
    for number, wire_type, value in _fields(data):
        field = fields.get(number)
        if field is None:
            continue  # a field this version does not know: skipped, as protobuf does
        field_name, type_, label = field
        if label.startswith("map:"):
            entry = _map_entry(label[4:], type_, value)
            obj.setdefault(field_name, {})[entry[0]] = entry[1]
        elif label == "repeated":
            obj.setdefault(field_name, []).extend(_values(type_, wire_type, value))
        else:
            obj[field_name] = _values(type_, wire_type, value)[-1]
    if special is not None:
        return special(obj)
    return {key: value for key, value in obj.items() if f"{name}.{key}" in POINTERS or not _empty(value)}


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    found, position = [], 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
        elif wire_type == 1:
            value, position = data[position:position + 8], position + 8
        elif wire_type == 2:
            length, position = _varint(data, position)
            value, position = data[position:position + length], position + length
        elif wire_type == 5:
            value, position = data[position:position + 4], position + 4
        else:
            raise ProtobufError(f"wire type {wire_type} is not one Kubernetes writes")
        if position > len(data):
            raise ProtobufError("the message ends inside a field")
        found.append((number, wire_type, value))
    return found


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise ProtobufError("a number runs past the end of the message")
        byte = data[position]
        result |= (byte & 0x7F) << shift
        position += 1
        if not byte & 0x80:
            return result, position
        shift += 7


def _values(type_: str, wire_type: int, value: Any) -> list[Any]:
    """One field's value(s): a packed repeated number field holds many."""
    expected = _WIRE_TYPES.get(type_, (2,))
    if wire_type not in expected:
        raise ProtobufError(f"a {type_} field arrives as wire type {wire_type}")
    if type_ in ("string",):
        return [value.decode("utf-8", errors="replace")]
    if type_ == "bytes":
        return [base64.b64encode(value).decode()]
    if type_ in ("double", "float", "fixed64", "sfixed64"):
        return [struct.unpack("<d" if type_ == "double" else "<f", value)[0]] if wire_type in (1, 5) else []
    if type_ in SCALARS:  # varint numbers and bools, maybe packed
        numbers = [value] if wire_type == 0 else _packed(value)
        return [bool(n) if type_ == "bool" else _signed(n, type_) for n in numbers]
    return [_message(type_, value)]


_WIRE_TYPES = {"string": (2,), "bytes": (2,), "double": (1,), "fixed64": (1,), "sfixed64": (1,), "float": (5,),
               **{t: (0, 2) for t in ("bool", "int32", "int64", "uint32", "uint64")}}


def _packed(data: bytes) -> list[int]:
    numbers, position = [], 0
    while position < len(data):
        number, position = _varint(data, position)
        numbers.append(number)
    return numbers


def _signed(number: int, type_: str) -> int:
    if type_ in ("int32", "int64") and number >= 1 << 63:
        number -= 1 << 64
    return number


def _map_entry(key_type: str, value_type: str, data: bytes) -> tuple[Any, Any]:
    key: Any = ""
    value: Any = None
    for number, wire_type, raw in _fields(data):
        if number == 1:
            key = _values(key_type, wire_type, raw)[-1]
        elif number == 2:
            value = _values(value_type, wire_type, raw)[-1]
    if value is None:
        value = "" if value_type in ("string", "bytes") else {}
    return key, value


def _empty(value: Any) -> bool:
    return value is None or value is False or value == 0 or (isinstance(value, (str, dict, list)) and not value)


# -- apimachinery's own JSON forms -------------------------------------------------------------------


def _time(fields: dict[str, Any]) -> str | None:
    seconds = fields.get("seconds", 0)
    if not seconds and not fields.get("nanos"):
        return None  # the zero time: omitted, as Go's JSON writes it null
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(fields: dict[str, Any]) -> int | str:
    return fields.get("strVal", "") if fields.get("type") == 1 else fields.get("intVal", 0)


def _raw_extension(fields: dict[str, Any]) -> Any:
    raw = base64.b64decode(fields.get("raw", ""))
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError) as e:
        raise ProtobufError(f"an embedded object is not JSON: {e}") from None


_SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": _time,
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": _time,
    "k8s.io.apimachinery.pkg.api.resource.Quantity": lambda fields: fields.get("string", ""),
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": _int_or_string,
    "k8s.io.apimachinery.pkg.runtime.RawExtension": _raw_extension,
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": lambda fields: fields.get("duration", 0),
}
