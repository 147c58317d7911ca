"""Patches as kubectl and the API server compute them: JSON merge patch, strategic merge patch, apply.

Input (`kubectl apply`, `kubectl patch`, forms) → here → store: the store turns a PATCH request or an
apply into the object it will persist with these pure functions on Kubernetes JSON dicts.

- `json_merge_patch` is RFC 7386 (`kubectl patch --type merge`).
- `strategic_merge_patch` is the server's StrategicMergeMapPatch, from
  k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (`mergeMap`, `mergeSlice`): lists whose
  schema says `patchStrategy: merge` are merged by their `patchMergeKey` (containers by name,
  ports by containerPort, finalizers as a set), other lists are replaced, and the directives
  `$patch: replace|delete`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
  `$setElementOrder/<field>` are honoured.
- `three_way_merge_patch` is CreateThreeWayMergePatch as kubectl apply calls it
  (staging/src/k8s.io/kubectl/pkg/cmd/apply/patcher.go, overwrite=true): deletions come from the
  last-applied configuration, changes and additions from the live object, so fields that only
  others set (status, defaults, `kubectl scale`) are left alone.
- `apply_three_way` applies that patch to the live object, as the server would.
- `two_way_merge_patch` is CreateTwoWayMergePatch as `kubectl edit` calls it
  (staging/src/k8s.io/kubectl/pkg/cmd/util/editor/editoptions.go, visitToPatch).

The patch metadata is read from the OpenAPI-derived JSON schemas shipped by kubernetes-validate
(`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`), as kubectl reads it from the
server's OpenAPI document. Fields the schema does not know get no metadata (maps merge, lists are
replaced); admission rejects unknown fields later, so the patch machinery stays lenient about them.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
from typing import Any, NamedTuple

from playground.store.kinds import KINDS

Schema = dict[str, Any]

DIRECTIVE = "$patch"
DELETE = "delete"
REPLACE = "replace"
MERGE = "merge"
RETAIN_KEYS_STRATEGY = "retainKeys"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

SCHEMA_VERSION = "v1.32.0-local-strict"


# --- public API -------------------------------------------------------------------------------


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces. Inputs stay intact."""
    if not isinstance(patch, dict):
        return _copy(patch)
    base = target if isinstance(target, dict) else {}
    result: dict[str, Any] = {}
    for key, value in base.items():
        if key not in patch:
            result[key] = _copy(value)
        elif patch[key] is not None:
            result[key] = json_merge_patch(value, patch[key])
    for key, value in patch.items():
        if key not in base and value is not None:
            result[key] = json_merge_patch(None, value)
    return result


def strategic_merge_patch(original: dict, patch: dict, kind: str) -> dict:
    """The object `kubectl patch` (type strategic) leaves: `patch` merged into `original`.

    Raises ValueError when the patch is malformed (a merge list item without its merge key, an
    unknown `$patch`, a `$retainKeys` that does not name a field the patch sets, ...).
    """
    _require_object(original, "the object to patch")
    _require_object(patch, "a strategic merge patch")
    return _merge_map(_copy(original), _copy(patch), _kind_schema(kind), _SERVER)


def three_way_merge_patch(original: dict | None, modified: dict, current: dict, kind: str) -> dict:
    """The strategic merge patch `kubectl apply` sends: CreateThreeWayMergePatch(original, modified, current).

    `original` is the last-applied configuration (None on first apply), `modified` the file,
    `current` the live object. The patch is the delta from current to modified without deletions,
    plus the deletions from original to modified: what only others set is never touched.
    """
    _require_object(modified, "the applied configuration")
    _require_object(current, "the live object")
    if original is not None:
        _require_object(original, "the last-applied configuration")
    schema = _kind_schema(kind)
    modified, current = _copy(modified), _copy(current)
    delta = _diff_maps(current, modified, schema, _Diff(set_element_order=True, ignore_deletions=True))
    deletions = _diff_maps(
        _copy(original or {}), modified, schema,
        _Diff(set_element_order=True, ignore_changes_and_additions=True),
    )
    return _merge_map(deletions, delta, schema, _CLIENT)


def two_way_merge_patch(original: dict, modified: dict, kind: str) -> dict:
    """The strategic merge patch `kubectl edit` sends: CreateTwoWayMergePatch(original, modified),
    what turns the object as it was opened into the object as edited, and nothing else."""
    _require_object(original, "the object as opened")
    _require_object(modified, "the edited object")
    return _diff_maps(_copy(original), _copy(modified), _kind_schema(kind), _Diff(set_element_order=True))


