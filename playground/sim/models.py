"""What a node keeps that is not an API object: its kubelet's memory of each pod, and the
containers' logs.

On a real cluster these live on the node (the container runtime's state, log files), and
`kubectl logs` asks the kubelet; here the simulated kubelet keeps them in these tables, so a
playground that restarts finds its containers still running, as a kubelet that restarts does.
They are not Kubernetes objects, so they do not go through the store, and they disappear with
their cluster.
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


class KubeletPodState(models.Model):
    """lifecycle.PodRuntime as JSON: sandbox, container runs, back-off, probe counters."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    pod_uid = models.CharField(max_length=36)
    state = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "pod_uid"], name="one_state_per_pod")]

    def __str__(self) -> str:
        return self.pod_uid
