"""Watches: `kubectl get -w`, `rollout status`, `delete --wait` and the Python client's
`watch.Watch().stream()` — newline-delimited `{"type", "object"}` events streamed as the store
commits them.

A watch is set up in the request (its resourceVersion, selectors and starting objects, so that
a bad one is a Status, not a broken stream), then streamed by an async generator: it reads the
change log from where it is, and sleeps until a commit to its cluster wakes it: one of this
process (changes_committed), or of another heard by the process's one listener on PostgreSQL
(store/notify.py); a look every POLL seconds (FALLBACK_POLL_SECONDS when listening) finds
what no one told of.
staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go and storage/cacher: from
resourceVersion 0 or unset, a synthetic ADDED for each object first; from a list's
resourceVersion, only what came after; past the retained log, an ERROR event with a 410 Expired
Status; an object that stops matching the selectors is DELETED for this watch, one that starts
matching is ADDED.

The watches of a process share one read of the change log per cluster (as the API server's
cacher serves every watch from one watch of etcd). A change's line is built from the JSON the
store keeps, as it is: the object is decoded only for a selector or a Table, once for all the
watches that ask alike; a Table row is encoded once for every Table watch (only a watch's first
event, which names the columns, is its own); and the entries kept hold bytes, not objects (a burst of 1,000 Pods kept
as decoded objects made every garbage collection of the process walk them).
"""
from __future__ import annotations

import asyncio
import bisect
import collections
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from playground.store import api as store
from playground.store import changelog, notify, selectors
from playground.store.errors import Gone, StoreError
from playground.store.kinds import Kind

from . import resources, status
from .query import count

Obj = dict[str, Any]

DEFAULT_TIMEOUT = 1800.0  # the API server's --min-request-timeout
POLL = 1.0  # seconds between two looks at the change log when nothing woke the watch (SQLite: another process's CLI)
BOOKMARK_EVERY = 10.0  # seconds between two bookmarks of an idle watch that asked for them
CHANGES_PER_READ = 1000
INITIAL_PER_CHUNK = 500  # ADDED events of a watch's start encoded and sent at a time
RECENT_KEPT = 20_000  # change-log entries a process keeps for its watches, per cluster

# Watches open per token in this process: one learner's script cannot hold every connection. A
# watch is counted from its request (so that many asked at once cannot all pass the bound before
# any is streamed) until its response is closed, streamed or not.
_open: collections.Counter[int] = collections.Counter()
_open_lock = threading.Lock()
# The event loops' wake-ups, per cluster: a commit in this process sets them
_waiting: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = collections.defaultdict(set)


def wake(*, cluster: str, **_: object) -> None:
    """changes_committed's receiver: every watch of the cluster looks at the log again."""
    for recent in list(_recent.values()):
        if recent.cluster == cluster:
            recent.stale = True
    for loop, event in list(_waiting.get(cluster, ())):
        loop.call_soon_threadsafe(event.set)


def heard(told: notify.Told) -> None:
    """notify's receiver, while watches are open: another process committed to the cluster."""
    wake(cluster=told.cluster)


