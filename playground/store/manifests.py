"""Manifest text → Kubernetes objects, read defensively.

YAML / JSON (a file, stdin, an upload, a form) → here → `apply` in the store. Splits a stream
into documents the way kubectl's YAML reader does (a line `---`), parses each one with PyYAML's
safe loader only, and refuses what could hurt the server before anything is stored: documents
over the size limit, bytes that are not UTF-8, alias bombs, absurd nesting. Each document gets
its own result, so one broken document never hides the others.
"""
from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_DEPTH = 100  # far deeper than any real object (a pod template's affinity is about 12)
_SEPARATOR_LINE = re.compile(r"^---(?:[^\S\n][^\n]*)?$", re.MULTILINE)  # `---`, then nothing or a space and more


class ManifestError(ValueError):
    """A document that cannot become an object; the message names the place and the cause."""


@dataclass
class Document:
    """One document of a manifest stream: its object, or why it has none."""

    index: int  # 1-based position in the stream, as a learner counts
    line: int  # the line the document starts on
    obj: dict[str, Any] | None = None
    error: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """`document 2 (Deployment/nginx)`: how errors name the document."""
        obj = self.obj or {}
        meta = obj.get("metadata")
        kind, name = obj.get("kind"), meta.get("name") if isinstance(meta, dict) else None
        if isinstance(kind, str) and isinstance(name, str):
            return f"document {self.index} ({kind}/{name})"
        return f"document {self.index}"


def parse(data: bytes | str, *, max_document_bytes: int) -> list[Document]:
    """Every non-empty document of a stream; a `kind: List` stays one document with `items`."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            return [Document(1, line, error=f"line {line}: the text is not valid UTF-8 (byte {e.start})")]
    else:
        text = data
    documents = []
    for start_line, chunk in _split(text):
        if chunk.isspace() or not chunk:
            continue  # an empty document (a stream of bare `---`), which YAML would take microseconds to say
        doc = Document(len(documents) + 1, start_line)
        try:
            doc.obj = _load(chunk, start_line=start_line, max_bytes=max_document_bytes)
        except ManifestError as e:
            doc.error = str(e)
        if doc.obj is None and doc.error is None:
            continue  # only comments or whitespace: kubectl skips it too
        documents.append(doc)
    return documents


def _split(text: str) -> Iterator[tuple[int, str]]:
    """Each document's first line and text, found by the separator lines alone: splitting a 16 MB
    stream into its lines made millions of strings at once (240 MB)."""
    start, line = 0, 1
    for separator in _SEPARATOR_LINE.finditer(text):
        if separator.group().startswith("--- |"):  # a block scalar's header, not a separator
            continue
        yield line, text[start:separator.start()]
        line += text.count("\n", start, separator.start()) + 1
        start = separator.end() + 1
    yield line, text[start:]


def _load(chunk: str, *, start_line: int, max_bytes: int) -> dict[str, Any] | None:
    size = len(chunk.encode("utf-8"))
    if size > max_bytes:
        raise ManifestError(f"line {start_line}: the document is {size:,} bytes, over the limit of {max_bytes:,} bytes "
                            "(PLAYGROUND_MAX_DOCUMENT_BYTES)")
    try:
        loaded = _safe_load(chunk)
    except yaml.MarkedYAMLError as e:
        raise ManifestError(_yaml_message(e, chunk, start_line)) from None
    except yaml.YAMLError as e:
        raise ManifestError(f"line {start_line}: invalid YAML: {e}") from None
    except RecursionError:
        raise ManifestError(f"line {start_line}: the document is nested too deeply") from None
    if loaded is None:
        return None
    if not isinstance(loaded, dict):
        got = "a list" if isinstance(loaded, list) else f"a {type(loaded).__name__}"
        raise ManifestError(
            f"line {start_line}: expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got {got}"
        )
    budget = [size + 1000]  # a document without aliases has fewer nodes than bytes
    return _to_json(loaded, path="", depth=0, budget=budget, line=start_line)


def _safe_load(chunk: str) -> Any:
    """yaml.safe_load, with libyaml's parser when PyYAML has it (CSafeLoader: plain data only)."""
    loader = _Loader(chunk)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _yaml_message(error: yaml.MarkedYAMLError, chunk: str, start_line: int) -> str:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return f"line {start_line}: invalid YAML: {error.problem or error.context}"
    problem = error.problem or error.context or "invalid YAML"
    lines = chunk.splitlines()
    if mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        problem += " (a tab: YAML indents with spaces only)"
    return f"line {mark.line + start_line}, column {mark.column + 1}: invalid YAML: {problem}"


def _to_json(value: Any, *, path: str, depth: int, budget: list[int], line: int) -> Any:
    """A JSON-clean copy of what YAML built, as sigs.k8s.io/yaml converts YAML to JSON."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ManifestError(f"line {line}: the document expands to too many values (a YAML alias bomb?)")
    if depth > MAX_DEPTH:
        raise ManifestError(f"line {line}: the document is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {
            _key(k, path, line): _to_json(v, path=f"{path}.{k}" if path else str(k), depth=depth + 1, budget=budget, line=line)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _to_json(v, path=f"{path}[{i}]", depth=depth + 1, budget=budget, line=line) for i, v in enumerate(value)
        ]
    if isinstance(value, bytes):
        raise ManifestError(f"line {line}: {path}: binary data (!!binary) is not text; a ConfigMap takes it in binaryData, base64-encoded")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ManifestError(f"line {line}: {path}: {value} is not a number JSON can hold")
    return value


def _key(key: Any, path: str, line: int) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, (bool, int, float)) or key is None:
        return yaml.safe_dump(key).strip().removesuffix("...").strip()  # the scalar as written
    raise ManifestError(f"line {line}: {path or 'the document'}: a mapping key must be a string, got {type(key).__name__}")
