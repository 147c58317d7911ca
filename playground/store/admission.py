"""Admission: what happens to an object between the request and the database.

store.create / store.update → here → persist. In the API server's order: strict decoding against
the real schema (types, required and unknown fields), defaulting, the registry strategy's
PrepareForCreate / PrepareForUpdate (status is not the client's to set), then the semantic
validation of each kind. Nothing is stored when any step finds an error. The admission plugins
that read other objects get them from the store (api.py) and apply the rules here: Priority
(plugin/pkg/admission/priority/admission.go) resolves a new pod's priorityClassName.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import schemas
from .defaults import apply_defaults
from .errors import FieldError, Forbidden, Invalid
from .kinds import Kind
from .qos import qos_class
from .validation import validate

Obj = dict[str, Any]

# Kinds whose strategy keeps metadata.generation (bumped on every spec change).
GENERATION_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
DEFAULT_TOLERATION_SECONDS = 300  # plugin/pkg/admission/defaulttolerationseconds
SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"  # DefaultAPITokenMountPath
SERVICE_ACCOUNT_VOLUME_PREFIX = "kube-api-access-"
TOKEN_EXPIRATION_SECONDS = 3607  # serviceaccount.WarnOnlyBoundTokenExpirationSeconds
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0
# A new object's status as Go serialises its zero value: the fields without omitempty.
EMPTY_STATUS = {
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0},
}


def admit_create(kind: Kind, obj: Obj) -> Obj:
    """A defaulted, validated copy of `obj`, ready to be stored; raises Invalid."""
    obj = without_nulls(obj)
    _check(kind, obj, schemas.validate(kind, obj))
    apply_defaults(obj)
    prepare_for_create(kind, obj)
    if kind.kind == "Pod":
        admit_pod(obj["spec"])
    _check(kind, obj, validate(obj, None))
    return obj


def admit_update(kind: Kind, obj: Obj, old: Obj) -> Obj:
    """The object to store when `obj` replaces `old`: status and system metadata kept from `old`."""
    obj = without_nulls(obj)
    if kind.has_status and isinstance(obj, dict):  # the status is not the client's to write here
        _set_or_drop(obj, "status", old.get("status"))
    _check(kind, obj, schemas.validate(kind, obj))
    keep_system_metadata(obj, old)
    if kind.kind == "Namespace":  # only the finalize subresource changes them
        _set_or_drop(obj.setdefault("spec", {}), "finalizers", (old.get("spec") or {}).get("finalizers"))
    apply_defaults(obj)
    if kind.kind == "Pod":
        keep_priority(obj, old)
    if kind.kind in GENERATION_KINDS:
        generation = old["metadata"].get("generation", 1)
        obj["metadata"]["generation"] = generation + 1 if spec_of(obj) != spec_of(old) else generation
    _check(kind, obj, validate(obj, old))
    return obj


def admit_status_update(kind: Kind, obj: Obj, old: Obj) -> Obj:
    """`old` with only its status replaced by `obj`'s, as the status subresource writes it.
    A shallow copy is enough: only top-level and metadata keys are replaced, never mutated."""
    new = {**old, "metadata": dict(old["metadata"])}
    _set_or_drop(new, "status", without_nulls(obj.get("status")))  # the rest of `obj` is not read
    if kind.kind in GENERATION_KINDS:  # apps/batch status strategies keep spec and labels, not annotations
        _set_or_drop(new["metadata"], "annotations", without_nulls((obj.get("metadata") or {}).get("annotations")))
    # Only what this path may change is validated again, as the registries' status strategies
    # validate the status: the spec and the rest of the metadata are `old`'s, validated when
    # they were written (the whole object again was 4% of a controller worker's CPU)
    meta = {"annotations": new["metadata"]["annotations"]} if "annotations" in new["metadata"] else {}
    _check(kind, new, schemas.validate(kind, {**{k: v for k, v in new.items() if k != "spec"}, "metadata": meta}))
    return new


def prepare_for_create(kind: Kind, obj: Obj) -> None:
    """What each registry strategy's PrepareForCreate does: the client does not set status."""
    if kind.kind in GENERATION_KINDS:
        obj["metadata"]["generation"] = 1
        obj["status"] = dict(EMPTY_STATUS.get(kind.kind, {}))
    elif kind.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj["spec"])}
    elif kind.kind in ("PersistentVolume", "PersistentVolumeClaim"):
        obj["status"] = {"phase": "Pending"}
    elif kind.kind == "Service":
        obj["status"] = {"loadBalancer": {}}


def admit_pod(spec: Obj) -> None:
    """The mutating admission plugins every cluster runs on a new Pod that need nothing else
    from the store: ServiceAccount (the `default` account) and DefaultTolerationSeconds
    (tolerate a not-ready or unreachable node for 300 s before eviction)."""
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") in (key, None, "") and t.get("effect") in ("NoExecute", None, "") for t in tolerations):
            tolerations.append(
                {"effect": "NoExecute", "key": key, "operator": "Exists", "tolerationSeconds": DEFAULT_TOLERATION_SECONDS}
            )


