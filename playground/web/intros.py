"""What each page is, in Kubernetes' terms, and one thing to try there that leads to the next
idea: the short note every page opens with (dismissed once, remembered by static/navigation.js).

All the texts are here, by the URL name of the page they open (playground/web/urls.py), so they
are read, corrected and kept true in one place. `{name}`, `{namespace}`, `{cluster}`,
`{container}` are the page's own (from its URL); `{n}` is ` -n NAMESPACE`, or nothing in the
`default` namespace, as one types it. A command is what one types with the real kubectl (the
cluster page's "Download kubeconfig"), or after `python manage.py` with the same words.

request's URL name and arguments → intro_for → templates/web/navigation.html#intro.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Intro:
    what: str  # what you are looking at
    try_: str  # one thing to do next
    command: str = ""  # what to type for it, if anything


INTROS: dict[str, Intro] = {
    "clusters": Intro(
        "Every cluster on this server. Each is a sandbox of its own: its own nodes, namespaces, "
        "objects and clock; nothing in one cluster sees another, as with two kind clusters.",
        "Make a cluster of your own and open it: it starts as a fresh kind cluster with two workers.",
        "python manage.py cluster create team-a",
    ),
    "cluster": Intro(
        "The nodes of cluster {cluster} and the pods each one runs. The scheduler picks a node for "
        "every new pod; the kubelet on that node starts its containers. A pod the scheduler cannot "
        "place waits under Not scheduled, with the scheduler's reason.",
        "Scale the nginx Deployment to 5 (apply it first if it is not here) and watch the scheduler "
        "place the new pods on the workers, never on the control plane: it is tainted NoSchedule.",
        "kubectl apply -f examples/nginx-deployment.yaml\nkubectl scale deployment nginx --replicas=5",
    ),
    "objects": Intro(
        "Objects as kubectl get lists them. The API server stores every kind alike (apiVersion, "
        "kind, metadata, spec, status); controllers read the spec and write the status.",
        "Open a ReplicaSet: its owner is a Deployment, and its pods carry an ownerReference back to it.",
        "kubectl get deployments,replicasets,pods --show-labels",
    ),
    "deployment": Intro(
        "A Deployment declares the pods you want: spec.template and spec.replicas. Its controller "
        "makes one ReplicaSet per version of the template and replaces the old ReplicaSet's pods "
        "with the new one's as spec.strategy says (RollingUpdate or Recreate).",
        "Restart it: the template changes (an annotation), a new ReplicaSet grows while the old one "
        "shrinks, and rollout history gets a new revision.",
        "kubectl rollout restart deployment/{name}{n}\nkubectl rollout status deployment/{name}{n}",
    ),
    "replicaset": Intro(
        "A ReplicaSet keeps spec.replicas pods that match its selector: it creates pods from its "
        "template when there are too few and deletes some when there are too many. A Deployment "
        "usually owns it; you rarely make one yourself.",
        "Delete one of its pods (its page has a Delete button): the ReplicaSet creates a new one, "
        "with a new name, at once.",
        "kubectl delete pod POD{n}",
    ),
    "pod": Intro(
        "A Pod: one or more containers sharing one network namespace (one IP) and its volumes, held "
        "by a pause container, run by the kubelet of the node it is bound to. A pod never moves to "
        "another node: a controller replaces it with a new one.",
        "Crash a container with the button below and watch the kubelet restart it, waiting longer "
        "each time (CrashLoopBackOff: 10 s, 20 s, 40 s, up to 5 minutes).",
        "kubectl get pod {name}{n} --watch",
    ),
    "container-fs": Intro(
        "The filesystem container {container} sees: the image's read-only layers merged top down "
        "(overlayfs), the container's own writable layer on top, its volumes mounted over them.",
        "Find a file deleted in a later layer: the layer that added it still ships it, so the image "
        "did not get smaller.",
        "kubectl exec {name}{n} -c {container} -- ls -la /",
    ),
    "node": Intro(
        "A Node: a machine with a kubelet. The scheduler places pods on it while its allocatable "
        "cpu, memory and pod count allow; its Lease in kube-node-lease is the kubelet's heartbeat.",
        "Drain it: it is cordoned, its pods are evicted, and their controllers create new ones on "
        "the other nodes (DaemonSet pods stay). Uncordon it afterwards.",
        "kubectl drain {name} --ignore-daemonsets\nkubectl uncordon {name}",
    ),
    "namespace": Intro(
        "A Namespace scopes names: two objects of one kind may share a name in two namespaces. "
        "Deleting a namespace deletes everything in it.",
        "Create a Deployment here with a name the default namespace uses too: both live side by side.",
        "kubectl create deployment nginx --image=nginx:1.27 -n {name}",
    ),
    "service": Intro(
        "A Service gives the pods its selector matches one stable name and virtual IP. The "
        "endpoints controller lists the ready ones; only they receive traffic.",
        "Make one of its pods fail its readiness probe (the pod page's button) and watch it leave "
        "the endpoints while it keeps running.",
        "kubectl get endpoints {name}{n} --watch",
    ),
    "statefulset": Intro(
        "A StatefulSet gives each pod a stable identity: a name with an ordinal ({name}-0, "
        "{name}-1), a DNS name through its headless Service, and PersistentVolumeClaims of its "
        "own that outlive the pod. Pods start in order, 0 first.",
        "Delete {name}-0: the StatefulSet creates it again with the same name, and it mounts the same claim.",
        "kubectl delete pod {name}-0{n}\nkubectl get pods{n} --watch",
    ),
    "daemonset": Intro(
        "A DaemonSet runs one pod on every node it may use (node selector, affinity, the taints it "
        "tolerates), as kube-proxy and the network agent do; a node that joins gets one too.",
        "Look at which nodes have a pod and why the others do not: a taint it does not tolerate, "
        "or a node selector.",
        "kubectl get pods{n} -o wide",
    ),
    "configmap": Intro(
        "A ConfigMap holds configuration as keys and values. Pods read it as environment variables "
        "(set once, when a container starts) or as files in a volume (updated in place after a while).",
        "Change a key and compare a pod's file with its environment: only the file follows.",
        "kubectl edit configmap {name}{n}",
    ),
    "secret": Intro(
        "A Secret holds small sensitive values, base64-encoded: an encoding, not encryption. Anyone "
        "allowed to read the Secret can read the values; pods get them as files or environment variables.",
        "Decode a value as anyone with read access can: base64 gives it back at once.",
        "kubectl get secret {name}{n} -o jsonpath='{.data}'",
    ),
    "events": Intro(
        "Events: what the controllers, the scheduler and the kubelets report as they act (Scheduled, "
        "Pulling, Started, ScalingReplicaSet, BackOff). They are objects too, and the API server "
        "keeps them for an hour by default.",
        "Show only the Warnings: what went wrong, and which component said so.",
        "kubectl events -A --types=Warning",
    ),
    "dns": Intro(
        "CoreDNS answers names for Services (name.namespace.svc.cluster.local) and pods. A pod's "
        "resolver tries each search domain in turn (ndots:5), which is why a Service's short name "
        "works inside its own namespace.",
        "Look up a Service's short name from another namespace: it is not found until you add the namespace.",
        "kubectl exec POD -- nslookup kubernetes.default",
    ),
    "loop": Intro(
        "Controller loops at work: a change wakes a controller with the key of an object; it reads "
        "the desired state (spec) and the actual state, takes one step towards the desired, writes "
        "it, and waits for the next change.",
        "Pause the clock, scale a Deployment, then press Step: one reconcile at a time.",
        "kubectl scale deployment nginx --replicas=5",
    ),
    "new": Intro(
        "A manifest, as kubectl apply sends it: apiVersion, kind, metadata and spec. The API server "
        "fills in defaults and validates it before it stores anything.",
        "Give spec.replicas -1 and read the API server's Invalid error, with the field's path.",
        "kubectl apply -f manifest.yaml",
    ),
    "edit": Intro(
        "The live object, as kubectl edit opens it. What you change is written to its spec; the "
        "controllers take it from there.",
        "Change spec.replicas and watch the ReplicaSet create or delete pods to match.",
        "kubectl edit {kind}/{name}{n}",
    ),
    "upload": Intro(
        "Many manifests in one file, separated by ---, as kubectl apply -f reads them. Each document "
        "is validated by the API server's rules; here none is stored unless all of them pass.",
        "Upload a Deployment and the Service that selects its pods, in one file.",
        "kubectl apply -f app.yaml",
    ),
    "images": Intro(
        "Container images: each a stack of read-only layers, each layer a diff of files. A node "
        "pulls only the layers it does not hold yet, so images that share a base pull faster.",
        "Build an image that deletes a file in a later RUN: the image does not get smaller.",
        "docker build -t myapp:1 .",
    ),
    "image": Intro(
        "One image's layers, from the base up, each made by one Dockerfile instruction; the merged "
        "tree is what a container of this image starts with.",
        "Look for wasted bytes: files a later layer removed still ship in the layer that added them.",
        "docker history {ref}",
    ),
    "image-build": Intro(
        "A Dockerfile built step by step: each RUN, COPY and ADD makes a layer; an unchanged step "
        "is taken from the cache.",
        "Build twice: the second build says CACHED for every step that did not change.",
        "docker build -t myapp:1 .",
    ),
    "persistentvolumeclaim": Intro(
        "A PersistentVolumeClaim asks for storage (a size, an access mode); it is bound to a "
        "PersistentVolume, here made on demand by the default StorageClass's provisioner.",
        "Delete the pod that mounts it: the claim, and the data, stay.",
        "kubectl get pvc,pv{n}",
    ),
    "persistentvolume": Intro(
        "A PersistentVolume is a piece of storage in the cluster, bound to one claim; its reclaim "
        "policy says what happens to it when the claim goes.",
        "Delete its claim and see what its reclaim policy does to it.",
        "kubectl get pv {name}",
    ),
}
# Pages that are another view of one above
INTROS["new-kind"] = INTROS["new"]
INTROS["edit-cluster-scoped"] = INTROS["edit"]

PLACEHOLDER = re.compile(r"\{(cluster|namespace|name|n|container|kind|ref)\}")


def intro_for(page: str, arguments: Mapping[str, Any]) -> dict[str, Any] | None:
    """The page's note with its own names filled in, or None for a page without one."""
    intro = INTROS.get(page)
    if intro is None:
        return None
    namespace = str(arguments.get("namespace", "") or "")
    values = {k: str(v) for k, v in arguments.items()} | {
        "n": f" -n {namespace}" if namespace and namespace != "default" else "",
        "kind": str(arguments.get("kind", "")).lower(),
    }

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    return {"page": page, "what": fill(intro.what), "try": fill(intro.try_), "command": fill(intro.command)}
