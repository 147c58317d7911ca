"""What a fresh `kind create cluster` runs in kube-system, for the playground's demo clusters.

`python manage.py playground` / `cluster create` → store.demo (nodes, namespaces, the
`kubernetes` Service, the default StorageClass) → here: the images a kind node image carries
(so they are never pulled), the control plane's static pods as the kubelet mirrors them
(etcd, kube-apiserver, kube-controller-manager, kube-scheduler: hostNetwork, on the control
plane, owned by their Node), kube-proxy and kindnet as DaemonSets on every node, and CoreDNS:
its ConfigMap, a Deployment of 2 and the kube-dns Service at 10.96.0.10. Tests start from the
lean store.demo cluster instead. `join_node` is a machine joining later (`kubeadm join`).
"""
from __future__ import annotations

from typing import Any

from playground.images import catalog, registry
from playground.store import api as store
from playground.store import clusters
from playground.store.demo import CONTROL_PLANE, create_demo_cluster, node, seed
from playground.store.errors import BadRequest

from .kubelet import node_conditions

from .node_state import forget_nodes_state

Obj = dict[str, Any]
KUBE_VERSION = "v1.32.0"
STATIC_PODS = {
    "etcd": ("registry.k8s.io/etcd:3.5.16-0", "100m", "100Mi"),
    "kube-apiserver": (f"registry.k8s.io/kube-apiserver:{KUBE_VERSION}", "250m", None),
    "kube-controller-manager": (f"registry.k8s.io/kube-controller-manager:{KUBE_VERSION}", "200m", None),
    "kube-scheduler": (f"registry.k8s.io/kube-scheduler:{KUBE_VERSION}", "100m", None),
}
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.3"
COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


def create_kind_cluster(name: str = "default") -> None:
    """A new cluster as kind makes it: nodes, namespaces, and the kube-system workloads."""
    create_demo_cluster(name)
    seed_kube_system(name)


def reset_kind_cluster(name: str) -> None:
    """The cluster as `create_kind_cluster` left it: every object, image built or imported, and
    node's memory of its containers forgotten, then the nodes and kube-system made again."""
    clusters.reset(name)
    forget_nodes_state(name)
    registry.forget(name)
    seed(name)
    seed_kube_system(name)


def join_node(cluster: str, name: str = "") -> str:
    """A new worker machine whose kubelet registers its Node, as after `kubeadm join`: the next
    `playground-workerN` unless named, its address the next of the node network. It registers
    without a pod range and NotReady, tainted not-ready (the kubelet's initial node, with
    --register-with-taints as kubeadm sets none): the node IPAM controller gives it a podCIDR,
    its kubelet then reports it Ready, and the DaemonSets (kube-proxy, kindnet) put a pod on it."""
    nodes = store.list(cluster, "Node")
    names = {n["metadata"]["name"] for n in nodes}
    name = name or next(f"playground-worker{n}" for n in range(2, len(names) + 3) if f"playground-worker{n}" not in names)
    if name in names:
        raise BadRequest(f'node "{name}" already exists')
    addresses = [a["address"] for n in nodes for a in n["status"].get("addresses", []) if a["type"] == "InternalIP"]
    last = max((int(a.rsplit(".", 1)[1]) for a in addresses if a.startswith("172.18.0.")), default=1)
    joined = node(name, ip=f"172.18.0.{last + 1}", pod_cidr="", now=store.timestamp(store.now(cluster)))
    joined["spec"] = {"providerID": joined["spec"]["providerID"],
                      "taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]}
    status, reason, message = node_conditions(joined)["Ready"]
    joined["status"]["conditions"] = [{**c, "status": status, "reason": reason, "message": message}
                                      if c["type"] == "Ready" else c for c in joined["status"]["conditions"]]
    joined["status"]["images"] = node_images()
    store.create(cluster, joined)  # admission checks the name as it checks any Node's
    return f"node/{name} joined"


def seed_kube_system(cluster: str) -> None:
    with store.batch(cluster) as batch:
        for node in store.list(cluster, "Node"):
            batch.update_status({**node, "status": {**node["status"], "images": node_images()}})
        control_plane = store.get(cluster, "Node", CONTROL_PLANE)
        for component, (image, cpu, memory) in STATIC_PODS.items():
            batch.create(static_pod(component, image, control_plane, cpu=cpu, memory=memory))
        for account in ("coredns", "kube-proxy", "kindnet"):  # each workload runs as its own account
            batch.create({"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": account, "namespace": "kube-system"}})
        batch.create(coredns_config_map())
        batch.create(coredns_deployment())
        batch.create(kube_dns_service())
        batch.create(node_daemon_set("kube-proxy", f"registry.k8s.io/kube-proxy:{KUBE_VERSION}",
                                     ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                      "--hostname-override=$(NODE_NAME)"]))
        batch.create(node_daemon_set("kindnet", "docker.io/kindest/kindnetd:v20241108-5c6d2daf", ["/bin/kindnetd"],
                                     resources={"requests": {"cpu": "100m", "memory": "50Mi"},
                                                "limits": {"cpu": "100m", "memory": "50Mi"}}))


def node_images() -> list[Obj]:
    """node.status.images as the kubelet reports what the node image carries."""
    images = []
    for reference in catalog.NODE_IMAGES:
        image = catalog.find(reference)
        assert image is not None, reference
        images.append({"names": [f"{reference.rpartition(':')[0]}@{image.digest}", reference], "sizeBytes": image.size})
    return images


def static_pod(component: str, image: str, node: Obj, *, cpu: str, memory: str | None) -> Obj:
    """A mirror pod: the kubelet runs the static pod from a file, and shows it here, owned by its Node."""
    node_name = node["metadata"]["name"]
    requests = {"cpu": cpu, **({"memory": memory} if memory else {})}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{component}-{node_name}",
            "namespace": "kube-system",
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": {"kubernetes.io/config.mirror": component, "kubernetes.io/config.source": "file"},
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node["metadata"]["uid"], "controller": True}
            ],
        },
        "spec": {
            "nodeName": node_name,
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "priority": 2000001000,
            "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
            "containers": [{"name": component, "image": image, "imagePullPolicy": "IfNotPresent",
                            "resources": {"requests": requests}}],
        },
    }


def coredns_config_map() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": COREFILE},
    }


def coredns_deployment() -> Obj:
    labels = {"k8s-app": "kube-dns"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                    "containers": [
                        {
                            "name": "coredns",
                            "image": COREDNS_IMAGE,
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [
                                {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                                {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
                            ],
                            "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                            "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "initialDelaySeconds": 60,
                                              "timeoutSeconds": 5, "failureThreshold": 5},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}},
                            "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                        }
                    ],
                    "dnsPolicy": "Default",
                    "volumes": [
                        {"name": "config-volume",
                         "configMap": {"name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}
                    ],
                },
            },
        },
    }


def node_daemon_set(name: str, image: str, command: list[str], *, resources: Obj | None = None) -> Obj:
    """A DaemonSet that every node runs on its host network: kube-proxy and the CNI agent."""
    labels = {"k8s-app": name}
    container: Obj = {
        "name": name,
        "image": image,
        "command": command,
        "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "securityContext": {"privileged": True},
    }
    if resources:
        container["resources"] = resources
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "hostNetwork": True,
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": name,
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [container],
                },
            },
        },
    }


def kube_dns_service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
        },
        "spec": {
            "clusterIP": "10.96.0.10",
            "selector": {"k8s-app": "kube-dns"},
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
        },
    }
