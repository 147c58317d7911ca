"""The static files as `python manage.py playground` serves them (web/static_files.py): sent
with nosniff, and a path that climbs out of the static folders is a 400, not a server error."""
from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from playground.web.static_files import StaticFilesHandler

# Paths as the server hands them over, percent-decoded (/static/..%2F.. arrives as /static/../..)
CLIMBS = [
    "/static/../..",
    "/static/../../etc/passwd",
    "/static/../playground/settings.py",
    "/static/../../../../../../../../etc/hosts",
    "/static/django_htmx/../../../../settings.py",
]


async def not_static(scope, receive, send):  # noqa: ANN001, ANN201 - an ASGI app
    raise AssertionError(f"{scope['path']} is a static file's path")


def get(path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """GET `path` from the handler: the status, the headers and the whole body."""

    async def exchange() -> tuple[int, dict[bytes, bytes], bytes]:
        scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1)}
        server = ApplicationCommunicator(StaticFilesHandler(not_static), scope)
        await server.send_input({"type": "http.request", "body": b""})
        start = await server.receive_output(timeout=5)
        body = b""
        while True:
            part = await server.receive_output(timeout=5)
            body += part.get("body", b"")
            if not part.get("more_body"):
                break
        await server.wait(timeout=5)
        return start["status"], dict(start["headers"]), body

    return async_to_sync(exchange)()


def test_a_static_file_is_sent_with_nosniff():
    status, headers, body = get("/static/playground.css")

    assert status == 200
    assert headers[b"Content-Type"].startswith(b"text/css")
    assert headers[b"X-Content-Type-Options"] == b"nosniff"
    assert body


def test_a_missing_static_file_is_not_found_with_nosniff():
    status, headers, _ = get("/static/nope.css")

    assert status == 404
    assert headers[b"X-Content-Type-Options"] == b"nosniff"


@pytest.mark.parametrize("path", CLIMBS)
def test_a_path_out_of_the_static_folders_is_a_bad_request(path, caplog):
    with caplog.at_level(logging.WARNING):
        status, headers, body = get(path)

    assert status == 400
    assert b"Bad Request" in body and b"Traceback" not in body
    assert headers[b"X-Content-Type-Options"] == b"nosniff"
    # Django's security logger says so in one line: no traceback, no server error
    [record] = caplog.records
    assert record.name == "django.security.SuspiciousFileOperation"
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert path in record.getMessage()
