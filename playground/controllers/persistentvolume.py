"""PersistentVolume controller: a volume's phase and what happens to it once its claim is gone,
as syncVolume in kubernetes/kubernetes pkg/controller/volume/persistentvolume/pv_controller.go.

PersistentVolume change, or a change to the claim it names → key `name` → reconcile: a volume
without a claim is Available; one whose claim is bound to it is Bound; one whose claim was
deleted is Released and then reclaimed by its persistentVolumeReclaimPolicy (Retain keeps it,
Delete deletes it: the local-path provisioner deletes what it provisioned, the hostPath deleter
only deletes /tmp paths, and anything else fails with VolumeFailedDelete). Binding claims to
volumes is the claim side's work (persistentvolumeclaim.py).

Also here, as pure functions on Kubernetes JSON, the storage rules both sides and the scheduler
share: the claim's class (the default StorageClass for a claim without one), delayed binding,
FindMatchingVolume (component-helpers/storage/volume/pv_helpers.go) with the access-mode index
of index.go, and the VolumeBinding plugin's PreFilter (`pod_volumes`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from playground.runtime.cache import Cache, Key
from playground.runtime.controller import Controller, Result
from playground.runtime.events import WARNING
from playground.store import api as store
from playground.store.quantity import parse_quantity
from playground.store.selectors import label_selector_matches

from .scheduling import PodVolumes, UnboundClaim, node_selector_matches

Obj = dict[str, Any]

# Annotations, spelled as pkg/controller/volume/persistentvolume and component-helpers spell them
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
LOCAL_PATH_PROVISIONER = "rancher.io/local-path"  # kind's default provisioner
LOCAL_PATH_COMPONENT = "rancher.io/local-path_local-path-provisioner"  # its Events' source

AVAILABLE, BOUND, RELEASED, FAILED = "Available", "Bound", "Released", "Failed"
VOLUME_FAILED_DELETE = "VolumeFailedDelete"
HOST_PATH_DELETABLE = re.compile(r"/tmp/.+")  # the in-tree hostPath deleter refuses anything else


# --- storage rules ---------------------------------------------------------------------------


def annotations(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def default_class(classes: Iterable[Obj]) -> Obj | None:
    """The default StorageClass (util.GetDefaultClass): of several, the newest, then by name."""
    defaults = [
        c for c in classes
        if "true" in (annotations(c).get(ANN_DEFAULT_CLASS), annotations(c).get(ANN_BETA_DEFAULT_CLASS))
    ]
    if not defaults:
        return None
    return max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))


def claim_class(claim: Obj, classes: Iterable[Obj]) -> str:
    """GetPersistentVolumeClaimClass, "" for no class. A claim without storageClassName gets the
    default class, as the DefaultStorageClass admission plugin would have written it.
    Playground: the store has no such plugin, and forbids setting the field later, so the
    claim is read as if it had been admitted with it."""
    name = claim["spec"].get("storageClassName")
    if name is not None:
        return name
    found = default_class(classes)
    return found["metadata"]["name"] if found is not None else ""


def volume_class(volume: Obj) -> str:
    return volume["spec"].get("storageClassName") or ""


def is_delay_binding(class_name: str, classes: Mapping[str, Obj]) -> bool:
    """IsDelayBindingMode: the claim's class binds on its first consumer (a missing class does not)."""
    storage_class = classes.get(class_name) if class_name else None
    return storage_class is not None and storage_class.get("volumeBindingMode") == "WaitForFirstConsumer"


def claim_request(claim: Obj) -> Decimal:
    return _quantity(((claim["spec"].get("resources") or {}).get("requests") or {}).get("storage"))


def volume_capacity(volume: Obj) -> Decimal:
    return _quantity((volume["spec"].get("capacity") or {}).get("storage"))


def _quantity(value: Any) -> Decimal:
    try:
        return parse_quantity(value) if value is not None else Decimal(0)
    except ValueError:
        return Decimal(0)


