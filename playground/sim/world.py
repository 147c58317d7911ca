"""Everything that runs in a simulated cluster: the control plane's controllers, the node
lifecycle controller that watches the nodes' heartbeats, and the nodes' kubelets.

The controllers layer cannot know about the simulated nodes (they live above it), so the
whole set is put together here, for the manager, the tests and the benchmarks.
"""
from __future__ import annotations

from playground.controllers.manager import CONTROLLERS
from playground.controllers.nodelifecycle import NodeLifecycleController
from playground.controllers.runtime import Controller

from .kubelet import Kubelet
from .storage import VolumeStorage

COMPONENTS: list[type[Controller]] = [*CONTROLLERS, NodeLifecycleController, Kubelet, VolumeStorage]