def apply_three_way(original: dict | None, modified: dict, current: dict, kind: str) -> dict:
    """The object the server stores after `kubectl apply`: the three-way patch applied to current."""
    patch = three_way_merge_patch(original, modified, current, kind)
    return strategic_merge_patch(current, patch, kind)


# --- patch metadata from the schemas ----------------------------------------------------------


class _Meta(NamedTuple):
    schema: Schema | None  # the field's schema, or its items' schema for a list
    strategy: str  # "merge", "replace" or "" (replace for lists, merge for maps)
    retain_keys: bool
    merge_key: str


_NO_META = _Meta(None, "", False, "")


@functools.cache
def _schema_dir() -> str:
    # Only the package's data files are needed: importing it would pull in jsonschema (50 ms)
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("kubernetes-validate is not installed: it ships the patch metadata")
    return os.path.join(spec.submodule_search_locations[0], "kubernetes-json-schema", SCHEMA_VERSION)


@functools.cache
def _definitions() -> dict[str, Schema]:
    # 1.3 MB: parsed once per process, on first use, never per request
    with open(os.path.join(_schema_dir(), "_definitions.json"), encoding="utf-8") as f:
        return json.load(f)["$defs"]


@functools.cache
def _kind_schema(kind: str) -> Schema | None:
    known = KINDS.get(kind)
    if known is None:
        return None  # no metadata: behaves like a JSON merge patch, as kubectl does for unknown types
    with open(os.path.join(_schema_dir(), known.schema_file), encoding="utf-8") as f:
        return json.load(f)


def _resolve(schema: Schema | None) -> Schema | None:
    while schema is not None and "$ref" in schema:
        # Both "#/$defs/X" and "/api/_definitions.json#/$defs/X" name the definition X
        schema = _definitions().get(schema["$ref"].rpartition("/")[2])
    return schema


def _lookup(schema: Schema | None, key: str) -> _Meta:
    """LookupPatchMetadata: the type, patch strategy and merge key of field `key`."""
    if schema is None:
        return _NO_META
    prop = (schema.get("properties") or {}).get(key)
    if prop is None and isinstance(schema.get("additionalProperties"), dict):
        prop = schema["additionalProperties"]
    if prop is None:
        return _NO_META
    retain_keys, strategy = _strategies(prop.get("x-kubernetes-patch-strategy", ""))
    resolved = _resolve(prop)
    if resolved is not None and "items" in resolved:
        resolved = _resolve(resolved["items"])
    return _Meta(resolved, strategy, retain_keys, prop.get("x-kubernetes-patch-merge-key", ""))


def _strategies(text: str) -> tuple[bool, str]:
    """extractRetainKeysPatchStrategy: "merge,retainKeys" → (True, "merge")."""
    parts = [p for p in text.split(",") if p]
    others = [p for p in parts if p != RETAIN_KEYS_STRATEGY]
    if len(parts) > 2 or len(others) > 1:
        raise ValueError(f"unexpected patch strategy: {text!r}")
    return len(others) < len(parts), (others[0] if others else "")


# --- applying a patch: mergeMap ---------------------------------------------------------------


class _MergeOptions(NamedTuple):
    merge_parallel_list: bool  # server side: act on $deleteFromPrimitiveList instead of keeping it
    ignore_unmatched_nulls: bool  # server side: a null deletes; client side it stays in the patch


_SERVER = _MergeOptions(merge_parallel_list=True, ignore_unmatched_nulls=True)
# Merging the deletions patch with the delta patch: directives survive, as in a patch
_CLIENT = _MergeOptions(merge_parallel_list=False, ignore_unmatched_nulls=False)


def _merge_map(original: dict, patch: dict, schema: Schema | None, opts: _MergeOptions) -> dict:
    """Merge `patch` into `original` (both already private copies, mutated in place)."""
    if DIRECTIVE in patch:
        return _map_directive(patch)
    _apply_retain_keys(original, patch, opts)
    _merge_element_orders(original, patch, schema, opts)
    for key, value in patch.items():
        is_delete_list = key.startswith(DELETE_FROM_PRIMITIVE_LIST)
        if is_delete_list:
            if not opts.merge_parallel_list:
                original[key] = value
                continue
            key = _strip_prefix(key, DELETE_FROM_PRIMITIVE_LIST)
            if not isinstance(value, list):
                raise ValueError(f"{DELETE_FROM_PRIMITIVE_LIST}/{key} must be a list of values to delete")
        _merge_field(original, key, value, schema, opts, is_delete_list=is_delete_list)
    return original