def is_volume_bound_to_claim(volume: Obj, claim: Obj) -> bool:
    """The volume's claimRef names this claim (and, if it has a uid, this very claim)."""
    ref = volume["spec"].get("claimRef")
    if not ref or ref.get("name") != claim["metadata"]["name"]:
        return False
    if (ref.get("namespace") or "") != claim["metadata"]["namespace"]:
        return False
    return not ref.get("uid") or ref["uid"] == claim["metadata"]["uid"]


def volume_mode_mismatch(claim: Obj, volume: Obj) -> bool:
    return (claim["spec"].get("volumeMode") or "Filesystem") != (volume["spec"].get("volumeMode") or "Filesystem")


def has_access_modes(volume: Obj, claim: Obj) -> bool:
    """CheckAccessModes: the volume offers every access mode the claim asks for (it may offer more)."""
    return set(claim["spec"].get("accessModes") or []) <= set(volume["spec"].get("accessModes") or [])


def volume_node_affinity(volume: Obj) -> Obj | None:
    return (volume["spec"].get("nodeAffinity") or {}).get("required")


def node_affinity_matches(volume: Obj, node: Obj) -> bool:
    """CheckNodeAffinity: a volume without a required node affinity is reachable from every node."""
    required = volume_node_affinity(volume)
    return required is None or node_selector_matches(required, node)


def find_best_match_for_claim(
    claim: Obj, volumes: Iterable[Obj], *, class_name: str, delay_binding: bool, node: Obj | None = None
) -> Obj | None:
    """index.go findByClaim: the volumes are grouped by their set of access modes; the groups that
    offer every mode the claim asks for are searched fewest modes first, each with
    FindMatchingVolume: a volume already bound to this claim wins, else the smallest that fits.
    `node`: the node the claim's first consumer went to (the scheduler's path)."""
    groups: dict[frozenset[str], list[Obj]] = {}
    for volume in sorted(volumes, key=lambda v: v["metadata"]["name"]):
        if has_access_modes(volume, claim):
            groups.setdefault(frozenset(volume["spec"].get("accessModes") or []), []).append(volume)
    for modes in sorted(groups, key=lambda m: (len(m), sorted(m))):
        found = find_matching_volume(claim, groups[modes], class_name=class_name, delay_binding=delay_binding, node=node)
        if found is not None:
            return found
    return None


def find_matching_volume(
    claim: Obj, volumes: Iterable[Obj], *, class_name: str, delay_binding: bool, node: Obj | None = None
) -> Obj | None:
    """FindMatchingVolume (component-helpers/storage/volume/pv_helpers.go)."""
    smallest: Obj | None = None
    for volume in volumes:
        reachable = node is None or node_affinity_matches(volume, node)
        if is_volume_bound_to_claim(volume, claim) and satisfies_claim(volume, claim):
            return volume if reachable else None  # pre-bound to this claim, or provisioned for it
        if node is None and delay_binding:
            continue  # the claim's first consumer decides where (the scheduler's path)
        if not reachable or not volume_fits_claim(volume, claim, class_name=class_name):
            continue
        if smallest is None or volume_capacity(smallest) > volume_capacity(volume):
            smallest = volume
    return smallest


def satisfies_claim(volume: Obj, claim: Obj) -> bool:
    """Large enough, the same volumeMode, and not being deleted."""
    return (
        volume_capacity(volume) >= claim_request(claim)
        and not volume_mode_mismatch(claim, volume)
        and not volume["metadata"].get("deletionTimestamp")
    )


def volume_fits_claim(volume: Obj, claim: Obj, *, class_name: str) -> bool:
    """An unclaimed Available volume the claim may be bound to: big enough, of its class, with
    its access modes and volumeMode, and selected by its selector if it has one."""
    selector = claim["spec"].get("selector")
    return (
        not volume["spec"].get("claimRef")
        and (volume.get("status") or {}).get("phase") == AVAILABLE
        and satisfies_claim(volume, claim)
        and has_access_modes(volume, claim)
        and volume_class(volume) == class_name
        and (selector is None or label_selector_matches(selector, volume["metadata"].get("labels") or {}))
    )


