"""What a node keeps that is not an API object: the containers' logs.

On a real cluster logs live in files on the node, and `kubectl logs` asks the kubelet for them;
here the simulated kubelet writes them to this table and `python manage.py logs` (and the pod
page) read it. They are not Kubernetes objects, so they do not go through the store, and they
disappear with their cluster.
"""
from __future__ import annotations

from django.db import models

from playground.store.models import Cluster


class ContainerLogLine(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    pod_uid = models.CharField(max_length=36)
    container = models.CharField(max_length=63)
    restart_count = models.IntegerField()  # which run of the container wrote it: `--previous`
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "pod_uid", "container", "restart_count"], name="log_by_container")]

    def __str__(self) -> str:
        return f"{self.container}[{self.restart_count}] {self.text}"
