"""A read-only page offers nothing it would refuse: the instructor watching an attendee's cluster,
or the room watching the presenter cluster, sees the cluster live, told plainly whose it is, and
no button, form or editor link that would answer 403 (the owner's pages keep them all)."""
from __future__ import annotations

import re
from html import unescape

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from playground.asgi import application
from playground.store import api as store
from playground.workshops import rooms
from tests.factories import deployment

from .test_isolation import ORIGIN, SOCKETS

POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"', re.I)
EDITOR_LINK = re.compile(r'href="(/clusters/[^"]*/(?:edit|new)/[^"]*)"')


def pages_of(cluster: str) -> list[str]:
    """Every page of a cluster with a button on it, for its owner."""
    return [f"/clusters/{cluster}/", f"/clusters/{cluster}/objects/",
            f"/clusters/{cluster}/nodes/playground-worker/", f"/clusters/{cluster}/deployments/default/web/",
            f"/clusters/{cluster}/secrets/default/token/", f"/clusters/{cluster}/images/",
            f"/clusters/{cluster}/images/build/"]


def cluster_forms(html: str, cluster: str) -> list[str]:
    """The page's POST forms that write to `cluster` (the header's Sign out is not one)."""
    return [action for action in POST_FORM.findall(html) if action.startswith(f"/clusters/{cluster}/")]


def buttons(html: str) -> list[str]:
    """The page's buttons but the header's Sign out and the lessons' intro Got it (they change no cluster)."""
    found = re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)
    return [label for label in found if label.strip() not in ("Sign out", "Got it", "Show")]


def with_workloads(cluster: str) -> None:
    store.apply(cluster, deployment("web", replicas=1))
    store.apply(cluster, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token", "namespace": "default"},
                          "stringData": {"password": "s3cret"}})
    store.apply(cluster, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "namespace": "default"},
                          "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})


@pytest.fixture
def presenter(workshop) -> str:
    cluster = rooms.start_presenter(workshop)
    with_workloads(cluster)
    return cluster


def test_the_owner_sees_every_button_of_their_cluster(ana):
    with_workloads(ana.cluster)

    for page in pages_of(ana.cluster):
        html = ana.get(page).content.decode()
        assert "Read-only" not in html, page
        assert cluster_forms(html, ana.cluster) or EDITOR_LINK.findall(html) or "build-form" in html, page


def test_the_instructor_watching_an_attendee_is_offered_no_button(ana, instructor):
    with_workloads(ana.cluster)

    for page in [*pages_of(ana.cluster), f"/clusters/{ana.cluster}/pods/default/solo/"]:
        response = instructor.get(page)
        html = unescape(response.content.decode())
        assert response.status_code == 200, page
        assert "you are watching Ana's cluster" in html, page
        assert cluster_forms(html, ana.cluster) == [], page
        assert EDITOR_LINK.findall(html) == [], page
        assert buttons(html) == [], page


def test_a_read_only_page_keeps_what_only_reads(ana, instructor):
    with_workloads(ana.cluster)

    html = instructor.get(f"/clusters/{ana.cluster}/").content.decode()
    assert 'id="clock-time"' in html  # the time, live, without Pause or +10 s
    assert "Pause</button>" not in html
    assert "Download YAML" in instructor.get(f"/clusters/{ana.cluster}/deployments/default/web/").content.decode()
    secret = instructor.get(f"/clusters/{ana.cluster}/secrets/default/token/").content.decode()
    assert "Reveal</button>" not in secret and 'class="masked"' in secret  # masked, and stays so


def test_the_room_watching_the_presenter_is_told_whose_cluster_it_is(ana, presenter):
    for page in pages_of(presenter):
        response = ana.get(page)
        html = unescape(response.content.decode())
        assert response.status_code == 200, page
        assert "you are watching the presenter's cluster" in html, page
        assert cluster_forms(html, presenter) == [], page
        assert EDITOR_LINK.findall(html) == [], page


def test_the_instructor_drives_the_presenter_cluster(presenter, instructor):
    html = instructor.get(f"/clusters/{presenter}/deployments/default/web/").content.decode()

    assert "Read-only" not in html
    assert f"/clusters/{presenter}/deployments/default/web/scale/" in cluster_forms(html, presenter)


def first_frames(browser: Client, path: str) -> str:
    """The clock's frame and the page's, as a page drawn long ago gets them on connecting."""
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()

    async def receive() -> str:
        socket = WebsocketCommunicator(application, path, headers=[*ORIGIN, (b"cookie", cookie)])
        connected, _ = await socket.connect(timeout=5)
        assert connected
        frames = [await socket.receive_from(timeout=5), await socket.receive_from(timeout=5)]
        await socket.disconnect()
        return "".join(frames)

    return async_to_sync(receive)()


@SOCKETS
def test_a_live_frame_of_a_read_only_page_brings_no_button_back(ana, instructor):
    store.apply(ana.cluster, deployment("web", replicas=1))
    path = f"/ws/clusters/{ana.cluster}/deployments/default/web/?since=0&clock=x"  # an old page: drawn again

    watched = first_frames(instructor, path)
    owned = first_frames(ana, path)

    assert "Restart</button>" in owned and "Pause</button>" in owned
    assert 'id="deployment-live"' in watched and 'id="clock-controls"' in watched
    assert "<button" not in watched
