"""Other processes' commits reach the controller workers at once on PostgreSQL (issue 18): the
store's commit sends a NOTIFY that only a committed transaction delivers; a worker LISTENs."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from playground.store import api as store
from playground.store import clusters, notify
from playground.store.demo import create_demo_cluster
from tests.factories import config_map, pod

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY is PostgreSQL's; SQLite is one process"),
]


@pytest.fixture
def listener():
    """A listening thread, as a worker's manager runs one; what it was told, and a wake-up per notification."""
    told: list[notify.Told] = []
    arrived, stopping, listening = threading.Event(), threading.Event(), threading.Event()

    def on_notify(news: notify.Told) -> None:
        told.append(news)
        arrived.set()

    thread = threading.Thread(target=notify.listen, args=(on_notify, stopping), kwargs={"listening": listening, "own": True})
    thread.start()
    assert listening.wait(30)
    yield told, arrived
    stopping.set()
    thread.join()


def test_a_commit_in_a_cluster_is_told_to_the_workers(listener):
    told, arrived = listener
    clusters.create("room-1")
    create_demo_cluster("room-2")  # its objects, written through the store

    while "room-2" not in {news.cluster for news in told}:  # told on commit, by another connection: wait for it (bounded)
        assert arrived.wait(30), f"told only of {told}"
        arrived.clear()


def test_a_commit_is_told_with_the_version_it_reached_and_the_kinds_it_wrote(listener):
    """What a web process's pages need to know of another process's commit, without a query:
    how far to draw, and whether it wrote anything they draw (a Lease renewal alone is not)."""
    told, arrived = listener
    create_demo_cluster("room-3")
    with store.batch("room-3") as batch:
        batch.create(config_map("settings"))
        batch.create(pod("web-1"))
    version = int(store.get("room-3", "Pod", "web-1", "default")["metadata"]["resourceVersion"])

    while notify.Told("room-3", version, frozenset({"ConfigMap", "Pod"})) not in told:
        assert arrived.wait(30), f"told only of {told[-3:]}"
        arrived.clear()