def _merge_field(
    original: dict, key: str, value: Any, schema: Schema | None, opts: _MergeOptions, *, is_delete_list: bool
) -> None:
    if value is None:
        original.pop(key, None)
        if opts.ignore_unmatched_nulls:
            return
    if key not in original or _jtype(original[key]) != _jtype(value):
        if not is_delete_list:  # deleting from a list that is not there leaves it not there
            _take(original, key, value, opts)
        return
    meta = _lookup(schema, key)
    if isinstance(value, dict):
        merged = value if meta.strategy == REPLACE else _merge_map(original[key], value, meta.schema, opts)
        original[key] = merged
    elif isinstance(value, list):
        original[key] = _merge_slice_handler(original[key], value, meta, opts, is_delete_list=is_delete_list)
    else:
        original[key] = value


def _take(original: dict, key: str, value: Any, opts: _MergeOptions) -> None:
    """Store a patch value as is, less its nulls (server side) and anything carrying `$patch`."""
    if opts.ignore_unmatched_nulls:
        value = _without_nulls(value)
    value = _remove_directives(value, server=opts.merge_parallel_list)
    if value is _DROPPED:
        original.pop(key, None)
    else:
        original[key] = value


_DROPPED = object()


def _remove_directives(value: Any, *, server: bool) -> Any:
    """removeDirectives: a map holding `$patch` is dropped whole, wherever it is nested.

    On the server the other directive keys go too: the API server decodes the result into its
    typed object, which has no field for them.
    """
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return _DROPPED
        kept = {}
        for k, v in value.items():
            if server and (k == RETAIN_KEYS or _is_parallel_key(k)):
                continue
            v = _remove_directives(v, server=server)
            if v is not _DROPPED:
                kept[k] = v
        return kept
    if isinstance(value, list):
        return [v for v in (_remove_directives(i, server=server) for i in value) if v is not _DROPPED]
    return value