class Entry:
    """One change as the watches share it: the stored JSON, its line per event type built once,
    and whether it matches each selector a watch asked with (the object decoded for that only)."""

    __slots__ = ("change", "now", "_lines", "_matches", "_object", "_keeps_object")

    def __init__(self, change: changelog.StoredChange, now: Any) -> None:
        self.change = change
        self.now = now  # the cluster's time when the change was read: the AGE its Table rows show
        self._lines: dict[str, bytes] = {}
        self._matches: dict[tuple[str, str], bool] = {}
        self._object: Obj | None = None
        self._keeps_object = True  # while the watches take this read: they decode it once between them

    def object(self) -> Obj:
        if self._object is not None:
            return self._object
        obj = json.loads(self.change.data)
        if self._keeps_object:
            self._object = obj
        return obj

    def forget_object(self) -> None:
        """An old entry keeps bytes only: a watch far behind decodes what it needs for itself."""
        self._object, self._keeps_object = None, False

    def matches(self, watch: Watch) -> bool:
        if watch.selector == ("", ""):
            return True
        found = self._matches.get(watch.selector)
        if found is None:
            found = self._matches[watch.selector] = watch.matches(self.object())
        return found

    def line(self, type_: str) -> bytes:
        """The event's line: the stored JSON is the object as `json.dumps(obj, separators=(",",
        ":"))` writes it, so it goes out as it is."""
        found = self._lines.get(type_)
        if found is None:
            found = self._lines[type_] = b'{"type":"%s","object":%s}\n' % (type_.encode(), self.change.data.encode())
        return found

    def table_line(self, type_: str, k: Kind) -> bytes:
        """The event's line as a one-row Table without its columns (what every event of a Table
        watch but its first carries), built once for all the watches that ask for it."""
        key = f"{type_} Table"
        found = self._lines.get(key)
        if found is None:
            found = self._lines[key] = _table_line(type_, k, self.object(), self.now, columns=False)
        return found


@dataclass
class Recent:
    """A cluster's newest change-log entries, read once for every watch of this process (on one
    event loop): twenty `kubectl get -w` cost one read."""

    cluster: str
    last: int  # read up to this resourceVersion
    versions: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    decoded: list[Entry] = field(default_factory=list)  # the last read's, whose objects are kept a while
    stale: bool = True  # a commit came since the last read
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_recent: dict[tuple[int, str], Recent] = {}  # by event loop and cluster


def forget_all() -> None:
    """Drop what the watches keep (each test's database hands out the same versions again)."""
    _recent.clear()


async def _changes_after(cluster: str, since: int, *, looked: bool) -> list[Entry]:
    """The changes after `since`, at most CHANGES_PER_READ; `looked`: the poll's time passed, so a
    commit of another process may be there."""
    recent = _recent.setdefault((id(asyncio.get_running_loop()), cluster), Recent(cluster, since))
    if recent.versions and since < recent.versions[0] - 1 or not recent.versions and since < recent.last:
        changes, now = await _read(cluster, since)
        return [Entry(change, now) for change in changes]  # from before what is kept: alone
    async with recent.lock:
        if recent.stale or looked or since >= recent.last:
            recent.stale = False
            changes, now = await _read(cluster, recent.last)
            if changes:
                for entry in recent.decoded:  # the watches have taken the last read's: objects are big
                    entry.forget_object()
                recent.decoded = [Entry(change, now) for change in changes]
                recent.versions.extend(change.resource_version for change in changes)
                recent.entries.extend(recent.decoded)
                recent.last = changes[-1].resource_version
                recent.stale = len(changes) == CHANGES_PER_READ
            if len(recent.versions) > 2 * RECENT_KEPT:
                del recent.versions[:RECENT_KEPT], recent.entries[:RECENT_KEPT]
    start = bisect.bisect_right(recent.versions, since)
    return recent.entries[start:start + CHANGES_PER_READ]


async def _read(cluster: str, since: int) -> tuple[list[changelog.StoredChange], Any]:
    """The changes after `since`, and the cluster's time (for the Tables' AGE), in one trip to a
    worker thread: each trip waits for the GIL, which the controllers' thread holds in turns of
    5 ms, so twenty watches that each fetched the time lagged one another by as much."""
    return await sync_to_async(_read_now, thread_sensitive=False)(cluster, since)


def _read_now(cluster: str, since: int) -> tuple[list[changelog.StoredChange], Any]:
    return changelog.stored_changes(cluster, since, limit=CHANGES_PER_READ), store.now(cluster)


