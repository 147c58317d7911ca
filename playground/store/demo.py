"""The demo cluster: what a fresh `kind create cluster` with two workers shows.

`python manage.py playground` (and `cluster create`) → here → the store, in one batch. Three
nodes, `playground-control-plane` labelled and tainted as a kubeadm control plane so workloads
land on the two workers; the namespaces, `default` ServiceAccounts, the `kubernetes` Service,
kind's default StorageClass, and the two PriorityClasses every API server creates at start
(system-node-critical, system-cluster-critical: the scheduling/bootstrap-system-priority-classes
post-start hook). The kube-system workloads arrive with the controllers.
"""
from __future__ import annotations

from typing import Any

from . import api as store
from . import clusters
from .validation.scheduling import SYSTEM_PRIORITY_CLASSES

CONTROL_PLANE = "playground-control-plane"
WORKERS = ("playground-worker", "playground-worker2")
NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
KUBELET_VERSION = "v1.32.0"


def create_demo_cluster(name: str = "default") -> None:
    """A new cluster with the demo content; raises AlreadyExists if it is there."""
    clusters.create(name)
    seed(name)


def seed(cluster: str) -> None:
    now = store.timestamp(store.now(cluster))
    with store.batch(cluster) as batch:
        for namespace in NAMESPACES:
            batch.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for number, node_name in enumerate((CONTROL_PLANE, *WORKERS), start=2):
            batch.create(node(node_name, ip=f"172.18.0.{number}", pod_cidr=f"10.244.{number - 2}.0/24", now=now))
        for priority_class in system_priority_classes():
            batch.create(priority_class)
        for namespace in NAMESPACES:
            batch.create(
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}}
            )
        batch.create(kubernetes_service())
        batch.create(kubernetes_endpoints())
        batch.create(standard_storage_class())


def system_priority_classes() -> list[dict[str, Any]]:
    """schedulingapiv1.SystemPriorityClasses, as the API server stores them."""
    return [
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
         "value": value, "description": description}
        for name, (value, description) in SYSTEM_PRIORITY_CLASSES.items()
    ]


def node(name: str, *, ip: str, pod_cidr: str, now: str, cpu: str = "4", memory: str = "8Gi") -> dict[str, Any]:
    """A Ready node as the kubelet registers it; `control-plane` in the name makes it one."""
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    spec: dict[str, Any] = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr], "providerID": f"kind://docker/playground/{name}"}
    if name.endswith("control-plane"):
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    capacity = {"cpu": cpu, "ephemeral-storage": "100Gi", "memory": memory, "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {
            "addresses": [{"address": ip, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": _node_conditions(now),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kernelVersion": "6.1.0-playground",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": "",
            },
        },
    }


def _node_conditions(now: str) -> list[dict[str, str]]:
    rows = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return [
        {"lastHeartbeatTime": now, "lastTransitionTime": now, "message": message, "reason": reason, "status": status, "type": type_}
        for type_, status, reason, message in rows
    ]


def kubernetes_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": "10.96.0.1",
            "clusterIPs": ["10.96.0.1"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "type": "ClusterIP",
        },
    }


def kubernetes_endpoints() -> dict[str, Any]:
    """The API server's own address, which it keeps itself (the Service has no selector)."""
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": "172.18.0.2"}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}],
    }


def standard_storage_class() -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
