"""A process's sockets are told of commits through one Sender (web/sender.py): a burst of commits to
a cluster goes as one message, its newest, whichever order the writers' threads told them in."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from playground.web import sender as senders


class Sockets:
    """What the sockets were told, cluster by cluster."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def tell(self, cluster: str, message: dict[str, Any]) -> None:
        self.sent.append((cluster, message))


@pytest.fixture
def loop(monkeypatch):
    monkeypatch.setattr(senders, "LINGER_SECONDS", 0.0)  # no wall time: the loop is stepped until the sender is idle
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def told(sender: senders.Sender, loop: asyncio.AbstractEventLoop) -> None:
    async def idle() -> None:
        while not sender.idle.is_set():
            await asyncio.sleep(0)

    loop.run_until_complete(idle())


def changed(version: int) -> dict[str, Any]:
    return {"type": "cluster.changed", "resource_version": version}


def test_a_burst_of_commits_is_told_once_as_its_newest(loop):
    sockets = Sockets()
    sender = senders.Sender(sockets.tell)

    for version in (7, 9, 8):  # 8 committed before 9, told after it
        sender.send("a", changed(version), loop=loop)
    told(sender, loop)

    assert sockets.sent == [("a", changed(9))]


def test_a_burst_is_told_with_every_kind_its_commits_wrote(loop):
    """A Pod's commit and then a Lease renewal, told as one: the cluster page, which skips a Lease
    renewal, must still draw the Pod."""
    sockets = Sockets()
    sender = senders.Sender(sockets.tell)

    sender.send("a", {**changed(3), "kinds": ["Event", "Pod"]}, loop=loop)
    sender.send("a", {**changed(4), "kinds": ["Lease"]}, loop=loop)
    sender.send("b", {**changed(5), "kinds": ["Lease"]}, loop=loop)
    sender.send("b", changed(6), loop=loop)  # kinds unknown: anything may have changed
    told(sender, loop)

    assert sorted(sockets.sent, key=str) == [("a", {**changed(4), "kinds": ["Event", "Lease", "Pod"]}),
                                           ("b", changed(6))]


def test_each_cluster_and_each_kind_of_news_is_told(loop):
    sockets = Sockets()
    sender = senders.Sender(sockets.tell)

    sender.send("a", changed(3), loop=loop)
    sender.send("b", changed(4), loop=loop)
    sender.send("a", {"type": "clock.changed"}, loop=loop)
    told(sender, loop)

    assert sorted(sockets.sent, key=str) == sorted(
        [("a", changed(3)), ("b", changed(4)), ("a", {"type": "clock.changed"})], key=str)


def test_news_after_the_sender_went_idle_is_told_too(loop):
    sockets = Sockets()
    sender = senders.Sender(sockets.tell)
    sender.send("a", changed(3), loop=loop)
    told(sender, loop)

    sender.send("a", changed(5), loop=loop)
    told(sender, loop)

    assert sockets.sent == [("a", changed(3)), ("a", changed(5))]