@dataclass
class Watch:
    cluster: str
    kind: Kind
    namespace: str | None
    matches: Callable[[Obj], bool]
    selector: tuple[str, str]  # (labelSelector, fieldSelector) as asked: watches asking alike share their answers
    since: int
    initial: list[Obj]
    matching: set[tuple[str, str]]  # (namespace, name) of the objects this watch has seen match
    as_table: bool
    timeout: float
    bookmarks: bool
    token: int
    tables_sent: int = field(default=0)
    held: bool = field(default=True)  # counted among its token's open watches


class TooManyRequests(StoreError):
    code = 429
    reason = "TooManyRequests"


def start(cluster: str, k: Kind, namespace: str, query: Any, *, as_table: bool, token: int) -> Watch:
    """A watch as the request asks for it; raises BadRequest for a query it cannot follow, and
    TooManyRequests past the watches a token may hold open."""
    selector = (query.get("labelSelector", ""), query.get("fieldSelector", ""))
    label, fields = selectors.parse_label_selector(selector[0]), selectors.parse_field_selector(selector[1])

    def matches(obj: Obj) -> bool:
        return (label is None or label((obj.get("metadata") or {}).get("labels") or {})) and (fields is None or fields(obj))

    version = query.get("resourceVersion", "")
    timeout = count(query.get("timeoutSeconds"), "timeoutSeconds") or DEFAULT_TIMEOUT
    scope = namespace if k.namespaced and namespace else None
    since, current = resources.consistent_list(cluster, k, scope)
    current = [obj for obj in current if matches(obj)]
    if version not in ("", "0"):
        since = count(version, "resourceVersion") or 0
    _hold(token)
    return Watch(
        cluster, k, scope, matches, selector if label or fields else ("", ""), since,
        initial=current if version in ("", "0") else [],
        matching={_key(obj) for obj in current},
        as_table=as_table, timeout=timeout, bookmarks=query.get("allowWatchBookmarks") in ("true", "1"), token=token,
    )


def _hold(token: int) -> None:
    """Count one more watch of `token`, or refuse it past the bound: errors.NewTooManyRequests'
    words (kubectl prints them), with the setting that sets the bound."""
    bound = settings.PLAYGROUND_API_MAX_WATCHES_PER_TOKEN
    with _open_lock:
        if _open[token] >= bound:
            raise TooManyRequests(f"Too many requests: this token holds {bound} watches open, the most "
                                  f"PLAYGROUND_API_MAX_WATCHES_PER_TOKEN allows; close one first")
        _open[token] += 1


def release(watch: Watch) -> None:
    """The watch no longer counts against its token (once, however often it is called)."""
    with _open_lock:
        if watch.held:
            watch.held = False
            _open[watch.token] -= 1