def _without_nulls(value: Any) -> Any:
    """discardNullValuesFromPatch: a null in a value being added has nothing to delete."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _map_directive(patch: dict) -> dict:
    """handleDirectiveInMergeMap: `$patch` on a map replaces it whole or empties it."""
    directive = patch[DIRECTIVE]
    if directive == REPLACE:
        return {k: v for k, v in patch.items() if k != DIRECTIVE}
    if directive == DELETE:
        return {}
    # Kubernetes accepts "merge" only as a struct tag, never inside a patch
    raise ValueError(f"unknown patch type {directive!r} in map {patch!r}")


def _apply_retain_keys(original: dict, patch: dict, opts: _MergeOptions) -> None:
    """applyRetainKeysDirective: drop from original every field `$retainKeys` does not name."""
    if RETAIN_KEYS not in patch:
        return
    retain = patch.pop(RETAIN_KEYS)
    if not opts.merge_parallel_list:
        if RETAIN_KEYS in original and not _same(original[RETAIN_KEYS], retain):
            raise ValueError(f"{RETAIN_KEYS} lists differ: {original[RETAIN_KEYS]!r} and {retain!r}")
        original[RETAIN_KEYS] = retain
        return
    if not isinstance(retain, list) or not all(isinstance(k, str) for k in retain):
        raise ValueError(f"{RETAIN_KEYS} must be a list of field names, not {retain!r}")
    for key, value in patch.items():
        if value is not None and not _is_parallel_key(key) and key not in retain:
            raise ValueError(f"{RETAIN_KEYS} {retain!r} does not name {key!r}, which the patch sets")
    for key in [k for k in original if k not in retain]:
        del original[key]


def _merge_element_orders(original: dict, patch: dict, schema: Schema | None, opts: _MergeOptions) -> None:
    """mergePatchIntoOriginal: merge each list that has a `$setElementOrder`, then order it.

    The order is: `$setElementOrder` first, then the order in the patch, then the live order.
    """
    for directive in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive)
        if not opts.merge_parallel_list:
            if directive in original and not _same(original[directive], order):
                raise ValueError(f"{directive} differs between the two patches")
            original[directive] = order
        if not isinstance(order, list):
            raise ValueError(f"{directive} must be a list, not {order!r}")
        key = _strip_prefix(directive, SET_ELEMENT_ORDER)
        merged = _merge_ordered_list(original, patch, key, order, _lookup(schema, key), opts)
        if merged is not None:
            original[key] = merged
            patch.pop(key, None)  # merged: the main loop must not merge it again


def _merge_ordered_list(
    original: dict, patch: dict, key: str, order: list, meta: _Meta, opts: _MergeOptions
) -> list | None:
    live, patched = original.get(key), patch.get(key)
    for name, value in ((f"the original {key}", live), (f"the patch's {key}", patched)):
        if value is not None and not isinstance(value, list):
            raise ValueError(f"{SET_ELEMENT_ORDER}/{key} applies to a list, but {name} is {value!r}")
    _check_set_order(patched or [], order, meta.merge_key, key)
    if live is None and patched is None:
        return None
    server_order = live or []
    if live is not None and patched is not None:
        if meta.strategy == MERGE and _is_list_of_maps(live, patched):
            merged, server_order = _merge_map_slice(live, patched, meta, opts)
        else:
            merged = _merge_slice_handler(live, patched, meta, opts, is_delete_list=False)
    else:
        merged = live if patched is None else _remove_directives(patched, server=opts.merge_parallel_list)
    if not merged:
        return merged
    merge_key = meta.merge_key if isinstance(merged[0], dict) else ""
    in_patch, server_only = _partition(merged, order, merge_key)
    return _normalize_element_order(in_patch, server_only, order, server_order, merge_key)


def _check_set_order(patch_list: list, order: list, merge_key: str, key: str) -> None:
    """validatePatchWithSetOrderList: patch items appear in `$setElementOrder`, in the same order."""
    if not patch_list or not order:
        return
    items = [i for i in patch_list if not (merge_key and _is_delete_item(i))]
    p = o = 0
    while p < len(items) and o < len(order):
        if isinstance(items[p], dict) and DIRECTIVE in items[p]:
            p += 1
            continue
        if _merge_key_equal(items[p], order[o], merge_key):
            p += 1
        o += 1
    if p < len(items):
        raise ValueError(
            f"the order in patch list {patch_list!r} doesn't match {SET_ELEMENT_ORDER}/{key} {order!r}"
        )


# --- applying a patch: mergeSlice -------------------------------------------------------------


def _merge_slice_handler(
    original: list, patch: list, meta: _Meta, opts: _MergeOptions, *, is_delete_list: bool
) -> list:
    if meta.strategy == MERGE:
        return _merge_slice(original, patch, meta, opts, is_delete_list=is_delete_list)
    if is_delete_list:  # a parallel deletion list never replaces the list it names
        return _delete_from_slice(original, patch)
    return patch


def _merge_slice(
    original: list, patch: list, meta: _Meta, opts: _MergeOptions, *, is_delete_list: bool
) -> list:
    if not original and not patch:
        return original
    if _is_list_of_maps(original, patch):
        return _merge_map_slice(original, patch, meta, opts)[0]
    if opts.merge_parallel_list and is_delete_list:
        return _delete_from_slice(original, patch)
    merged = _dedupe(original + patch)  # a primitive list with strategy merge is a set
    in_patch, server_only = _partition(merged, patch, "")
    return _normalize_element_order(in_patch, server_only, patch, original, "")


def _merge_map_slice(original: list, patch: list, meta: _Meta, opts: _MergeOptions) -> tuple[list, list]:
    """Merge a list of maps by key; also return the live list as Go leaves it for its caller.

    Go deletes and appends in place in the live list's array, so a caller ordering by
    `$setElementOrder` sees the survivors then the appended items, cut to the old length.
    """
    merge_key = meta.merge_key
    if not merge_key:
        raise ValueError(f"cannot merge lists of objects without a merge key: {patch!r}")
    survivors, plain, replaced = _apply_list_directives(original, patch, merge_key)
    merged = _merge_items(survivors, plain, meta, opts)
    in_patch, server_only = _partition(merged, plain, merge_key)
    ordered = _normalize_element_order(in_patch, server_only, plain, survivors, merge_key)
    return ordered, (original if replaced else merged[: len(original)])


def _apply_list_directives(original: list, patch: list, merge_key: str) -> tuple[list, list, bool]:
    """mergeSliceWithSpecialElements: act on `$patch` items; (original, plain patch items, replaced)."""
    plain, replace = [], False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
        elif item[DIRECTIVE] == DELETE:
            if merge_key not in item:
                raise ValueError(f"{DIRECTIVE}: delete item {item!r} lacks its merge key {merge_key!r}")
            original = [o for o in original if not _has_key_value(o, merge_key, item[merge_key])]
        elif item[DIRECTIVE] == REPLACE:
            replace = True
        elif item[DIRECTIVE] == MERGE:
            raise ValueError("merging lists cannot yet be specified in the patch")
        else:
            raise ValueError(f"unknown patch type {item[DIRECTIVE]!r} in list item {item!r}")
    return (plain, [], True) if replace else (original, plain, False)


def _merge_items(original: list, patch: list, meta: _Meta, opts: _MergeOptions) -> list:
    """mergeSliceWithoutSpecialElements: merge items that share a merge key, append the others."""
    merged = list(original)
    for item in patch:
        if meta.merge_key not in item:
            raise ValueError(f"list item {item!r} lacks its merge key {meta.merge_key!r}")
        i = _find(merged, meta.merge_key, item[meta.merge_key])
        if i is None:
            merged.append(_server_side_item(item) if opts.merge_parallel_list else item)
        else:
            merged[i] = _merge_map(merged[i], item, meta.schema, opts)
    return merged


def _server_side_item(item: dict) -> dict:
    # Go appends the item verbatim; the typed decode then forgets nulls and directive keys
    kept = _remove_directives(_without_nulls(item), server=True)
    return item if kept is _DROPPED else kept


def _delete_from_slice(current: list, to_delete: list) -> list:
    return [v for v in current if not any(_same(v, d) for d in to_delete)]


def _partition(merged: list, by: list, merge_key: str) -> tuple[list, list]:
    """Items also present in `by` (by merge key for maps), and the server-only rest."""
    in_by, server_only = [], []
    for item in merged:
        if merge_key:
            if not isinstance(item, dict) or merge_key not in item:
                raise ValueError(f"list item {item!r} lacks its merge key {merge_key!r}")
            found = any(_has_key_value(b, merge_key, item[merge_key]) for b in by)
        else:
            found = any(_same(item, b) for b in by)
        (in_by if found else server_only).append(item)
    return in_by, server_only


def _normalize_element_order(
    in_patch: list, server_only: list, patch_order: list, server_order: list, merge_key: str
) -> list:
    """normalizeElementOrder: sort each part by its own order, then interleave by the live order."""
    in_patch = _normalize_slice_order(in_patch, patch_order, merge_key)
    server_only = _normalize_slice_order(server_only, server_order, merge_key)
    return _merge_sorted(server_only, in_patch, server_order, merge_key)


def _normalize_slice_order(to_sort: list, order: list, merge_key: str) -> list:
    deletes: list = []
    if merge_key:
        for item in [*to_sort, *order]:
            if not isinstance(item, dict) or merge_key not in item:
                raise ValueError(f"list item {item!r} lacks its merge key {merge_key!r}")
        deletes = [i for i in to_sort if _is_delete_item(i)]
        to_sort = [i for i in to_sort if not _is_delete_item(i)]
    def rank(item: Any) -> int:
        found = _index(order, item, merge_key)
        return found if found >= 0 else len(order)  # unlisted items keep their place, after the rest

    return sorted(to_sort, key=rank) + deletes  # deletion directives go last, as kubectl writes them


def _merge_sorted(left: list, right: list, server_order: list, merge_key: str) -> list:
    """mergeSortedSlice: insert server-only items (left) among patch items (right), keeping both orders."""
    result, i, j = [], 0, 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            result.append(right[j])
            j += 1
        elif j >= len(right):
            result.append(left[i])
            i += 1
        else:
            li, ri = _index(server_order, left[i], merge_key), _index(server_order, right[j], merge_key)
            if li >= 0 and ri >= 0 and li < ri:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result


def _index(items: list, item: Any, merge_key: str) -> int:
    wanted = _key_of(item, merge_key)
    for i, candidate in enumerate(items):
        if _same(_key_of(candidate, merge_key), wanted):
            return i
    return -1


# --- computing a patch: diffMaps --------------------------------------------------------------


class _Diff(NamedTuple):
    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys: bool = False


def _diff_maps(original: dict, modified: dict, schema: Schema | None, opts: _Diff) -> dict:
    """diffMaps: a patch that turns original into modified (within what `opts` keeps)."""
    patch: dict[str, Any] = {}
    retain = [k for k, v in modified.items() if v is not None] if opts.build_retain_keys else []
    for key, value in modified.items():
        if key not in original:
            if not opts.ignore_changes_and_additions:
                patch[key] = value
        elif key == DIRECTIVE:
            _diff_directive(original[key], value, patch)
        elif _jtype(original[key]) != _jtype(value):
            if not opts.ignore_changes_and_additions:
                patch[key] = value
        elif isinstance(value, dict):
            _diff_map_field(key, original[key], value, patch, schema, opts)
        elif isinstance(value, list):
            _diff_list_field(key, original[key], value, patch, schema, opts)
        elif not opts.ignore_changes_and_additions and not _same(original[key], value):
            patch[key] = value
    if not opts.ignore_deletions:
        patch.update({key: None for key in original if key not in modified})
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[RETAIN_KEYS] = _sort_scalars(retain)
    return patch


def _diff_directive(original: Any, modified: Any, patch: dict) -> None:
    if not isinstance(original, str) or not isinstance(modified, str):
        raise ValueError(f"invalid value for special key {DIRECTIVE}: {modified!r}")
    if original != modified:
        patch[DIRECTIVE] = modified


def _diff_map_field(
    key: str, original: dict, modified: dict, patch: dict, schema: Schema | None, opts: _Diff
) -> None:
    meta = _lookup(schema, key)
    if meta.strategy == REPLACE:
        if not opts.ignore_changes_and_additions:
            patch[key] = modified
        return
    value = _diff_maps(original, modified, meta.schema, opts._replace(build_retain_keys=meta.retain_keys))
    if value:
        patch[key] = value


def _diff_list_field(
    key: str, original: list, modified: list, patch: dict, schema: Schema | None, opts: _Diff
) -> None:
    meta = _lookup(schema, key)
    if meta.strategy != MERGE:
        if not opts.ignore_changes_and_additions and not _same(original, modified):
            patch[key] = modified
        return
    opts = opts._replace(build_retain_keys=meta.retain_keys)
    additions, deletions, order = _diff_lists(original, modified, meta, opts)
    if additions:
        patch[key] = additions
    if deletions:
        patch[f"{DELETE_FROM_PRIMITIVE_LIST}/{key}"] = deletions
    if order:
        patch[f"{SET_ELEMENT_ORDER}/{key}"] = order


def _diff_lists(original: list, modified: list, meta: _Meta, opts: _Diff) -> tuple[list, list, list]:
    """diffLists: (patch items, values to delete from a primitive list, `$setElementOrder` list)."""
    if not original:
        if not modified or opts.ignore_changes_and_additions:
            return [], [], []
        return modified, [], []
    if _is_list_of_maps(original, modified):
        return _diff_lists_of_maps(original, modified, meta, opts)
    additions, deletions = _diff_lists_of_scalars(original, modified, opts)
    additions = _normalize_slice_order(additions, modified, "")
    changed = (not opts.ignore_deletions and deletions) or (
        not opts.ignore_changes_and_additions and not _same(original, modified)
    )
    return additions, deletions, (modified if opts.set_element_order and changed else [])


def _diff_lists_of_maps(original: list, modified: list, meta: _Meta, opts: _Diff) -> tuple[list, list, list]:
    key = meta.merge_key
    changes, deletions = _diff_items(original, modified, meta, opts)
    changes = _normalize_slice_order(changes, modified, key) + deletions
    order_same = len(original) == len(modified) and all(
        _merge_key_equal(o, m, key) for o, m in zip(original, modified)
    )
    wanted = (not opts.ignore_changes_and_additions and (changes or not order_same)) or (
        not opts.ignore_deletions and changes
    )
    order = [{key: item[key]} for item in modified] if opts.set_element_order and wanted else []
    return changes, [], order


def _diff_items(original: list, modified: list, meta: _Meta, opts: _Diff) -> tuple[list, list]:
    """diffListsOfMaps: walk both lists sorted by merge key; changed, added and deleted items."""
    key = meta.merge_key
    old, new = _sort_by_merge_key(original, key), _sort_by_merge_key(modified, key)
    changes, deletions, i, j = [], [], 0, 0
    while i < len(old) or j < len(new):
        o_key = _fmt(old[i][key]) if i < len(old) else None
        n_key = _fmt(new[j][key]) if j < len(new) else None
        if o_key is not None and o_key == n_key:
            change = _diff_maps(old[i], new[j], meta.schema, opts)
            if change:
                changes.append({**change, key: new[j][key]})
            i, j = i + 1, j + 1
        elif o_key is None or (n_key is not None and o_key > n_key):
            if not opts.ignore_changes_and_additions:
                changes.append(new[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append({key: old[i][key], DIRECTIVE: DELETE})
            i += 1
    return changes, deletions


def _diff_lists_of_scalars(original: list, modified: list, opts: _Diff) -> tuple[list, list]:
    old, new = _sort_scalars(original), _sort_scalars(modified)
    additions, deletions, i, j = [], [], 0, 0
    while i < len(old) or j < len(new):
        o_key = _fmt(old[i]) if i < len(old) else None
        n_key = _fmt(new[j]) if j < len(new) else None
        if o_key is not None and o_key == n_key:
            i, j = i + 1, j + 1
        elif o_key is None or (n_key is not None and o_key > n_key):
            if not opts.ignore_changes_and_additions:
                additions.append(new[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletions.append(old[i])
            i += 1
    return additions, _dedupe(deletions)


# --- small helpers on JSON values -------------------------------------------------------------


def _copy(value: Any) -> Any:
    # JSON trees only: much faster than copy.deepcopy
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number",
               str: "string", dict: "object", list: "array"}


def _jtype(value: Any) -> str:
    """The JSON type; int and float are one number type, and bool is not a number."""
    known = _JSON_TYPES.get(type(value))
    if known is not None:
        return known  # the hot path: exact built-in types, no isinstance chain
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    raise ValueError(f"not a JSON value: {value!r}")


def _same(a: Any, b: Any) -> bool:
    """reflect.DeepEqual on JSON: unlike ==, True is not 1."""
    if type(a) is type(b) and type(a) in (str, int):
        return a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return _jtype(a) == _jtype(b) and a == b


def _fmt(value: Any) -> str:
    """Go's fmt "%v", which the Go code sorts and matches scalars and merge keys by."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sort_scalars(values: list) -> list:
    return sorted(values, key=_fmt)


