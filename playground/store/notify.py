"""Commits told across processes on PostgreSQL: NOTIFY in the writing transaction, LISTEN in the
controller workers, so a write made by a web process reaches the controllers at once instead of
at their next one-second look.

api.py's commit / a clock change (a cluster woken, a Pause) → `send(cluster)` in the same
transaction (PostgreSQL delivers a NOTIFY when, and only if, it commits, and folds repeats of one
payload within a transaction) → every listening process's `listen` loop → its callback (the
manager wakes). In one process (embedded, SQLite) the in-process signals do this already and
nothing is sent. A lost notification costs latency, never correctness: the workers still look
at every cluster's state on their own, less often.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connection

log = logging.getLogger(__name__)

CHANNEL = "playground_commits"
LISTEN_TIMEOUT_SECONDS = 1.0  # how often a listener looks whether it should stop


def available() -> bool:
    return connection.vendor == "postgresql"


def send(cluster: str) -> None:
    """Tell the other processes, once this transaction commits, that `cluster` changed."""
    if available():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, cluster])


def listen(on_notify: Callable[[str], None], stopping: threading.Event, *,
           listening: threading.Event | None = None) -> None:
    """Call `on_notify(cluster)` for every notification until `stopping` is set, on a connection
    of its own (LISTEN holds its session: not one of Django's, which come and go)."""
    import psycopg  # PostgreSQL only

    with psycopg.connect(**_connection_params(), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        if listening is not None:
            listening.set()
        while not stopping.is_set():
            for notification in listener.notifies(timeout=LISTEN_TIMEOUT_SECONDS):
                on_notify(notification.payload)
                if stopping.is_set():
                    break


def _connection_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params
