"""Everything that runs in a simulated cluster: the kube-controller-manager's controllers, and on
each node its kubelet, with the volume deleter that stands for the nodes' disks.

The controllers (playground/controllers) and the nodes (playground/sim) do not know each other,
as a kubelet and a controller manager only meet through the API server; this puts them together
for the manager (playground/runtime/manager.py), the tests and the benchmarks.
"""
from __future__ import annotations

from playground.controllers.controller_manager import CONTROLLERS
from playground.runtime.controller import Controller
from playground.sim.kubelet import Kubelet
from playground.sim.storage import VolumeStorage

COMPONENTS: list[type[Controller]] = [*CONTROLLERS, Kubelet, VolumeStorage]
