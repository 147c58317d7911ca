"""A kubeconfig for one playground cluster: the real kubectl and the official Python client read
it and need nothing else (no flags, no certificates)."""
from __future__ import annotations

import base64

import yaml
from django.conf import settings

from . import certificates, tokens


def kubeconfig(cluster: str, *, server: str, namespace: str = "", bound: bool = False) -> str:
    """The kubeconfig YAML, with a new token for `cluster` (bound to `namespace` when `bound`).
    The server URL carries the cluster in its path: one server serves every cluster."""
    name = f"playground-{cluster}"
    context = {"cluster": name, "user": name}
    if namespace:
        context["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {
            "server": f"{server.rstrip('/')}/clusters/{cluster}",
            "certificate-authority-data": base64.b64encode(
                certificates.authority_certificate(settings.PLAYGROUND_TLS_DIR)).decode(),
        }}],
        "contexts": [{"name": name, "context": context}],
        "current-context": name,
        "users": [{"name": name, "user": {"token": tokens.issue(cluster, namespace if bound else "")}}],
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)
