"""Other processes' commits reach the controller workers at once on PostgreSQL (issue 18): the
store's commit sends a NOTIFY that only a committed transaction delivers; a worker LISTENs."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from playground.store import clusters, notify
from playground.store.demo import create_demo_cluster

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY is PostgreSQL's; SQLite is one process"),
]


@pytest.fixture
def listener():
    """A listening thread, as a worker's manager runs one; what it was told, and a wake-up per notification."""
    told: list[str] = []
    arrived, stopping, listening = threading.Event(), threading.Event(), threading.Event()

    def on_notify(cluster: str) -> None:
        told.append(cluster)
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

    while "room-2" not in told:  # told on commit, by another connection: wait for it (bounded)
        assert arrived.wait(30), f"told only of {told}"
        arrived.clear()
