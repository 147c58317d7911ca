"""Behind a reverse proxy the client is who the trusted proxy says, and only a trusted proxy may
say it: X-Forwarded-For from anyone else is ignored, and by default no proxy is trusted."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import ApplicationCommunicator, WebsocketCommunicator
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from playground.asgi import application
from playground.web.proxies import TrustedProxies, client_address, parse_trusted

PROXY = parse_trusted(["127.0.0.1", "10.0.0.0/8"])
# The sockets' and pages' sessions are read in threads of their own: the test's writes must be committed
SERVED = pytest.mark.django_db(transaction=True)


def test_a_trusted_proxy_names_the_client():
    assert client_address("127.0.0.1", ["203.0.113.9"], PROXY) == "203.0.113.9"


def test_the_client_is_the_first_hop_from_the_right_that_no_trusted_proxy_owns():
    # the client wrote a fake first hop; the outer proxy 10.1.2.3 appended the real one
    assert client_address("127.0.0.1", ["127.0.0.1, 198.51.100.4, 10.1.2.3"], PROXY) == "198.51.100.4"


def test_a_header_from_an_untrusted_peer_is_ignored():
    assert client_address("198.51.100.7", ["127.0.0.1"], PROXY) == "198.51.100.7"


def test_by_default_no_proxy_is_trusted():
    assert client_address("127.0.0.1", ["203.0.113.9"], parse_trusted([""])) == "127.0.0.1"


def test_a_hop_that_is_no_address_stops_at_the_proxy_that_wrote_it():
    assert client_address("127.0.0.1", ["203.0.113.9, unknown"], PROXY) == "127.0.0.1"


def test_a_bad_setting_names_itself_and_the_entry():
    with pytest.raises(ImproperlyConfigured, match='PLAYGROUND_TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or network'):
        parse_trusted(["127.0.0.1", "10.0.0.0/33"])


def client_seen(peer: str, forwarded: str) -> str:
    """The client address the application behind TrustedProxies is given."""
    seen = {}

    async def inner(scope, receive, send):  # noqa: ANN001 - an ASGI application
        seen["client"] = scope["client"][0]

    scope = {"type": "http", "client": (peer, 5000), "headers": [(b"x-forwarded-for", forwarded.encode())]}
    async_to_sync(TrustedProxies(inner))(scope, None, None)
    return seen["client"]


def test_the_asgi_scope_carries_the_client_only_from_a_trusted_proxy():
    with override_settings(PLAYGROUND_TRUSTED_PROXIES=PROXY):
        assert client_seen("127.0.0.1", "203.0.113.9") == "203.0.113.9"
        assert client_seen("198.51.100.7", "127.0.0.1") == "198.51.100.7"
    assert client_seen("127.0.0.1", "203.0.113.9") == "127.0.0.1"


def page_status(peer: str, forwarded: str) -> int:
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/clusters/", "raw_path": b"/clusters/",
             "query_string": b"", "client": (peer, 5000), "server": ("127.0.0.1", 8000), "scheme": "http",
             "headers": [(b"host", b"127.0.0.1"), (b"x-forwarded-for", forwarded.encode())]}

    async def get() -> int:
        page = ApplicationCommunicator(application, scope)
        await page.send_input({"type": "http.request", "body": b""})
        start = await page.receive_output(timeout=10)
        await page.receive_output(timeout=10)  # the body
        return start["status"]

    return async_to_sync(get)()


def socket_opens(peer: str, forwarded: str) -> bool:
    async def connect() -> bool:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=[
            (b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"x-forwarded-for", forwarded.encode())])
        socket.scope["client"] = (peer, 5000)
        connected, _ = await socket.connect(timeout=10)
        if connected:
            await socket.disconnect()
        return connected

    return async_to_sync(connect)()


@SERVED
def test_a_browser_behind_a_trusted_proxy_on_this_machine_must_sign_in(cluster):
    with override_settings(PLAYGROUND_TRUSTED_PROXIES=PROXY):
        assert page_status("127.0.0.1", "203.0.113.9") == 302  # to the sign-in page
        assert not socket_opens("127.0.0.1", "203.0.113.9")
        assert page_status("127.0.0.1", "127.0.0.1") == 200  # a browser on the proxy's machine itself


@SERVED
def test_a_forged_header_does_not_make_another_machine_this_one(cluster):
    with override_settings(PLAYGROUND_TRUSTED_PROXIES=PROXY):
        assert page_status("198.51.100.7", "127.0.0.1") == 302
        assert not socket_opens("198.51.100.7", "127.0.0.1")