def claim_names(pod: Obj) -> list[str]:
    """The PersistentVolumeClaims the pod's volumes name."""
    return [
        v["persistentVolumeClaim"]["claimName"]
        for v in (pod.get("spec") or {}).get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    ]


def pod_volumes(pod: Obj, cache: Cache, *, selected_nodes: Mapping[Key, str] | None = None) -> PodVolumes | None:
    """VolumeBinding's PreFilter (podHasPVCs, GetPodVolumeClaims) over the cache: None for a pod
    without claims. `selected_nodes`: claims given a node earlier in the same scheduling pass."""
    names = claim_names(pod)
    if not names:
        return None
    namespace = pod["metadata"].get("namespace") or "default"
    classes = {c["metadata"]["name"]: c for c in cache.list("StorageClass")}
    claims = []
    for name in names:
        claim = cache.get("PersistentVolumeClaim", f"{namespace}/{name}")
        if claim is None:
            return PodVolumes(unschedulable=f'persistentvolumeclaim "{name}" not found')
        if (claim.get("status") or {}).get("phase") == "Lost":
            volume_name = claim["spec"].get("volumeName", "")
            return PodVolumes(unschedulable=f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume "{volume_name}"')
        if claim["metadata"].get("deletionTimestamp"):
            return PodVolumes(unschedulable=f'persistentvolumeclaim "{name}" is being deleted')
        claims.append(claim)
    bound, missing, unbound = [], False, []
    for claim in claims:
        if claim["spec"].get("volumeName") and ANN_BIND_COMPLETED in annotations(claim):
            volume = cache.get("PersistentVolume", claim["spec"]["volumeName"])
            missing |= volume is None
            if volume is not None and volume_node_affinity(volume) is not None:
                bound.append(volume_node_affinity(volume))
            continue
        class_name = claim_class(claim, classes.values())
        if not is_delay_binding(class_name, classes):
            return PodVolumes(unschedulable="pod has unbound immediate PersistentVolumeClaims")
        unbound.append(_unbound_claim(claim, class_name, classes, cache, selected_nodes or {}))
    return PodVolumes(bound_affinities=tuple(bound), missing_volume=missing, unbound=tuple(unbound))


def _unbound_claim(claim: Obj, class_name: str, classes: Mapping[str, Obj], cache: Cache, selected: Mapping[Key, str]) -> UnboundClaim:
    key = f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"
    fitting = [
        v for v in cache.list("PersistentVolume")
        if volume_fits_claim(v, claim, class_name=class_name) or is_volume_bound_to_claim(v, claim) and satisfies_claim(v, claim)
    ]
    provisioner = classes[class_name].get("provisioner") or ""
    return UnboundClaim(
        claim=claim,
        selected_node=selected.get(key) or annotations(claim).get(ANN_SELECTED_NODE),
        volume_affinities=tuple(volume_node_affinity(v) for v in fitting),
        provisionable=provisioner not in ("", NOT_SUPPORTED_PROVISIONER),
    )


def phase_status(obj: Obj, phase: str, *, message: str = "", now: str) -> Obj:
    """A volume's status in `phase` (updateVolumePhase): the transition time moves only with the phase."""
    status = dict(obj.get("status") or {})
    if status.get("phase") != phase:
        status["lastPhaseTransitionTime"] = now
    status["phase"] = phase
    if message:
        status["message"] = message
    else:
        status.pop("message", None)
    return status


# --- the controller ----------------------------------------------------------------------------


class PersistentVolumeController(Controller):
    kind = "PersistentVolume"
    component = "persistentvolume-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == self.kind:
            yield obj["metadata"]["name"]
        elif obj["kind"] == "PersistentVolumeClaim":
            # The claim's volume, and any volume that names the claim (provisioned for it, or released)
            for claim in (obj, old):
                if claim is not None and claim["spec"].get("volumeName"):
                    yield claim["spec"]["volumeName"]
            for volume in self.cache.list(self.kind):
                if is_volume_bound_to_claim(volume, obj):
                    yield volume["metadata"]["name"]

    def reconcile(self, key: Key) -> Result:
        volume = self.cache.get(self.kind, key)
        if volume is None:
            return Result()
        ref = volume["spec"].get("claimRef")
        if not ref or not ref.get("uid"):
            self.update_phase(volume, AVAILABLE)  # unused, or reserved for a claim that will bind it
            return Result()
        claim = self.cache.get("PersistentVolumeClaim", f"{ref.get('namespace') or 'default'}/{ref['name']}")
        if claim is not None and claim["metadata"]["uid"] != ref["uid"]:
            claim = None  # deleted, and another made with the same name

        if claim is None:
            # Its claim is gone: released, then reclaimed. A Failed volume stays Failed for all to see.
            if volume["status"].get("phase") not in (RELEASED, FAILED):
                volume = self.update_phase(volume, RELEASED)
            self.reclaim(volume)
        elif not claim["spec"].get("volumeName"):
            pass  # the claim side has not finished binding (or this volume was just provisioned)
        elif claim["spec"]["volumeName"] == volume["metadata"]["name"]:
            self.update_phase(volume, BOUND)
        elif ANN_DYNAMICALLY_PROVISIONED in annotations(volume) and self.policy(volume) == "Delete":
            # Provisioned for a claim that got bound to another volume: not needed
            if volume["status"].get("phase") not in (RELEASED, FAILED):
                volume = self.update_phase(volume, RELEASED)
            self.reclaim(volume)
        elif ANN_BOUND_BY_CONTROLLER in annotations(volume):
            self.unbind(volume)  # our own binding, lost to another volume: give it back
        return Result()

    @staticmethod
    def policy(volume: Obj) -> str:
        return volume["spec"].get("persistentVolumeReclaimPolicy") or "Retain"

    def update_phase(self, volume: Obj, phase: str, *, message: str = "") -> Obj:
        if (volume.get("status") or {}).get("phase") == phase:
            return volume
        status = phase_status(volume, phase, message=message, now=store.timestamp(self.now()))
        return store.update_status(self.cluster, {**volume, "status": status})

    def reclaim(self, volume: Obj) -> None:
        """reclaimVolume: Retain keeps the volume Released for an administrator to look at;
        Delete removes it. Playground: Recycle (deprecated) is left Released."""
        if self.policy(volume) != "Delete" or volume["status"].get("phase") == FAILED:
            return
        name = volume["metadata"]["name"]
        provisioner = annotations(volume).get(ANN_DYNAMICALLY_PROVISIONED)
        if provisioner == LOCAL_PATH_PROVISIONER:
            # The provisioner deletes its directory (a helper pod on the node), then the volume
            store.delete(self.cluster, self.kind, name)
        elif provisioner and not provisioner.startswith("kubernetes.io/"):
            return  # an external provisioner that does not run here deletes it, or nobody does
        elif (host_path := volume["spec"].get("hostPath")) is not None:
            path = host_path.get("path", "")
            if HOST_PATH_DELETABLE.search(path):
                store.delete(self.cluster, self.kind, name)
            else:
                self.fail_delete(volume, f"host_path deleter only supports /tmp/.+ but received provided {path}")
        else:
            self.fail_delete(volume, f'error getting deleter volume plugin for volume "{name}": no deletable volume plugin matched')

    def fail_delete(self, volume: Obj, message: str) -> None:
        status = phase_status(volume, FAILED, message=message, now=store.timestamp(self.now()))
        with store.batch(self.cluster) as batch:
            batch.update_status({**volume, "status": status})
            self.events.record(batch, volume, WARNING, VOLUME_FAILED_DELETE, message)

    def unbind(self, volume: Obj) -> None:
        """unbindVolume: forget the claim the controller had put there; the volume is Available again."""
        meta = dict(volume["metadata"])
        meta["annotations"] = {k: v for k, v in annotations(volume).items() if k != ANN_BOUND_BY_CONTROLLER}
        spec = {k: v for k, v in volume["spec"].items() if k != "claimRef"}
        updated = store.update(self.cluster, {**volume, "metadata": meta, "spec": spec})
        self.update_phase(updated, AVAILABLE)
