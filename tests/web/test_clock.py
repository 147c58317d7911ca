"""The clock on every page: its buttons offer the speeds the command has, and a clock set
anywhere (a button on another page, `manage.py clock` in another process) reaches every open
page of the cluster without a write to any object."""
from __future__ import annotations

import asyncio
import datetime
import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import api as store
from playground.store import clock
from playground.store.demo import create_demo_cluster
from playground.store.models import Cluster
from playground.store import notify
from playground.web import consumers, views
from tests.factories import config_map, deployment, pod
from tests.runtime.test_asleep import Wall

ORIGIN = [(b"origin", b"http://127.0.0.1")]


def test_the_page_offers_the_speeds_the_command_has(cluster, client):
    page = client.get("/clusters/default/").content.decode()

    offered = [b.split('"')[0] for b in page.split('name="speed" value="')[1:]]
    assert offered == [f"{s:g}" for s in clock.SPEEDS] == ["0.25", "0.5", "1", "10"]
    assert 'value="instant"' in page


def test_a_speed_button_runs_the_clock_at_that_speed(cluster, client):
    client.post("/clusters/default/clock/", {"speed": "0.25"})

    state = clock.read("default")
    assert (state.mode, state.speed) == ("running", 0.25)
    page = client.get("/clusters/default/").content.decode()
    assert '<span class="clock-mode">running 0.25×</span>' in page
    assert 'name="speed" value="0.25" aria-pressed="true"' in page and 'value="step"' not in page


