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
    return WebsocketCommunicator(application, f"/ws/workshops/{workshop.name}/stage/", headers=[ORIGIN, cookie_of(client)])


def test_an_attendees_open_page_gets_the_presenter_link_when_presenting_starts_and_loses_it_when_it_stops(workshop, instructor):
    ana = join(workshop, "Ana")
    assert "Presenter's cluster" not in ana.get(f"/clusters/{ana.cluster}/").content.decode()
    assert f'ws-connect="/ws/workshops/{workshop.name}/stage/"' in ana.get(f"/clusters/{ana.cluster}/").content.decode()

    async def frames() -> list[str]:
        page = stage(workshop, ana)
        assert (await page.connect())[0]
        await sync_to_async(instructor.post)(f"/workshops/{workshop.name}/presenter/")
        started = await page.receive_from(timeout=30)
        await sync_to_async(instructor.post)(f"/workshops/{workshop.name}/stop-presenter/")
        stopped = await page.receive_from(timeout=30)
        await page.disconnect()
        return [started, stopped]

    started, stopped = async_to_sync(frames)()
    assert 'id="presenter-link" hx-swap-oob="true"' in started and "Presenter's cluster" in started
    assert "Presenter's cluster" not in stopped
    workshop.refresh_from_db()
    assert workshop.presenter == ""


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
