"""daphne's HTTP request, bounded: the server end of playground/web/uploads.py.

twisted receives a whole request body (to a temporary file) before daphne calls the application,
so a limit in the application comes too late for what the server itself does with the body:
- twisted parses a multipart or URL-encoded POST into `request.args` with the email parser, the
  whole body in memory many times over (a 100 MB upload cost 1.2 GB); daphne never reads
  `request.args`, so the parsing is turned off (twisted's `parsePOSTFormSubmission`, twisted#12412);
- a body over what its page takes (`limit_for`: an image archive's limit, a manifest's, the
  API's) is answered 413 at its headers (in place of "100 Continue"), naming that limit, and the
  connection closed: not a byte of it is read or written to disk; one sent without a length is cut
  where it passes that size (a 200 MB manifest was written to disk whole, under the image
  archive's limit, before the application refused it "unread");
- daphne hands the body to the application as a queue of messages filled all at once, the whole
  body in memory (django/daphne#483); `BoundedServer`'s queue leaves it in twisted's file and
  reads a chunk each time the application asks for one.
"""
from __future__ import annotations

import asyncio
from functools import partial
from typing import IO, Any
from urllib.parse import unquote

from daphne.http_protocol import WebRequest
from daphne.server import Server

from .uploads import EARLY_HEADERS, early_refusal, limit_for


class BoundedWebRequest(WebRequest):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)
        self.received = 0
        self.refused = False
        self._page_limit: int | None = None
        send_at_once(self.channel)


    def gotLength(self, length: int | None) -> None:  # noqa: N802 - twisted's name
        super().gotLength(length)
        if length is not None and length > self.page_limit():
            self.requestHeaders.removeHeader(b"Expect")  # the answer is this 413, not "100 Continue"
            self.refuse(f"{length:,}")

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802 - twisted's name
        if self.refused:
            return
        self.received += len(data)
        if self.received > self.page_limit():
            self.refuse(f"more than {self.page_limit():,}")
            return
        super().handleContentChunk(data)

    def page_path(self) -> str:
        """The path of the request line, which twisted's channel holds until the body has come
        (the request's own `path` is set only then): the refusal names that page's limit."""
        target = getattr(self.channel, "_path", b"")
        return unquote(target.partition(b"?")[0].decode("latin-1"))

    def page_limit(self) -> int:
        """The most the page takes in a body, its form's envelope included (its cluster's quota,
        a database read, is the application's to apply)."""
        if self._page_limit is None:
            self._page_limit = limit_for(self.page_path()).body
        return self._page_limit

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:  # noqa: N802 - twisted's name
        if not self.refused:  # a refused body that arrived whole in one read is not handed on either
            super().requestReceived(command, path, version)

    def refuse(self, size: str) -> None:
        self.refused = True
        content_type, body = early_refusal(self.page_path(), size)
        extra = b"".join(b"%s: %s\r\n" % header for header in EARLY_HEADERS)
        head = (b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: %s\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n%s\r\n" % (content_type, len(body), extra))
        self.channel.transport.write(head + body)
        self.channel.transport.loseConnection()


def send_at_once(channel: Any) -> None:
    """TCP_NODELAY on the request's connection (through TLS's wrapper to the socket), as Go's
    servers, the API server among them, set it on every connection: a watch's event goes out as
    it is written, not after the client acknowledged the segment before it (Nagle's algorithm)."""
    set_no_delay = getattr(getattr(channel, "transport", None), "setTcpNoDelay", None)
    if set_no_delay is not None:
        set_no_delay(True)


class BoundedServer(Server):
    def create_application(self, protocol: Any, scope: dict[str, Any]) -> asyncio.Queue | None:
        """daphne's own, but an HTTP request's queue reads its body from twisted's file."""
        if not isinstance(protocol, BoundedWebRequest):
            return super().create_application(protocol, scope)  # a websocket
        assert "application_instance" not in self.connections[protocol]
        queue = BodyQueue(protocol.content)
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(scope=scope, receive=queue.get, send=partial(self.handle_reply, protocol))
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(instance)
        return queue


class BodyQueue(asyncio.Queue):
    """The messages of one request: daphne puts the whole body in at once, as `http.request`
    messages read from twisted's file; they are dropped here, and `get` reads the body from that
    file again, a chunk at a time, as the application asks. Other messages (a disconnect) queue
    as daphne puts them, and come first."""

    CHUNK = 64 * 1024

    def __init__(self, content: IO[bytes]) -> None:
        super().__init__()
        self.content = content
        self.offset = 0
        self.body_left = True

    def put_nowait(self, message: dict[str, Any]) -> None:
        if message["type"] != "http.request":
            super().put_nowait(message)

    async def get(self) -> dict[str, Any]:
        if self.body_left and self.empty():
            return self.next_chunk()
        return await super().get()

    def next_chunk(self) -> dict[str, Any]:
        try:
            self.content.seek(self.offset)
            chunk = self.content.read(self.CHUNK)
        except ValueError:  # twisted closed the file: the client went away
            self.body_left = False
            return {"type": "http.disconnect"}
        self.offset += len(chunk)
        self.body_left = len(chunk) == self.CHUNK
        return {"type": "http.request", "body": chunk, "more_body": self.body_left}
