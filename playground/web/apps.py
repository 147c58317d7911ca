"""The web app: wires the store's commits to the live pages.

store commit (any thread of this process) → changes_committed → tell_pages → the channel layer
group of the cluster → its sockets (consumers.py). A writer hands its message over and goes on;
the commits that come while messages are being sent go as one per cluster, its newest (a page
draws the cluster as of the newest version it is told of). With the in-memory layer (the
embedded mode) a cluster no socket of this process shows costs nothing: that layer reaches no
other process, so nothing is sent. With Redis (scale-out) every batch is published, since pages
may be open in other web processes and this one cannot know.
"""
from __future__ import annotations

import asyncio
import atexit
import logging
import threading
from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import connections

log = logging.getLogger(__name__)


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
    """Every committed batch reaches the open pages of its cluster (any process, via the layer),
    with the kinds it wrote: a page that draws none of them need not look (consumers.py)."""
    from .consumers import note_announced

    note_announced(cluster, resource_version)
    # The cluster's name too: the room view listens to many clusters' groups on one socket
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
    from asgiref.sync import async_to_sync
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    from .consumers import group_name, listening, sockets_loop

    layer = get_channel_layer()
    if layer is None or (isinstance(layer, InMemoryChannelLayer) and not listening(cluster)):
        return
    group = group_name(cluster)
    loop = sockets_loop()
    if loop is not None:
        # Sent by the sockets' own loop: the in-memory layer's queues are only touched from it
        SENDER.send(layer, group, message, loop=loop)
    elif isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
    else:
        SENDER.send(layer, group, message)


class Sender:
    """What this process tells the pages, sent by a loop while the writer goes on: the sockets'
    own loop, or, in a process with no socket (a runcontrollers worker, `manage.py apply`), one
    on a thread of its own, whose Redis connections last from one commit to the next
    (async_to_sync makes a loop, and so a connection, per send: 20 ms a commit). A burst of
    commits goes as one message per cluster, its newest, and wakes the loop once: the first
    commit after a quiet moment is sent at once, the ones that follow within LINGER_SECONDS of a
    send wait for the loop's next look. Each wake-up from a writer is a write to the loop's
    self-pipe and the GIL handed to the loop, while the controllers wait for the same GIL: 15–17%
    of the controller manager's samples, with 100 clusters' pages open, when every commit woke it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}  # (group, type) → (layer, message)
        self.idle = threading.Event()
        self.idle.set()
        self.sending_on: asyncio.AbstractEventLoop | None = None  # the loop a drain is scheduled on
        self.loop: asyncio.AbstractEventLoop | None = None  # its own

    def send(self, layer: Any, group: str, message: dict[str, Any], *,
             loop: asyncio.AbstractEventLoop | None = None) -> None:
        with self.lock:
            key = (group, message["type"])
            self.pending[key] = (layer, newest(self.pending.get(key, (None, None))[1], message))
            if self.sending_on is not None and self.sending_on.is_running():
                return  # a drain is scheduled or under way: it takes this one too
            self.idle.clear()
            self.sending_on = sending_on = loop or self.own_loop()
        asyncio.run_coroutine_threadsafe(self.drain(), sending_on)

    def own_loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            threading.Thread(target=self.loop.run_forever, name="page-sender", daemon=True).start()
            atexit.register(self.finish)
        return self.loop

    async def drain(self) -> None:
        while True:
            with self.lock:
                batch, self.pending = self.pending, {}
                if not batch:
                    self.sending_on = None
                    self.idle.set()
                    return
            for (group, _), (layer, message) in batch.items():
                try:
                    await layer.group_send(group, message)
                except Exception:  # a page misses a frame (it catches up on the next); the writer goes on
                    log.exception("telling the pages of %s failed", group)
            # What comes meanwhile goes with the next batch: the loop wakes on its own timer, once
            # per LINGER_SECONDS of a burst, not the writer's wake-up once a commit
            await asyncio.sleep(LINGER_SECONDS)

    def finish(self) -> None:
        """At exit: a command that ends right after its write has still told the pages."""
        self.idle.wait(timeout=SEND_SECONDS)


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


SEND_SECONDS = 5.0  # how long a process that ends waits for what it has still to send
LINGER_SECONDS = 0.01  # after a send, how long the sender stays awake for more (a page draws at most 10 frames a second)
SENDER = Sender()
