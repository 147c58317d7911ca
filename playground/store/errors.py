"""The store's errors, shaped like the API server's `Status` failures.

Every write path (apply, CLI, forms, the HTTP API) raises these; the HTTP API turns them into
`Status` objects with the same codes (404, 409, 410, 422), and the CLI prints their message,
which is the message kubectl would print. Field errors follow
k8s.io/apimachinery/pkg/util/validation/field/errors.go.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OMIT = object()  # a FieldError without a value to show, like field.OmitValueType


@dataclass(frozen=True)
class FieldError:
    """One field error, printed as `spec.replicas: Invalid value: -1: must be ...`."""

    type: str  # one of the TYPE_* strings below
    field: str  # the field path: "spec.template.spec.containers[0].image"
    detail: str = ""
    bad_value: Any = field(default=OMIT, compare=False)

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def body(self) -> str:
        text = self.type
        if self.type not in _NO_VALUE_TYPES and self.bad_value is not OMIT:
            text += f": {format_value(self.bad_value)}"
        return f"{text}: {self.detail}" if self.detail else text


TYPE_NOT_FOUND = "Not found"
TYPE_REQUIRED = "Required value"
TYPE_DUPLICATE = "Duplicate value"
TYPE_INVALID = "Invalid value"
TYPE_NOT_SUPPORTED = "Unsupported value"
TYPE_FORBIDDEN = "Forbidden"
TYPE_TOO_LONG = "Too long"
TYPE_TOO_MANY = "Too many"
TYPE_INTERNAL = "Internal error"
_NO_VALUE_TYPES = {TYPE_REQUIRED, TYPE_FORBIDDEN, TYPE_TOO_LONG, TYPE_INTERNAL}


def format_value(value: Any) -> str:
    """A bad value as Go's fmt prints it in field errors: strings quoted, numbers bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(TYPE_INVALID, path, detail, value)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(TYPE_REQUIRED, path, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(TYPE_FORBIDDEN, path, detail)


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported)
    return FieldError(TYPE_NOT_SUPPORTED, path, detail, value)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(TYPE_DUPLICATE, path, "", value)


def too_long(path: str, max_length: int) -> FieldError:
    return FieldError(TYPE_TOO_LONG, path, f"must have at most {max_length} bytes")


class StoreError(Exception):
    """A failed store operation; `code` and `reason` are those of the API server's Status."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    code = 404
    reason = "NotFound"


class AlreadyExists(StoreError):
    code = 409
    reason = "AlreadyExists"


class Conflict(StoreError):
    code = 409
    reason = "Conflict"


def object_not_found(resource: str, name: str) -> NotFound:
    """apimachinery's NewNotFound: `pods "web" not found`."""
    return NotFound(f'{resource} "{name}" not found')


def object_conflict(resource: str, name: str) -> Conflict:
    """The Conflict of a write on a resourceVersion that is no longer the object's (the storage's
    GuaranteedUpdate): what kubectl prints when someone else wrote the object first."""
    return Conflict(
        f'Operation cannot be fulfilled on {resource} "{name}": '
        "the object has been modified; please apply your changes to the latest version and try again"
    )


class Gone(StoreError):
    code = 410
    reason = "Expired"


class BadRequest(StoreError):
    code = 400
    reason = "BadRequest"


class Forbidden(StoreError):
    code = 403
    reason = "Forbidden"


class Fenced(StoreError):
    """A write from a controller worker whose lease on the cluster was taken over (or let go)
    since: refused, so the cluster is never worked on by two workers at once (leases.py)."""

    code = 409
    reason = "Conflict"


class Invalid(StoreError):
    """A 422: the object breaks the schema or a validation rule; `errors` says where."""

    code = 422
    reason = "Invalid"

    def __init__(self, qualified_kind: str, name: str, errors: list[FieldError]) -> None:
        self.errors = errors
        self.kind = qualified_kind
        self.name = name
        shown = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(map(str, errors)) + "]"
        super().__init__(f'{qualified_kind} "{name}" is invalid: {shown}')
