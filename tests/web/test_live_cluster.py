"""The cluster page: nodes with their pods, and the websocket that keeps it current."""
from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import pod


def test_the_page_draws_each_node_with_its_pods(cluster, client):
    cluster.create(pod("web", node="playground-worker"))
    cluster.create(pod("waiting"))

    page = client.get("/clusters/default/").content.decode()

    assert 'aria-label="node playground-worker"' in page
    worker = page.split('aria-label="node playground-worker"')[1].split("</article>")[0]
    assert "web" in worker and "waiting" not in worker
    lane = page.split('aria-label="pending pods"')[1].split("</article>")[0]
    assert "waiting" in lane and "Pending" in lane
    assert "node-role.kubernetes.io/control-plane:NoSchedule" in page


def test_a_pod_that_cannot_be_scheduled_shows_why(cluster, client):
    big = pod("big")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "64"}}
    cluster.create(big)
    cluster.settle()

    lane = client.get("/clusters/default/").content.decode().split('aria-label="pending pods"')[1]

    assert "0/3 nodes are available" in lane and "Insufficient cpu" in lane


def test_the_clock_button_moves_time_ten_seconds(cluster, client):
    before = cluster.now()

    client.post("/clusters/default/clock/", {"action": "advance"})

    assert (cluster.now() - before).total_seconds() == 10


def test_the_instant_button_makes_the_clock_instant(cluster, client):
    from playground.store import clock

    client.post("/clusters/default/clock/", {"action": "instant"})

    assert clock.read("default").mode == "instant"
    assert 'value="instant"' in client.get("/clusters/default/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_object_pages_socket_moves_its_clock_when_simulated_time_moves():
    from playground.store import clock
    from tests.web.live import frame_after

    create_demo_cluster("default")
    clock.set_mode("default", "paused")
    store.create("default", pod("web", node="playground-worker"))
    shown = clock.read("default").now()

    def time_moves_and_something_changes() -> None:
        clock.advance("default", 90)
        store.patch("default", "Pod", "web", "default", {"metadata": {"labels": {"seen": "yes"}}}, patch_type="merge")

    frame = frame_after("/ws/clusters/default/pods/default/web/", time_moves_and_something_changes)

    later = (shown + datetime.timedelta(seconds=90)).strftime("%H:%M:%S")
    assert '<span id="clock-controls" class="clock-controls" hx-swap-oob="true">' in frame
    assert f'<span class="clock-now">{later}</span> · <span class="clock-mode">paused</span>' in frame


def test_step_asks_the_manager_for_one_reconcile_of_a_paused_cluster(cluster, client):
    from playground.store import clock

    page = client.get("/clusters/default/").content.decode()
    client.post("/clusters/default/clock/", {"action": "step"})

    assert 'value="step"' in page  # the button is there while paused
    assert clock.take_step("default") and not clock.take_step("default")


def test_a_clock_post_without_its_csrf_token_is_refused(cluster):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/clusters/default/clock/", {"action": "pause"})

    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_nodes_again_when_a_pod_changes():
    create_demo_cluster("default")

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(store.create)("default", pod("arrived", node="playground-worker2"))
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = async_to_sync(conversation)()

    assert 'id="nodes"' in frame and 'hx-swap-oob="true"' in frame
    assert "arrived" in frame


@pytest.mark.django_db(transaction=True)
def test_a_socket_from_another_site_is_refused():
    create_demo_cluster("default")

    async def attempt() -> bool:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=[(b"origin", b"http://evil.example")])
        connected, _ = await socket.connect()
        return connected

    assert async_to_sync(attempt)() is False
