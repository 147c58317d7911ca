"""Workshops' isolation for the pages and their sockets: the one place a request or a socket is
let through to a cluster or turned away, by workshops.access's rule.

request → SignInMiddleware (a bound attendee counts as signed in) → ClusterAccessMiddleware here:
a view with a `cluster` argument is refused (403) unless the visitor may reach it, a read-only
visitor (the instructor on an attendee's cluster) may only GET and never opens the editor, and
its pages draw no button it would refuse (`read_only` in the templates' context); an
attendee is kept to their own pages (their cluster, the workshop's lessons, the join page).
socket → SignInRequired → ClusterAccessGuard here: the same rule on /ws/clusters/<cluster>/…,
where the console and a lesson step's socket (which records progress) need write access.
"""
from __future__ import annotations

import re
from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from playground.workshops.access import Access, Visitor, access, visitor_of, watched_name

# Pages that write though they are GETs: the editor's forms (new, edit) lead only to a write
EDITOR_PAGES = frozenset({"web:new", "web:new-kind", "web:edit", "web:edit-cluster-scoped"})
# Pages an attendee may open that are about no cluster (their lessons are found by their session)
ATTENDEE_PAGES = frozenset({"web:lessons", "web:lesson", "web:lesson-start", "web:lesson-reset", "web:lesson-step",
                            "web:lesson-hint", "sign-out"})
HOME_PAGES = frozenset({"web:home", "web:clusters"})  # an attendee's home is their own cluster
SOCKET_PATH = re.compile(r"^/ws/clusters/(?P<cluster>[^/]+)/(?P<rest>.*)$")
WRITING_SOCKETS = ("console/", "lessons/")  # a command typed; a step's checks recorded as done


def visitor(request: HttpRequest) -> Visitor:
    """The request's visitor, read once per request."""
    if not hasattr(request, "_workshop_visitor"):
        request._workshop_visitor = visitor_of(getattr(request, "session", None))  # type: ignore[attr-defined]
    return request._workshop_visitor  # type: ignore[attr-defined]


def workshop_context(request: HttpRequest) -> dict[str, Any]:
    """For the header (a context processor): the attendee's seat, and the presenter cluster they may watch."""
    seen = visitor(request)
    level = getattr(request, "cluster_access", None)
    return {"attendee": seen.attendee, "presenter": seen.presenter,
            "read_only": level is Access.READ, "watching": getattr(request, "cluster_watched", "")}


class ClusterAccessMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None  # the API (a token bound to one cluster) and the join page answer for themselves
        seen = visitor(request)
        view = request.resolver_match.view_name if request.resolver_match else ""
        cluster = view_kwargs.get("cluster")
        if cluster is None:
            return attendee_elsewhere(request, seen, view, view_kwargs) if seen.bound else None
        level = access(seen, cluster)
        request.cluster_access = level  # type: ignore[attr-defined] - the page's read-only banner
        if level is Access.READ:  # the banner says whose: "you are watching Ada's cluster"
            request.cluster_watched = watched_name(seen, cluster)  # type: ignore[attr-defined]
        if level is Access.NONE:
            return refused(request, "This cluster is not yours: in a workshop you reach your own clusters only.")
        if level is Access.READ and (request.method not in ("GET", "HEAD") or view in EDITOR_PAGES):
            return refused(request, "This cluster is read-only to you: you may look at it, not change it.")
        return None


def attendee_elsewhere(request: HttpRequest, seen: Visitor, view: str, kwargs: dict[str, Any]) -> HttpResponse | None:
    """An attendee on a page about no cluster: their home, their workshop's lessons, the join page."""
    if seen.attendee is not None and view in HOME_PAGES:
        return redirect("web:cluster", cluster=seen.attendee.cluster)
    if view not in ATTENDEE_PAGES or seen.attendee is None:
        return refused(request, "In a workshop you reach your own cluster and your workshop's lessons only."
                       if seen.attendee else "Your workshop seat is gone (the workshop was closed): join again.")
    lesson = kwargs.get("lesson")
    if lesson is not None and seen.attendee is not None and lesson not in seen.attendee.workshop.lessons:
        return refused(request, f'Lesson "{lesson}" is not one of your workshop\'s lessons.')
    return None


def refused(request: HttpRequest, message: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponse(message, status=403, content_type="text/plain")
    return render(request, "web/workshops/refused.html", {"message": message}, status=403)


class ClusterAccessGuard:
    """ASGI middleware for the page sockets (inside channels' AuthMiddlewareStack, which gives the
    scope its session): a socket on a cluster the visitor may not reach is refused at the handshake."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        found = SOCKET_PATH.match(scope.get("path", ""))
        if found is not None:
            seen = await database_sync_to_async(visitor_of)(scope.get("session"))
            level = await database_sync_to_async(access)(seen, found["cluster"])
            needed = Access.WRITE if found["rest"].startswith(WRITING_SOCKETS) else Access.READ
            if level is Access.NONE or (needed is Access.WRITE and level is not Access.WRITE):
                return await WebsocketDenier.as_asgi()(scope, receive, send)
            # The socket's frames draw its page's parts without the buttons a read-only page hides,
            # and an attendee's page its workshop's stage (consumers.LiveConsumer.stage)
            scope = {**scope, "read_only": level is Access.READ, "stage": seen.attendee.workshop.name if seen.attendee else ""}
        return await self.inner(scope, receive, send)
