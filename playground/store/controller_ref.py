"""Controller references: which object controls which, as metav1 tells it
(staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/controller_ref.go).

An object has at most one ownerReference with `controller: true`; the controllers write it
(new_controller_ref), the garbage collector, the pages and kubectl read it (controller_of).
"""
from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def controller_of(obj: Obj) -> Obj | None:
    """The ownerReference with `controller: true`, if any (metav1.GetControllerOf)."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    """The controller ownerReference points at owner's uid (metav1.IsControlledBy)."""
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == owner["metadata"].get("uid")


def new_controller_ref(owner: Obj) -> Obj:
    """A controller ownerReference to `owner`, as the controllers write them (metav1.NewControllerRef)."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
