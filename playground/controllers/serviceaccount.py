"""ServiceAccounts controller: every active namespace has a `default` ServiceAccount.

A Namespace added, or its `default` ServiceAccount deleted → create it again, as
pkg/controller/serviceaccount/serviceaccounts_controller.go does. Pods name an account
(`default` unless they say otherwise), and the ServiceAccount admission plugin refuses a pod
whose account does not exist yet: a Deployment in a brand-new namespace waits for this.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.store import api as store
from playground.store.errors import AlreadyExists, Forbidden, NotFound

Obj = dict[str, Any]
DEFAULT = "default"


class ServiceAccountsController(Controller):
    kind = "Namespace"
    component = "serviceaccount-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Namespace":
            yield obj["metadata"]["name"]
        elif obj["kind"] == "ServiceAccount" and obj["metadata"]["name"] == DEFAULT:
            yield obj["metadata"]["namespace"]

    def reconcile(self, namespace: Key) -> Result:
        ns = self.cache.get("Namespace", namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return Result()  # gone or terminating: nothing new goes in
        if self.cache.get("ServiceAccount", f"{namespace}/{DEFAULT}") is not None:
            return Result()
        try:
            store.create(self.cluster, {
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT, "namespace": namespace},
            })
        except (AlreadyExists, Forbidden, NotFound):
            pass  # made meanwhile, or the namespace began terminating: the next change says which
        return Result()
