"""The build page under hostile input: a refused build is shown at its line with the limit and
stores nothing; a build whose client leaves is cancelled (Django's ASGI handler tells the view)."""
from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.test import override_settings

from playground.images import dockerfile, registry
from playground.images.models import BuildCacheEntry, StoredImage, StoredLayer
from playground.shell.budget import BudgetExceeded

BUILD = "/clusters/default/images/build/"
HTMX = {"HTTP_HX_REQUEST": "true"}
CSRF = b"k" * 32  # the same secret in the cookie and the header, as the page's form sends it


def nothing_stored() -> bool:
    return (StoredImage.objects.count(), StoredLayer.objects.count(), BuildCacheEntry.objects.count()) == (0, 0, 0)


@override_settings(PLAYGROUND_BUILD_MAX_EXPANSION=65_536)
def test_a_hostile_build_is_refused_at_its_line_with_the_limit(cluster, client):
    text = "FROM alpine:3.20\nENV A0=xx\n" + "".join(f"ENV A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 21))

    response = client.post(BUILD, {"dockerfile": text, "tag": "hostile:1"}, **HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert ('role="alert">line 16: ENV: the environment is longer than 65,536 characters, the limit '
            "(PLAYGROUND_BUILD_MAX_EXPANSION)") in fragment
    assert "<code>ENV A14=${A13}${A13}</code>" in fragment.split('class="bad"')[1].split("</li>")[0]
    assert nothing_stored()


def test_a_directory_copied_into_itself_is_a_build_error_not_a_server_error(cluster, client):
    response = client.post(BUILD, {"dockerfile": "FROM alpine:3.20\nRUN mkdir /a && cp -r /a /a/b\n", "tag": "x:1"})

    assert response.status_code == 422
    assert "line 2: RUN: cp: cannot copy a directory, &#x27;/a&#x27;, into itself, &#x27;/a/b&#x27;" in response.content.decode()
    assert nothing_stored()


def test_a_build_whose_client_leaves_is_cancelled_and_stores_nothing(transactional_db, cluster, monkeypatch):
    started, ended = threading.Event(), []

    def build_until_cancelled(cluster_name, text, **options):
        """registry.build's stand-in: busy until its budget says stop (the real build checks the same budget)."""
        budget = dockerfile.build_budget()
        started.set()
        try:
            while True:
                budget.tick()
        except BudgetExceeded as stopped:
            ended.append(str(stopped))
            raise dockerfile.BuildError(f"line 2: RUN: {stopped}") from None

    monkeypatch.setattr(registry, "build", build_until_cancelled)

    async def post_then_leave() -> None:
        body = urlencode({"dockerfile": "FROM alpine:3.20\nRUN true\n", "tag": "left:1"}).encode()
        communicator = ApplicationCommunicator(get_asgi_application(), scope(len(body)))
        await communicator.send_input({"type": "http.request", "body": body})
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=10)

    async_to_sync(post_then_leave)()

    assert ended == ["cancelled: the client went away"]
    assert nothing_stored()


def scope(length: int) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": BUILD, "raw_path": BUILD.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", str(length).encode()), (b"cookie", b"csrftoken=" + CSRF),
                    (b"x-csrftoken", CSRF)],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
