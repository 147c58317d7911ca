"""kube-controller-manager: the controllers it runs, in the order their keys are taken each turn
(cmd/kube-controller-manager/app/controllermanager.go, NewControllerDescriptors).

playground/runtime/manager.py runs these, with the nodes' kubelets (playground/components.py),
for every cluster.
"""
from __future__ import annotations

from playground.runtime.controller import Controller

from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .garbagecollector import GarbageCollector
from .namespace import NamespaceController
from .nodeipam import NodeIpamController
from .nodelifecycle import NodeLifecycleController
from .persistentvolume import PersistentVolumeController
from .persistentvolumeclaim import PersistentVolumeClaimController
from .podgc import PodGarbageCollector
from .replicaset import ReplicaSetController
from .rootcacertpublisher import RootCACertPublisher
from .scheduler import Scheduler
from .serviceaccount import ServiceAccountsController
from .statefulset import StatefulSetController

CONTROLLERS: list[type[Controller]] = [
    ServiceAccountsController,  # first: a namespace's pods wait for its `default` account
    RootCACertPublisher,
    DeploymentController,
    ReplicaSetController,
    Scheduler,
    GarbageCollector,
    NamespaceController,
    DaemonSetController,
    EndpointsController,
    EndpointSliceController,
    StatefulSetController,
    PersistentVolumeClaimController,
    PersistentVolumeController,
    PodGarbageCollector,
    NodeLifecycleController,
    NodeIpamController,
]
