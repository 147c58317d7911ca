"""The images built or imported on a cluster, their layers and the build cache.

image build / archive import → registry.py → these tables → registry.find_built (the kubelet's
pull, FROM, the image pages). Images are not Kubernetes objects, so they do not go through the
store; like a node's container runtime state they belong to one cluster and disappear with it.
Layers are content-addressed: a layer two images share (or two builds make) is stored once
per cluster. The catalog's base layers are never stored: the catalog makes them again.
"""
from __future__ import annotations

from django.db import models

from playground.store.models import Cluster


class StoredLayer(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=71)  # sha256:<64 hex> of the content
    size = models.BigIntegerField()
    entries = models.TextField()  # JSON: the entries, whiteouts and opaque dirs (registry.layer_json)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "digest"], name="one_layer_per_digest")]

    def __str__(self) -> str:
        return self.digest


class StoredImage(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    repository = models.CharField(max_length=255)  # "myapp", "localhost:5000/team/app"
    tag = models.CharField(max_length=128)
    image_id = models.CharField(max_length=71)
    layers = models.TextField()  # JSON: [[digest, created_by], ...] bottom first
    config = models.TextField()  # JSON: docker inspect's .Config
    history = models.TextField()  # JSON: [[created_by, empty_layer], ...]
    package_manager = models.CharField(max_length=8, blank=True)
    source = models.CharField(max_length=8, default="build")  # build | import
    dockerfile = models.TextField(blank=True)
    build_log = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "repository", "tag"], name="one_image_per_tag")]

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


class BuildCacheEntry(models.Model):
    """A build step's cache key (the chain of steps before it, its instruction, its content) → its layer."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    layer_digest = models.CharField(max_length=71)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "key"], name="one_layer_per_cache_key")]

    def __str__(self) -> str:
        return self.key