def test_a_speed_the_command_refuses_the_page_refuses(cluster, client):
    response = client.post("/clusters/default/clock/", {"speed": "100"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400 and "is not one of 0.25×, 0.5×, 1×, 10×" in response.content.decode()
    assert clock.read("default").mode == "paused"


def frames_after(paths: list[str], act) -> list[str]:
    """Open a socket per page, act, and return the first frame each page is sent after it."""

    async def conversation() -> list[str]:
        sockets = [WebsocketCommunicator(application, path, headers=ORIGIN) for path in paths]
        for socket in sockets:
            assert (await socket.connect())[0]
        await sync_to_async(act)()
        frames = [await socket.receive_from(timeout=5) for socket in sockets]
        for socket in sockets:
            await socket.disconnect()
        return frames

    return async_to_sync(conversation)()


@pytest.mark.django_db(transaction=True)
def test_pausing_reaches_every_open_page_of_the_cluster_with_its_step_button():
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)
    store.apply("default", deployment("web", replicas=1))

    cluster_page, deployment_page = frames_after(
        ["/ws/clusters/default/", "/ws/clusters/default/deployments/default/web/"],
        lambda: clock.set_mode("default", "paused"),  # as the Pause button of a third tab does
    )

    for frame in (cluster_page, deployment_page):
        assert '<span id="clock-controls" class="clock-controls" hx-swap-oob="true">' in frame
        assert '<span class="clock-mode">paused</span>' in frame and 'value="step"' in frame


@pytest.mark.django_db(transaction=True)
def test_a_clock_set_by_another_process_reaches_the_pages(monkeypatch):
    create_demo_cluster("default")
    monkeypatch.setattr(consumers, "OTHER_PROCESSES_POLL_SECONDS", 0.05)
    monkeypatch.setattr(notify, "FALLBACK_POLL_SECONDS", 0.05)  # PostgreSQL: the look that finds what no NOTIFY told

    def another_process_runs_it_at_ten_times() -> None:
        # `manage.py clock run --speed 10` elsewhere: the row changes, no signal reaches this process
        state = clock.read("default")
        Cluster.objects.filter(name="default").update(
            clock_mode="running", clock_speed=10.0, clock_anchor=state.anchor + datetime.timedelta(seconds=1),
        )

    [frame] = frames_after(["/ws/clusters/default/"], another_process_runs_it_at_ten_times)

    assert '<span class="clock-mode">running 10×</span>' in frame
    assert 'id="clock-time" class="time" title="simulated time" data-mode="running" data-speed="10"' in frame


@pytest.mark.django_db(transaction=True)
def test_a_page_whose_socket_joins_after_a_clock_change_gets_the_clock_at_once():
    """The page drew the clock running at 1x; Pause came before its socket joined the cluster's
    group, so that message never reached it: the socket sends the clock as it is at connect."""
    create_demo_cluster("default")
    clock.set_mode("default", "paused")

    async def connect() -> str:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/?clock=running,1",
                                       headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect(timeout=5)
        assert connected
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = async_to_sync(connect)()

    assert '<span class="clock-mode">paused</span>' in frame and 'value="step"' in frame


@pytest.fixture
def wall(monkeypatch):
    """The real time the clocks read, moved by the test."""
    moving = Wall()
    monkeypatch.setattr(clock, "_wall", moving)
    return moving


def clock_attributes(html: str) -> dict[str, str]:
    """The data-* attributes of the page's #clock-time, which static/clock.js ticks from."""
    tag = html.split('id="clock-time"', 1)[1].split(">", 1)[0]
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', tag))


def ms(moment: datetime.datetime) -> str:
    return str(round(moment.timestamp() * 1000))


def test_a_running_clock_is_sent_with_the_moment_it_is_held_at(wall, cluster, client):
    clock.set_mode("default", "running", speed=1.0)
    started = cluster.now()
    wall.pass_(10)  # its controller manager took no turn since

    page = client.get("/clusters/default/").content.decode()

    shown = clock_attributes(page)
    assert shown["data-at"] == ms(started + datetime.timedelta(seconds=10))
    # The page's clock ticks no further than the server's: LEAD_SECONDS past the anchor
    assert shown["data-holds-at"] == ms(started + datetime.timedelta(seconds=clock.LEAD_SECONDS))
    assert '<span class="clock-held" title="' in page and "hidden> · held for its controllers</span>" in page


def test_a_held_clock_is_drawn_where_it_stands_and_says_why(wall, cluster, client):
    clock.set_mode("default", "running", speed=1.0)
    started = cluster.now()
    wall.pass_(45)  # 15 s past the lead

    page = client.get("/clusters/default/").content.decode()

    shown = clock_attributes(page)
    assert shown["data-at"] == shown["data-holds-at"] == ms(started + datetime.timedelta(seconds=clock.LEAD_SECONDS))
    assert '"> · held for its controllers</span>' in page  # not hidden


def test_a_paused_clock_is_held_nowhere(cluster, client):
    page = client.get("/clusters/default/").content.decode()

    assert clock_attributes(page)["data-holds-at"] == ""
    assert "held for its controllers" not in page


@pytest.mark.django_db(transaction=True)
def test_a_held_clock_renewed_reaches_the_page_with_its_next_frame_though_its_time_did_not_move(wall):
    """The page's clock stands at the hold; the manager's turn renews the lead without telling
    anyone and the time shown has not moved, yet the next frame carries the clock: without the
    new hold the page's clock would stand still while the server's goes on."""
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)
    wall.pass_(45)
    held = clock.read("default")

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=ORIGIN)
        assert (await socket.connect())[0]
        await sync_to_async(store.apply)("default", config_map("before"))
        assert clock_attributes(await socket.receive_from(timeout=5))["data-holds-at"] == ms(held.holds_at())
        await sync_to_async(clock.renew)("default", held)  # the manager's turn, at the same wall time
        await sync_to_async(store.apply)("default", config_map("after"))  # a change: the next frame
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = async_to_sync(conversation)()

    renewed = held.holds_at() + datetime.timedelta(seconds=clock.LEAD_SECONDS)
    assert clock_attributes(frame)["data-holds-at"] == ms(renewed)
    assert clock_attributes(frame)["data-at"] == ms(held.holds_at())  # going on from where it stood


@pytest.mark.django_db(transaction=True)
def test_a_running_clock_moves_on_the_page_without_swapping_its_buttons(wall):
    """Through a rollout on a running clock nearly every frame moves the time: sent with the
    buttons, the Pause a learner presses could be swapped between press and release, and the
    click lost. Only the time is sent until the mode or speed changes; then the buttons are."""
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)

    async def conversation() -> list[str]:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=ORIGIN)
        assert (await socket.connect())[0]
        frames = []
        for name, act in (("first", None), ("second", None), ("third", lambda: clock.set_mode("default", "paused"))):
            wall.pass_(3)
            if act:
                await sync_to_async(act)()
            await sync_to_async(store.create)("default", pod(name, node="playground-worker"))
            frames.append(await socket.receive_from(timeout=5))
        await socket.disconnect()
        return frames

    first, second, paused = async_to_sync(conversation)()

    assert 'id="clock-controls"' in first  # the socket knew nothing of what the page drew
    assert 'id="clock-controls"' not in second and 'value="pause"' not in second
    assert '<span id="clock-time" class="time" title="simulated time" hx-swap-oob="true" data-mode="running"' in second
    assert '<span id="clock-controls" class="clock-controls" hx-swap-oob="true">' in paused
    assert '<span class="clock-mode">paused</span>' in paused and 'value="step"' in paused


