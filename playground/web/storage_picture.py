"""The storage pictures: a PersistentVolumeClaim and the PersistentVolume it is bound to, as pure
functions from Kubernetes objects to what a page draws.

store (claim, volume, StorageClasses, pods, Events) → claim_picture → templates/web/persistentvolumeclaim.html;
store (volume, its claim, pods, Events) → volume_picture → templates/web/persistentvolume.html;
and claim_box, a claim in one line (claim → volume, each a link), for the StatefulSet page.
The words are the API's (phase, accessModes, claimRef, persistentVolumeReclaimPolicy), and what
a phase or a policy means is said as the PersistentVolume controller acts on it
(controllers/persistentvolume.py, persistentvolumeclaim.py): the page and the cluster agree.
"""
from __future__ import annotations

from typing import Any

from playground.controllers import persistentvolume as pv_rules
from playground.controllers.scheduling import node_selector_matches

from .picture import conditions, object_url, owner_link

Obj = dict[str, Any]

ACCESS_MODES = {  # what each access mode lets pods do (the PersistentVolume docs' words)
    "ReadWriteOnce": "RWO: read-write by the pods of one node",
    "ReadOnlyMany": "ROX: read-only by many nodes",
    "ReadWriteMany": "RWX: read-write by many nodes",
    "ReadWriteOncePod": "RWOP: read-write by one pod only",
}
CLAIM_PHASES = {
    "Pending": "not bound to a volume yet",
    "Bound": "bound: the claim and the volume name each other",
    "Lost": "its volume is gone: the data it held is lost",
}
VOLUME_PHASES = {
    "Available": "free: no claim is bound to it yet",
    "Bound": "bound to the claim in its claimRef",
    "Released": "its claim was deleted; the reclaim policy decides what happens to the data",
    "Failed": "its automatic reclamation failed",
    "Pending": "not ready yet",
}
RECLAIM_POLICIES = {
    "Retain": "Retain: when the claim is deleted the volume is kept, Released, data and all, until an administrator deals with it",
    "Delete": "Delete: when the claim is deleted the volume and its data are deleted too",
    "Recycle": "Recycle: deprecated (the data is scrubbed and the volume offered again)",
}
SOURCES = ("hostPath", "local", "csi", "nfs", "iscsi", "fc", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk")
HOSTNAME_LABEL = "kubernetes.io/hostname"


def claim_box(cluster: str, claim: Obj | None, name: str, namespace: str) -> Obj:
    """A claim in one line: its name, phase, the volume it is bound to and its size, each a link."""
    url = object_url(cluster, "PersistentVolumeClaim", name, namespace)
    if claim is None:
        return {"name": name, "url": url, "phase": "not created yet", "volume": "", "volume_url": "", "capacity": "",
                "exists": False}
    status = claim.get("status") or {}
    volume = (claim.get("spec") or {}).get("volumeName", "")
    return {
        "name": name,
        "url": url,
        "phase": status.get("phase", "Pending"),
        "volume": volume,
        "volume_url": object_url(cluster, "PersistentVolume", volume) if volume else "",
        "capacity": (status.get("capacity") or {}).get("storage", ""),
        "exists": True,
    }


# --- a PersistentVolumeClaim -----------------------------------------------------------------------


def claim_picture(cluster: str, claim: Obj, *, volume: Obj | None, classes: list[Obj], pods: list[Obj],
                  nodes: list[Obj]) -> Obj:
    """What the claim asks for (spec), what it got (status, the volume and where its data lives),
    the class that provides it, and the pods that mount it."""
    meta, spec, status = claim["metadata"], claim.get("spec") or {}, claim.get("status") or {}
    phase = status.get("phase", "Pending")
    class_name = pv_rules.claim_class(claim, classes)
    volume_name = spec.get("volumeName", "")
    return {
        "phase": phase,
        "phase_means": claim_phase_means(claim, volume, classes),
        "requested": ((spec.get("resources") or {}).get("requests") or {}).get("storage", ""),
        "capacity": (status.get("capacity") or {}).get("storage", ""),
        "access_modes": [{"mode": m, "means": ACCESS_MODES.get(m, m)} for m in spec.get("accessModes") or []],
        "volume_mode": spec.get("volumeMode") or "Filesystem",
        "storage_class": storage_class_facts(class_name, classes),
        "volume": volume_name,
        "volume_url": object_url(cluster, "PersistentVolume", volume_name) if volume_name else "",
        "volume_exists": volume is not None,
        "where": where(cluster, volume, nodes) if volume is not None else None,
        "selected_node": pv_rules.annotations(claim).get(pv_rules.ANN_SELECTED_NODE, ""),
        "owner": owner_link(cluster, claim),
        "mounted_by": mounted_by(cluster, meta["name"], pods),
        "conditions": conditions(claim),
        "terminating": bool(meta.get("deletionTimestamp")),
        "finalizers": meta.get("finalizers") or [],
    }


def claim_phase_means(claim: Obj, volume: Obj | None, classes: list[Obj]) -> str:
    """The claim's phase in a sentence; for a Pending claim, what it waits for."""
    phase = (claim.get("status") or {}).get("phase", "Pending")
    if phase != "Pending":
        return CLAIM_PHASES.get(phase, "")
    if claim["spec"].get("volumeName") and volume is None:
        return f"waits for volume {claim['spec']['volumeName']}, which does not exist"
    class_name = pv_rules.claim_class(claim, classes)
    by_name = {c["metadata"]["name"]: c for c in classes}
    if class_name and class_name not in by_name:
        return f"no StorageClass {class_name}: nothing provisions a volume for it"
    if pv_rules.is_delay_binding(class_name, by_name) and not pv_rules.annotations(claim).get(pv_rules.ANN_SELECTED_NODE):
        return "WaitForFirstConsumer: bound once a pod that uses it is scheduled, on that pod's node"
    return "waits for a volume to be provisioned, or for a matching one to be created"


def storage_class_facts(name: str, classes: list[Obj]) -> Obj:
    found = next((c for c in classes if c["metadata"]["name"] == name), None)
    default = pv_rules.default_class(classes)
    return {
        "name": name,
        "default": default is not None and default is found,
        "exists": found is not None,
        "provisioner": (found or {}).get("provisioner", ""),
        "binding_mode": (found or {}).get("volumeBindingMode", "Immediate") if found else "",
        "reclaim_policy": (found or {}).get("reclaimPolicy", "Delete") if found else "",
    }


def mounted_by(cluster: str, claim_name: str, pods: list[Obj]) -> list[Obj]:
    """The pods whose volumes name this claim, each with where its containers mount it."""
    rows = []
    for pod in pods:
        spec, meta = pod.get("spec") or {}, pod["metadata"]
        volumes = [v["name"] for v in spec.get("volumes") or []
                   if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim_name]
        if not volumes:
            continue
        node = spec.get("nodeName", "")
        rows.append({
            "name": meta["name"],
            "url": object_url(cluster, "Pod", meta["name"], meta.get("namespace", "")),
            "node": node,
            "node_url": object_url(cluster, "Node", node) if node else "",
            "phase": (pod.get("status") or {}).get("phase", "Pending"),
            "terminating": bool(meta.get("deletionTimestamp")),
            "mounts": [
                {"container": c["name"], "path": m.get("mountPath", ""), "read_only": bool(m.get("readOnly")), "volume": m["name"]}
                for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
                for m in c.get("volumeMounts") or [] if m.get("name") in volumes
            ],
        })
    return sorted(rows, key=lambda r: r["name"])


# --- a PersistentVolume ----------------------------------------------------------------------------


def volume_picture(cluster: str, volume: Obj, *, claim: Obj | None, nodes: list[Obj], pods: list[Obj]) -> Obj:
    """The volume: its phase, size, modes and reclaim policy; the claim its claimRef names (and
    whether that claim names it back); where its data lives (the source, and the nodes that can
    reach it); the pods that mount it through the claim."""
    meta, spec, status = volume["metadata"], volume.get("spec") or {}, volume.get("status") or {}
    ref = spec.get("claimRef") or {}
    policy = spec.get("persistentVolumeReclaimPolicy", "Retain")
    phase = status.get("phase", "Pending")
    return {
        "phase": phase,
        "phase_means": VOLUME_PHASES.get(phase, ""),
        "message": status.get("message", ""),
        "capacity": (spec.get("capacity") or {}).get("storage", ""),
        "access_modes": [{"mode": m, "means": ACCESS_MODES.get(m, m)} for m in spec.get("accessModes") or []],
        "volume_mode": spec.get("volumeMode") or "Filesystem",
        "storage_class": spec.get("storageClassName", ""),
        "reclaim_policy": policy,
        "reclaim_means": RECLAIM_POLICIES.get(policy, policy),
        "claim_ref": claim_ref(cluster, ref, claim, volume),
        **where(cluster, volume, nodes),
        "provisioned_by": pv_rules.annotations(volume).get(pv_rules.ANN_DYNAMICALLY_PROVISIONED, ""),
        "mounted_by": mounted_by(cluster, ref.get("name", ""), [p for p in pods if p["metadata"].get("namespace") == ref.get("namespace")])
        if ref and claim is not None and pv_rules.is_volume_bound_to_claim(volume, claim) else [],
        "terminating": bool(meta.get("deletionTimestamp")),
        "finalizers": meta.get("finalizers") or [],
    }


def claim_ref(cluster: str, ref: Obj, claim: Obj | None, volume: Obj) -> Obj | None:
    """The claimRef, linked, and whether the binding holds both ways (the claim exists, is that
    very claim by uid, and its volumeName is this volume)."""
    if not ref:
        return None
    namespace, name = ref.get("namespace", ""), ref.get("name", "")
    if claim is None:
        state = "the claim no longer exists"
    elif not pv_rules.is_volume_bound_to_claim(volume, claim):
        state = "a claim of that name exists, but not the one this volume was bound to (another uid)"
    elif (claim.get("spec") or {}).get("volumeName") != volume["metadata"]["name"]:
        state = "reserved for it: the claim does not name this volume yet"
    else:
        state = "bound both ways: the claim's volumeName is this volume"
    return {"namespace": namespace, "name": name, "uid": ref.get("uid", ""), "state": state,
            "url": object_url(cluster, "PersistentVolumeClaim", name, namespace) if claim is not None else ""}


def where(cluster: str, volume: Obj, nodes: list[Obj]) -> Obj:
    """Where a volume's data lives: its source, and the nodes that reach it."""
    return {"source": volume_source(volume.get("spec") or {}), "nodes": reachable_nodes(cluster, volume, nodes)}


def volume_source(spec: Obj) -> Obj:
    """Where the data lives: the volume source's type and its path or driver."""
    for kind in SOURCES:
        source = spec.get(kind)
        if source is None:
            continue
        detail = source.get("path") or source.get("driver") or source.get("volumeHandle") or source.get("server") or ""
        if kind == "csi" and source.get("volumeHandle"):
            detail = f"{source.get('driver', '')} {source['volumeHandle']}"
        return {"type": kind, "path": detail}
    return {"type": "", "path": ""}


def reachable_nodes(cluster: str, volume: Obj, nodes: list[Obj]) -> Obj:
    """The nodes the volume's nodeAffinity lets a pod using it run on (a local volume lives on
    one node: its pods go there); every node when it has none."""
    required = pv_rules.volume_node_affinity(volume)
    if required is None:
        return {"any": True, "names": []}
    found = [{"name": n["metadata"]["name"], "url": object_url(cluster, "Node", n["metadata"]["name"])}
             for n in nodes if node_selector_matches(required, n)]
    if not found:  # the node is gone: its name as the affinity writes it, with no page to link
        found = [{"name": v, "url": ""} for term in required.get("nodeSelectorTerms") or []
                 for e in term.get("matchExpressions") or [] if e.get("key") == HOSTNAME_LABEL for v in e.get("values") or []]
    return {"any": False, "names": found}
