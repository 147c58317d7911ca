"""The console's socket: kubectl typed in the browser, run on the page's cluster by the same verbs
as the management commands, its output streamed back line by line.

/ws/clusters/<cluster>/console/ → ConsoleConsumer → kubectl.console.read_line, then .run in a thread
of the console's own pool (one command at a time per socket, at most RATE commands a second after a
burst of BURST; commands that wait bounded per server, WaitingCommands) → JSON frames:
{"type": "output", "stream": "out"|"err", "text"}, then {"type": "exit", "code"}; `kubectl edit` sends
{"type": "edit", "url", "reference", "text"} and the page opens the editor (editor_views) on the object. Ctrl-C
({"type": "interrupt"}) stops a command that waits (rollout status); Tab ({"type": "complete"})
answers {"type": "completions", "items"}.
"""
from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connection

from playground.kubectl import console
from playground.kubectl.errors import KubectlError
from playground.kubectl.output import reference
from playground.store import clusters
from playground.store.kinds import KINDS

from .consumers import NOT_FOUND_CLOSE
from .editor_views import edit_url

BURST, RATE = 10, 2.0  # commands: a burst, then this many a second
MAX_FRAME = console.MAX_LINE + console.MAX_STDIN + 1024  # characters of one message from the page


@functools.cache
def pool(threads: int) -> ThreadPoolExecutor:
    """The console's own threads (PLAYGROUND_CONSOLE_THREADS), so that commands that wait never
    hold the threads sync_to_async shares with the pages' database work and the Kubernetes API."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="console")


def closing(function: Any) -> Any:  # noqa: ANN401 - the function's own
    """`function` that closes its thread's database connection when it returns: a console thread
    may wait minutes for its next command, and must not hold a database session meanwhile (nor
    at a test run's end, when the test database is dropped)."""

    @functools.wraps(function)
    def run(*args: Any) -> Any:  # noqa: ANN401
        try:
            return function(*args)
        finally:
            connection.close()

    return run


class WaitingCommands:
    """The commands that wait (get -w, logs -f, rollout status, delete) in this server process, each holding
    a thread of the pool until Ctrl-C or its socket closes: at most PLAYGROUND_CONSOLE_WAITING, fewer
    than the pool's threads, so a quick command always finds one free."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # tests run consumers on several event loops at once
        self.count = 0

    def take(self) -> bool:
        with self.lock:
            if self.count >= settings.PLAYGROUND_CONSOLE_WAITING:
                return False
            self.count += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.count -= 1


WAITING = WaitingCommands()


def too_many_waiting() -> str:
    return ("the server's limit of commands that wait for changes (get -w, logs -f, rollout status, delete) is reached "
            f"({settings.PLAYGROUND_CONSOLE_WAITING} at once, PLAYGROUND_CONSOLE_WAITING): run it without waiting "
            "(no -w or -f; rollout status --watch=false; delete --wait=false), or try again when one of them stops")


class StreamingOutput:
    """kubectl's Output for a socket: each line is queued for the socket as the verb prints it."""

    def __init__(self, cluster: str, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        self.cluster, self.loop, self.queue = cluster, loop, queue
        self.stdin = None
        self.failed = False
        self.stop = False

    def line(self, text: str) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, ("out", text))

    def error(self, text: str) -> None:
        self.failed = True
        self.notice(text)

    def notice(self, text: str) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, ("err", text))

    def cancelled(self) -> bool:
        return self.stop

    def open_editor(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        url = edit_url(self.cluster, KINDS[obj["kind"]], meta["name"], meta.get("namespace", ""))
        name = reference(obj)
        self.loop.call_soon_threadsafe(self.queue.put_nowait, ("edit", {
            "url": url, "reference": name,
            "text": f"{name}: opened in the editor. Change the form or the YAML, then Apply; Close comes back here.",
        }))


class ConsoleConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.cluster = self.scope["url_route"]["kwargs"]["cluster"]
        self.running: StreamingOutput | None = None
        self.tasks: set[asyncio.Future] = set()  # the commands sent (one runs, others are being refused)
        self.tokens, self.refilled = float(BURST), time.monotonic()
        await self.accept()
        if not await database_sync_to_async(clusters.exists)(self.cluster):
            await self.send_json({"type": "output", "stream": "err", "text": f'cluster "{self.cluster}" not found'})
            await self.close(code=NOT_FOUND_CLOSE)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = self.parse(text_data)
        if message is None:
            return await self.refuse("the console understood nothing of that message")
        kind = message.get("type")
        if kind == "interrupt" and self.running is not None:
            self.running.stop = True
        elif kind == "complete" and isinstance(message.get("text"), str):
            items = await self.in_pool(console.complete, self.cluster, message["text"][:console.MAX_LINE])
            await self.send_json({"type": "completions", "items": items})
        elif kind == "run" and isinstance(message.get("text"), str):
            # Not awaited here: the socket's next message (Ctrl-C) must be read while it runs
            task = asyncio.ensure_future(self.run(message["text"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def disconnect(self, code: int) -> None:
        if self.running is not None:
            self.running.stop = True  # the page went: a waiting command stops, within a poll of the change log
        if self.tasks:
            await asyncio.wait(self.tasks)  # its thread and its place among the waiting ones given back

    def parse(self, text_data: str | None) -> dict[str, Any] | None:
        if not text_data or len(text_data) > MAX_FRAME:
            return None
        try:
            message = json.loads(text_data)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    async def run(self, text: str) -> None:
        if self.running is not None:
            return await self.refuse("a command is still running: Ctrl-C stops it")
        if not self.take_token():
            return await self.refuse("too many commands at once: wait a moment")
        try:
            command = console.read_line(text)  # no database work: read here, refused at once
        except KubectlError as e:
            return await self.refuse(str(e))
        if command.waits and not WAITING.take():
            return await self.refuse(too_many_waiting())
        queue: asyncio.Queue = asyncio.Queue()
        self.running = StreamingOutput(self.cluster, asyncio.get_running_loop(), queue)
        streaming = asyncio.ensure_future(self.stream(queue))
        try:
            code = await self.in_pool(console.run, self.cluster, command, self.running)
        finally:
            self.running = None
            if command.waits:
                WAITING.give_back()
        queue.put_nowait(("exit", code))
        await streaming

    async def in_pool(self, function: Any, *args: Any) -> Any:  # noqa: ANN401 - the function's own
        """`function(*args)` in a thread of the console's pool, with Django's connection handling."""
        executor = pool(settings.PLAYGROUND_CONSOLE_THREADS)
        return await database_sync_to_async(closing(function), thread_sensitive=False, executor=executor)(*args)

    async def stream(self, queue: asyncio.Queue) -> None:
        while True:
            stream, value = await queue.get()
            if stream == "exit":
                return await self.send_json({"type": "exit", "code": value})
            if stream == "edit":
                await self.send_json({"type": "edit", **value})
                continue
            await self.send_json({"type": "output", "stream": stream, "text": value})

    def take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.refilled) * RATE)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def refuse(self, text: str) -> None:
        await self.send_json({"type": "output", "stream": "err", "text": f"error: {text}"})
        await self.send_json({"type": "exit", "code": 1})

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message))
