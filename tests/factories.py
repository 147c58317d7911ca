"""Manifests for tests, as a learner would write them (before the API server's defaults)."""
from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def deployment(name: str = "nginx", *, replicas: int | None = 3, image: str = "nginx:1.27", labels: Obj | None = None,
               namespace: str | None = None) -> Obj:
    app = {"app": name}
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels if labels is not None else dict(app)},
        "spec": {
            "selector": {"matchLabels": dict(app)},
            "template": {
                "metadata": {"labels": dict(app)},
                "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    if replicas is not None:
        obj["spec"]["replicas"] = replicas
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return obj


def pod(name: str = "web", *, labels: Obj | None = None, node: str | None = None, image: str = "nginx:1.27",
        namespace: str | None = None) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels if labels is not None else {"app": name}},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }
    if node:
        obj["spec"]["nodeName"] = node
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return obj


def config_map(name: str = "settings", data: Obj | None = None, *, namespace: str | None = None) -> Obj:
    obj: Obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data or {"mode": "demo"}}
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return obj


def namespace(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def replica_set(name: str = "web", *, replicas: int = 3, image: str = "nginx:1.27", min_ready_seconds: int = 0) -> Obj:
    app = {"app": name}
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "labels": dict(app)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(app)},
            "template": {"metadata": {"labels": dict(app)}, "spec": {"containers": [{"name": name, "image": image}]}},
        },
    }
    if min_ready_seconds:
        obj["spec"]["minReadySeconds"] = min_ready_seconds
    return obj
