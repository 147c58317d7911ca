"""`{% pod_tile pod %}`: templates/web/pod_tile.html for one tile (picture.pod_tile), remembered.

The cluster page draws a thousand tiles, and draws them again for every live frame that redraws
a node or the whole picture; most of them did not change. A tile's HTML depends only on the tile
and the cluster's name (pod_tile.html reads nothing else), so it is kept by those: drawing a
remembered tile is a dict lookup instead of a template render. The cluster page's socket
(consumers.py) draws its single changed tiles with the same function.
"""
from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TILE = "web/pod_tile.html"
MAX_REMEMBERED = 50_000
_html: dict[tuple[str, tuple[tuple[str, Any], ...]], SafeString] = {}


def tile_html(cluster: str, tile: dict[str, Any]) -> SafeString:
    try:
        key = (cluster, tuple(sorted(tile.items())))
        hash(key)
    except TypeError:  # a field that is a list or a dict: draw it, do not remember it
        return mark_safe(render_to_string(TILE, {"pod": tile, "cluster": cluster}))
    html = _html.get(key)
    if html is None:
        if len(_html) >= MAX_REMEMBERED:
            _html.clear()
        # Rendered by an autoescaping template: every value in it is escaped already
        html = _html[key] = mark_safe(render_to_string(TILE, {"pod": tile, "cluster": cluster}))
    return html


@register.simple_tag(takes_context=True)
def pod_tile(context: template.Context, tile: dict[str, Any]) -> SafeString:
    return tile_html(str(context.get("cluster", "")), tile)
