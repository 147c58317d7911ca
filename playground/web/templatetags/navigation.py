"""Tags for what every page shows around its own content (templates/web/base.html,
not_found.html): the cluster the page is about, the sidebar of kinds, the page's intro, and
the story of a deleted object. They read the request, so no view has to pass them anything.

request → playground.web.navigation / intros / tombstones → templates/web/navigation.html.
"""
from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from playground.web import intros, navigation, tombstones

register = template.Library()


@register.simple_tag(takes_context=True)
def current_cluster(context: template.Context) -> str:
    return navigation.current_cluster(context.get("request"), context.get("cluster"))


@register.simple_tag(takes_context=True)
def kinds_sidebar(context: template.Context, cluster: str) -> SafeString:
    request = context.get("request")
    if navigation.bare(request):
        return SafeString("")
    groups = navigation.sidebar(cluster, current=navigation.page_kind(request))
    # Rendered by an autoescaping template: every name in it is escaped already
    return mark_safe(render_to_string("web/navigation.html#sidebar", {"groups": groups, "cluster": cluster}))


@register.simple_tag(takes_context=True)
def page_intro(context: template.Context) -> SafeString:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or navigation.bare(request):
        return SafeString("")
    intro = intros.intro_for(match.url_name or "", match.kwargs)
    if intro is None:
        return SafeString("")
    # A read-only page explains itself but asks its watcher to try nothing it would refuse
    return mark_safe(render_to_string("web/navigation.html#intro", {"intro": intro, "read_only": context.get("read_only")}))


@register.simple_tag(takes_context=True)
def deleted_object(context: template.Context) -> dict[str, Any] | None:
    """The deleted object the page was about, if the URL names one the change log saw go."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or "name" not in match.kwargs or "cluster" not in match.kwargs:
        return None
    kind = str(match.kwargs.get("kind", "")) or navigation.PAGE_KINDS.get(match.url_name or "", "")
    if not kind:
        return None
    return tombstones.deleted_object(match.kwargs["cluster"], kind, match.kwargs["name"],
                                     str(match.kwargs.get("namespace", "")))
