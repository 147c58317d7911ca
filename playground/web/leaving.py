"""Long POSTs that stop when nobody waits for them: a Dockerfile build and a manifest upload.

Django runs a sync view in a thread that nothing can interrupt, and on SIGTERM daphne waits for
every request to finish before it stops, so a build or an upload of 300,000 objects held the
server for minutes after its client had left, or past SIGTERM. Such a page is a sync function
given `cancelled`, which it asks between two pieces of its work, and `stops_when_its_client_leaves`
makes it an async view: Django's ASGI handler cancels an async view when its client
disconnects, which sets `cancelled`; the server sets `STOPPING` on SIGTERM
(management/commands/playground.py), which `cancelled` reads too. The work stops at its next
check and stores nothing.
"""
from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from playground.shell.budget import STOPPING

SERVER_STOPPING = "the server is stopping"
CLIENT_LEFT = "the client went away"


class Stopped(Exception):
    """The work stopped before its end: why, in the words above."""


def stop_if_asked(cancelled: Callable[[], bool]) -> None:
    """Raise Stopped if the server is stopping or the client went away."""
    if STOPPING.is_set():
        raise Stopped(SERVER_STOPPING)
    if cancelled():
        raise Stopped(CLIENT_LEFT)


def stops_when_its_client_leaves(page: Callable[..., HttpResponse]) -> Callable[..., Any]:
    """The async view around the sync `page(request, ..., cancelled=...)`."""

    @functools.wraps(page)
    async def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        left = threading.Event()
        try:
            return await sync_to_async(page)(request, *args, cancelled=left.is_set, **kwargs)
        except asyncio.CancelledError:
            left.set()
            raise

    return view
