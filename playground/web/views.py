"""Pages. For now the home page: the cluster's objects, kind by kind (the live UI has its own issue)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from playground.api.printers import table
from playground.store import api as store
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

DEFAULT_CLUSTER = "default"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:cluster", cluster=DEFAULT_CLUSTER)


@require_GET
def cluster_objects(request: HttpRequest, cluster: str) -> HttpResponse:
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
        request, "web/cluster.html", {"cluster": cluster, "clusters": store.cluster_names(), "tables": tables}
    )