class Response:
    """The stream of a watch as a response's content: Django closes it when the response ends,
    also one never iterated (its client went away first), which releases the watch."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch

    def __aiter__(self) -> AsyncIterator[bytes]:
        return stream(self.watch)

    def close(self) -> None:
        release(self.watch)


async def stream(watch: Watch) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    _waiting[watch.cluster].add((loop, woken))
    notify.subscribe(heard)
    poll = notify.FALLBACK_POLL_SECONDS if notify.available() else POLL
    deadline = time.monotonic() + watch.timeout
    last_bookmark, bookmarked = time.monotonic(), watch.since
    try:
        # The headers go now, as the API server's WatchServer flushes them before any event:
        # client-go's Watch() returns only once they arrive and cannot be cancelled before, so
        # kubectl's `rollout status` would otherwise wait on a quiet cluster after its success.
        yield b""
        async for lines in _initial_lines(watch):
            yield lines
        looked = True
        while time.monotonic() < deadline:
            woken.clear()
            try:
                entries = await _changes_after(watch.cluster, watch.since, looked=looked)
            except Gone as e:
                yield _line("ERROR", status.failure(410, "Expired", e.message))
                return
            events = [(type_, entry) for entry in entries if (type_ := _event(watch, entry)) is not None]
            if entries:
                watch.since = entries[-1].change.resource_version
            if events:
                yield _lines(watch, events)
            if watch.bookmarks and watch.since > bookmarked and time.monotonic() - last_bookmark >= BOOKMARK_EVERY:
                yield _line("BOOKMARK", {"kind": watch.kind.kind, "apiVersion": watch.kind.api_version,
                                         "metadata": {"resourceVersion": str(watch.since)}})
                last_bookmark, bookmarked = time.monotonic(), watch.since
            looked = False
            if len(entries) < CHANGES_PER_READ:
                try:
                    await asyncio.wait_for(woken.wait(), timeout=max(0.0, min(poll, deadline - time.monotonic())))
                except TimeoutError:
                    looked = True
    finally:
        _waiting[watch.cluster].discard((loop, woken))
        notify.unsubscribe(heard)
        release(watch)


def _event(watch: Watch, entry: Entry) -> str | None:
    """The event type this watch sees for one change of its cluster, if any. Without selectors,
    the change's own: the log from the watch's version holds every change, in order. With
    selectors, an object entering them is ADDED and one leaving them DELETED for this watch, as
    the cacher decides from the object before and after the change; the log keeps only the
    after, so what this watch has seen match stands in for the before. That is read when the
    watch starts, after its version: an object deleted in between (`kubectl delete --wait`
    lists, then watches, while the garbage collector works) is DELETED when it matched as it went."""
    change = entry.change
    if change.kind != watch.kind.kind or (watch.namespace and change.namespace != watch.namespace):
        return None
    if watch.selector == ("", ""):
        return change.type
    key = change.namespace, change.name
    was = key in watch.matching
    matches = entry.matches(watch)
    if change.type != "DELETED" and matches:
        watch.matching.add(key)
        return "MODIFIED" if was and change.type != "ADDED" else "ADDED"
    watch.matching.discard(key)
    return "DELETED" if was or change.type == "DELETED" and matches else None


async def _initial_lines(watch: Watch) -> AsyncIterator[bytes]:
    """The ADDED of every object the watch starts from, a chunk at a time: a watch from 0 of
    50,000 objects never holds its whole answer in memory."""
    now = await _now(watch) if watch.as_table else None
    for start in range(0, len(watch.initial), INITIAL_PER_CHUNK):
        chunk = watch.initial[start:start + INITIAL_PER_CHUNK]
        if watch.as_table:
            yield b"".join(_watch_table_line(watch, "ADDED", obj, now) for obj in chunk)
        else:
            yield b"".join(_line("ADDED", obj) for obj in chunk)
    watch.initial = []  # sent: the objects are the cache's, but this list need not outlive them


def _lines(watch: Watch, events: list[tuple[str, Entry]]) -> bytes:
    if not watch.as_table:
        return b"".join(entry.line(type_) for type_, entry in events)
    # The first event names the columns: this watch's own line; every later one is the shared one
    return b"".join(entry.table_line(type_, watch.kind) if watch.tables_sent else
                    _watch_table_line(watch, type_, entry.object(), entry.now) for type_, entry in events)


def _watch_table_line(watch: Watch, type_: str, obj: Obj, now: Any) -> bytes:
    """A line of this watch's own: its first names the columns."""
    line = _table_line(type_, watch.kind, obj, now, columns=not watch.tables_sent)
    watch.tables_sent += 1
    return line


async def _now(watch: Watch) -> Any:
    return await sync_to_async(store.now, thread_sensitive=False)(watch.cluster)


def _table_line(type_: str, k: Kind, obj: Obj, now: Any, *, columns: bool) -> bytes:
    """One object's event as a Table row; only a watch's first event names the columns."""
    table = resources.table(k, [obj], resource_version=obj["metadata"].get("resourceVersion", ""), now=now)
    if not columns:
        table["columnDefinitions"] = None
    return _line(type_, table)


def _line(type_: str, obj: Obj) -> bytes:
    return json.dumps({"type": type_, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _key(obj: Obj) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
