"""Root CA certificate publisher: the `kube-root-ca.crt` ConfigMap in every namespace.

A Namespace added, or its `kube-root-ca.crt` changed or deleted → put back the cluster's CA
bundle, as pkg/controller/certificates/rootcacertpublisher/publisher.go does. Every pod's
`kube-api-access-xxxxx` volume projects its `ca.crt`, so a client in the pod can verify the API
server; the playground's CA is a stand-in that signs nothing.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.store import api as store
from playground.store.errors import AlreadyExists, Conflict, Forbidden, NotFound

Obj = dict[str, Any]
CONFIG_MAP = "kube-root-ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as"
    " the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of"
    " Kubernetes clusters."
)
ROOT_CA = (
    "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIPlaygroundCAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\n"
    "AxMKa3ViZXJuZXRlczAeFw0yNjExMjUwMDAwMDBaFw0zNjExMjMwMDAwMDBaMBUx\n-----END CERTIFICATE-----\n"
)


class RootCACertPublisher(Controller):
    kind = "Namespace"
    component = "root-ca-cert-publisher"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Namespace":
            yield obj["metadata"]["name"]
        elif obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == CONFIG_MAP:
            yield obj["metadata"]["namespace"]

    def reconcile(self, namespace: Key) -> Result:
        ns = self.cache.get("Namespace", namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return Result()
        current = self.cache.get("ConfigMap", f"{namespace}/{CONFIG_MAP}")
        annotations = (current or {}).get("metadata", {}).get("annotations") or {}
        if current is not None and current.get("data") == {"ca.crt": ROOT_CA} \
                and annotations.get("kubernetes.io/description") == DESCRIPTION:
            return Result()
        try:
            if current is None:
                store.create(self.cluster, {
                    "apiVersion": "v1", "kind": "ConfigMap", "data": {"ca.crt": ROOT_CA},
                    "metadata": {"name": CONFIG_MAP, "namespace": namespace,
                                 "annotations": {"kubernetes.io/description": DESCRIPTION}},
                })
            else:  # someone changed it: the publisher puts the bundle back
                fixed = {**current, "data": {"ca.crt": ROOT_CA}, "binaryData": None}
                fixed["metadata"] = {**current["metadata"], "annotations": {
                    **annotations, "kubernetes.io/description": DESCRIPTION}}
                store.update(self.cluster, fixed)
        except (AlreadyExists, Conflict, Forbidden, NotFound):
            pass  # changed meanwhile: the change brings this namespace back to the queue
        return Result()
