"""The stage: the presenter link reaches the open pages of the room's attendees when the
instructor starts or stops presenting, and the projector page (any browser signed in as an
instructor) follows the cluster the instructor sends to it, through the server."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import clusters
from playground.workshops.models import Workshop

from .conftest import join

pytestmark = pytest.mark.django_db(transaction=True)  # the sockets read from other threads
ORIGIN = (b"origin", b"http://127.0.0.1")


def cookie_of(client) -> tuple[bytes, bytes]:  # noqa: ANN001 - a test Client
    return b"cookie", "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()).encode()


def stage(workshop: Workshop, client) -> WebsocketCommunicator:  # noqa: ANN001
    return socket(f"/ws/workshops/{workshop.name}/stage/", client)


def socket(path: str, client) -> WebsocketCommunicator:  # noqa: ANN001
    return WebsocketCommunicator(application, path, headers=[ORIGIN, cookie_of(client)])


def presenter_link_frames(page: WebsocketCommunicator, instructor, workshop: Workshop) -> list[str]:  # noqa: ANN001
    """What the open page is sent when the instructor starts presenting, then stops."""

    async def frames() -> list[str]:
        assert (await page.connect())[0]
        await sync_to_async(instructor.post)(f"/workshops/{workshop.name}/presenter/")
        started = await page.receive_from(timeout=30)
        await sync_to_async(instructor.post)(f"/workshops/{workshop.name}/stop-presenter/")
        stopped = await page.receive_from(timeout=30)
        await page.disconnect()
        return [started, stopped]

    return async_to_sync(frames)()


def test_an_attendees_page_gets_the_presenter_link_over_its_own_socket_when_presenting_starts_and_loses_it_when_it_stops(
        workshop, instructor):
    ana = join(workshop, "Ana")
    page = ana.get(f"/clusters/{ana.cluster}/").content.decode()
    assert "Presenter's cluster" not in page
    # One socket a page, for a room of 200: the cluster page's own brings the stage too
    assert "/stage/" not in page and f'ws-connect="/ws/clusters/{ana.cluster}/"' in page

    started, stopped = presenter_link_frames(socket(f"/ws/clusters/{ana.cluster}/", ana), instructor, workshop)

    assert 'id="presenter-link" hx-swap-oob="true"' in started and "Presenter's cluster" in started
    assert 'id="presenter-link" hx-swap-oob="true"' in stopped and "Presenter's cluster" not in stopped
    workshop.refresh_from_db()
    assert workshop.presenter == ""


def test_an_attendees_page_with_no_live_part_opens_the_stage_for_the_presenter_link(workshop, instructor):
    ana = join(workshop, "Ana")
    page = ana.get("/lessons/").content.decode()
    assert f'ws-connect="/ws/workshops/{workshop.name}/stage/"' in page

    started, stopped = presenter_link_frames(stage(workshop, ana), instructor, workshop)

    assert 'id="presenter-link" hx-swap-oob="true"' in started and "Presenter's cluster" in started
    assert "Presenter's cluster" not in stopped


def test_an_embedded_page_opens_no_socket_for_a_header_it_does_not_show(workshop):
    ana = join(workshop, "Ana")

    page = ana.get(f"/clusters/{ana.cluster}/new/?embed=1").content.decode()  # the console's editor

    assert 'class="attendee-seat"' in page and "/stage/" not in page


def test_the_projector_page_follows_what_the_instructor_sends(workshop, instructor):
    ana, bo = join(workshop, "Ana"), join(workshop, "Bo")
    assert "nothing is projected" in instructor.get(f"/workshops/{workshop.name}/projector/").content.decode()

    async def frames() -> list[str]:
        projector = stage(workshop, instructor)
        assert (await projector.connect())[0]
        shown = []
        for cluster in (ana.cluster, bo.cluster):
            sent = await sync_to_async(instructor.post)(f"/workshops/{workshop.name}/project/", {"cluster": cluster, "back": "room"})
            assert sent["Location"] == f"/workshops/{workshop.name}/room/"
            shown.append(await projector.receive_from(timeout=30))
        await projector.disconnect()
        return shown

    ana_shown, bo_shown = async_to_sync(frames)()
    assert "Ana&#x27;s cluster" in ana_shown and f'src="/clusters/{ana.cluster}/?projector=1&amp;embed=1"' in ana_shown
    assert "Bo&#x27;s cluster" in bo_shown and bo.cluster in bo_shown
    page = instructor.get(f"/workshops/{workshop.name}/projector/").content.decode()
    assert f"/clusters/{bo.cluster}/?projector=1" in page  # a projector opened later shows it too


def test_only_the_workshops_clusters_can_be_projected_and_only_by_an_instructor(workshop, instructor):
    ana = join(workshop, "Ana")
    clusters.create("elsewhere")

    assert instructor.post(f"/workshops/{workshop.name}/project/", {"cluster": "elsewhere"}).status_code == 409
    assert ana.post(f"/workshops/{workshop.name}/project/", {"cluster": ana.cluster}).status_code == 403
    assert Workshop.objects.get(pk=workshop.pk).projected == ""
    assert ana.get(f"/workshops/{workshop.name}/projector/").status_code in (302, 403)

    async def refused() -> bool:
        stranger = WebsocketCommunicator(application, f"/ws/workshops/{workshop.name}/stage/", headers=[ORIGIN])
        connected, _ = await stranger.connect()
        return not connected

    assert async_to_sync(refused)()
