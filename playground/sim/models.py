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
    """records.PodRecord as JSON (checkpoint.py): sandbox, container runs, back-off, probe counters."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    pod_uid = models.CharField(max_length=36)
    state = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "pod_uid"], name="one_state_per_pod")]

    def __str__(self) -> str:
        return self.pod_uid


class VolumeFile(models.Model):
    """A file in a volume that holds data: an emptyDir (as long as its pod lives), a
    PersistentVolume (as long as the volume: the next pod that mounts the claim finds it), a
    hostPath (as long as the node). Written by the container's program and from the page."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    volume = models.CharField(max_length=400)  # volumes.data_volume_key: "pv/NAME", "pod/UID/NAME", "host/NODE/PATH"
    path = models.CharField(max_length=1000)  # inside the volume, without a leading slash
    content = models.TextField(default="")
    mode = models.IntegerField(default=0o644)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "volume", "path"], name="one_file_per_volume_path")]

    def __str__(self) -> str:
        return f"{self.volume}:{self.path}"


class ContainerFile(models.Model):
    """A change in a container's writable layer (overlayfs upperdir): a file written (copy-up)
    or a whiteout. It belongs to one run of the container: a restarted container has a new,
    empty writable layer."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    pod_uid = models.CharField(max_length=36)
    container = models.CharField(max_length=63)
    run = models.IntegerField()  # which container instance: the kubelet's count of them, restartCount + 1
    path = models.CharField(max_length=1000)
    content = models.TextField(default="")
    mode = models.IntegerField(default=0o644)
    whiteout = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "pod_uid", "container", "run", "path"],
                                               name="one_change_per_layer_path")]

    def __str__(self) -> str:
        return f"{self.container}[{self.run}]:{self.path}"


class NodeFault(models.Model):
    """A fault injected from the page (faults.py), waiting for the node's kubelet to apply it."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    node = models.CharField(max_length=253)
    pod_uid = models.CharField(max_length=36)
    container = models.CharField(max_length=63)
    fault = models.CharField(max_length=40)  # records.FAULTS, or "heal-liveness" / "heal-readiness" / ...
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "node"], name="fault_by_node")]

    def __str__(self) -> str:
        return f"{self.fault} {self.container}"
