"""The room view's socket: an attendee's card is redrawn when their cluster changes, the grid
when someone joins; only an instructor's socket opens."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from playground.asgi import application
from playground.lessons.models import LessonProgress
from playground.web.room_news import tell_room_of
from playground.workshops.models import Attendee
from playground.store import api as store
from playground.store import changelog, clock, leases
from tests.factories import pod

from .conftest import join

ORIGIN = [(b"origin", b"http://127.0.0.1")]
pytestmark = pytest.mark.django_db(transaction=True)  # the socket reads the session in a thread of its own


def room_socket(browser: Client, workshop) -> WebsocketCommunicator:
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode() if "sessionid" in browser.cookies else b""
    return WebsocketCommunicator(application, f"/ws/workshops/{workshop.name}/room/", headers=[*ORIGIN, (b"cookie", cookie)])


def frame_after(browser: Client, workshop, write) -> str:
    async def conversation() -> str:
        socket = room_socket(browser, workshop)
        assert (await socket.connect(timeout=5))[0]
        await sync_to_async(write)()
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    return async_to_sync(conversation)()


def test_a_pod_made_in_an_attendees_cluster_redraws_their_card_only(workshop, ana, bo, instructor):
    frame = frame_after(instructor, workshop, lambda: store.apply(ana.cluster, pod("web")))

    assert 'aria-label="attendee Ana"' in frame and 'hx-swap-oob="true"' in frame
    assert "1 pending" in frame
    assert 'aria-label="attendee Bo"' not in frame


def test_someone_joining_redraws_the_grid(workshop, ana, instructor):
    frame = frame_after(instructor, workshop, lambda: join(workshop, "Cy"))

    assert 'id="room-grid"' in frame
    assert 'aria-label="attendee Ana"' in frame and 'aria-label="attendee Cy"' in frame


def test_only_an_instructors_socket_opens(workshop, ana):
    async def opens(browser: Client) -> bool:
        socket = room_socket(browser, workshop)
        connected, _ = await socket.connect(timeout=5)
        await socket.disconnect()
        return connected

    assert not async_to_sync(opens)(ana)
    assert not async_to_sync(opens)(Client())


def test_an_attendee_starting_a_lesson_redraws_the_grid_with_its_cluster_followed(workshop, ana, instructor):
    frame = frame_after(instructor, workshop, lambda: ana.post("/lessons/04-pods/start/"))

    assert 'id="room-grid"' in frame
    card = frame.split('aria-label="attendee Ana"')[1]
    assert "The pod and its pause container" in card and 'href="/clusters/learn-' in card


def lesson_cluster_of(browser: Client, lesson: str) -> str:
    response = browser.post(f"/lessons/{lesson}/start/")
    assert response.status_code == 302
    return LessonProgress.objects.get(lesson=lesson, learner=browser.session["learner"]).cluster


def test_the_card_shows_the_lessons_cluster_the_attendee_works_in(workshop, ana, bo, instructor):
    mine = lesson_cluster_of(ana, "04-pods")

    frame = frame_after(instructor, workshop, lambda: store.apply(mine, pod("web")))

    assert 'aria-label="attendee Ana"' in frame
    assert "lesson: The pod and its pause container" in frame and "1 pending" in frame
    assert f'href="/clusters/{mine}/"' in frame  # Open and Project lead there too


def test_the_card_follows_the_attendees_own_writes_not_their_controllers_nor_the_instructors_looking(workshop, ana, instructor):
    lesson = lesson_cluster_of(ana, "04-pods")
    store.apply(lesson, pod("web"))
    # The lesson's controllers go on writing there (a worker's, under its lease's fence) until
    # that cluster counts more resourceVersions than the attendee's own will
    epoch = leases.acquire(lesson, None, identity="worker-1", duration=60.0, now=clock.wall_now())
    running = store.get(lesson, "Pod", "web", "default")
    with leases.holding(lesson, "worker-1", epoch):
        while changelog.cluster_resource_version(lesson) <= changelog.cluster_resource_version(ana.cluster) + 1:
            running = store.update_status(lesson, {**running, "status": {"phase": "Pending", "message": running["metadata"]["resourceVersion"]}})
    assert instructor.get(f"/clusters/{lesson}/").status_code == 200  # the instructor looks in: not a write

    frame = frame_after(instructor, workshop, lambda: store.apply(ana.cluster, pod("back-home")))

    card = frame.split('aria-label="attendee Ana"')[1]
    assert "their cluster" in card and f'href="/clusters/{ana.cluster}/"' in card


def test_a_step_recorded_done_redraws_the_attendees_card(workshop, ana, instructor):
    mine = lesson_cluster_of(ana, "04-pods")
    row = LessonProgress.objects.get(cluster=mine)

    def step_done() -> None:
        row.done_steps = [1]
        row.save(update_fields=["done_steps"])
        tell_room_of(workshop.name, Attendee.objects.get(name="Ana").pk)

    frame = frame_after(instructor, workshop, step_done)

    assert 'aria-label="attendee Ana"' in frame and "1/3" in frame
