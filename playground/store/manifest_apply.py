"""`kubectl apply -f` on a whole stream of manifests, as kubectl's apply walks what its resource
builder read: each document (and each item of a `kind: List`) applied on its own through the
store's `apply`, one result each, so one bad document stores nothing of itself and fails no other."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from . import api as store
from . import manifests
from .errors import StoreError
from .kinds import KINDS


@dataclass(frozen=True)
class ApplyResult:
    """What `apply` did with one object of a manifest, or why it stored nothing."""

    document: str  # "document 2 (Deployment/nginx)"
    reference: str = ""  # "deployment.apps/nginx", as kubectl prints it
    action: str = ""  # created, configured or unchanged
    error: str = ""


def apply_manifest(cluster: str, data: bytes | str) -> list[ApplyResult]:
    """`kubectl apply -f` on a whole stream: each document (and each item of a `kind: List`)
    is applied on its own, so one bad document stores nothing of itself and nothing else fails."""
    results = []
    for doc in manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES):
        if doc.error is not None:
            results.append(ApplyResult(doc.label, error=doc.error))
            continue
        assert doc.obj is not None
        items = doc.obj.get("items") if doc.obj.get("kind") == "List" else [doc.obj]
        if not isinstance(items, list):
            results.append(ApplyResult(doc.label, error="items: Invalid value: a List needs a list of items"))
            continue
        for number, item in enumerate(items, start=1):
            label = doc.label if doc.obj.get("kind") != "List" else f"{doc.label}, item {number}"
            results.append(_apply_one(cluster, item, label))
    return results


def _apply_one(cluster: str, obj: Any, label: str) -> ApplyResult:
    try:
        stored, action = store.apply(cluster, obj)
    except StoreError as e:
        return ApplyResult(label, error=e.message)
    k = KINDS[stored["kind"]]
    return ApplyResult(label, f"{k.kubectl_type}/{stored['metadata']['name']}", action)
