"""The embedded mode's channel layer: channels' in-memory layer, whose sweep for expired
messages and group memberships runs at most once per SWEEP_SECONDS.

store commit → apps.tell_pages → group_send here → each socket's receive (consumers.py). The
layer as shipped sweeps every channel and every group on each send and each receive: with a
room's 200 clusters open, about 400 sockets, each waiting in receive, so each message cost
two walks over 400 channels, and the messages grow with the clusters too. Messages expire after
60 s and memberships after a day: a sweep a second drops them at most a second late.
"""
from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0


class SweepingInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._swept = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        super()._clean_expired()
