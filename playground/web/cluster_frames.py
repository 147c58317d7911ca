"""The cluster page's live frames: one context per resourceVersion for every socket that shows
the same view, and of it only what changed (the tiles whose state changed, a node whose pods came
or went), each swapped in by its id; the whole section when that is cheaper.

consumers.ClusterConsumer → `shared_context` (views.cluster_context, made once per version) →
`shared_frame` → `cluster_frame` (`changed_pieces`, live_tiles.tile_html) → the socket.
"""
from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from playground.store import changelog

from .templatetags.live_tiles import tile_html


NODES = "web/cluster.html#nodes"
NODE = "web/cluster.html#node"
LEGEND = "web/cluster.html#legend"  # the owners' revisions and their colours
MAX_PIECES = 200  # more changed tiles than this in one frame: the whole section is cheaper to draw
NOT_DRAWN = ("age",)  # tile fields pod_tile.html does not show: a change of them alone sends nothing
MAX_VIEWS = 64  # shared renders kept: one per (cluster, namespace) being watched

# One render per resourceVersion for all the sockets showing the same view, and one frame per
# (what a page shows, what it should show): fifty pages watching one namespace cost one render
_contexts: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
_frames: dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, Any], str]] = {}


def shared_context(view: tuple[str, str], make: Any, *, at_least: int = 0) -> dict[str, Any]:
    """The view's context, made once per resourceVersion for every socket that shows it by
    `make(version)`; `at_least`: the version the caller was told of (a context as new needs no
    query, and a newer one is made from the log with no query for the cluster's version)."""
    cached = _contexts.get(view)
    if cached is not None and at_least and cached[0] >= at_least:
        return cached[1]
    # First: the context made after it is at least as new
    version = at_least or changelog.cluster_resource_version(view[0])
    if cached is not None and cached[0] == version:
        return cached[1]
    if len(_contexts) >= MAX_VIEWS:
        _contexts.clear()
    context = make(version)
    _contexts[view] = (version, context)
    return context


def drawn_already(view: tuple[str, str], shown: dict[str, Any] | None, *, at_least: int) -> tuple[dict[str, Any], str] | None:
    """The view's context at `at_least` or newer and the frame from `shown` to it, if another
    socket showing the same had them made already (None otherwise)."""
    made = _contexts.get(view)
    if made is None or not at_least or made[0] < at_least:
        return None
    drawn = _frames.get(view)
    if drawn is None or drawn[0] is not shown or drawn[1] is not made[1]:
        return None
    return made[1], drawn[2]


def forget() -> None:
    """For tests: a new test database hands out the same resourceVersions again."""
    _contexts.clear()
    _frames.clear()


def shared_frame(view: tuple[str, str], shown: dict[str, Any] | None, context: dict[str, Any]) -> str:
    cached = _frames.get(view)
    if cached is not None and cached[0] is shown and cached[1] is context:
        return cached[2]
    if len(_frames) >= MAX_VIEWS:
        _frames.clear()
    frame = cluster_frame(shown, context)
    _frames[view] = (shown, context, frame)
    return frame


def cluster_frame(shown: dict[str, Any] | None, context: dict[str, Any]) -> str:
    """What a page showing `shown` needs to show `context`: "" for nothing; the changed tiles
    and the nodes whose pods came or went, each swapped by its id; or the whole section."""
    if shown is context:
        return ""
    pieces = None if shown is None else changed_pieces(shown, context)
    if pieces is None:
        return render_to_string(NODES, context) + render_to_string(LEGEND, context)
    if not pieces:
        return ""
    return "".join(pieces) + version_marker(context.get("resource_version"))


def changed_pieces(shown: dict[str, Any], context: dict[str, Any]) -> list[str] | None:
    """The pieces to swap, or None when the page must be drawn whole (nodes or pending pods came
    or went, or so much changed that one render is cheaper)."""
    before, after = shown["picture"], context["picture"]
    if [n["name"] for n in before["nodes"]] != [n["name"] for n in after["nodes"]]:
        return None
    if _ids(before["pending"]) != _ids(after["pending"]):
        return None
    nodes = [now for was, now in zip(before["nodes"], after["nodes"]) if _shell(was) != _shell(now)]
    tiles = [
        now
        for was_tiles, now_tiles in _tile_lists(before, after, skip={n["name"] for n in nodes})
        for was, now in zip(was_tiles, now_tiles)
        if was != now and _drawn(was) != _drawn(now)
    ]
    if len(tiles) > MAX_PIECES:
        return None
    legend = [render_to_string(LEGEND, context)] if before.get("legend") != after.get("legend") else []
    return [render_to_string(NODE, {**context, "node": n}) for n in nodes] + [
        tile_html(context["cluster"], t) for t in tiles
    ] + legend


def _tile_lists(before: dict[str, Any], after: dict[str, Any], *, skip: set[str]) -> list[tuple[list[Any], list[Any]]]:
    pairs = [(was["pods"], now["pods"]) for was, now in zip(before["nodes"], after["nodes"]) if now["name"] not in skip]
    return [*pairs, (before["pending"], after["pending"])]


def _ids(tiles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(t["namespace"], t["name"]) for t in tiles]


def _shell(node: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A node box without its tiles' states: its header, usage, and which pods it holds."""
    return {k: v for k, v in node.items() if k != "pods"}, _ids(node["pods"])


def _drawn(tile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tile.items() if k not in NOT_DRAWN}


def version_marker(version: int | None) -> str:
    """The resourceVersion the page now shows (static/live.js resumes the socket from it)."""
    if version is None:
        return ""
    return f'<span id="live-version" hidden data-resource-version="{int(version)}"></span>'
