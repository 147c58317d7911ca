"""A commit made by another process (a `runcontrollers` worker, another web process) reaches this
process's open API watches and pages at once on PostgreSQL: its NOTIFY is heard by the process's
one listener (store/notify.py), not found by a look seconds later. The looks are put an hour
apart here, so only the notification can deliver it; no test waits on real time for it."""
from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.http import QueryDict

from playground.apiserver import watch
from playground.asgi import application
from playground.store import api as store
from playground.store import changelog, notify
from playground.store.kinds import KINDS
from playground.web import consumers
from tests.factories import config_map, pod

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the listener and the streams read from other connections
    pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY is PostgreSQL's; SQLite is one process"),
]
ORIGIN = [(b"origin", b"http://127.0.0.1")]


@pytest.fixture(autouse=True)
def looks_an_hour_apart(monkeypatch):
    monkeypatch.setattr(notify, "FALLBACK_POLL_SECONDS", 3600.0)
    yield
    watch._open.clear()


@contextlib.contextmanager
def as_another_process():
    """Commits made meanwhile are another process's: this one's in-process signals are not
    sent to its watches and pages, and its listener takes the NOTIFY for someone else's."""
    from playground.apiserver.watch import wake
    from playground.web.apps import tell_pages

    receivers = [(tell_pages, "web.tell_pages"), (wake, "apiserver.watch.wake")]
    for _, uid in receivers:
        changelog.changes_committed.disconnect(dispatch_uid=uid)
    mine, notify.ORIGIN = notify.ORIGIN, "another-process"
    try:
        yield
    finally:
        notify.ORIGIN = mine
        for receiver, uid in receivers:
            changelog.changes_committed.connect(receiver, weak=False, dispatch_uid=uid)


def written_elsewhere(cluster: str, obj: dict[str, Any]) -> None:
    def write() -> None:
        try:
            with as_another_process():
                store.create(cluster, obj)
        finally:
            connection.close()

    thread = threading.Thread(target=write)  # a connection of its own, committed
    thread.start()
    thread.join(timeout=30)


def test_an_api_watch_hears_another_processs_commit(cluster):
    since = changelog.cluster_resource_version(cluster.name)
    started = watch.start(cluster.name, KINDS["ConfigMap"], "default", QueryDict(f"resourceVersion={since}"),
                          as_table=False, token=1)

    async def first_event() -> bytes:
        stream = watch.stream(started)
        try:
            assert await anext(stream) == b""  # the headers
            waiting = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(0)  # the stream is waiting, its listener subscribed
            while not notify.is_listening():
                await asyncio.sleep(0.01)
            await sync_to_async(written_elsewhere)(cluster.name, config_map("from-a-worker"))
            return await asyncio.wait_for(waiting, timeout=30)
        finally:
            await stream.aclose()

    assert b"from-a-worker" in asyncio.run(first_event())
    assert watch.heard not in notify._receivers  # the last watch gone, it listens no more


@pytest.mark.skipif("Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"],
                    reason="with REDIS_URL the writing process tells the pages itself (test_redis_channel_layer.py);"
                           " the look at other processes' commits is the in-memory layer's")
def test_an_open_page_hears_another_processs_commit(cluster):
    consumers._seen.clear()  # what earlier tests saw and announced: their versions were another database's
    consumers._announced.clear()
    shown = changelog.cluster_resource_version(cluster.name)

    async def watch_page() -> str:
        page = WebsocketCommunicator(application, f"/ws/clusters/{cluster.name}/?since={shown}", headers=ORIGIN)
        assert (await page.connect())[0]
        while not (notify.is_listening() and cluster.name in consumers._seen):  # the sockets' look has begun
            await asyncio.sleep(0.01)
        await sync_to_async(written_elsewhere)(cluster.name, pod("from-a-worker", node="playground-worker"))
        frame = await page.receive_from(timeout=30)
        await page.disconnect()
        return frame

    assert "from-a-worker" in async_to_sync(watch_page)()