def _dedupe(values: list) -> list:
    unique: list = []
    for v in values:
        if not any(_same(v, u) for u in unique):
            unique.append(v)
    return unique


def _is_list_of_maps(*lists: list) -> bool:
    """sliceElementType: all items of the lists share one type, which is not a list."""
    types = {_jtype(item) for items in lists for item in items}
    if "array" in types:
        raise ValueError("lists of lists are not supported by strategic merge patch")
    if len(types) > 1:
        raise ValueError(f"list element types are not identical: {lists!r}")
    return types == {"object"}


def _sort_by_merge_key(items: list, merge_key: str) -> list:
    for item in items:
        if merge_key not in item:
            raise ValueError(f"list item {item!r} lacks its merge key {merge_key!r}")
    return sorted(items, key=lambda item: _fmt(item[merge_key]))


def _key_of(item: Any, merge_key: str) -> Any:
    if not merge_key:
        return item
    return item.get(merge_key) if isinstance(item, dict) else None


def _has_key_value(item: Any, merge_key: str, value: Any) -> bool:
    return isinstance(item, dict) and merge_key in item and _same(item[merge_key], value)


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _same(left, right)
    for item in (left, right):
        if not isinstance(item, dict) or merge_key not in item:
            raise ValueError(f"list item {item!r} lacks its merge key {merge_key!r}")
    return _same(left[merge_key], right[merge_key])


def _is_delete_item(item: Any) -> bool:
    if not isinstance(item, dict):
        raise ValueError(f"expected an object in a list merged by key, got {item!r}")
    return item.get(DIRECTIVE) == DELETE


def _find(items: list, merge_key: str, value: Any) -> int | None:
    for i, item in enumerate(items):
        if _has_key_value(item, merge_key, value):
            return i
    return None


def _is_parallel_key(key: str) -> bool:
    return key.startswith(DELETE_FROM_PRIMITIVE_LIST) or key.startswith(SET_ELEMENT_ORDER)


def _strip_prefix(key: str, prefix: str) -> str:
    head, slash, field = key.partition("/")
    if head != prefix or not slash or not field:
        raise ValueError(f"{key!r} is not of the form {prefix}/<field>")
    return field


def _require_object(value: Any, what: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, not {type(value).__name__}")
