"""Request bodies stay bounded: a POST over its page's limit is refused with a message naming the
limit, before it is read, and stores nothing; what a page does read never sits in memory whole.

The requests go through the real ASGI application (playground/asgi.py: BodyLimit, Django's
handler, the middleware, the upload handlers, the view) with a body made a chunk at a time as it
is read, so the test itself holds none of it and counts how much was read. Memory is Python's
own peak (tracemalloc) during the request, against a body many times the limit."""
from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote_plus

import pytest
import yaml
from asgiref.sync import async_to_sync
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from playground.asgi import application
from playground.images.models import StoredImage, StoredLayer
from playground.shell.budget import STOPPING
from playground.web.editor_views import apply_all
from playground.web.leaving import Stopped
from tests.images.test_archive import docker_save, f, oci_layout, tar

CHUNK = 64 * 1024
TOKEN = "t" * 32  # the CSRF cookie and the form's token: a plain secret is accepted as both
BOUNDARY = "hostile-boundary"
FORM = "application/x-www-form-urlencoded"
IMAGE_UPLOAD = "/clusters/default/images/upload/"
MANIFEST_UPLOAD = "/clusters/default/upload/"
EDITOR = "/clusters/default/editor/"
LIMIT = 100_000
SMALL_LIMITS = override_settings(PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES=LIMIT, PLAYGROUND_MAX_MANIFEST_BYTES=LIMIT,
                                 DATA_UPLOAD_MAX_MEMORY_SIZE=2 * LIMIT)


@dataclass
class Response:
    status: int
    headers: dict[bytes, bytes]
    text: str
    bytes_read: int  # of the body, by the application


class Body:
    """A request body made as it is read: `size` bytes of `head`, then filler, then `tail`."""

    def __init__(self, head: bytes, size: int, tail: bytes = b"") -> None:
        self.parts = _pieces(head, size - len(head) - len(tail), tail)
        self.size = size
        self.read = 0

    def next(self) -> bytes | None:
        piece = next(self.parts, None)
        self.read += len(piece or b"")
        return piece


def _pieces(head: bytes, filler: int, tail: bytes) -> Iterator[bytes]:
    for start in range(0, len(head), CHUNK):
        yield head[start:start + CHUNK]
    while filler > 0:
        yield b"\0" * min(CHUNK, filler)
        filler -= CHUNK
    if tail:
        yield tail


