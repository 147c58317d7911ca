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
import json
import posixpath

from .errors import BadRequest

# kubectl's --chunk-size default (staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go, DefaultChunkSize)
DEFAULT_CHUNK_SIZE = 500
TOKEN_VERSION = "meta.k8s.io/v1"
_INVALID = "continue key is not valid"


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


def _reason(error: Exception) -> str:
    return "not base64" if isinstance(error, binascii.Error) else "not JSON"
