"""Bearer tokens: issued for a kubeconfig, checked on every API request.

`python manage.py kubeconfig` → issue → the secret, printed once into the kubeconfig; each
request's `Authorization: Bearer …` → authenticate → the Token (its cluster and namespace), or
None (401). The secret itself is never stored.
"""
from __future__ import annotations

import hashlib
import secrets

from playground.store import clusters

from .models import Token


def issue(cluster: str, namespace: str = "") -> str:
    """A new token for `cluster` (and only `namespace` in it, when given): the secret, once."""
    secret = secrets.token_urlsafe(32)
    Token.objects.create(cluster_id=clusters.id_of(cluster), digest=_digest(secret), namespace=namespace)
    return secret


def authenticate(authorization: str) -> Token | None:
    """The token an `Authorization` header carries, if it is one this server issued."""
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return Token.objects.select_related("cluster").filter(digest=_digest(secret.strip())).first()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
