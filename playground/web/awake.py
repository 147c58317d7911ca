"""What keeps a cluster awake on the server side: every request and every socket of it.

ASGI scope (a page, a form, the API of the real kubectl, a watch, a page's or the console's
websocket) → `KeepAwake` → store/clock.py `use` (wakes an asleep cluster at once; otherwise notes
the use, at most once every few seconds per process) → the application. A request or socket
that stays open (a page's websocket, `kubectl get -w`, `logs -f`) holds its cluster: while any
is open, this process notes the use again every clock.record_every() seconds, so an open page
keeps its cluster awake, and the cluster falls asleep PLAYGROUND_IDLE_AFTER after the last one
closes. Pages that only list clusters (/clusters/, a workshop's room view) are not a use of each:
an instructor watching the room does not keep 200 sandboxes awake, and sees which ones sleep.
"""
from __future__ import annotations

import asyncio
import collections
import re
from typing import Any

from channels.db import database_sync_to_async

from playground.store import clock

# /clusters/NAME/… (pages, forms, the API) and /ws/clusters/NAME/… (sockets)
CLUSTER_PATH = re.compile(r"^/(?:ws/)?clusters/(?P<cluster>[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)/")

_held: collections.Counter[str] = collections.Counter()  # cluster → requests and sockets open on it
_keeper: asyncio.Task | None = None


def cluster_of(scope: dict[str, Any]) -> str | None:
    if scope.get("type") not in ("http", "websocket"):
        return None
    found = CLUSTER_PATH.match(scope.get("path", ""))
    return found["cluster"] if found else None


class KeepAwake:
    """ASGI middleware: a request or socket of a cluster is a use of it for as long as it lasts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cluster = cluster_of(scope)
        if cluster is None or clock.idle_after() <= 0:
            return await self.app(scope, receive, send)
        if not clock.recorded_lately(cluster):  # most requests of a cluster in use ask nothing
            await database_sync_to_async(clock.use)(cluster)
        hold(cluster)
        try:
            return await self.app(scope, receive, send)
        finally:
            let_go(cluster)


def hold(cluster: str) -> None:
    global _keeper
    _held[cluster] += 1
    if _keeper is None or _keeper.done():
        _keeper = asyncio.get_running_loop().create_task(_keep_held_awake())


def let_go(cluster: str) -> None:
    _held[cluster] -= 1
    if _held[cluster] <= 0:
        del _held[cluster]


def held() -> list[str]:
    return sorted(_held)


async def _keep_held_awake() -> None:
    """While anything is open on a cluster of this process: note its use every record_every()."""
    while _held:
        await asyncio.sleep(clock.record_every())
        await database_sync_to_async(use_held)()


def use_held() -> None:
    for cluster in held():
        clock.use(cluster)