@pytest.mark.django_db(transaction=True)
def test_a_commit_of_nothing_drawn_reads_the_clock_only_once_a_renewal_of_its_hold_is_due(wall, monkeypatch):
    """Every node's heartbeat commits (a Lease, every 10 s on each node of each cluster) and the
    cluster page draws none of it: a running clock's hold moves unannounced only by its
    manager's renewal, so the socket looks at the clock for such a commit only once one is due."""
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)
    reads: list[int] = []
    read_clock = consumers.LiveConsumer.read_clock
    monkeypatch.setattr(consumers.LiveConsumer, "read_clock", lambda self: reads.append(1) or read_clock(self))
    told: list[asyncio.Event] = []
    cluster_changed = consumers.LiveConsumer.cluster_changed

    async def telling(self, event: dict) -> None:
        await cluster_changed(self, event)
        told[0].set()

    monkeypatch.setattr(consumers.LiveConsumer, "cluster_changed", telling)

    async def heartbeat(seconds: float, name: str) -> None:
        """A commit of nothing drawn (a ConfigMap, as a Lease), told to the socket by itself."""
        told[:] = [asyncio.Event()]
        wall.pass_(seconds)
        await sync_to_async(store.apply)("default", config_map(f"heartbeat-{name}"))
        await asyncio.wait_for(told[0].wait(), timeout=30)

    async def conversation() -> tuple[int, list[str], int, str]:
        assert (await socket.connect())[0]
        connected = len(reads)
        await heartbeat(5, "early")  # the renewal is due 15 s after the anchor
        await sync_to_async(store.create)("default", pod("early", node="playground-worker"))
        frames = [await socket.receive_from(timeout=30)]
        while 'id="pod/default/early"' not in frames[-1]:
            frames.append(await socket.receive_from(timeout=30))
        read_early = len(reads) - connected
        await heartbeat(15, "due")
        due = await socket.receive_from(timeout=30)
        await socket.disconnect()
        return read_early, frames, len(reads) - connected, due

    socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=ORIGIN)
    read_early, early, read_in_all, due = async_to_sync(conversation)()

    assert read_early == 0 and len(early) == 1  # the heartbeat alone: nothing read, nothing sent
    assert read_in_all == 1  # once due, the heartbeat alone reads the clock, and its time is sent
    assert 'id="clock-time"' in due and 'id="pod/' not in due


@pytest.mark.django_db(transaction=True)
def test_a_pod_drawn_on_a_running_clock_reads_the_clock_only_once_a_renewal_of_its_hold_is_due(wall, monkeypatch):
    """A rollout's every write draws a frame, and a running clock moves unannounced only by its
    manager's renewal: until one is due, the frame draws with the clock the socket knows."""
    create_demo_cluster("default")
    clock.set_mode("default", "running", speed=1.0)
    reads: list[str] = []

    class CountingClock:
        def __getattr__(self, name: str):
            return getattr(clock, name)

        def read(self, cluster: str) -> clock.ClockState:
            reads.append(cluster)
            return clock.read(cluster)

    monkeypatch.setattr(views, "cluster_clock", CountingClock())
    monkeypatch.setattr(consumers, "cluster_clock", CountingClock())

    async def shown(name: str) -> str:
        await sync_to_async(store.create)("default", pod(name, node="playground-worker"))
        frame = await socket.receive_from(timeout=30)
        while f'id="pod/default/{name}"' not in frame:
            frame = await socket.receive_from(timeout=30)
        return frame

    async def conversation() -> tuple[int, int, str]:
        assert (await socket.connect())[0]
        connected = len(reads)
        wall.pass_(5)  # the renewal is due 15 s after the anchor
        await shown("early")
        early = len(reads) - connected
        wall.pass_(15)
        due = await shown("due")
        await socket.disconnect()
        return early, len(reads) - connected - early, due

    socket = WebsocketCommunicator(application, "/ws/clusters/default/", headers=ORIGIN)
    early, read_when_due, due = async_to_sync(conversation)()

    assert early == 0  # drawn with the clock the socket read on connecting
    assert read_when_due >= 1 and 'id="clock-time"' in due  # once due, read again, and its time sent
