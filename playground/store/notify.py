"""Commits told across processes on PostgreSQL: NOTIFY in the writing transaction, LISTEN in the
other processes, so a write made by a web process reaches the controller workers, and a worker's
write the web processes' watches and pages, at once instead of at their next look.

api.py's commit (`returning`: in the statement that takes its resourceVersions, with the
version it took and the kinds it wrote) / a clock change (a cluster woken, a Pause: `send(cluster)`)
→ a NOTIFY in the same transaction (PostgreSQL delivers it when, and only if, the transaction
commits, and folds repeats of one payload within one) → each process's one listening connection
(`subscribe`: the manager, the API's watches, the pages' sockets share it, whatever their number)
→ the subscribers' callbacks, for the other processes' commits only (this process's own are told
by the in-process signals already). It is how every web process's pages learn of every worker's
commits, as each API server watches etcd: a message through the channel layer (Redis) as well
was a tenth of the workers' CPU and a round trip to Redis a commit. In one process (embedded,
SQLite) nothing is sent. A lost notification costs latency, never correctness: every subscriber
still looks on its own, less often.

In the writing transaction, though PostgreSQL then holds one server-wide lock from each notifying
commit's start to its flush (async.c, PreCommit_Notify): a sender thread per process, sending
after commit on a connection of its own, measured twice as slow as a NOTIFY statement of its own
right after the commit (`bench workshop`, scale-out, 2026-12-07: at 40 attendees rolling update
18.0 / 24.3 s against 34.8 / 41.7 s; at 200, 80.7 s against 135.4 s), and that one a little
slower than the NOTIFY inside the transaction (three writers here: 1,722 / 1,381 transactions a
second against 1,769 / 1,790), which is also a round trip less.
"""
from __future__ import annotations

import collections
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db import connection

log = logging.getLogger(__name__)

CHANNEL = "playground_commits"
LISTEN_TIMEOUT_SECONDS = 1.0  # how often a listener looks whether it should stop
RETRY_SECONDS = 1.0  # after the database went away, before listening again
FALLBACK_POLL_SECONDS = 10.0  # a subscriber's own look, told of commits: it only bounds a lost notification
ORIGIN = secrets.token_hex(8)  # this process, named in its notifications: its own are told in-process


def available() -> bool:
    return connection.vendor == "postgresql"


class Told(NamedTuple):
    """What a notification tells: the cluster, and for a commit the resourceVersion it reached
    and the kinds it wrote (None for a clock set)."""

    cluster: str
    resource_version: int | None = None
    kinds: frozenset[str] | None = None


UNKNOWN = "-"  # the version and kinds of a clock's notification


def send(cluster: str) -> None:
    """Tell the other processes, once this transaction commits, that `cluster`'s clock changed."""
    if available():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{ORIGIN} {UNKNOWN} {UNKNOWN} {cluster}"])


def returning(cluster: str, kinds: Iterable[str]) -> tuple[str, list[str]]:
    """As `send`, for a commit, as a column to add to the RETURNING list of the statement that
    takes its resourceVersions (a round trip less), and its parameters: the notification carries
    the version taken and the kinds written."""
    if not available():
        return "", []
    return ", pg_notify(%s, %s || resource_version || %s)", [CHANNEL, f"{ORIGIN} ", f" {','.join(sorted(kinds))} {cluster}"]


def parse(payload: str) -> tuple[str, Told]:
    """A notification's origin, and what it tells."""
    origin, version, kinds, cluster = payload.split(" ", 3)
    if version == UNKNOWN:
        return origin, Told(cluster)
    return origin, Told(cluster, int(version), frozenset(kinds.split(",")))


Receiver = Callable[[Told], None]
_receivers: collections.Counter[Receiver] = collections.Counter()  # subscribed, how many times each
_passengers: list[Receiver] = []  # told too while a listener runs, without keeping one running
_lock = threading.Lock()
_running: tuple[threading.Thread, threading.Event] | None = None  # the listener and its stop, if one runs
_listening = threading.Event()  # set while the running listener's LISTEN holds


def subscribe(receiver: Receiver) -> None:
    """Call `receiver(told)` for every commit of another process, from the listener's thread,
    until as many `unsubscribe`s; the first subscriber starts the process's one listener (none
    off PostgreSQL: there all writes are this process's)."""
    global _running
    if not available():
        return
    with _lock:
        _receivers[receiver] += 1
        if _running is None:
            _listening.clear()
            stopping = threading.Event()
            _running = threading.Thread(target=_listen, args=(stopping,), name="commit-listener", daemon=True), stopping
            _running[0].start()


def unsubscribe(receiver: Receiver) -> None:
    """The last subscriber gone, the listener stops, its connection closed before this returns
    (within LISTEN_TIMEOUT_SECONDS; at once when called from an event loop, which must not wait)."""
    global _running
    with _lock:
        if _receivers[receiver] <= 0:
            return
        _receivers[receiver] -= 1
        if _receivers[receiver] == 0:
            del _receivers[receiver]
        if _receivers or _running is None:
            return
        (thread, stopping), _running = _running, None
    stopping.set()
    if thread is not threading.current_thread() and not _in_event_loop():
        thread.join(timeout=LISTEN_TIMEOUT_SECONDS * 5)


def _in_event_loop() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def tell_also(receiver: Receiver) -> None:
    """Call `receiver(told)` too for every commit of another process heard while a listener
    runs for the subscribers (one that comes and goes every second would start and stop one)."""
    _passengers.append(receiver)


def is_listening() -> bool:
    """Whether this process's listener hears commits now (tests wait for it before committing)."""
    return _running is not None and _listening.is_set()


def _listen(stopping: threading.Event) -> None:
    while not stopping.is_set():
        try:
            listen(_tell_receivers, stopping, listening=_listening)
        except Exception:  # the database is away: the subscribers' own looks still find every write
            log.exception("listening for commits failed; trying again")
            stopping.wait(RETRY_SECONDS)


def _tell_receivers(told: Told) -> None:
    for receiver in [*_receivers, *_passengers]:
        try:
            receiver(told)
        except Exception:  # one subscriber's failure must not deafen the others
            log.exception("a commit listener failed on %s", told.cluster)


def listen(on_notify: Receiver, stopping: threading.Event, *,
           listening: threading.Event | None = None, own: bool = False) -> None:
    """Call `on_notify(told)` for every notification of another process (and of this one's
    too when `own`) until `stopping` is set, on a connection of its own (LISTEN holds its
    session: not one of Django's, which come and go)."""
    import psycopg  # PostgreSQL only

    mine = ORIGIN  # as it was when listening began: the tests play another process by swapping ORIGIN while a write of theirs commits
    with psycopg.connect(**_connection_params(), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        if listening is not None:
            listening.set()
        while not stopping.is_set():
            for notification in listener.notifies(timeout=LISTEN_TIMEOUT_SECONDS):
                origin, told = parse(notification.payload)
                if own or origin != mine:
                    on_notify(told)
                if stopping.is_set():
                    break


def _connection_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params
