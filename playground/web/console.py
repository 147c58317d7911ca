"""The console's socket: kubectl typed in the browser, run on the page's cluster by the same verbs
as the management commands, its output streamed back line by line.

/ws/clusters/<cluster>/console/ → ConsoleConsumer → kubectl.console.run_line (in a worker thread;
one command at a time, at most RATE commands a second after a burst of BURST) → JSON frames:
{"type": "output", "stream": "out"|"err", "text"}, then {"type": "exit", "code"}; `kubectl edit` sends
{"type": "edit", "url", "reference", "text"} and the page opens the editor (editor_views) on the object. Ctrl-C
({"type": "interrupt"}) stops a command that waits (rollout status); Tab ({"type": "complete"})
answers {"type": "completions", "items"}.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from playground.kubectl import console
from playground.kubectl.output import reference
from playground.store import clusters
from playground.store.kinds import KINDS

from .consumers import NOT_FOUND_CLOSE
from .editor_views import edit_url

BURST, RATE = 10, 2.0  # commands: a burst, then this many a second
MAX_FRAME = console.MAX_LINE + console.MAX_STDIN + 1024  # characters of one message from the page


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
        self.task: asyncio.Future | None = None
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
            items = await database_sync_to_async(console.complete)(self.cluster, message["text"][:console.MAX_LINE])
            await self.send_json({"type": "completions", "items": items})
        elif kind == "run" and isinstance(message.get("text"), str):
            # Not awaited here: the socket's next message (Ctrl-C) must be read while it runs
            self.task = asyncio.ensure_future(self.run(message["text"]))

    async def disconnect(self, code: int) -> None:
        if self.running is not None:
            self.running.stop = True  # the page went: a waiting command stops

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
        queue: asyncio.Queue = asyncio.Queue()
        self.running = StreamingOutput(self.cluster, asyncio.get_running_loop(), queue)
        streaming = asyncio.ensure_future(self.stream(queue))
        try:
            # A thread of its own: a command that waits (rollout status) must not hold up the
            # one thread the pages' database work shares
            code = await database_sync_to_async(console.run_line, thread_sensitive=False)(self.cluster, text, self.running)
        finally:
            self.running = None
        queue.put_nowait(("exit", code))
        await streaming

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
