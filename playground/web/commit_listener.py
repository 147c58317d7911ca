"""A controller worker's ear on the other processes' commits (the scale-out mode, over Redis).

web process commit → tell_pages (apps.py) → Redis group of the cluster → here → the worker's
manager wakes → its turn syncs the cluster's informers and reconciles. Without it a worker learns
of a write made in a web process (an attendee's apply in the console, a form, the real kubectl)
only at its one-second look at every cluster's resourceVersion: up to a second between the write
and the first controller's answer, half a second on average, on every command of every attendee.

The pages' groups already carry every commit of every process (one message per committed batch),
so the worker joins the groups of the clusters it holds, as a page's socket joins its cluster's,
and follows its leases: a cluster taken is joined within a refresh, one lost is left. A message
lost or late costs what it cost before, the look a second later (DESIGN.md: a lost notification
costs latency, never correctness).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection
from typing import Any

from .consumers import group_name

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.5  # how soon a cluster the worker has just taken is listened to
STOP_SECONDS = 5.0
REJOIN_SECONDS = 3600.0  # channels-redis forgets a group member after a day (group_expiry): joined again well before


def start_listening(*, held: Callable[[], Collection[str]], wake: Callable[[], None]) -> CommitListener | None:
    """A listener on a layer of its own when the channel layer reaches other processes; None with
    the in-memory layer (one process: the store's signal already wakes the manager)."""
    from channels.layers import DEFAULT_CHANNEL_LAYER, InMemoryChannelLayer, channel_layers

    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)  # receive() keeps to one loop: not the pages' layer
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return None
    listener = CommitListener(layer, held=held, wake=wake)
    listener.start()
    return listener


class CommitListener:
    def __init__(self, layer: Any, *, held: Callable[[], Collection[str]], wake: Callable[[], None]) -> None:
        self.layer, self.held, self.wake = layer, held, wake
        self.joined: set[str] = set()
        self.channel = ""
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.loop.run_forever, name="commit-listener", daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.listen(), self.loop)

    def stop(self) -> None:
        """The groups left and Redis let go, then the loop ended: no message for a worker that has stopped."""
        try:
            asyncio.run_coroutine_threadsafe(self.leave(), self.loop).result(timeout=STOP_SECONDS)
        except Exception:  # Redis away: the groups forget the channel at their expiry
            log.exception("leaving the clusters' groups failed")
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self.thread is not None:
            self.thread.join(timeout=STOP_SECONDS)
        self.loop.close()

    async def leave(self) -> None:
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()
        await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}), return_exceptions=True)
        await self.join(set(), again=False)
        await self.layer.close_pools()

    async def listen(self) -> None:
        self.channel = await self.layer.new_channel("controllers.")
        self.loop.create_task(self.follow_leases())
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:  # Redis away a moment: the manager's one-second look carries on meanwhile
                log.exception("listening for other processes' commits failed")
                await asyncio.sleep(REFRESH_SECONDS)
                continue
            if message.get("cluster") in self.joined:
                self.wake()

    async def follow_leases(self) -> None:
        since_rejoin = 0.0
        while True:
            try:
                await self.join(set(self.held()), again=since_rejoin >= REJOIN_SECONDS)
                since_rejoin = 0.0 if since_rejoin >= REJOIN_SECONDS else since_rejoin + REFRESH_SECONDS
            except Exception:
                log.exception("following the held clusters' groups failed")
            self.ready.set()
            await asyncio.sleep(REFRESH_SECONDS)

    async def join(self, wanted: set[str], *, again: bool) -> None:
        """The groups of the clusters held now joined, those of the clusters let go left."""
        for cluster in (wanted if again else wanted - self.joined):
            await self.layer.group_add(group_name(cluster), self.channel)
        for cluster in self.joined - wanted:
            await self.layer.group_discard(group_name(cluster), self.channel)
        self.joined = wanted
