"""What wakes a sleeping cluster on the server (issue 18): a page of it, the API, a socket, which
keeps it awake while it is open; the list of clusters shows which ones sleep and wakes none."""
from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator

from playground.asgi import application
from playground.store import clock
from playground.store.demo import create_demo_cluster
from playground.web import awake, room

HOST = [(b"host", b"127.0.0.1")]
ORIGIN = [(b"origin", b"http://127.0.0.1"), *HOST]
IDLE_AFTER = 300.0


class Wall:
    def __init__(self) -> None:
        self.now = datetime.datetime.now(datetime.timezone.utc)

    def __call__(self) -> datetime.datetime:
        return self.now

    def pass_(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def asleep(monkeypatch, settings):
    """The demo cluster, running, then unused for ten minutes."""
    settings.PLAYGROUND_IDLE_AFTER = IDLE_AFTER
    wall = Wall()
    monkeypatch.setattr(clock, "_wall", wall)
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)
    wall.pass_(IDLE_AFTER + 300)
    assert clock.read("default").asleep()
    return wall


def get(path: str) -> dict:
    return async_to_sync(HttpCommunicator(application, "GET", path, headers=HOST).get_response)(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_the_list_of_clusters_says_it_sleeps_and_wakes_none(asleep):
    page = get("/clusters/")["body"].decode()

    assert "<td>asleep (10 min)</td>" in page
    assert clock.read("default").asleep()


@pytest.mark.django_db(transaction=True)
def test_opening_its_page_wakes_it_where_its_time_stood(asleep):
    stood = clock.now("default")

    response = get("/clusters/default/")

    assert response["status"] == 200
    assert not clock.read("default").asleep()
    assert clock.now("default") == stood
    assert "running 1×" in response["body"].decode()


@pytest.mark.django_db(transaction=True)
def test_an_api_request_wakes_it(asleep):
    get("/clusters/default/api")  # refused without a token, but a use all the same

    assert not clock.read("default").asleep()


@pytest.mark.django_db(transaction=True)
def test_an_open_socket_keeps_it_awake_and_it_sleeps_after_it_closes(asleep):
    async def conversation() -> None:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=ORIGIN)
        assert (await socket.connect())[0]
        assert awake.held() == ["default"]
        for _ in range(4):  # twenty minutes with the page open
            asleep.pass_(IDLE_AFTER)
            await sync_to_async(awake.use_held)()
            assert not await sync_to_async(lambda: clock.read("default").asleep())()
        await socket.disconnect()

    async_to_sync(conversation)()
    assert awake.held() == []
    asleep.pass_(IDLE_AFTER)
    assert clock.read("default").asleep()


@pytest.mark.django_db(transaction=True)
def test_the_room_view_says_which_attendee_clusters_sleep_and_wakes_none(asleep):
    card = room.thumbnail("default")

    assert card["asleep"] == "10 min"
    assert clock.read("default").asleep()
