"""The API server's one table: the bearer tokens kubeconfigs carry, each bound to one cluster."""
from __future__ import annotations

from django.db import models

from playground.store.models import Cluster


class Token(models.Model):
    """A bearer token, kept only as its SHA-256: whoever reads the database cannot use it.

    It opens the Kubernetes API of one cluster (and, when `namespace` is set, of one namespace
    in it); a cluster deleted takes its tokens with it."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    namespace = models.CharField(max_length=63, blank=True)  # "": the whole cluster
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token for {self.cluster_id}/{self.namespace or '*'}"
