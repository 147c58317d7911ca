"""List chunking: `limit` and `continue`, as the API server pages a long list (APIListChunking).

A list asked for with a limit returns at most that many objects and, when more follow, an opaque
continue token; the next list, given the token, starts after the last key it returned. The token
is the API server's own (staging/src/k8s.io/apiserver/pkg/storage/continue.go): URL-safe base64,
unpadded, of `{"v":"meta.k8s.io/v1","rv":<resourceVersion>,"start":<key>}`, where `start` is the
etcd key after the list's prefix with a NUL appended, the smallest key after the last one
returned. Keys sort as etcd's do: `namespace/name` within a kind, or `name` for a
cluster-scoped kind or a list of one namespace. api.list_chunk reads one chunk; the pages
(web/views.py) and the HTTP API page with it; kubectl asks for chunks of DEFAULT_CHUNK_SIZE.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import json
import posixpath
from typing import Any

from .errors import BadRequest

# kubectl's --chunk-size default (staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go, DefaultChunkSize)
DEFAULT_CHUNK_SIZE = 500
TOKEN_VERSION = "meta.k8s.io/v1"
_INVALID = "continue key is not valid"

Obj = dict[str, Any]


def encode_continue(start: str, resource_version: int) -> str:
    """The token for a list that goes on at key `start` (EncodeContinue)."""
    token = json.dumps({"v": TOKEN_VERSION, "rv": resource_version, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode("utf-8")).decode("ascii").rstrip("=")


def decode_continue(token: str) -> tuple[str, int]:
    """(start key, resourceVersion) of a token; a token that is not one of ours is a BadRequest
    naming the fault, with the API server's messages (DecodeContinue)."""
    try:
        data = json.loads(base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True))
    except (binascii.Error, ValueError) as e:
        raise BadRequest(f"{_INVALID}: {_reason(e)}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"{_INVALID}: not a JSON object")
    if data.get("v") != TOKEN_VERSION:
        raise BadRequest(f"{_INVALID}: server does not recognize this encoded version {data.get('v')}")
    rv, start = data.get("rv"), data.get("start")
    if not isinstance(rv, int) or isinstance(rv, bool) or rv <= 0:
        raise BadRequest(f"{_INVALID}: incorrect encoded start resourceVersion (version {TOKEN_VERSION})")
    if not isinstance(start, str) or not start:
        raise BadRequest(f"{_INVALID}: encoded start key empty (version {TOKEN_VERSION})")
    # A start key may not climb out of the list's prefix: it must be a clean path already (path.Clean)
    key = start if start.startswith("/") else "/" + start
    if posixpath.normpath(key) != key or key.startswith("//"):
        raise BadRequest(f"{_INVALID}: {start}")
    return start, rv


def after(last_key: str) -> str:
    """The start key of the chunk after one that ended at `last_key`."""
    return last_key + "\0"


def key(namespace: str, name: str, *, prefixed: bool) -> str:
    """An object's key in its list: `namespace/name` across namespaces, else the name."""
    return f"{namespace}/{name}" if prefixed else name


def split_start(start: str, *, prefixed: bool) -> tuple[str, str, bool]:
    """(namespace, name, exclusive) of a start key: a start ending in NUL is the key before it,
    excluded. Without a namespace prefix, the namespace is ""."""
    exclusive = start.endswith("\0")
    name = start.removesuffix("\0")
    namespace, _, name = name.partition("/") if prefixed else ("", "", name)
    return namespace, name, exclusive


def page(objects: list[Obj], *, limit: int, start: str, resource_version: int, prefixed: bool,
         counted: bool) -> tuple[list[Obj], str, int | None]:
    """One chunk of a whole list in key order (sorted by namespace and name), as api.list_chunk
    reads it from the rows: (its objects, the next chunk's token or "", the objects after it
    when `counted`, else None)."""
    keys = [(meta.get("namespace", "") if prefixed else "", meta["name"]) for meta in (o["metadata"] for o in objects)]
    first = 0
    if start:
        namespace, name, exclusive = split_start(start, prefixed=prefixed)
        first = (bisect.bisect_right if exclusive else bisect.bisect_left)(keys, (namespace, name))
    chunk = objects[first:first + limit]
    if first + limit >= len(objects):
        return chunk, "", None
    last = chunk[-1]["metadata"]
    token = encode_continue(after(key(last.get("namespace", ""), last["name"], prefixed=prefixed)), resource_version)
    return chunk, token, len(objects) - first - limit if counted else None


def _reason(error: Exception) -> str:
    return "not base64" if isinstance(error, binascii.Error) else "not JSON"
