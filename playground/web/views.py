"""Pages: the cluster picture (nodes and their pods, live), every object as kubectl lists it,
and the clock controls. Views are thin: they read the store and render partials."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from playground.api.printers import table
from playground.store import api as store
from playground.store import clock as cluster_clock
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

from .picture import cluster_picture

DEFAULT_CLUSTER = "default"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:cluster", cluster=DEFAULT_CLUSTER)


@require_GET
def cluster_view(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        context = cluster_context(cluster)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/cluster.html#nodes" if request.htmx else "web/cluster.html"
    return render(request, template, context)


def cluster_context(cluster: str) -> dict[str, Any]:
    """What the cluster page shows; the websocket consumer renders the same."""
    now = store.now(cluster)
    picture = cluster_picture(store.list(cluster, "Node"), store.list(cluster, "Pod"), now=now)
    return {"cluster": cluster, "picture": picture, "clock": clock_context(cluster)}


def clock_context(cluster: str) -> dict[str, Any]:
    state = cluster_clock.read(cluster)
    return {"time": state.now().strftime("%H:%M:%S"), "mode": state.mode, "speed": f"{state.speed:g}"}


@require_POST
def clock_view(request: HttpRequest, cluster: str) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "pause":
            cluster_clock.set_mode(cluster, "paused")
        elif action in ("run", "run10"):
            cluster_clock.set_mode(cluster, "running", speed=10.0 if action == "run10" else 1.0)
        elif action == "step":
            cluster_clock.advance(cluster, 10)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    if not request.htmx:
        return redirect("web:cluster", cluster=cluster)
    return render(request, "web/cluster.html#clock", {"cluster": cluster, "clock": clock_context(cluster)})


@require_GET
def objects_view(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        sections = [(k, store.list(cluster, k.kind)) for k in KINDS.values() if k.kind != "Event"]
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    now = store.now(cluster)
    tables = [
        {"kind": k, "text": table(objects, now=now, with_namespace=k.namespaced)}
        for k, objects in sections
        if objects
    ]
    return render(
        request, "web/objects.html", {"cluster": cluster, "clusters": store.cluster_names(), "tables": tables}
    )
