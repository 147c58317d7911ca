"""daphne's HTTP request, bounded: the server end of playground/web/uploads.py.

twisted receives a whole request body (to a temporary file) before daphne calls the application,
so a limit in the application comes too late for what the server itself does with the body:
- twisted parses a multipart or URL-encoded POST into `request.args` with the email parser, the
  whole body in memory many times over (a 100 MB upload cost 1.2 GB); daphne never reads
  `request.args`, so the parsing is turned off (twisted's `parsePOSTFormSubmission`, twisted#12412);
- a body over the largest any page takes is answered 413 at its headers (in place of
  "100 Continue") and the connection closed: not a byte of it is read or written to disk; one sent
  without a length is cut where it passes that size.

What is left: daphne hands the body to the application as a queue of 8 KB messages filled at once
(django/daphne#483), so a request within the limit is held in memory once while Django reads it.
"""
from __future__ import annotations

from typing import Any

from daphne.http_protocol import WebRequest

from .uploads import largest_body, too_large_page


class BoundedWebRequest(WebRequest):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)
        self.received = 0
        self.refused = False

    def gotLength(self, length: int | None) -> None:  # noqa: N802 - twisted's name
        super().gotLength(length)
        if length is not None and length > largest_body():
            self.requestHeaders.removeHeader(b"Expect")  # the answer is this 413, not "100 Continue"
            self.refuse(f"{length:,}")

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802 - twisted's name
        if self.refused:
            return
        self.received += len(data)
        if self.received > largest_body():
            self.refuse(f"more than {largest_body():,}")
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:  # noqa: N802 - twisted's name
        if not self.refused:  # a refused body that arrived whole in one read is not handed on either
            super().requestReceived(command, path, version)

    def refuse(self, size: str) -> None:
        self.refused = True
        body = too_large_page(f"The request carries {size} bytes, more than any page of the playground takes "
                              f"({largest_body():,} bytes). Nothing was read or stored.")
        head = (b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        self.channel.transport.write(head + body)
        self.channel.transport.loseConnection()
