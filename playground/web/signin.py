"""Who must sign in: a page or a socket reached from another machine, or every one when
`PLAYGROUND_SIGN_IN=required` (which `playground --host 0.0.0.0` sets).

Bound to loopback the playground is one person's, and asks nothing. Opened to a network, anyone
who reaches the port could read every cluster's Secrets and change everything, so there a
request must come with a signed-in session (Django's auth, sessions in the database): pages
through `SignInMiddleware`, the live pages' websockets through `SignInRequired`. A connection
with no peer address (a Unix socket) comes from a process on this machine, as loopback does.
Static files stay public: they are the playground's own JS and CSS. A workshop attendee signs in
by joining (web/workshop_views.py): their session's binding counts as signed in, and
web/workshop_access.py keeps them to their own clusters.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from playground.workshops.access import visitor_of

from .workshop_access import visitor


def from_this_machine(address: str | None) -> bool:
    """Whether a peer address is this machine's: loopback (127.0.0.0/8, ::1) or none at all."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an IP address: nothing vouches for it
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1, from a dual-stack socket
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def sign_in_required(address: str | None) -> bool:
    return settings.PLAYGROUND_SIGN_IN == "required" or not from_this_machine(address)


class SignInMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware (the sign-in page itself is exempt), for the requests
    that must sign in only. A page is redirected to the sign-in page and back; an htmx request
    or a form's POST cannot follow a redirect to a form, so it is refused (403), and htmx is told
    to send the whole page to sign in (HX-Redirect) to come back where it was."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        if not sign_in_required(request.META.get("REMOTE_ADDR")) or not getattr(view_func, "login_required", True):
            return None  # the API's token, the join page's code: such a view signs in by itself
        if visitor(request).attendee is not None:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> HttpResponse:
        htmx = getattr(request, "htmx", None)
        if htmx:
            response = HttpResponse("Sign in first.", status=403, content_type="text/plain")
            back = htmx.current_url_abs_path or request.get_full_path()
            response["HX-Redirect"] = redirect_to_login(back, reverse(settings.LOGIN_URL))["Location"]
            return response
        if request.method not in ("GET", "HEAD"):
            return render(request, "web/sign_in_required.html", status=403)
        return super().handle_no_permission(request, view_func)


class SignInRequired:
    """ASGI middleware for the websockets, inside channels' AuthMiddlewareStack (which reads the
    session cookie): a socket that must sign in is closed before it is accepted unless its
    session is a signed-in user's or a workshop attendee's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        client = scope.get("client")
        if sign_in_required(client[0] if client else None) and not await self.signed_in(scope):
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        return await self.inner(scope, receive, send)

    async def signed_in(self, scope: dict[str, Any]) -> bool:
        if scope["user"].is_authenticated:
            return True
        seen = await database_sync_to_async(visitor_of)(scope.get("session"))
        return seen.attendee is not None
