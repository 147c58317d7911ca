"""The list of clusters (`/clusters/`): every sandbox on this server with its nodes, pods and
age, each a link to its page; and the home page, which opens the default cluster when there is
one and this list when there is not.

store.clusters.summaries → navigation.cluster_rows → templates/web/clusters.html.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from playground.store import clock, clusters

from . import navigation

DEFAULT_CLUSTER = "default"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if clock.cluster_row(DEFAULT_CLUSTER) is None:
        return redirect("web:clusters")
    return redirect("web:cluster", cluster=DEFAULT_CLUSTER)


@require_GET
def clusters_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/clusters.html", {"rows": navigation.cluster_rows(clusters.summaries())})
