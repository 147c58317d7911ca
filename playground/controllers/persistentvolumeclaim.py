"""PersistentVolumeClaim controller: binds claims to volumes, and has volumes provisioned for
them, as syncClaim in kubernetes/kubernetes pkg/controller/volume/persistentvolume/pv_controller.go
does, with kind's local-path provisioner (rancher/local-path-provisioner, driven by
kubernetes-sigs/sig-storage-lib-external-provisioner) running beside it.

PersistentVolumeClaim change, or a change to a volume that names it → key `namespace/name` →
reconcile. A claim not yet bound gets the smallest Available volume that fits it (class, access
modes, size, volumeMode, selector); failing that, a claim whose class binds on its first consumer
waits for a pod to be scheduled (the scheduler then writes volume.kubernetes.io/selected-node),
a claim with a class has a volume provisioned, and a claim without one waits (FailedBinding).
Binding writes the volume's claimRef, then the claim's volumeName, then both phases Bound. A
bound claim whose volume disappears is Lost. Pending claims are looked at again every 15 seconds,
as the controller's resync does (each look repeats its Event, which then counts up).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.runtime.events import NORMAL, WARNING, EventRecorder
from playground.store import api as store

from .persistentvolume import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    LOCAL_PATH_COMPONENT,
    LOCAL_PATH_PROVISIONER,
    annotations,
    claim_class,
    claim_names,
    claim_request,
    find_best_match_for_claim,
    has_access_modes,
    is_delay_binding,
    is_volume_bound_to_claim,
    phase_status,
    volume_capacity,
    volume_class,
    volume_mode_mismatch,
)

Obj = dict[str, Any]
RESYNC_PERIOD = 15.0  # seconds: kube-controller-manager's --pvclaimbinder-sync-period
LOCAL_PATH_ROOT = "/var/local-path-provisioner"  # kind's local-path-config nodePathMap
LABEL_HOSTNAME = "kubernetes.io/hostname"

WAITING_FOR_FIRST_CONSUMER = "waiting for first consumer to be created before binding"
NO_CLASS = "no persistent volumes available for this claim and no storage class is set"
EXTERNAL_PROVISIONING = (
    "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the "
    "system administrator. If volume creation is delayed, please verify that the provisioner is running and "
    "correctly registered."
)


class PersistentVolumeClaimController(Controller):
    kind = "PersistentVolumeClaim"
    component = "persistentvolume-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provisioner_events = EventRecorder(self.cluster, component=LOCAL_PATH_COMPONENT)

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == self.kind:
            yield f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
        elif obj["kind"] == "PersistentVolume":
            for volume in (obj, old):
                ref = (volume or {}).get("spec", {}).get("claimRef")
                if ref and ref.get("name"):
                    yield f"{ref.get('namespace') or 'default'}/{ref['name']}"
            if is_newly_available(obj, old):
                # Playground: the claims waiting for one look at once, not at their next resync
                for claim in self.cache.list(self.kind):
                    if not claim["spec"].get("volumeName") and claim["status"].get("phase") == "Pending":
                        yield f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"

    def reconcile(self, key: Key) -> Result:
        claim = self.cache.get(self.kind, key)
        if claim is None:
            return Result()  # deleted: the volume controller releases its volume
        if ANN_BIND_COMPLETED not in annotations(claim):
            return self.sync_unbound_claim(claim)
        return self.sync_bound_claim(claim)

    # -- a claim that has not been bound yet ------------------------------------------------------

    def sync_unbound_claim(self, claim: Obj) -> Result:
        if claim["spec"].get("volumeName"):
            return self.sync_claim_asking_for_volume(claim)
        classes = {c["metadata"]["name"]: c for c in self.cache.list("StorageClass")}
        class_name = claim_class(claim, classes.values())
        delay_binding = is_delay_binding(class_name, classes)
        selected_node = annotations(claim).get(ANN_SELECTED_NODE)
        node = self.cache.get("Node", selected_node) if selected_node else None
        volume = find_best_match_for_claim(
            claim, self.cache.list("PersistentVolume"), class_name=class_name, delay_binding=delay_binding, node=node
        )
        if volume is not None:
            self.bind(volume, claim)
            return Result()
        if delay_binding and not selected_node:
            self.wait_for_first_consumer(claim)
        elif class_name:
            self.provision_claim(claim, class_name)
            return Result(requeue_after=RESYNC_PERIOD, background=True)
        else:
            self.record(claim, NORMAL, "FailedBinding", NO_CLASS)
        self.update_claim_phase(claim, "Pending")
        return Result(requeue_after=RESYNC_PERIOD, background=True)

    def sync_claim_asking_for_volume(self, claim: Obj) -> Result:
        """The user named the volume in spec.volumeName: bind to it when it exists and fits."""
        volume = self.cache.get("PersistentVolume", claim["spec"]["volumeName"])
        if volume is None:
            pass  # not there (yet): look again later
        elif not volume["spec"].get("claimRef"):
            mismatch = volume_mismatch(volume, claim, claim_class(claim, self.cache.list("StorageClass")))
            if mismatch is None:
                self.bind(volume, claim)
                return Result()
            message = f'Cannot bind to requested volume "{volume["metadata"]["name"]}": {mismatch}'
            self.record(claim, WARNING, "VolumeMismatch", message)
        elif is_volume_bound_to_claim(volume, claim):
            self.bind(volume, claim)
            return Result()
        # else: the volume is another claim's; the user asked for it, so wait for it
        self.update_claim_phase(claim, "Pending")
        return Result(requeue_after=RESYNC_PERIOD, background=True)

    def wait_for_first_consumer(self, claim: Obj) -> None:
        """emitEventForUnboundDelayBindingClaim: name the pods that use the claim but are not
        scheduled yet, if any."""
        namespace, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        waiting = sorted(
            p["metadata"]["name"] for p in self.cache.list("Pod", namespace=namespace)
            if not p["spec"].get("nodeName") and name in claim_names(p)
        )
        if not waiting:
            self.record(claim, NORMAL, "WaitForFirstConsumer", WAITING_FOR_FIRST_CONSUMER)
        elif len(waiting) == 1:
            self.record(claim, NORMAL, "WaitForPodScheduled", f"waiting for pod {waiting[0]} to be scheduled")
        else:
            self.record(claim, NORMAL, "WaitForPodScheduled", f"waiting for pods {','.join(waiting)} to be scheduled")

    # -- provisioning -----------------------------------------------------------------------------

    def provision_claim(self, claim: Obj, class_name: str) -> None:
        """provisionClaim: every provisioner here is an external one; the claim is annotated with
        its name, which is how that provisioner knows the claim is its to provision."""
        storage_class = self.cache.get("StorageClass", class_name)
        if storage_class is None:
            self.record(claim, WARNING, "ProvisioningFailed", f'storageclass.storage.k8s.io "{class_name}" not found')
            return
        provisioner = storage_class["provisioner"]
        if provisioner.startswith("kubernetes.io/"):  # in-tree plugins: none is compiled in any more
            self.record(claim, WARNING, "ProvisioningFailed", f"no volume plugin matched name: {provisioner}")
            return
        wanted = {ANN_STORAGE_PROVISIONER: provisioner, ANN_BETA_STORAGE_PROVISIONER: provisioner}
        if not wanted.items() <= annotations(claim).items():
            # Playground: the Event is recorded once, when the claim is handed over (Kubernetes
            # repeats it on every pass until the volume is there)
            meta = {**claim["metadata"], "annotations": {**annotations(claim), **wanted}}
            with store.batch(self.cluster) as batch:
                claim = batch.update({**claim, "metadata": meta})
                message = EXTERNAL_PROVISIONING.format(provisioner=provisioner)
                self.events.record(batch, claim, NORMAL, "ExternalProvisioning", message)
            return  # the provisioner sees the annotated claim on the next pass
        if provisioner == LOCAL_PATH_PROVISIONER:
            self.provision_local_path(claim, storage_class)
        # any other provisioner does not run in the playground: the claim waits, as it would

    def provision_local_path(self, claim: Obj, storage_class: Obj) -> None:
        """The local-path provisioner: a hostPath directory on the node the claim's first consumer
        went to, and a volume pinned to that node, pre-bound to the claim."""
        uid = claim["metadata"]["uid"]
        if self.cache.get("PersistentVolume", f"pvc-{uid}") is not None:
            return  # provisioned already; binding is next
        node_name = annotations(claim).get(ANN_SELECTED_NODE)
        problem = local_path_problem(claim, node_name, node_exists=bool(node_name and self.cache.get("Node", node_name)))
        namespace, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        with store.batch(self.cluster) as batch:
            self.provisioner_events.record(
                batch, claim, NORMAL, "Provisioning", f'External provisioner is provisioning volume for claim "{namespace}/{name}"'
            )
            if problem is not None:
                message = f'failed to provision volume with StorageClass "{storage_class["metadata"]["name"]}": {problem}'
                self.provisioner_events.record(batch, claim, WARNING, "ProvisioningFailed", message)
                return
            volume = batch.create(local_path_volume(claim, storage_class, node_name or ""))
            message = f"Successfully provisioned volume {volume['metadata']['name']}"
            self.provisioner_events.record(batch, claim, NORMAL, "ProvisioningSucceeded", message)

    # -- a claim that was bound -------------------------------------------------------------------

    def sync_bound_claim(self, claim: Obj) -> Result:
        volume_name = claim["spec"].get("volumeName")
        volume = self.cache.get("PersistentVolume", volume_name) if volume_name else None
        if not volume_name:
            self.lose(claim, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
        elif volume is None:
            self.lose(claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
        elif not volume["spec"].get("claimRef") or volume["spec"]["claimRef"].get("uid") == claim["metadata"]["uid"]:
            self.bind(volume, claim)  # all is well (this writes nothing), or the volume came unbound
        else:
            self.lose(claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly")
        return Result()

    def lose(self, claim: Obj, reason: str, message: str) -> None:
        """updateClaimStatusWithEvent(Lost): once; a Lost claim stays Lost."""
        if claim["status"].get("phase") == "Lost":
            return
        status = {k: v for k, v in claim["status"].items() if k not in ("accessModes", "capacity")}
        with store.batch(self.cluster) as batch:
            batch.update_status({**claim, "status": {**status, "phase": "Lost"}})
            self.events.record(batch, claim, WARNING, reason, message)

    # -- binding ----------------------------------------------------------------------------------

    def bind(self, volume: Obj, claim: Obj) -> None:
        """bind(): the volume's claimRef and the claim's volumeName (one commit), then both
        phases (a second: each object's status goes through its status subresource). A crash in
        between is finished by the next pass, which finds the claim half bound."""
        bound_volume = volume_bound_to_claim(volume, claim)
        if bound_volume != volume or claim_bound_to_volume(claim, volume) != claim:
            with store.batch(self.cluster) as batch:
                volume = batch.update(bound_volume)
                claim = batch.update(claim_bound_to_volume(claim, volume))
        # else: bound already, as every later pass finds it: no write, not even a no-op one
        volume_status = phase_status(volume, "Bound", now=store.timestamp(self.now()))
        claim_status = {
            **claim["status"],
            "phase": "Bound",
            "accessModes": list(volume["spec"].get("accessModes") or []),
            "capacity": dict(volume["spec"].get("capacity") or {}),
        }
        if volume_status == volume.get("status") and claim_status == claim.get("status"):
            return
        with store.batch(self.cluster) as batch:
            if volume_status != volume.get("status"):
                batch.update_status({**volume, "status": volume_status})
            if claim_status != claim.get("status"):
                batch.update_status({**claim, "status": claim_status})

    def update_claim_phase(self, claim: Obj, phase: str) -> None:
        if claim["status"].get("phase") != phase:
            store.update_status(self.cluster, {**claim, "status": {**claim["status"], "phase": phase}})

    def record(self, claim: Obj, type_: str, reason: str, message: str) -> None:
        with store.batch(self.cluster) as batch:
            self.events.record(batch, claim, type_, reason, message)


def is_newly_available(volume: Obj, old: Obj | None) -> bool:
    phase = (volume.get("status") or {}).get("phase")
    return phase == "Available" and (old is None or (old.get("status") or {}).get("phase") != phase)


def volume_bound_to_claim(volume: Obj, claim: Obj) -> Obj:
    """getBindVolumeToClaim: claimRef set to the claim, marked bound-by-controller unless the
    user had pre-bound it."""
    meta, spec = dict(volume["metadata"]), dict(volume["spec"])
    ref = spec.get("claimRef") or {}
    if not is_volume_bound_to_claim(volume, claim):
        meta["annotations"] = {**annotations(volume), ANN_BOUND_BY_CONTROLLER: "yes"}
    if (ref.get("name"), ref.get("namespace"), ref.get("uid")) != (
        claim["metadata"]["name"], claim["metadata"]["namespace"], claim["metadata"]["uid"]
    ):
        spec["claimRef"] = claim_reference(claim)
    return {**volume, "metadata": meta, "spec": spec}


def claim_bound_to_volume(claim: Obj, volume: Obj) -> Obj:
    """bindClaimToVolume: volumeName, bound-by-controller if the controller chose the volume,
    and bind-completed."""
    meta, spec = dict(claim["metadata"]), dict(claim["spec"])
    extra = {}
    if spec.get("volumeName") != volume["metadata"]["name"]:
        spec["volumeName"] = volume["metadata"]["name"]
        extra[ANN_BOUND_BY_CONTROLLER] = "yes"
    meta["annotations"] = {**extra, **annotations(claim), ANN_BIND_COMPLETED: "yes"}
    return {**claim, "metadata": meta, "spec": spec}


def claim_reference(claim: Obj) -> Obj:
    """An ObjectReference to the claim (reference.GetReference)."""
    meta = claim["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "resourceVersion": meta.get("resourceVersion", ""),
        "uid": meta["uid"],
    }


def volume_mismatch(volume: Obj, claim: Obj, class_name: str) -> str | None:
    """checkVolumeSatisfyClaim: why the volume the user named cannot serve the claim, if it cannot."""
    if volume["metadata"].get("deletionTimestamp"):
        return f'the volume is marked for deletion "{volume["metadata"]["name"]}"'
    if volume_capacity(volume) < claim_request(claim):
        return "requested PV is too small"
    if volume_class(volume) != class_name:
        return "storageClassName does not match"
    if volume_mode_mismatch(claim, volume):
        return "incompatible volumeMode"
    if not has_access_modes(volume, claim):
        return "incompatible accessMode"
    return None


def local_path_problem(claim: Obj, node_name: str | None, *, node_exists: bool) -> str | None:
    """Why the local-path provisioner refuses the claim (provisioner.go provisionFor), if it does."""
    if claim["spec"].get("selector") is not None:
        return "claim.Spec.Selector is not supported"
    for mode in claim["spec"].get("accessModes") or []:
        if mode == "ReadWriteMany":
            return f"NodePath '{LOCAL_PATH_ROOT}' is not shared filesystem"
        if mode not in ("ReadWriteOnce", "ReadWriteOncePod"):
            return "Only support ReadWriteOnce, ReadWriteOncePod and ReadWriteMany (for shared filesystem) access mode"
    if not node_name:
        return "configuration error, no node was specified"
    if not node_exists:
        return f'failed to get target node: nodes "{node_name}" not found'
    return None


def local_path_volume(claim: Obj, storage_class: Obj, node_name: str) -> Obj:
    """The volume the local-path provisioner creates: `pvc-<claim uid>`, a directory under
    /var/local-path-provisioner on the node, reachable from that node only."""
    meta = claim["metadata"]
    name = f"pvc-{meta['uid']}"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": name,
            "annotations": {
                "local.path.provisioner/selected-node": node_name,
                ANN_DYNAMICALLY_PROVISIONED: LOCAL_PATH_PROVISIONER,
            },
        },
        "spec": {
            "accessModes": list(claim["spec"].get("accessModes") or []),
            "capacity": {"storage": claim["spec"]["resources"]["requests"]["storage"]},
            "claimRef": claim_reference(claim),
            "hostPath": {"path": f"{LOCAL_PATH_ROOT}/{name}_{meta['namespace']}_{meta['name']}", "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": LABEL_HOSTNAME, "operator": "In", "values": [node_name]}]}
            ]}},
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
            "storageClassName": storage_class["metadata"]["name"],
            "volumeMode": claim["spec"].get("volumeMode") or "Filesystem",
        },
    }
