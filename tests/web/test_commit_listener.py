"""A runcontrollers worker hears, through Redis, of a commit made in a web process to a cluster it
holds, and leaves the clusters it lets go: the scale-out mode's controllers answer an attendee's write at once, not at
their one-second look. Skipped when no Redis answers (.ci/run has one and requires it)."""
from __future__ import annotations

import asyncio
import secrets
import threading

import pytest

from tests.factories import config_map
from tests.web.test_redis_channel_layer import pytestmark, redis_layer  # noqa: F401  (the fixture and the skip)

TOLD_SECONDS = 10  # how long a commit may take to arrive through Redis before the test fails


@pytest.fixture
def two_clusters(redis_layer):  # noqa: F811
    from playground.store import api as store
    from playground.store import clusters

    names = [f"listen-{secrets.token_hex(4)}" for _ in range(2)]  # the test's Redis is shared: names of its own
    for name in names:
        clusters.create(name)
        store.create(name, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return names


class Worker:
    """What the listener sees of a manager: the clusters it holds, and its wake-up."""

    def __init__(self, held: set[str]) -> None:
        self.held = held
        self.woken = threading.Event()

    def listen(self):
        from playground.web.commit_listener import start_listening

        listener = start_listening(held=lambda: frozenset(self.held), wake=self.woken.set)
        assert listener is not None and listener.ready.wait(TOLD_SECONDS)
        return listener

    def hears(self, cluster: str, listener) -> bool:
        from playground.store import api as store

        self.woken.clear()
        store.create(cluster, config_map(f"c-{secrets.token_hex(3)}"))
        return self.woken.wait(TOLD_SECONDS)


@pytest.mark.django_db(transaction=True)  # the pages (and the worker) are told after the commit
def test_a_worker_is_woken_by_a_commit_to_a_cluster_it_holds(two_clusters):
    held, other = two_clusters
    worker = Worker({held})
    listener = worker.listen()
    try:
        assert worker.hears(held, listener)
    finally:
        listener.stop()


@pytest.mark.django_db(transaction=True)
def test_a_worker_follows_its_leases(two_clusters):
    first, second = two_clusters
    worker = Worker({first})
    listener = worker.listen()
    try:
        worker.held = {second}  # the first cluster lost, the second taken
        asyncio.run_coroutine_threadsafe(listener.join(set(worker.held), again=False), listener.loop).result()

        assert worker.hears(second, listener)
        assert listener.joined == {second}
    finally:
        listener.stop()
