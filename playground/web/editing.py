"""Editing a stored object as `kubectl edit` does, and showing a Secret without its values.

"Edit" → `opened(live)`: the live object as kubectl edit opens it (without status and
managedFields; its resourceVersion kept), a Secret's values masked → the form and the YAML →
`edit_patch(original, edited, live)`: the two-way strategic merge patch from the object as it
was opened to the object as edited, which is all that is sent (store.patch), so what the user
did not touch (a `kubectl scale`, a `set image` since the last apply) stays as it is live.

Follows staging/src/k8s.io/kubectl/pkg/cmd/util/editor/editoptions.go (visitToPatch): the patch
is CreateTwoWayMergePatch(original, edited) with the preconditions that apiVersion, kind and
name are unchanged, sent without a resourceVersion, so others' changes to other fields are
merged, not overwritten. Where someone else changed a field the user changed too since the page
opened, kubectl edit would silently overwrite it; here the patch carries the resourceVersion
the page was opened at, and the store answers Conflict, as an update would.
"""
from __future__ import annotations

import copy
from typing import Any

from playground.store import merge
from playground.store.api import LAST_APPLIED
from playground.store.errors import BadRequest, FieldError, Invalid, invalid

from .manifest_forms import SECRET_MASK

Obj = dict[str, Any]
MASK = SECRET_MASK  # what kubectl diff's Masker writes for a Secret's value
# What kubectl edit refuses to change (mergepatch.RequireKeyUnchanged / RequireMetadataKeyUnchanged)
PRECONDITIONS = ("apiVersion", "kind", "metadata.name", "metadata.namespace")
CHANGED_IDENTITY = "At least one of apiVersion, kind and name was changed"


def opened(live: Obj) -> Obj:
    """The object kubectl edit opens: the live object without its status (the main resource
    ignores it) and its managedFields (kubectl edit hides them), a Secret's values masked."""
    obj = masked(live)
    obj.pop("status", None)
    (obj.get("metadata") or {}).pop("managedFields", None)
    return obj


def masked(obj: Obj) -> Obj:
    """A copy of `obj`; a Secret's `data` values and its last-applied annotation (which holds
    the whole manifest, data included) replaced by the mask."""
    obj = copy.deepcopy(obj)
    if obj.get("kind") != "Secret":
        return obj
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            obj[field] = {key: MASK for key in obj[field]}
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if LAST_APPLIED in annotations:
        annotations[LAST_APPLIED] = MASK
    return obj


def edit_patch(original: Obj, edited: Obj, live: Obj) -> Obj:
    """The strategic merge patch that makes of `live` what the user made of `original`: only
    the fields they changed. With the resourceVersion `original` was opened at when `live` has
    since changed one of those fields (the store then answers Conflict). Raises BadRequest
    (identity changed, or no patch can be made) and Invalid (a mask where no value was masked)."""
    for path in PRECONDITIONS:
        if _dig(original, path) != _dig(edited, path):
            raise BadRequest(CHANGED_IDENTITY)
    edited = {k: v for k, v in edited.items() if k != "status"}  # the main resource ignores status
    (edited.get("metadata") or {}).pop("managedFields", None)
    refuse_masks(original, edited)
    kind = str(original["kind"])
    patch = _patch(original, edited, kind)
    if patch and changed_meanwhile(original, patch, opened(live), kind):
        patch.setdefault("metadata", {})["resourceVersion"] = original["metadata"].get("resourceVersion")
    return patch


def changed_meanwhile(original: Obj, patch: Obj, current: Obj, kind: str) -> bool:
    """Whether someone else changed, since `original` was opened, a field `patch` changes too:
    their change and ours then give different objects in either order (merge's conflict rule,
    MergingMapsHaveConflicts, by its effect). A Secret's values are masked on both sides, so any
    change of a Secret since it was opened counts when the patch writes values."""
    if _dig(current, "metadata.resourceVersion") == _dig(original, "metadata.resourceVersion"):
        return False
    if kind == "Secret" and ({"data", "stringData"} & set(patch)):
        return True
    others = _patch(original, current, kind)
    try:
        ours_first = merge.strategic_merge_patch(merge.strategic_merge_patch(original, patch, kind), others, kind)
        theirs_first = merge.strategic_merge_patch(merge.strategic_merge_patch(original, others, kind), patch, kind)
    except ValueError:
        return True
    return ours_first != theirs_first


def refuse_masks(original: Obj, edited: Obj) -> None:
    """A mask stands for the value stored under its key: under any other key (a key renamed,
    a new Secret) it is refused, never written."""
    if edited.get("kind") != "Secret":
        return
    was = original.get("data") if isinstance(original.get("data"), dict) else {}
    errors: list[FieldError] = [
        invalid(f"data[{key}]", MASK, "the mask stands for the stored value of this key, which has none: "
                                      "type its value")
        for key, value in (edited.get("data") or {}).items() if value == MASK and was.get(key) != MASK
    ]
    if errors:
        name = str(_dig(edited, "metadata.name") or "")
        raise Invalid("Secret", name, errors)


def _patch(original: Obj, modified: Obj, kind: str) -> Obj:
    try:
        return merge.two_way_merge_patch(original, modified, kind)
    except (ValueError, TypeError) as e:  # a list item without its merge key (a container without a name)
        raise BadRequest(f"the edit cannot be made into a patch: {e}") from None


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj
