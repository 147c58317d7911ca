"""The client's address behind a reverse proxy: X-Forwarded-For believed only from the proxies
PLAYGROUND_TRUSTED_PROXIES names (addresses or networks), never from anyone else.

Behind nginx or Caddy every connection comes from the proxy, often 127.0.0.1: the playground
would take every browser of the room for its own machine (no sign-in, signin.py) and count every
wrong join code against one address (workshop_views.join_view). A client can write any
X-Forwarded-For it likes, so the header is read only when the peer is a trusted proxy, and from
the right: each trusted proxy appends the address it was reached from, and the first address
from the right that is not a trusted proxy's is the client (as nginx's realip module with
`real_ip_recursive on` and Django's own advice on X-Forwarded-For).

ASGI: TrustedProxies wraps the whole application, so `scope["client"]` is the client for the
pages (Django's REMOTE_ADDR is made from it), the join page's rate limit and the websockets'
sign-in alike. The default trusts no proxy: the header is ignored.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_FOR = b"x-forwarded-for"


def parse_trusted(entries: Iterable[str], *, setting: str = "PLAYGROUND_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """The proxies' networks from the setting's entries ("127.0.0.1", "10.0.0.0/8", "::1")."""
    networks = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f'{setting}: "{entry}" is not an IP address or network (like 10.0.0.0/8)') from None
    return tuple(networks)


def address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:10.0.0.1 from a dual-stack socket is 10.0.0.1
    return mapped or ip


def trusted(text: str, proxies: tuple[Network, ...]) -> bool:
    ip = address(text)
    return ip is not None and any(ip.version == net.version and ip in net for net in proxies)


def client_address(peer: str, forwarded_for: list[str], proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's own unless it is a trusted proxy; then, walking the
    X-Forwarded-For hops from the right, the first that is not a trusted proxy. A hop that is
    no address stops the walk at the proxy that wrote it: nothing after it can be believed."""
    if not trusted(peer, proxies):
        return peer
    client = peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if address(hop) is None:
            return client
        client = hop
        if not trusted(hop, proxies):
            return hop
    return client


class TrustedProxies:
    """ASGI middleware: `scope["client"]` is the client the trusted proxies say, for HTTP and websockets."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        proxies = settings.PLAYGROUND_TRUSTED_PROXIES
        client = scope.get("client")
        if proxies and client and scope.get("type") in ("http", "websocket"):
            forwarded = [value.decode("latin-1") for name, value in scope.get("headers", []) if name.lower() == FORWARDED_FOR]
            real = client_address(client[0], forwarded, proxies)
            if real != client[0]:
                scope = {**scope, "client": (real, 0)}  # the client's port is the proxy's secret
        return await self.inner(scope, receive, send)
