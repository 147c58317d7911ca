"""The cluster page's "Download kubeconfig": the real kubectl, pointed at this cluster."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from playground.apiserver.kubeconfig import kubeconfig
from playground.store import clusters
from playground.store.errors import NotFound


@require_POST  # it makes a token: a write, behind the form's CSRF check
def download_kubeconfig(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        clusters.id_of(cluster)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    # The API is served beside the pages, on its own port, under the name the browser used
    text = kubeconfig(cluster, server=f"https://{request.get_host().rpartition(':')[0] or request.get_host()}"
                                      f":{settings.PLAYGROUND_API_PORT}")
    response = HttpResponse(text, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="kubeconfig-{cluster}.yaml"'
    response["Cache-Control"] = "no-store"  # it holds a token
    return response
