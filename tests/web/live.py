"""Helpers for the pages' tests: a section of a page, and one websocket frame after a write."""
from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application

HTMX = {"HX-Request": "true"}
XSS_ANNOTATION = '"><img src=x onerror=alert(1)>'
XSS_SCRIPT = "<script>alert(1)</script>"


def section(page: str, label: str) -> str:
    """The HTML of the element labelled `label` up to the end of its first table, list or article."""
    rest = page.split(f'aria-label="{label}"', 1)[1]
    ends = [i for i in (rest.find(tag) for tag in ("</table>", "</ul>", "</article>", "</dl>")) if i >= 0]
    return rest[:min(ends)] if ends else rest


def frame_after(path: str, write: Callable[[], object]) -> str:
    """Open the page's socket, make the write, and return the first frame pushed after it."""

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(write)()
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    return async_to_sync(conversation)()


def assert_escaped(page: str, *, shown: bool = True) -> None:
    """Neither hostile string is in the page as markup; one is there as text (when `shown`)."""
    assert XSS_SCRIPT not in page and "<img src=x" not in page
    assert not shown or "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
