"""The plumbing every rule shares: reading odd JSON safely, field paths, and lists of errors.

Every module of this package builds its `FieldError`s with these helpers, so that a path reads as
the API server prints it (`spec.containers[0].ports[1].name`, `data[key]`). The error types and
constructors themselves live in playground/store/errors.py; this follows
k8s.io/apimachinery/pkg/util/validation/field (path.go: Child, Index, Key; errors.go: NotFound,
TooMany) and keeps a rule an ordinary pure function when its input is a list where a map belongs.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from playground.store.errors import TYPE_NOT_FOUND, TYPE_TOO_MANY, FieldError, invalid, not_supported, required

Errors = list[FieldError]


# --- JSON access: a wrong type reads as empty, so the rules report it instead of raising ---------


def as_map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def meta_of(obj: dict) -> dict:
    return as_map(obj.get("metadata"))


def spec_of(obj: dict) -> dict:
    return as_map(obj.get("spec"))


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def restore(target: dict, source: dict, key: str) -> None:
    """Set `target[key]` back to what `source` has, absent included (update rules munge a copy)."""
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


# --- field paths (field.Path: Child, Index, Key) -------------------------------------------------


def child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def at_key(path: str, key: str) -> str:
    return f"{path}[{key}]"


# --- errors --------------------------------------------------------------------------------------


def not_found(path: str, value: Any) -> FieldError:
    return FieldError(TYPE_NOT_FOUND, path, "", value)


def too_many(path: str, actual: int, maximum: int) -> FieldError:
    return FieldError(TYPE_TOO_MANY, path, f"must have at most {maximum} items", actual)


def invalid_each(path: str, value: Any, messages: Iterable[str]) -> Errors:
    """One Invalid per message of an `is_*` check, as the Go loops over IsDNS1123Label(...) do."""
    return [invalid(path, value, message) for message in messages]


def validate_one_of(value: Any, supported: list[str], path: str) -> Errors:
    """A required enum: Required when unset, NotSupported (listing the choices) when unknown."""
    if value in (None, ""):
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def diff(old: Any, new: Any, path: str) -> str:
    """A short account of what changed, standing in for the Go cmp.Diff Kubernetes appends."""
    lines: list[str] = []
    _collect_diff(old, new, path, lines)
    return "\n".join(lines[:20])


def _collect_diff(old: Any, new: Any, path: str, lines: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _collect_diff(old.get(key), new.get(key), child(path, key), lines)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (old_item, new_item) in enumerate(zip(old, new)):
            _collect_diff(old_item, new_item, index(path, i), lines)
    elif old != new:
        lines.append(f"  {path}: {json.dumps(old)} -> {json.dumps(new)}")
