"""The storage API group: StorageClass (PersistentVolumes and their claims are core, in core.py).

`validate` (this package's __init__) calls these after ObjectMeta's rules. It follows
k8s.io/kubernetes pkg/apis/storage/validation/validation.go (ValidateStorageClass,
ValidateStorageClassUpdate).
"""
from __future__ import annotations

from playground.store.errors import forbidden, not_supported, required

from .field import Errors, as_text, validate_one_of
from .meta import validate_immutable
from .names import validate_qualified_name


def validate_storage_class(storage_class: dict) -> Errors:
    provisioner = as_text(storage_class.get("provisioner"))
    errors = [required("provisioner")] if not provisioner else validate_qualified_name(provisioner.lower(), "provisioner")
    policy = storage_class.get("reclaimPolicy")
    if policy is not None and policy not in ("Delete", "Retain"):
        errors.append(not_supported("reclaimPolicy", policy, ["Delete", "Retain"]))
    errors += validate_one_of(storage_class.get("volumeBindingMode"), ["Immediate", "WaitForFirstConsumer"], "volumeBindingMode")
    return errors


def validate_storage_class_update(storage_class: dict, old: dict) -> Errors:
    errors = validate_storage_class(storage_class)
    for field_name in ("parameters", "provisioner", "reclaimPolicy"):
        if storage_class.get(field_name) != old.get(field_name):
            errors.append(forbidden(field_name, f"updates to {field_name} are forbidden."))
    return errors + validate_immutable(storage_class.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode")

