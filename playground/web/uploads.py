"""Request bodies kept bounded: an upload over its limit is refused before it is read, and what
is read goes to disk, so the server's memory stays flat whatever a client sends.

A POST on its way in:
- daphne (`playground.web.daphne_request`): a Content-Length over its page's limit is answered
  413 at its headers, a streamed body cut there, and twisted's own multipart parsing (the whole
  body in memory, many times over) is off;
- `BodyLimit` (ASGI, in playground/asgi.py): a body over its page's limit never reaches Django —
  a declared one is handed on empty, for the middleware below to refuse; a streamed one (chunked,
  no Content-Length) is cut where it passes the limit and answered 413;
- `refuse_oversize_bodies` (Django middleware, first): a declared length over the limit is
  answered 413 with a page (or, for htmx, the editor's message box) naming the limit, unread;
- `parse_large_forms` (Django middleware, second): a URL-encoded form of megabytes (a YAML text
  pasted in the editor) is decoded a slice at a time; urllib's unquote, which Django uses, split
  a 31 MB form into millions of pieces at once and took the server to 2 GB;
- `LimitedUploadHandler` (Django's upload handlers): one file of a multipart body stops at its
  limit (`StopUpload`), the part already written to disk deleted; the view says so.

Limits by page: the Kubernetes API takes a body of PLAYGROUND_API_MAX_BODY_BYTES (as
kube-apiserver's --max-request-body-bytes); the image upload an archive of
PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES; every other page a manifest of PLAYGROUND_MAX_MANIFEST_BYTES, whose form (URL-encoded, which can double
a YAML text) may carry DATA_UPLOAD_MAX_MEMORY_SIZE.
"""
from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.shortcuts import render
from django.urls import Resolver404, resolve

from playground.apiserver import status
from playground.store import clusters
from playground.store.errors import NotFound

ENVELOPE = 64 * 1024  # multipart boundaries, part headers, the CSRF token and a form's small fields
LARGE_FORM = 1024 * 1024  # a URL-encoded body past this is decoded by `parse_large_forms`
FORM_SLICE = 64 * 1024  # decoded at a time

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Limit:
    body: int  # the most a request body to the page may carry
    file: int  # the most one uploaded file (or pasted text) may hold
    what: str  # what the page takes, as the messages name it
    setting: str  # where the limit is set


def _resolved_namespace(path: str) -> str:
    try:
        return resolve(path).namespace
    except Resolver404:
        return ""


def limit_for(path: str, *, with_quota: bool = False) -> Limit:
    """The limit of the page at `path` (a path no page answers gets a manifest's); `with_quota`:
    lowered by its cluster's quota (upload_bytes), where a database read may be made (not in
    the ASGI layer, which keeps the global limit as the upper bound)."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.namespace == "apiserver":
        api = settings.PLAYGROUND_API_MAX_BODY_BYTES
        limit = Limit(api, api, "a request to the Kubernetes API", "PLAYGROUND_API_MAX_BODY_BYTES")
    elif match is not None and match.url_name == "image-upload":
        archive = settings.PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES
        limit = Limit(archive + ENVELOPE, archive, "an image archive", "PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES")
    else:
        limit = Limit(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.PLAYGROUND_MAX_MANIFEST_BYTES, "a manifest",
                      "PLAYGROUND_MAX_MANIFEST_BYTES")
    cluster = match.kwargs.get("cluster") if match is not None else None
    return lowered_by_quota(limit, cluster) if with_quota and isinstance(cluster, str) else limit


def lowered_by_quota(limit: Limit, cluster: str) -> Limit:
    """The page's limit, or the cluster's upload_bytes if that is lower."""
    try:
        allowed = clusters.quota_of(cluster).upload_bytes
    except NotFound:
        return limit
    if allowed is None or allowed >= limit.file:
        return limit
    # A form may carry its text URL-encoded, which can double it (as DATA_UPLOAD_MAX_MEMORY_SIZE allows)
    return Limit(min(limit.body, 2 * allowed + ENVELOPE), allowed, limit.what,
                 f"the quota upload_bytes of cluster {cluster}")


def refusal(size: str, limit: Limit) -> str:
    return (f"The request carries {size} bytes, more than this page takes: {limit.what} may have at most "
            f"{limit.file:,} bytes ({limit.setting}). Nothing was read or stored.")


def declared_length(value: str | bytes | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Django: the middleware and the upload handler -------------------------------------------------


def refuse_oversize_bodies(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """First in MIDDLEWARE, before anything reads request.POST (the CSRF check does)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        declared = declared_length(request.META.get("CONTENT_LENGTH"))
        if declared is not None and declared > (limit := limit_for(request.path_info, with_quota=True)).body:
            return too_large(request, refusal(f"{declared:,}", limit), limit=limit)
        return get_response(request)

    return middleware


def too_large(request: HttpRequest, message: str, *, limit: Limit | None = None) -> HttpResponse:
    """413: for kubectl, a Status; for htmx (the editor), the message in the editor's message box;
    else a page."""
    if _resolved_namespace(request.path_info) == "apiserver":
        return HttpResponse(api_refusal(request.path_info, limit), status=413, content_type="application/json")
    if request.headers.get("HX-Request") == "true":  # HtmxMiddleware has not run yet
        response = render(request, "web/too_large.html#message", {"message": message}, status=413)
        response["HX-Retarget"] = "#editor-messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "web/too_large.html", {"message": message}, status=413)


