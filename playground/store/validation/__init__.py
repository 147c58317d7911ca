"""Semantic validation: the rules the API server checks after defaulting, before storing.

Input → store admission: defaults → the schema (types, unknown fields; checked elsewhere) →
`validate(obj, old)` here → persist. Every rule is a small pure function on Kubernetes JSON that
returns `FieldError`s with the field path, type and message the API server uses, so a learner
reads here exactly what `kubectl apply` would print. Odd input (a list where a map belongs) gives
errors, never an exception.

The package is laid out as Kubernetes' validation is: one module per API group, following
k8s.io/kubernetes pkg/apis/<group>/validation — core.py (Service, ConfigMap, Secret, volumes and
claims, Namespace, Node, Event) and pods.py (PodSpec, templates, Pod) for the core group, apps.py,
batch.py, storage.py, discovery.py, scheduling.py — over the shared k8s.io/apimachinery pieces: meta.py
(ObjectMeta, labels, selectors: pkg/api/validation, pkg/apis/meta/v1/validation), names.py
(DNS-1123, qualified names, ports: pkg/util/validation) and field.py (field paths, safe JSON
access: pkg/util/validation/field). Below, each kind names its rules in one table.
"""
from __future__ import annotations

from collections.abc import Callable

from playground.store.errors import TYPE_INTERNAL, FieldError, invalid
from playground.store.kinds import KINDS

from . import apps, batch, core, discovery, pods, scheduling, storage
from .field import Errors, meta_of
from .meta import (
    NameFn,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = ["validate"]


def validate(obj: dict, old: dict | None = None) -> list[FieldError]:
    """The field errors of an (already defaulted) object; `old` is the stored one on update."""
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    try:
        kind = obj.get("kind")
        rules = _RULES.get(kind) if isinstance(kind, str) else None
        if rules is None:
            return []
        if isinstance(old, dict):
            return validate_object_meta_update(meta_of(obj), meta_of(old)) + rules.update(obj, old)
        return validate_object_meta(meta_of(obj), namespaced=_namespaced(kind), name_fn=rules.name) + rules.create(obj)
    except Exception as error:  # a bug here must cost one object, never the writer
        return [FieldError(TYPE_INTERNAL, "", f"validation failed: {error!r}")]


def _namespaced(kind: str) -> bool:
    return KINDS[kind].namespaced if kind in KINDS else True


def _nothing(obj: dict) -> Errors:
    return []


class _Rules:
    """How one kind is checked: on create, on update (create's rules unless said), and its name."""

    def __init__(self, create: Callable[[dict], Errors], update: Callable[[dict, dict], Errors] | None = None,
                 *, name: NameFn = name_is_dns_subdomain) -> None:
        self.create = create
        self.update = update or (lambda obj, old: create(obj))
        self.name = name


_RULES: dict[str, _Rules] = {
    # core
    "Namespace": _Rules(core.validate_namespace, name=name_is_dns_label),
    "Node": _Rules(core.validate_node),
    "Pod": _Rules(pods.validate_pod, pods.validate_pod_update),
    "Service": _Rules(core.validate_service, core.validate_service_update, name=name_is_dns1035_label),
    "Endpoints": _Rules(_nothing),
    "ConfigMap": _Rules(core.validate_config_map, core.validate_config_map_update),
    "Secret": _Rules(core.validate_secret, core.validate_secret_update),
    "ServiceAccount": _Rules(_nothing),
    "PersistentVolume": _Rules(core.validate_persistent_volume),
    "PersistentVolumeClaim": _Rules(core.validate_persistent_volume_claim, core.validate_persistent_volume_claim_update),
    "Event": _Rules(core.validate_event),
    # apps
    "ReplicaSet": _Rules(apps.validate_replica_set, apps.validate_replica_set_update),
    "Deployment": _Rules(apps.validate_deployment, apps.validate_deployment_update),
    "StatefulSet": _Rules(apps.validate_stateful_set, apps.validate_stateful_set_update, name=name_is_dns_label),
    "DaemonSet": _Rules(apps.validate_daemon_set, apps.validate_daemon_set_update),
    # batch
    "Job": _Rules(batch.validate_job, batch.validate_job_update),
    # discovery.k8s.io
    "EndpointSlice": _Rules(discovery.validate_endpoint_slice, discovery.validate_endpoint_slice_update),
    # storage.k8s.io
    "StorageClass": _Rules(storage.validate_storage_class, storage.validate_storage_class_update),
    # scheduling.k8s.io
    "PriorityClass": _Rules(scheduling.validate_priority_class, scheduling.validate_priority_class_update),
    # coordination.k8s.io
    "Lease": _Rules(_nothing),
}
