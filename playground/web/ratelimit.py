"""Requests per second per cluster for the pages: past a cluster's quota (requests_per_second,
playground/store/quota.py) a page is answered 429 Too Many Requests with Retry-After, as the
API server's max-in-flight and priority-and-fairness filters answer a client that asks too much
(the Kubernetes API takes the same budget in playground/apiserver/views.py, after its token check).

request → the view's `cluster` → quota.retry_after → the view, or a 429 page. A cluster with no
such limit costs a dictionary lookup, its quota read at most once a second.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from playground.store import clusters, quota
from playground.store.errors import NotFound


class RequestRateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> HttpResponse | None:
        cluster = kwargs.get("cluster")
        if not isinstance(cluster, str) or request.resolver_match is None or request.resolver_match.namespace != "web":
            return None  # the API server counts its own requests, once it knows whose they are
        try:
            wait = quota.retry_after(cluster, clusters.quota_of)
        except NotFound:
            return None  # the view says the cluster is not there
        if wait is None:
            return None
        response = render(request, "web/too_many_requests.html", {"cluster": cluster, "retry_after": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