def post(path: str, body: Body, content_type: str, *, declared: int | None, htmx: bool = False) -> Response:
    headers = [(b"host", b"127.0.0.1"), (b"content-type", content_type.encode()),
               (b"cookie", f"csrftoken={TOKEN}".encode())]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    if htmx:
        headers.append((b"hx-request", b"true"))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ["127.0.0.1", 50000], "server": ["127.0.0.1", 8000]}
    sent: list[dict] = []
    ended = False

    async def receive() -> dict:
        nonlocal ended
        if ended:  # the body is over: the client waits for the answer
            await _forever()
        piece = body.next()
        ended = piece is None
        return {"type": "http.request", "body": piece or b"", "more_body": not ended}

    async def send(message: dict) -> None:
        sent.append(message)

    for signal in (request_started, request_finished):  # as Django's test client does: the test's database stays open
        signal.disconnect(close_old_connections)
    try:
        async_to_sync(application)(scope, receive, send)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    start = next(m for m in sent if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    return Response(start["status"], {k.lower(): v for k, v in start["headers"]}, text, body.read)


async def _forever() -> None:
    await asyncio.Event().wait()


def multipart(field: str, filename: str, size: int, content: bytes = b"") -> tuple[Body, str]:
    """A form with the CSRF token and one file of `size` bytes: `content`, else zeros."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{TOKEN}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return Body(head + content, len(head) + size + len(tail), tail), f"multipart/form-data; boundary={BOUNDARY}"


def urlencoded(size: int) -> tuple[Body, str]:
    head = f"csrfmiddlewaretoken={TOKEN}&action=apply&view=yaml&yaml=".encode()
    return Body(head, size), "application/x-www-form-urlencoded"


def peak_memory(request) -> tuple[Response, int]:
    """The response and Python's peak memory while it was made. Run the same kind of request once
    before: what the first request of a process loads (templates, URL patterns, the image
    catalog) is not what a body costs."""
    tracemalloc.start()
    try:
        response = request()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def stored_nothing(cluster) -> bool:
    namespaces = {n["metadata"]["name"] for n in cluster.list("Namespace")}
    return StoredImage.objects.count() == StoredLayer.objects.count() == 0 and namespaces == {
        "default", "kube-system", "kube-public", "kube-node-lease"}


# Bodies declared far over their page's limit: each refused at its Content-Length, unread
DECLARED = [
    pytest.param(IMAGE_UPLOAD, lambda size: multipart("archive", "huge.tar", size), LIMIT + 64 * 1024,
                 "an image archive may have at most 100,000 bytes (PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES)", id="image"),
    pytest.param(MANIFEST_UPLOAD, lambda size: multipart("file", "huge.yaml", size), 2 * LIMIT,
                 "a manifest may have at most 100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES)", id="manifest-file"),
    pytest.param(EDITOR, urlencoded, 2 * LIMIT,
                 "a manifest may have at most 100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES)", id="editor-yaml"),
]


@SMALL_LIMITS
@pytest.mark.parametrize(("path", "make", "body_limit", "message"), DECLARED)
def test_a_body_declared_over_the_limit_is_refused_unread(cluster, path, make, body_limit, message):
    size = 600 * LIMIT  # 60 MB, as the 600 MB upload was to its 256 MB limit... and then some
    body, content_type = make(size)

    response = post(path, body, content_type=content_type, declared=size)

    assert response.status == 413
    assert f"The request carries {size:,} bytes, more than this page takes: {message}" in response.text
    assert "Nothing was read or stored" in response.text
    assert response.bytes_read == 0
    assert stored_nothing(cluster)


@SMALL_LIMITS
@pytest.mark.parametrize("declared", [None, 1000], ids=["chunked", "lying"])
@pytest.mark.parametrize(("path", "make", "body_limit", "message"), DECLARED)
def test_a_body_streamed_past_its_length_is_cut_at_the_limit_in_flat_memory(cluster, path, make, body_limit,
                                                                             message, declared):
    post(path, *make(10 * LIMIT), declared=declared)  # the same, once, to load what a first request loads
    body, content_type = make(100 * LIMIT)  # 10 MB, with no Content-Length or one far too small

    response, peak = peak_memory(lambda: post(path, body, content_type=content_type, declared=declared))

    assert response.status == 413
    assert f"more than {body_limit:,} bytes, more than this page takes: {message}" in response.text
    assert response.headers[b"x-content-type-options"] == b"nosniff"  # as every page, though Django never ran
    assert response.bytes_read <= body_limit + CHUNK  # read up to the limit, not a chunk more
    assert peak < 10 * LIMIT  # a tenth of what was sent
    assert stored_nothing(cluster)


@SMALL_LIMITS
def test_the_editor_shows_a_body_over_the_limit_in_its_message_box(cluster):
    body, content_type = urlencoded(3 * LIMIT)

    response = post(EDITOR, body, content_type=content_type, declared=3 * LIMIT, htmx=True)

    assert response.status == 413
    assert response.headers[b"hx-retarget"] == b"#editor-messages"
    assert response.text.startswith('<ul class="errors" role="alert"><li>The request carries 300,000 bytes')


@SMALL_LIMITS
def test_an_archive_over_the_limit_inside_a_body_that_is_not_stops_at_the_limit_and_leaves_no_file(cluster, tmp_path):
    body, content_type = multipart("archive", "big.tar", LIMIT + 30_000)  # the form is within its envelope

    # written to disk at once, as a large upload is
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(tmp_path), FILE_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = post(IMAGE_UPLOAD, body, content_type=content_type, declared=body.size)

    assert response.status == 422
    assert ("big.tar: more than the 100,000 bytes an image archive may have (PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES); "
            "refused, the rest unread") in response.text
    assert list(tmp_path.iterdir()) == []  # the part written to disk is gone
    assert stored_nothing(cluster)


def test_a_manifest_of_3_mb_pasted_into_the_editor_gets_a_message_not_a_bare_400(cluster, client):
    # The advertised limit is 16 MB; Django's default form limit (2.5 MB) answered "Bad Request (400)"
    data = "x" * 3_000_000
    yaml = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: {data}\n"

    response = client.post(EDITOR, {"action": "apply", "view": "yaml", "kind": "ConfigMap", "yaml": yaml})

    assert response.status_code == 422
    assert "over the limit of 1,048,576 bytes (PLAYGROUND_MAX_DOCUMENT_BYTES)" in response.content.decode()  # one object: the document limit
    assert "big" not in [c["metadata"]["name"] for c in cluster.list("ConfigMap")]


@SMALL_LIMITS
def test_a_paste_over_the_manifest_limit_in_a_form_within_its_own_is_refused_naming_the_limit(cluster, client):
    # The form may carry twice the manifest limit (URL-encoding grows a YAML text); the text may not
    documents = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n{i}\n" for i in range(3000))

    response = client.post(MANIFEST_UPLOAD, {"manifest": documents})

    assert response.status_code == 413
    assert (f"the text is {len(documents):,} bytes, over the limit of 100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES)"
            in response.content.decode())
    assert stored_nothing(cluster)


@override_settings(PLAYGROUND_MAX_MANIFEST_BYTES=2_000_000, DATA_UPLOAD_MAX_MEMORY_SIZE=4_000_000)
def test_a_pasted_form_of_escapes_is_decoded_in_a_few_times_its_size(cluster):
    # urllib's unquote (Django's QueryDict) split a form of escapes into a piece per escape at
    # once: a 31 MB paste of "a: b" lines took the server to 2 GB, 60 times the form
    text = "a: b\n" * 400_000  # within the manifest limit, one document over the document limit
    form = f"csrfmiddlewaretoken={TOKEN}&manifest=".encode() + quote_plus(text).encode()
    post(MANIFEST_UPLOAD, Body(form[:200_000], 200_000), content_type=FORM, declared=200_000)  # what a first request loads

    response, peak = peak_memory(lambda: post(MANIFEST_UPLOAD, Body(form, len(form)), content_type=FORM,
                                              declared=len(form)))

    assert response.status == 422
    assert "the document is 2,000,000 bytes, over the limit of 1,048,576 bytes (PLAYGROUND_MAX_DOCUMENT_BYTES)" in response.text
    assert peak < 15 * len(form)  # the form parsed alone took 56 times it, the whole request 11 now
    assert stored_nothing(cluster)


@override_settings(PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES=8_000_000, FILE_UPLOAD_MAX_MEMORY_SIZE=256 * 1024)
def test_the_largest_archive_allowed_is_imported_without_holding_it_in_memory(cluster):
    post(IMAGE_UPLOAD, *multipart("archive", "small.tar", 0, oci_layout()), declared=None)  # the first import
    layer = tar(*(f(f"data/{n}.bin", b"\0" * 1_000_000) for n in range(7)))  # a 7 MB layer
    archive = docker_save(layers=(layer,))
    body, content_type = multipart("archive", "web.tar", len(archive), archive)

    response, peak = peak_memory(lambda: post(IMAGE_UPLOAD, body, content_type=content_type, declared=body.size))

    assert response.status == 302  # to the image's page
    assert StoredImage.objects.filter(repository="demo/web", tag="1.0").exists()
    assert peak < len(archive) / 10


# --- an upload nobody waits for any more: playground/web/leaving.py ------------------------------------

SOME_CONFIG_MAPS = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: left-{n}\n" for n in range(3))


@pytest.fixture
def stopping():
    """The server got SIGTERM (what the playground command sets then)."""
    STOPPING.set()
    yield
    STOPPING.clear()


def test_an_upload_while_the_server_stops_stores_nothing_and_says_so(cluster, client, stopping):
    response = client.post(MANIFEST_UPLOAD, {"manifest": SOME_CONFIG_MAPS})

    assert response.status_code == 503
    assert "Stopped: the server is stopping. Nothing was stored." in response.content.decode()
    assert not [c for c in cluster.list("ConfigMap") if c["metadata"]["name"].startswith("left-")]


def test_an_upload_stopped_while_it_applies_takes_back_what_it_had_applied(cluster):
    objects = [(f"document {n}", doc) for n, doc in enumerate(yaml.safe_load_all(SOME_CONFIG_MAPS), start=1)]
    asked = iter([False, False, True])  # the client leaves as the third object is reached

    with pytest.raises(Stopped, match="the client went away"):
        apply_all("default", objects, cancelled=lambda: next(asked))

    assert not [c for c in cluster.list("ConfigMap") if c["metadata"]["name"].startswith("left-")]


def test_an_upload_holds_no_database_transaction_while_it_admits_its_objects(cluster):
    """SQLite has one writer: an upload of thousands of objects that wrote as it went held it
    for the whole upload, and the kubelets and controllers waited out its timeout."""
    from django.db import connection

    objects = [(f"document {n}", doc) for n, doc in enumerate(yaml.safe_load_all(SOME_CONFIG_MAPS), start=1)]
    outside = len(connection.savepoint_ids)  # the test's own transaction (a nested atomic is a savepoint)
    opened = []

    def cancelled() -> bool:
        opened.append(len(connection.savepoint_ids) - outside)
        return False

    results, failed = apply_all("default", objects, cancelled=cancelled)

    assert not failed and len(results) == len(objects) and opened == [0] * len(objects)
    assert len([c for c in cluster.list("ConfigMap") if c["metadata"]["name"].startswith("left-")]) == len(objects)