def parse_large_forms(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Second in MIDDLEWARE, before the CSRF check reads request.POST: a large URL-encoded form is
    parsed here, its values decoded a slice at a time, so what it costs is a few times its size."""

    def middleware(request: HttpRequest) -> HttpResponse:
        form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
        if form and (declared_length(request.META.get("CONTENT_LENGTH")) or 0) > LARGE_FORM:
            request._post = form_fields(request.body, encoding=request.encoding or settings.DEFAULT_CHARSET)  # type: ignore[attr-defined]
            request._files = MultiValueDict()  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


def form_fields(body: bytes, *, encoding: str) -> QueryDict:
    """What QueryDict(body) holds, as Django parses it (blank values kept, at most
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields), each name and value decoded by `form_unquote`."""
    fields = QueryDict(mutable=True, encoding=encoding)
    pairs = [pair for pair in body.split(b"&") if pair]
    if settings.DATA_UPLOAD_MAX_NUMBER_FIELDS is not None and len(pairs) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
        raise TooManyFieldsSent("The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.")
    for pair in pairs:
        name, _, value = pair.partition(b"=")
        fields.appendlist(form_unquote(name, encoding), form_unquote(value, encoding))
    fields._mutable = False
    return fields


def form_unquote(encoded: bytes, encoding: str) -> str:
    """urllib's unquote_plus, a slice at a time (never cutting a %XX escape in two)."""
    decoded = bytearray()
    start = 0
    while start < len(encoded):
        end = start + FORM_SLICE
        escape = encoded.rfind(b"%", max(start, end - 2), end)
        end = escape if escape > start else end
        decoded += unquote_to_bytes(encoded[start:end].replace(b"+", b" "))
        start = end
    return decoded.decode(encoding, errors="replace")


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes a file's chunks on to the handlers that store it,
    and stops the upload where the file passes its page's limit — the parser reads no further
    and the temporary file written so far is closed, which deletes it."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.limit = limit_for(self.request.path_info, with_quota=True)  # type: ignore[union-attr]

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit.file:
            self.request.refused_upload = (  # type: ignore[union-attr]
                f"{self.file_name}: more than the {self.limit.file:,} bytes {self.limit.what} may have "
                f"({self.limit.setting}); refused, the rest unread"
            )
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def refused_upload(request: HttpRequest) -> str:
    """Why the upload handler stopped this request's file, or ""."""
    request.FILES  # noqa: B018 - parsing the body is what runs the handler
    return getattr(request, "refused_upload", "")


# --- ASGI: before Django reads the body -------------------------------------------------------------


class BodyLimit:
    """ASGI middleware around Django's handler, which spools a whole body to a temporary file
    before any middleware runs: here a body over its page's limit never gets there."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = declared_length(dict(scope["headers"]).get(b"content-length"))
        if declared is not None and declared > limit.body:
            await self.app(scope, _EmptyBody(), send)  # Django refuses it by its Content-Length, unread
            return
        counted = _Counted(receive, limit.body)
        await self.app(scope, counted, send)
        if counted.over:
            await _send_413(send, scope["path"], f"more than {limit.body:,}")


class _EmptyBody:
    """A `receive` that gives an empty body, then waits for a disconnect that never comes (Django
    listens for one while it answers, and cancels the wait when it has answered)."""

    def __init__(self) -> None:
        self.given = False

    async def __call__(self) -> Message:
        if self.given:
            await asyncio.Event().wait()
        self.given = True
        return {"type": "http.request", "body": b"", "more_body": False}


class _Counted:
    """`receive`, cut where the body passes `limit`: Django is told the client went away (it
    stops reading and answers nothing), and BodyLimit answers 413."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.received = 0
        self.over = False

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.over = True
                return {"type": "http.disconnect"}
        return message


def api_refusal(path: str, limit: Limit | None = None) -> bytes:
    """The Status kube-apiserver answers a body over its limit with (handlers/rest.go,
    limitedReadBody), which kubectl prints; the setting that sets the limit named after it."""
    limit = limit or limit_for(path)
    body = status.failure(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit.body} ({limit.setting})")
    return json.dumps(body).encode()


# What a 413 sent before Django runs carries in place of its middleware's headers: the page has
# no script, style or frame of its own, so its policy allows nothing
EARLY_HEADERS = ((b"content-security-policy", b"default-src 'none'; frame-ancestors 'self'"),
                 (b"x-content-type-options", b"nosniff"))


def early_refusal(path: str, size: str) -> tuple[bytes, bytes]:
    """The content type and body of a 413 sent before Django runs (by daphne or BodyLimit): for
    the Kubernetes API a Status, else a page naming the limit of the page at `path` (no template:
    nothing of Django's is set up for it)."""
    if _resolved_namespace(path) == "apiserver":
        return b"application/json", api_refusal(path)
    message = html.escape(refusal(size, limit_for(path)))
    page = f"<!doctype html><title>Request too large</title><h1>Request too large</h1><p role=\"alert\">{message}</p>"
    return b"text/html; charset=utf-8", page.encode()


async def _send_413(send: Send, path: str, size: str) -> None:
    content_type, body = early_refusal(path, size)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *EARLY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