def admit_priority(spec: Obj, pod_name: str, classes: Mapping[str, Obj]) -> None:
    """The Priority plugin's admitPod on create: spec.priority and spec.preemptionPolicy from
    the named PriorityClass, else from the globalDefault one, else 0 and PreemptLowerPriority.
    A missing class, or a priority or policy the pod sets otherwise, is Forbidden."""
    class_name = spec.get("priorityClassName") or ""
    chosen = classes.get(class_name) if class_name else default_priority_class(classes.values())
    if class_name and chosen is None:
        raise Forbidden(f'pods "{pod_name}" is forbidden: no PriorityClass with name {class_name} was found')
    if chosen is not None:
        spec["priorityClassName"] = chosen["metadata"]["name"]
    priority = chosen["value"] if chosen is not None else DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS
    policy = chosen.get("preemptionPolicy") if chosen is not None else DEFAULT_PREEMPTION_POLICY
    if spec.get("priority") is not None and spec["priority"] != priority:
        raise Forbidden(
            f'pods "{pod_name}" is forbidden: the integer value of priority ({spec["priority"]}) must not be provided '
            f"in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )
    spec["priority"] = priority
    if policy is None:
        return
    if spec.get("preemptionPolicy") is not None and spec["preemptionPolicy"] != policy:
        raise Forbidden(
            f'pods "{pod_name}" is forbidden: the string value of PreemptionPolicy ({spec["preemptionPolicy"]}) must not '
            f"be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
        )
    spec["preemptionPolicy"] = policy


def admit_priority_class(priority_class: Obj, classes: Mapping[str, Obj], *, update: bool) -> None:
    """The Priority plugin's validatePriorityClass: one globalDefault class at most."""
    if not priority_class.get("globalDefault"):
        return
    current = default_priority_class(classes.values())
    name = priority_class["metadata"]["name"]
    if current is not None and (not update or current["metadata"]["name"] != name):
        raise Forbidden(
            f'priorityclasses.scheduling.k8s.io "{name}" is forbidden: PriorityClass {current["metadata"]["name"]} '
            "is already marked as default. Only one default can exist"
        )


def default_priority_class(classes: Iterable[Obj]) -> Obj | None:
    """getDefaultPriorityClass: the globalDefault class; the lowest value should a race have made two."""
    defaults = [c for c in classes if c.get("globalDefault")]
    return min(defaults, key=lambda c: c.get("value", 0), default=None)


def keep_priority(pod: Obj, old: Obj) -> None:
    """admitPod on update: the priority and policy set at creation stay when an update omits them."""
    spec, old_spec = pod.get("spec"), old.get("spec") or {}
    if isinstance(spec, dict):
        for key in ("priority", "preemptionPolicy"):
            if spec.get(key) is None and old_spec.get(key) is not None:
                spec[key] = old_spec[key]


def should_automount(account: Obj, pod_spec: Obj) -> bool:
    """The pod's automountServiceAccountToken wins over its ServiceAccount's; unset means yes."""
    for setting in (pod_spec.get("automountServiceAccountToken"), account.get("automountServiceAccountToken")):
        if setting is not None:
            return bool(setting)
    return True


def mount_service_account_token(pod_spec: Obj, volume_name: str) -> None:
    """What the ServiceAccount admission plugin adds so a pod can call the API: the projected
    `kube-api-access-xxxxx` volume (a bound token, the cluster's CA, the namespace) mounted
    read-only in every container at /var/run/secrets/kubernetes.io/serviceaccount, unless the
    container already mounts something there (plugin/pkg/admission/serviceaccount/admission.go)."""
    volumes = pod_spec.setdefault("volumes", [])
    existing = next((v["name"] for v in volumes if v.get("name", "").startswith(SERVICE_ACCOUNT_VOLUME_PREFIX)), None)
    mount = {"mountPath": SERVICE_ACCOUNT_MOUNT, "name": existing or volume_name, "readOnly": True}
    needs_volume = False
    for container in [*pod_spec.get("initContainers", []), *pod_spec.get("containers", [])]:
        mounts = container.setdefault("volumeMounts", [])
        if not any(m.get("mountPath") == SERVICE_ACCOUNT_MOUNT for m in mounts):
            mounts.append(dict(mount))
            needs_volume = True
    if needs_volume and existing is None:
        volumes.append({"name": volume_name, "projected": token_volume_source()})
    if not volumes:
        del pod_spec["volumes"]


def token_volume_source() -> Obj:
    return {
        "defaultMode": 0o644,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                        "path": "namespace"}]}},
        ],
    }


def keep_system_metadata(obj: Obj, old: Obj) -> None:
    """Fields of metadata that only the server sets survive any client update."""
    meta, old_meta = obj.setdefault("metadata", {}), old["metadata"]
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        _set_or_drop(meta, key, old_meta.get(key))
    meta.pop("resourceVersion", None)


def spec_of(obj: Obj) -> Obj:
    """Everything but metadata and status: a change here is a new generation."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def without_nulls(value: Any) -> Any:
    """A deep copy without null map entries: the API server decodes `field: null` as unset."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _set_or_drop(target: Obj, key: str, value: Any) -> None:
    """Set or remove a field. Values are shared, not copied: both sides are fresh copies the
    store has just parsed or made, and neither is used again after the write."""
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _check(kind: Kind, obj: Obj, errors: list[FieldError]) -> None:
    if errors:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = meta.get("name") or meta.get("generateName") or ""
        raise Invalid(kind.qualified, name, errors)
