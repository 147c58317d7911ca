"""What a lesson's checks read of a learner's cluster: the runtime's cache of its objects (the
pages' shared informer, so a check costs no query when nothing changed), and what the cache does
not hold — Events (by reason), a container's filesystem (from the kubelet's records), images.

cluster → LiveView → checks.Check.evaluate → a Verdict per check.
"""
from __future__ import annotations

from typing import Any

from playground.images import catalog
from playground.runtime import informer
from playground.sim import containerfs, dns
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound

Obj = dict[str, Any]


class LiveView:
    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.informer = informer.shared(cluster)
        self.informer.sync()

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.informer.cache.get(kind, f"{namespace}/{name}" if namespace else name) or (
            self.informer.cache.get(kind, name) if namespace else None)

    def list(self, kind: str, namespace: str) -> list[Obj]:
        return self.informer.cache.list(kind, namespace=namespace or None)

    def events(self, namespace: str, reason: str) -> list[Obj]:
        return store.list(self.cluster, "Event", namespace=namespace or None, field_selector=f"reason={reason}")

    def file_origin(self, namespace: str, pod: str, container: str, path: str) -> tuple[str, str] | None:
        """Which layer of the container's filesystem the file comes from ("writable", "init",
        "image", or "volume") and its text ("" when only its size is known)."""
        try:
            filesystem = containerfs.container_filesystem(self.cluster, namespace, pod, container)
        except (NotFound, BadRequest):
            return None
        resolved = containerfs.resolve(filesystem.tree, path)
        found = filesystem.tree.get(resolved) if resolved else None
        if found is None:
            return None
        entry, origin = found
        layer = "volume" if isinstance(origin, str) else filesystem.layers[origin].kind
        return layer, entry.content or ""

    def dns(self, name: str, namespace: str, record_type: str) -> dns.Answer:
        """What the cluster DNS answers a pod in `namespace` asking `name`, from the cache's
        Services, Endpoints and Pods, as the DNS page's resolver reads them from the store."""
        cache = self.informer.cache
        return dns.resolve(name, services=cache.list("Service"), endpoints=cache.list("Endpoints"),
                           pods=cache.list("Pod"), namespaces=[n["metadata"]["name"] for n in cache.list("Namespace")],
                           namespace=namespace, record_type=record_type)

    def image_layers(self, reference: str) -> list[Any] | None:
        image = catalog.find(reference, cluster=self.cluster)
        return list(image.layers) if image else None
