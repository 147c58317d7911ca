"""The nodes' own state, kept beside the store (logs, the kubelet's checkpoints, volume and
container files, faults): what a reset cluster must also forget."""
from __future__ import annotations

from playground.store import clusters

from .models import ContainerFile, ContainerLogLine, KubeletPodState, NodeFault, VolumeFile


def forget_nodes_state(cluster: str) -> None:
    """What `cluster reset` also drops: the nodes' logs, kubelet checkpoints, files and faults (a
    new node of the same name starts with nothing, and a volume of the same name is empty)."""
    cluster_id = clusters.id_of(cluster)
    for model in (ContainerLogLine, KubeletPodState, VolumeFile, ContainerFile, NodeFault):
        model.objects.filter(cluster_id=cluster_id).delete()
