"""Commits told across processes on PostgreSQL: NOTIFY once a write has committed, LISTEN in the
other processes, so a write made by a web process reaches the controller workers, and a worker's
write the web processes' watches and pages, at once instead of at their next look.

api.py's commit / a clock change (a cluster woken, a Pause) → `send(cluster)` → once the
transaction commits, this process's sender (one thread, a connection of its own) sends every
cluster told since its last NOTIFY in one short transaction → each process's one listening
connection (`subscribe`: the manager, the API's watches, the pages' sockets share it, whatever
their number) → the subscribers' callbacks, for the other processes' commits only (this
process's own are told by the in-process signals already). In one process (embedded, SQLite)
nothing is sent. A lost notification costs latency, never correctness: every subscriber still
looks on its own, less often.

Not a NOTIFY in the writing transaction: PostgreSQL takes one lock for every notifying
transaction of the whole server, from before its commit until its commit record is flushed
(async.c, PreCommit_Notify), which would put the writers of all clusters in one queue again.
The sender's transactions do not wait for their flush: a notification lost in a crash costs
only latency.
"""
from __future__ import annotations

import atexit
import collections
import logging
import secrets
import threading
from collections.abc import Callable

from django.db import connection, transaction

log = logging.getLogger(__name__)

CHANNEL = "playground_commits"
LISTEN_TIMEOUT_SECONDS = 1.0  # how often a listener looks whether it should stop
SENDER_IDLE_SECONDS = 60.0  # a process's sender closes its connection after this long with nothing to send
RETRY_SECONDS = 1.0  # after the database went away, before listening again
FALLBACK_POLL_SECONDS = 10.0  # a subscriber's own look, told of commits: it only bounds a lost notification
ORIGIN = secrets.token_hex(8)  # this process, named in its notifications: its own are told in-process


def available() -> bool:
    return connection.vendor == "postgresql"


def send(cluster: str) -> None:
    """Tell the other processes, once this transaction commits (at once outside one), that
    `cluster` changed."""
    if available():
        payload = f"{ORIGIN} {cluster}"
        transaction.on_commit(lambda: _post(payload))


_outbox: set[str] = set()  # payloads to send, for the sender
_outbox_changed = threading.Condition()
_sender: tuple[threading.Thread, threading.Event] | None = None  # the sender and its stop, if one runs


def _post(payload: str) -> None:
    global _sender
    with _outbox_changed:
        _outbox.add(payload)
        _outbox_changed.notify()
        if _sender is None:
            stopping = threading.Event()
            thread = threading.Thread(target=_send_until, args=(stopping, _connection_params()),
                                      name="commit-notifier", daemon=True)
            _sender = thread, stopping
            thread.start()


def stop_sending() -> None:
    """Send what is posted, close the sender's connection and end its thread (a database about
    to be dropped); the next post starts another."""
    global _sender
    with _outbox_changed:
        if _sender is None:
            return
        (thread, stopping), _sender = _sender, None
        stopping.set()
        _outbox_changed.notify()
    thread.join(timeout=LISTEN_TIMEOUT_SECONDS * 5)


atexit.register(stop_sending)  # a command that ends right after its write has still told the others


def _send_until(stopping: threading.Event, params: dict) -> None:
    """Each round, every payload posted since the last, in one statement (its own transaction):
    under load one NOTIFY tells many commits. The connection is closed after SENDER_IDLE_SECONDS
    with nothing to send (it was a second: a worker then spent a third of its sender's time
    connecting again, PostgreSQL forking a backend each time, each burst's first NOTIFY late)."""
    import psycopg  # PostgreSQL only

    sender = None
    while True:
        with _outbox_changed:
            posted = _outbox_changed.wait_for(lambda: _outbox or stopping.is_set(), timeout=SENDER_IDLE_SECONDS)
            payloads = sorted(_outbox)
            _outbox.clear()
        try:
            if payloads:
                if sender is None:
                    sender = psycopg.connect(**params, autocommit=True)
                    sender.execute("SET synchronous_commit = off")
                sender.execute("SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload", [CHANNEL, payloads])
            if (not posted or stopping.is_set()) and sender is not None:
                sender.close()
                sender = None
        except Exception:  # the database is away: the subscribers' own looks still find every write
            log.exception("telling other processes of commits failed")
            if sender is not None:
                sender.close()
            sender = None
            stopping.wait(RETRY_SECONDS)
        if stopping.is_set():
            return


Receiver = Callable[[str], None]
_receivers: collections.Counter[Receiver] = collections.Counter()  # subscribed, how many times each
_passengers: list[Receiver] = []  # told too while a listener runs, without keeping one running
_lock = threading.Lock()
_running: tuple[threading.Thread, threading.Event] | None = None  # the listener and its stop, if one runs
_listening = threading.Event()  # set while the running listener's LISTEN holds


def subscribe(receiver: Receiver) -> None:
    """Call `receiver(cluster)` for every commit of another process, from the listener's thread,
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
    """Call `receiver(cluster)` too for every commit of another process heard while a listener
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


def _tell_receivers(cluster: str) -> None:
    for receiver in [*_receivers, *_passengers]:
        try:
            receiver(cluster)
        except Exception:  # one subscriber's failure must not deafen the others
            log.exception("a commit listener failed on %s", cluster)


def listen(on_notify: Receiver, stopping: threading.Event, *,
           listening: threading.Event | None = None, own: bool = False) -> None:
    """Call `on_notify(cluster)` for every notification of another process (and of this one's
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
                origin, _, cluster = notification.payload.partition(" ")
                if own or origin != mine:
                    on_notify(cluster)
                if stopping.is_set():
                    break


def _connection_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params
