"""The scheduling API group: PriorityClass.

`validate` (this package's __init__) calls these after ObjectMeta's rules. It follows
k8s.io/kubernetes pkg/apis/scheduling/validation/validation.go (ValidatePriorityClass,
ValidatePriorityClassUpdate) and pkg/apis/scheduling/v1/helpers.go (IsKnownSystemPriorityClass):
a name with the `system-` prefix must be one of the two classes the API server creates, with
their value, and any other class stays at or below 1,000,000,000.
"""
from __future__ import annotations

from playground.store.errors import forbidden

from .field import Errors, validate_one_of
from .meta import validate_immutable

SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
# schedulingapiv1.SystemPriorityClasses: name → (value, description); neither is globalDefault
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": (
        SYSTEM_CRITICAL_PRIORITY + 1000, "Used for system critical pods that must not be moved from their current node."
    ),
    "system-cluster-critical": (
        SYSTEM_CRITICAL_PRIORITY,
        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
}
PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"]


def validate_priority_class(priority_class: dict) -> Errors:
    name = (priority_class.get("metadata") or {}).get("name") or ""
    value = priority_class.get("value")
    errors: Errors = []
    if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        problem = system_priority_class_problem(name, value, bool(priority_class.get("globalDefault")))
        if problem:
            errors.append(forbidden(
                "metadata.name",
                f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. "
                f"error: {problem}",
            ))
    elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errors.append(forbidden("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"))
    if priority_class.get("preemptionPolicy") is not None:
        errors += validate_one_of(priority_class["preemptionPolicy"], PREEMPTION_POLICIES, "preemptionPolicy")
    return errors


def validate_priority_class_update(priority_class: dict, old: dict) -> Errors:
    """Only the description, globalDefault and metadata may change."""
    errors: Errors = []
    if priority_class.get("value") != old.get("value"):
        errors.append(forbidden("value", "may not be changed in an update."))
    return errors + validate_immutable(priority_class.get("preemptionPolicy"), old.get("preemptionPolicy"), "preemptionPolicy")


def system_priority_class_problem(name: str, value: object, global_default: bool) -> str:
    """IsKnownSystemPriorityClass's error, or "" when `name` is a system class as it must be."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name][0]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name][0]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return ""
