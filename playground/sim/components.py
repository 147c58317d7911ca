"""The components that run in every simulated cluster: the control plane's controllers, the node
lifecycle controller that watches the nodes' heartbeats, the nodes' kubelets and the storage
behind PersistentVolumes; and what `cluster reset` drops of the nodes' own state.

The controllers layer cannot know about the simulated nodes (they live above it), so the
whole set is put together here, for the manager, the tests and the benchmarks.
"""
from __future__ import annotations

from playground.controllers.manager import CONTROLLERS
from playground.controllers.nodelifecycle import NodeLifecycleController
from playground.controllers.runtime import Controller
from playground.store.models import Cluster

from .kubelet import Kubelet
from .models import ContainerFile, ContainerLogLine, KubeletPodState, NodeFault, VolumeFile
from .storage import VolumeStorage

COMPONENTS: list[type[Controller]] = [*CONTROLLERS, NodeLifecycleController, Kubelet, VolumeStorage]


def forget_nodes_state(cluster: str) -> None:
    """What `cluster reset` also drops: the nodes' logs, kubelet memory, files and faults (a new
    node of the same name starts with nothing, and a volume of the same name is empty)."""
    cluster_id = Cluster.objects.filter(name=cluster).values_list("id", flat=True).first()
    for model in (ContainerLogLine, KubeletPodState, VolumeFile, ContainerFile, NodeFault):
        model.objects.filter(cluster_id=cluster_id).delete()
