"""The web app: wires the store's commits to the live pages.

store commit (any thread of this process) → changes_committed → tell_pages → the sockets of this
process that show the cluster (consumers.py). A writer hands its message over and goes on; the
commits that come while messages are being told go as one per cluster, its newest (a page draws
the cluster as of the newest version it is told of). A cluster no socket of this process shows
costs nothing. The pages of other processes hear the commit from the store itself
(store/notify.py, consumers.heard, which hands it to the same Sender): a runcontrollers worker,
which has no socket, sends nothing. Publishing every batch through the channel layer (Redis) as
well cost each worker a tenth of its CPU.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections


class WebConfig(AppConfig):
    name = "playground.web"
    label = "web"

    def ready(self) -> None:
        from playground.store.changelog import changes_committed
        from playground.store.clock import clock_changed

        changes_committed.connect(tell_pages, weak=False, dispatch_uid="web.tell_pages")
        clock_changed.connect(tell_pages_of_clock, weak=False, dispatch_uid="web.tell_pages_of_clock")
        request_finished.connect(close_request_thread_connections, dispatch_uid="web.close_request_connections")


def close_request_thread_connections(**_: object) -> None:
    """Close the database connections of an ASGI request's own thread as the request ends.

    Django serves each ASGI request on a thread of its own (asgiref's ThreadSensitiveContext),
    which ends with the request: a persistent connection (CONN_MAX_AGE, set for PostgreSQL) is
    never used again there, and was left open until garbage collection — sessions piling up on
    the server ("N other sessions are using the database" at a test run's end). Django's docs
    advise against persistent connections under ASGI for this reason. Only off the main thread:
    a WSGI test client's request runs on the test's thread, inside its transaction."""
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


def tell_pages(*, cluster: str, resource_version: int, kinds: frozenset[str] | None = None, **_: object) -> None:
    """Every committed batch reaches the open pages of its cluster in this process (the other
    processes' hear it from the store: consumers.heard), with the kinds it wrote: a page that
    draws none of them need not look (consumers.py)."""
    from .consumers import note_announced

    note_announced(cluster, resource_version)
    # The cluster's name too: the room view listens to many clusters on one socket
    message = {"type": "cluster.changed", "resource_version": resource_version, "cluster": cluster}
    if kinds is not None:
        message["kinds"] = sorted(kinds)
    send_to_pages(cluster, message)


def tell_pages_of_clock(*, cluster: str, state: Any, **_: object) -> None:
    """A clock set (Pause, a speed, Instant, a jump of time) reaches every open page of its
    cluster, which swaps in its clock: a clock writes nothing to the change log."""
    from .consumers import note_clock_announced

    note_clock_announced(cluster, state.anchor)
    send_to_pages(cluster, {"type": "clock.changed"})


def send_to_pages(cluster: str, message: dict[str, Any]) -> None:
    """To this process's sockets of the cluster, if it has any (consumers.py)."""
    from .consumers import listening, sockets_loop

    loop = sockets_loop()
    if loop is not None and listening(cluster):
        SENDER.send(cluster, message, loop=loop)


Tell = Callable[[str, dict[str, Any]], Awaitable[None]]


class Sender:
    """What this process tells its sockets, handed to their loop while the writer goes on. A
    burst of commits goes as one message per cluster, its newest, and wakes the loop once: the
    first commit after a quiet moment is told at once, the ones that follow within LINGER_SECONDS
    of a telling wait for the loop's next look. Each wake-up from a writer is a write to the
    loop's self-pipe and the GIL handed to the loop, while the controllers wait for the same GIL:
    15–17% of the controller manager's samples, with 100 clusters' pages open, when every commit
    woke it."""

    def __init__(self, tell: Tell) -> None:
        self.tell = tell
        self.lock = threading.Lock()
        self.pending: dict[tuple[str, str], dict[str, Any]] = {}  # (cluster, type) → message
        self.idle = threading.Event()
        self.idle.set()
        self.sending_on: asyncio.AbstractEventLoop | None = None  # the loop a drain is scheduled on

    def send(self, cluster: str, message: dict[str, Any], *, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            key = (cluster, message["type"])
            self.pending[key] = newest(self.pending.get(key), message)
            if self.sending_on is not None and self.sending_on.is_running():
                return  # a drain is scheduled or under way: it takes this one too
            self.idle.clear()
            self.sending_on = loop
        asyncio.run_coroutine_threadsafe(self.drain(), loop)

    async def drain(self) -> None:
        while True:
            with self.lock:
                batch, self.pending = self.pending, {}
                if not batch:
                    self.sending_on = None
                    self.idle.set()
                    return
            for (cluster, _), message in batch.items():
                await self.tell(cluster, message)
            # What comes meanwhile goes with the next batch: the loop wakes on its own timer, once
            # per LINGER_SECONDS of a burst, not the writer's wake-up once a commit
            await asyncio.sleep(LINGER_SECONDS)


def newest(sent: dict[str, Any] | None, message: dict[str, Any]) -> dict[str, Any]:
    """Of two messages of a kind to one group, the one to send: the higher resourceVersion (two
    threads' commits may be told out of order; a page asked to draw an older one would lack the
    newer), with the kinds both wrote (a Pod's commit folded into a Lease renewal's is still a
    change the cluster page draws); without kinds if either came without (anything changed)."""
    if sent is None:
        return message
    newer, older = (message, sent) if int(message.get("resource_version") or 0) >= int(sent.get("resource_version") or 0) \
        else (sent, message)
    if "kinds" not in newer:
        return newer
    folded = {key: value for key, value in newer.items() if key != "kinds"}
    if "kinds" in older:
        folded["kinds"] = sorted({*newer["kinds"], *older["kinds"]})
    return folded


async def tell_sockets(cluster: str, message: dict[str, Any]) -> None:
    from .consumers import tell

    await tell(cluster, message)


LINGER_SECONDS = 0.01  # after a telling, how long the sender stays awake for more (a page draws at most 10 frames a second)
SENDER = Sender(tell_sockets)
