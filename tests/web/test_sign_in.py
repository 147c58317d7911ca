"""Signing in (playground/web/signin.py): from another machine, or everywhere once sign-in is
required, nothing is read or changed before signing in; from this machine nothing is asked."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from playground.asgi import application
from playground.web.signin import from_this_machine
from tests.factories import deployment
from tests.web.live import HTMX
from tests.web.test_config_pages import PASSWORD, secret

ELSEWHERE = "203.0.113.7"  # another machine in the room
ACCOUNT = {"username": "teacher", "password": "a-long-enough-passphrase"}
CLUSTER_PAGE = "/clusters/default/"
SCALE = "/clusters/default/deployments/default/nginx/scale/"

# What a stranger on the network tries: every one must be turned away, showing and changing nothing
STRANGER_REQUESTS = [
    ("get", "/", {}, {}),
    ("get", CLUSTER_PAGE, {}, {}),
    ("get", "/clusters/default/secrets/default/db/", {}, {}),
    ("get", "/clusters/default/download/Secret/default/db.yaml", {}, {}),
    ("get", "/clusters/default/edit/Secret/default/db/", {}, {}),
    ("get", "/clusters/default/objects/", {}, {"X-Forwarded-For": "127.0.0.1"}),  # a header proves nothing
    ("post", "/clusters/default/secrets/default/db/reveal/", {"key": "password"}, {}),
    ("post", "/clusters/default/secrets/default/db/reveal/", {"key": "password"}, HTMX),
    ("post", SCALE, {"replicas": "5"}, {}),
    ("post", SCALE, {"replicas": "5"}, HTMX),
    ("post", "/clusters/default/nodes/playground-worker/cordon/", {}, {}),
    ("post", "/clusters/default/clock/", {"action": "instant"}, {}),
    ("post", "/clusters/default/editor/", {"action": "apply", "yaml": "kind: Namespace\nmetadata: {name: x}"}, {}),
]


@pytest.fixture
def world(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(secret())
    get_user_model().objects.create_user(**ACCOUNT)
    return cluster


@pytest.fixture
def stranger() -> Client:
    return Client(REMOTE_ADDR=ELSEWHERE)


@pytest.fixture
def signed_in(world) -> Client:
    client = Client(REMOTE_ADDR=ELSEWHERE)
    assert client.post("/sign-in/", ACCOUNT).status_code == 302
    return client


@pytest.mark.parametrize(("method", "path", "data", "headers"), STRANGER_REQUESTS)
def test_a_stranger_reads_and_changes_nothing(world, stranger, method, path, data, headers):
    before = world.resource_version()

    response = getattr(stranger, method)(path, data, headers=headers)

    assert response.status_code == (302 if method == "get" else 403)
    assert PASSWORD not in response.content.decode()
    assert world.resource_version() == before
    assert world.get("Deployment", "nginx", "default")["spec"]["replicas"] == 3


def test_a_page_sends_the_stranger_to_sign_in_and_back(world, stranger):
    response = stranger.get("/clusters/default/download/Secret/default/db.yaml")

    assert response["Location"] == "/sign-in/?next=/clusters/default/download/Secret/default/db.yaml"


def test_an_htmx_request_sends_the_whole_page_to_sign_in(world, stranger):
    response = stranger.post(SCALE, {"replicas": "5"}, headers={**HTMX, "HX-Current-URL": "http://testserver/clusters/default/deployments/default/nginx/"})

    assert response.status_code == 403
    assert response["HX-Redirect"] == "/sign-in/?next=/clusters/default/deployments/default/nginx/"


def test_a_form_post_says_to_sign_in_first(world, stranger):
    page = stranger.post(SCALE, {"replicas": "5"}).content.decode()

    assert "Sign in first" in page and 'href="/sign-in/"' in page


def test_signed_in_every_page_and_button_works(world, signed_in):
    assert signed_in.get(CLUSTER_PAGE).status_code == 200
    download = signed_in.get("/clusters/default/download/Secret/default/db.yaml")
    assert download.status_code == 200 and "kind: Secret" in download.content.decode()
    assert signed_in.get("/clusters/default/edit/Secret/default/db/").status_code == 200

    assert signed_in.post(SCALE, {"replicas": "5"}).status_code == 302
    assert world.get("Deployment", "nginx", "default")["spec"]["replicas"] == 5


def test_signing_in_lands_on_the_page_asked_for(world, stranger):
    response = stranger.post("/sign-in/", {**ACCOUNT, "next": CLUSTER_PAGE})

    assert response.status_code == 302 and response["Location"] == CLUSTER_PAGE


def test_a_next_on_another_site_is_not_followed(world, stranger):
    response = stranger.post("/sign-in/", {**ACCOUNT, "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_wrong_password_signs_nobody_in(world, stranger):
    response = stranger.post("/sign-in/", {**ACCOUNT, "password": "guess"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert stranger.get(CLUSTER_PAGE).status_code == 302


def test_the_header_says_who_is_signed_in_and_signs_out_with_a_post(world, signed_in):
    page = signed_in.get(CLUSTER_PAGE).content.decode()
    assert "Signed in as <strong>teacher</strong>" in page

    assert signed_in.get("/sign-out/").status_code == 405  # a link cannot sign anyone out
    signed_in.post("/sign-out/")

    assert signed_in.get(CLUSTER_PAGE).status_code == 302


def test_from_this_machine_nothing_is_asked(world, client):
    page = client.get(CLUSTER_PAGE).content.decode()

    assert "playground-worker" in page
    assert "Signed in as" not in page


def test_when_sign_in_is_required_this_machine_signs_in_too(world, client, settings):
    settings.PLAYGROUND_SIGN_IN = "required"  # as `playground --host 0.0.0.0`, or behind a proxy

    assert client.get(CLUSTER_PAGE)["Location"] == f"/sign-in/?next={CLUSTER_PAGE}"


def test_the_sign_in_page_has_its_csrf_token(world, stranger):
    page = stranger.get("/sign-in/?next=/clusters/default/").content.decode()

    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="next" value="/clusters/default/"' in page
    assert Client(enforce_csrf_checks=True, REMOTE_ADDR=ELSEWHERE).post("/sign-in/", ACCOUNT).status_code == 403


@pytest.mark.parametrize(("address", "local"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True), (None, True), ("", True),
    ("203.0.113.7", False), ("10.0.0.2", False), ("0.0.0.0", False), ("::", False), ("fe80::1", False),
    ("::ffff:10.0.0.2", False), ("localhost", False), ("127.0.0.1.evil.example", False), ("unknown", False),
])
def test_only_loopback_or_no_address_is_this_machine(address, local):
    assert from_this_machine(address) is local


# --- the live pages' websockets ---------------------------------------------------------------------


def socket_connects(*, client: tuple[str, int] | None, cookie: str = "") -> bool:
    headers = [(b"origin", b"http://127.0.0.1")] + ([(b"cookie", cookie.encode())] if cookie else [])

    async def attempt() -> bool:
        socket = WebsocketCommunicator(application, CLUSTER_PAGE.replace("/clusters/", "/ws/clusters/"), headers=headers)
        if client is not None:
            socket.scope["client"] = list(client)  # the peer address daphne puts in the scope
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    return async_to_sync(attempt)()


@pytest.mark.django_db(transaction=True)
def test_a_strangers_socket_is_closed_and_a_signed_in_one_opens():
    from playground.store.demo import create_demo_cluster

    create_demo_cluster("default")
    get_user_model().objects.create_user(**ACCOUNT)
    browser = Client(REMOTE_ADDR=ELSEWHERE)
    browser.post("/sign-in/", ACCOUNT)
    session = f"sessionid={browser.cookies['sessionid'].value}"

    assert socket_connects(client=(ELSEWHERE, 50000)) is False
    assert socket_connects(client=(ELSEWHERE, 50000), cookie="sessionid=forged") is False
    assert socket_connects(client=(ELSEWHERE, 50000), cookie=session) is True
    assert socket_connects(client=("127.0.0.1", 50000)) is True
