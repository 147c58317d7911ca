"""The web app: wires the store's commits to the live pages.

store commit (any thread of this process) → changes_committed → tell_pages → the channel layer
group of the cluster → its sockets (consumers.py). One message per committed batch. With the
in-memory layer (the embedded mode) a cluster no socket of this process shows costs nothing:
that layer reaches no other process, so nothing is sent. With Redis (scale-out) every batch is
published, since pages may be open in other web processes and this one cannot know.
"""
from __future__ import annotations

import asyncio
from typing import Any

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "playground.web"
    label = "web"

    def ready(self) -> None:
        from playground.store.changelog import changes_committed
        from playground.store.clock import clock_changed

        changes_committed.connect(tell_pages, weak=False, dispatch_uid="web.tell_pages")
        clock_changed.connect(tell_pages_of_clock, weak=False, dispatch_uid="web.tell_pages_of_clock")


def tell_pages(*, cluster: str, resource_version: int, **_: object) -> None:
    """Every committed batch reaches the open pages of its cluster (any process, via the layer)."""
    from .consumers import note_announced

    note_announced(cluster, resource_version)
    # The cluster's name too: the room view listens to many clusters' groups on one socket
    send_to_pages(cluster, {"type": "cluster.changed", "resource_version": resource_version, "cluster": cluster})


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
        # Handed to the sockets' own loop without waiting: the writer (a controller, the kubelet,
        # a request) goes on at once, and the layer's queues are only touched from their loop
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
    else:
        async_to_sync(layer.group_send)(group, message)
