"""The live pages' sockets: each resumes from the resourceVersion the page shows, pushes the first
change at once and folds a burst into few frames, and sends only the tiles and nodes that changed."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.asgi import application
from playground.store import api as store
from playground.store import changelog
from playground.store.demo import create_demo_cluster
from playground.store import notify
from playground.web import cluster_frames, consumers, views
from tests.factories import config_map, deployment, pod, replica_set

ORIGIN = [(b"origin", b"http://127.0.0.1")]


def socket(query: str = "") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/clusters/default/{query}", headers=ORIGIN)


async def frames(communicator: WebsocketCommunicator, *, expected: int) -> list[str]:
    """The `expected` frames (each may take its time to render on a busy machine), and any
    more that come right after them."""
    received = [await communicator.receive_from(timeout=30) for _ in range(expected)]
    while not await communicator.receive_nothing(timeout=0.5):
        received.append(await communicator.receive_from())
    return received


def write_from_another_process(cluster: str, obj: dict[str, Any]) -> None:
    """Commit as `python manage.py apply` in a second terminal does: this process's pages are not
    told (its changes_committed receiver is off meanwhile), only the store changes."""
    from playground.store.changelog import changes_committed
    from playground.web.apps import tell_pages

    changes_committed.disconnect(dispatch_uid="web.tell_pages")
    try:
        store.create(cluster, obj)
    finally:
        changes_committed.connect(tell_pages, weak=False, dispatch_uid="web.tell_pages")


def ready(obj: dict[str, Any], *, is_ready: bool) -> dict[str, Any]:
    """The pod as a kubelet reports it: Running, its one container ready or not."""
    obj["status"] = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": str(is_ready)}],
        "containerStatuses": [
            {"name": "main", "ready": is_ready, "restartCount": 0, "image": "nginx:1.27", "imageID": "",
             "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
        ],
    }
    return obj


def test_the_page_carries_the_resource_version_it_shows(cluster, client):
    cluster.create(pod("web", node="playground-worker"))
    version = cluster.resource_version()

    page = client.get("/clusters/default/").content.decode()

    assert page.count('id="live-version"') == 1
    assert f'id="live-version" hidden data-resource-version="{version}"' in page
    assert "live.js" in page  # which puts it in the socket URL on every (re)connect


@pytest.mark.parametrize("page", [
    "/clusters/default/deployments/default/nginx/",
    "/clusters/default/replicasets/default/web/",
    "/clusters/default/configmaps/default/settings/",
    "/clusters/default/nodes/playground-worker/",
    "/clusters/default/events/",
    "/clusters/default/loop/?kind=Deployment&namespace=default&name=nginx",
])
def test_every_live_page_carries_the_resource_version_it_was_drawn_at(cluster, client, page):
    cluster.create(deployment("nginx", replicas=0))
    cluster.create(replica_set("web", replicas=0))
    cluster.create(config_map("settings"))
    version = cluster.resource_version()

    html = client.get(page).content.decode()

    assert html.count('id="live-version"') == 1
    assert f'id="live-version" hidden data-resource-version="{version}"' in html


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_missed_changes_gets_a_fresh_frame_at_once():
    create_demo_cluster("default")
    shown = changelog.cluster_resource_version("default")
    store.create("default", pod("arrived-while-away", node="playground-worker"))

    async def reconnect() -> list[str]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        received = await frames(communicator, expected=1)
        await communicator.disconnect()
        return received

    received = async_to_sync(reconnect)()

    assert len(received) == 1
    assert 'id="nodes"' in received[0] and "arrived-while-away" in received[0]


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_missed_nothing_gets_nothing_until_the_next_change():
    create_demo_cluster("default")
    store.create("default", ready(pod("web", node="playground-worker"), is_ready=True))
    shown = changelog.cluster_resource_version("default")

    async def reconnect() -> tuple[list[str], list[str]]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        on_connect = await frames(communicator, expected=0)
        current = await sync_to_async(store.get)("default", "Pod", "web", "default")
        await sync_to_async(store.update_status)("default", ready(current, is_ready=False))
        after_change = await frames(communicator, expected=1)
        await communicator.disconnect()
        return on_connect, after_change

    on_connect, after_change = async_to_sync(reconnect)()

    assert on_connect == []
    # The page knows the rest: only the changed tile comes, swapped by its id, with the new version
    [frame] = after_change
    assert frame.lstrip().startswith('<li class="pod running" id="pod/default/web"') and 'id="nodes"' not in frame
    assert f'data-resource-version="{changelog.cluster_resource_version("default")}"' in frame


@pytest.mark.django_db(transaction=True)
def test_a_socket_behind_the_compacted_change_log_gets_a_full_frame():
    create_demo_cluster("default")
    shown = changelog.cluster_resource_version("default")
    for n in range(3):
        store.create("default", config_map(f"settings-{n}"))
    changelog.compact("default", keep=1)

    async def reconnect() -> list[str]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        received = await frames(communicator, expected=1)
        await communicator.disconnect()
        return received

    received = async_to_sync(reconnect)()

    assert len(received) == 1 and 'id="nodes"' in received[0]


@pytest.mark.django_db(transaction=True)
def test_a_pod_arriving_on_a_node_redraws_that_node_only():
    create_demo_cluster("default")
    shown = changelog.cluster_resource_version("default")

    async def conversation() -> list[str]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        await frames(communicator, expected=0)
        await sync_to_async(store.create)("default", pod("newcomer", node="playground-worker2"))
        received = await frames(communicator, expected=1)
        await communicator.disconnect()
        return received

    [frame] = async_to_sync(conversation)()

    assert 'id="node/playground-worker2"' in frame and "newcomer" in frame
    assert 'id="nodes"' not in frame and 'id="node/playground-worker"' not in frame


@pytest.mark.django_db(transaction=True)
def test_a_deleted_pod_leaves_its_node_on_the_page():
    create_demo_cluster("default")
    store.create("default", pod("leaving", node="playground-worker"))
    shown = changelog.cluster_resource_version("default")

    async def conversation() -> list[str]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        await frames(communicator, expected=0)
        await sync_to_async(store.delete)("default", "Pod", "leaving", "default", grace_period_seconds=0)
        received = await frames(communicator, expected=1)
        await communicator.disconnect()
        return received

    [frame] = async_to_sync(conversation)()

    assert 'id="node/playground-worker"' in frame and "leaving" not in frame


LEASE = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
         "metadata": {"name": "playground-worker", "namespace": "default"},
         "spec": {"holderIdentity": "playground-worker", "leaseDurationSeconds": 40}}


@pytest.mark.django_db(transaction=True)
def test_a_lease_renewal_costs_the_cluster_page_nothing(monkeypatch):
    """A node's heartbeat (its Lease renewed, every 10 s on each node of each cluster) changes
    nothing the cluster page draws: its socket is not woken for it, no render, no frame."""
    create_demo_cluster("default")
    store.create("default", LEASE)
    shown = changelog.cluster_resource_version("default")
    renders: list[int] = []
    context = consumers.ClusterConsumer.context
    monkeypatch.setattr(consumers.ClusterConsumer, "context", lambda self, version=None: renders.append(1) or context(self, version))

    def renew() -> None:
        lease = store.get("default", "Lease", "playground-worker", "default")
        store.update("default", {**lease, "spec": {**lease["spec"], "renewTime": "2026-01-01T00:00:10.000000Z"}})

    async def conversation() -> tuple[list[str], int, list[str]]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        await frames(communicator, expected=0)
        before = len(renders)
        await sync_to_async(renew)()
        after_renewal = await frames(communicator, expected=0)
        rendered = len(renders) - before
        await sync_to_async(store.create)("default", pod("newcomer", node="playground-worker"))
        after_pod = await frames(communicator, expected=1)
        await communicator.disconnect()
        return after_renewal, rendered, after_pod

    after_renewal, rendered, after_pod = async_to_sync(conversation)()

    assert rendered == 0
    # at most the page's clock, read again (its time moves on a running clock), never the map
    assert all('id="clock-time"' in frame and 'id="node/' not in frame and 'id="nodes"' not in frame
               for frame in after_renewal)
    assert any("newcomer" in frame for frame in after_pod)  # a pod still comes at once


def create_pods(numbers: range) -> None:
    for n in numbers:
        store.create("default", pod(f"burst-{n:04d}"))


@pytest.mark.django_db(transaction=True)
def test_the_first_change_is_pushed_at_once_and_a_burst_waits_for_the_next_frame(monkeypatch):
    monkeypatch.setattr(consumers, "FRAME_SECONDS", 3600)  # the next frame never comes during the test
    create_demo_cluster("default")

    async def burst() -> tuple[list[str], list[str]]:
        communicator = socket()
        assert (await communicator.connect())[0]
        for first in range(0, 1_000, 100):  # a thousand commits, each told to the page
            await sync_to_async(create_pods)(range(first, first + 100))
        during = await frames(communicator, expected=1)
        await communicator.disconnect()
        # The page, reloaded or reconnected from what it shows, catches up in one frame
        shown = re.search(r'data-resource-version="(\d+)"', during[0]).group(1)
        again = socket(f"?since={shown}")
        assert (await again.connect())[0]
        after = await frames(again, expected=1)
        await again.disconnect()
        return during, after

    during, after = async_to_sync(burst)()

    # A thousand changes, one frame: the first change went out at once, without waiting for a
    # frame's time, and the rest are folded into the next one
    assert len(during) == 1 and "burst-0000" in during[0]
    assert len(after) == 1 and "burst-0999" in after[0] and after[0].count('class="pod pending"') == 1_000


@pytest.mark.django_db(transaction=True)
def test_only_the_sockets_of_the_cluster_written_to_are_told(monkeypatch):
    """A page of `default` open, a commit to another cluster: nothing is handed to the page's loop
    (a runcontrollers worker, with no socket at all, hands nothing over either)."""
    create_demo_cluster("default")
    create_demo_cluster("elsewhere")
    told: list[str] = []

    async def recording(cluster: str, message: dict[str, Any]) -> None:
        told.append(cluster)

    monkeypatch.setattr(consumers.SENDER, "tell", recording)

    async def conversation() -> None:
        page = socket()
        assert (await page.connect())[0]
        await sync_to_async(store.create)("elsewhere", config_map("settings"))
        await sync_to_async(store.create)("default", config_map("settings"))
        while "default" not in told:
            await asyncio.sleep(0.01)
        await page.disconnect()

    async_to_sync(conversation)()

    assert told == ["default"]
    assert not consumers.listening("default")


@pytest.mark.django_db(transaction=True)
def test_a_write_made_by_another_process_reaches_the_open_page(monkeypatch):
    """`python manage.py apply` in a second terminal commits in its own process: the in-memory
    layer never hears of it, so the page's process notices the store's resourceVersion move."""
    create_demo_cluster("default")
    monkeypatch.setattr(consumers, "OTHER_PROCESSES_POLL_SECONDS", 0.05)
    monkeypatch.setattr(notify, "FALLBACK_POLL_SECONDS", 0.05)  # PostgreSQL: the look that finds what no NOTIFY told

    def written_elsewhere() -> None:
        write_from_another_process("default", pod("from-another-terminal", node="playground-worker"))

    shown = changelog.cluster_resource_version("default")

    async def watch() -> list[str]:
        communicator = socket(f"?since={shown}")
        assert (await communicator.connect())[0]
        assert await communicator.receive_nothing(timeout=0.3)
        await sync_to_async(written_elsewhere)()
        received = await frames(communicator, expected=1)
        await communicator.disconnect()
        return received

    received = async_to_sync(watch)()

    assert any("from-another-terminal" in frame for frame in received)


@pytest.mark.django_db(transaction=True)
def test_a_write_made_by_another_process_wakes_the_pages_of_its_cluster_only(monkeypatch):
    """Pages of two clusters open; another process writes to one: only that cluster's pages are
    told (the poll reads each cluster's own resourceVersion)."""
    create_demo_cluster("default")
    create_demo_cluster("team-b")
    monkeypatch.setattr(consumers, "OTHER_PROCESSES_POLL_SECONDS", 0.05)
    monkeypatch.setattr(notify, "FALLBACK_POLL_SECONDS", 0.05)  # PostgreSQL: the look that finds what no NOTIFY told
    told: list[str] = []
    tell = consumers.tell

    async def recording(cluster: str, message: dict[str, Any]) -> None:
        told.append(cluster)
        await tell(cluster, message)

    monkeypatch.setattr(consumers, "tell", recording)

    def written_elsewhere() -> None:
        write_from_another_process("team-b", pod("from-another-terminal", node="playground-worker"))

    async def watch() -> list[str]:
        default_page = socket()
        team_b_page = WebsocketCommunicator(application, "/ws/clusters/team-b/", headers=ORIGIN)
        assert (await default_page.connect())[0] and (await team_b_page.connect())[0]
        await sync_to_async(written_elsewhere)()
        received = await frames(team_b_page, expected=1)
        await default_page.disconnect()
        await team_b_page.disconnect()
        return received

    received = async_to_sync(watch)()

    assert any("from-another-terminal" in frame for frame in received)
    assert "team-b" in told
    assert "default" not in told


@pytest.mark.django_db(transaction=True)
def test_a_frame_told_the_version_it_draws_does_not_ask_the_cluster_for_it(monkeypatch):
    """A socket told of a commit (its version, with the message) draws the cluster at that version
    from the log: no query for the cluster's version first (four round trips a frame, now two)."""
    create_demo_cluster("default")
    view = ("default", "")
    cluster_frames.shared_context(view, lambda version: views.cluster_context("default", version=version))
    written = store.create("default", pod("newcomer", node="playground-worker"))
    version = int(written["metadata"]["resourceVersion"])

    with CaptureQueriesContext(connection) as queries:
        context = cluster_frames.shared_context(view, lambda version: views.cluster_context("default", version=version),
                                           at_least=version)

    assert "newcomer" in str(context["picture"])
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT resource_version FROM store_cluster")]
