"""The storage pages: one PersistentVolumeClaim, one PersistentVolume, each live like the other
object pages, each linking to the other (claim → the volume it is bound to, volume → the claim
in its claimRef), to the pods that mount them and to their nodes.

store → claim_context / volume_context (storage_picture.py) → templates/web/persistentvolumeclaim.html,
persistentvolume.html (whole page) or #live (htmx, websocket frame: consumers.py).
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from playground.store import api as store

from . import picture, storage_picture
from .views import get_or_none, object_page


@require_GET
def claim_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/persistentvolumeclaim.html", lambda: claim_context(cluster, namespace, name))


def claim_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the claim's page shows; the websocket consumer renders the same."""
    claim = store.get(cluster, "PersistentVolumeClaim", name, namespace)
    volume = get_or_none(cluster, "PersistentVolume", (claim.get("spec") or {}).get("volumeName") or "")
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "claim": storage_picture.claim_picture(cluster, claim, volume=volume,
                                               classes=store.list(cluster, "StorageClass"),
                                               pods=store.list(cluster, "Pod", namespace=namespace),
                                               nodes=store.list(cluster, "Node")),
        "events": picture.events_about(store.list(cluster, "Event", namespace=namespace), claim["metadata"]["uid"]),
    }


@require_GET
def volume_view(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/persistentvolume.html", lambda: volume_context(cluster, name))


def volume_context(cluster: str, name: str) -> dict[str, Any]:
    """What the live part of the volume's page shows; the websocket consumer renders the same."""
    volume = store.get(cluster, "PersistentVolume", name)
    ref = (volume.get("spec") or {}).get("claimRef") or {}
    claim = get_or_none(cluster, "PersistentVolumeClaim", ref.get("name") or "", ref.get("namespace") or "")
    return {
        "cluster": cluster, "name": name,
        "volume": storage_picture.volume_picture(
            cluster, volume, claim=claim, nodes=store.list(cluster, "Node"),
            pods=store.list(cluster, "Pod", namespace=ref["namespace"]) if ref.get("namespace") else []),
        # A volume's Events are filed in the default namespace, as the API server files a
        # cluster-scoped object's
        "events": picture.events_about(store.list(cluster, "Event"), volume["metadata"]["uid"]),
    }
