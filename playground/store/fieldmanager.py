"""Field managers: who set which field of an object (metadata.managedFields), and server-side
apply, which decides from them what an apply may change, take over or remove.

A field set is a set of paths, each a tuple of path elements as managedFields' FieldsV1 spells
them: `f:spec`, `f:replicas`; a list item of an associative list `k:{"name":"web"}` (and `.`
for the item itself), a set member `v:"foo"`. The schema (the same definitions admission
validates with) says which lists are associative, which sets, which atomic, and which maps are
atomic. Follows sigs.k8s.io/structured-merge-diff (fieldpath, merge/update.go) and
staging/src/k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager, as far as a learner meets it:

- an Update (create, update, patch) gives its manager the fields it changed, and takes them from
  every other manager;
- an Apply owns exactly the fields of its configuration: a field another manager owns with a
  different value is a conflict (409) unless `force`, which takes it over; a field the applier
  owned before and no longer names is removed, unless another manager owns it too;
- status and the object's identity (name, uid, resourceVersion, ...) are owned by no one.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from . import api as store
from . import defaults, schemas
from .errors import AlreadyExists, Conflict, NotFound, StoreError
from .kinds import Kind

Obj = dict[str, Any]
Path = tuple[str, ...]
ITEM = "."
UNOWNED_METADATA = {"name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp",
                    "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"}


class ApplyConflict(StoreError):
    code = 409
    reason = "Conflict"

    def __init__(self, conflicts: list[tuple[str, str, Path]]) -> None:
        self.conflicts = conflicts
        managers = sorted({(manager, version) for manager, version, _ in conflicts})
        fields = [format_path(path) for _, _, path in conflicts]
        if len(conflicts) == 1:
            [(manager, version, _)] = conflicts
            text = f'Apply failed with 1 conflict: conflict with "{manager}" using {version}: {fields[0]}'
        elif len(managers) == 1:
            [(manager, version)] = managers
            text = (f'Apply failed with {len(conflicts)} conflicts: conflicts with "{manager}" using {version}:\n'
                    + "\n".join(f"- {field}" for field in fields))
        else:
            text = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(
                f'conflict with "{manager}" using {version}: {format_path(path)}' for manager, version, path in conflicts)
        super().__init__(text)


# -- Managing --------------------------------------------------------------------------------------


def update(k: Kind, old: Obj | None, new: Obj, manager: str, now: str) -> Obj:
    """`new`, with managedFields for an Update by `manager` of `old` (None: a create)."""
    entries = _entries(old) if old is not None else []
    after = field_set(k, new)
    changed = after if old is None else _changed(old, new, field_set(k, old), after)
    kept = []
    for entry in entries:
        owned = _owned(entry) & after
        if entry["manager"] == manager and entry.get("operation") == "Update":
            continue
        owned -= changed
        if owned:
            kept.append(_entry(entry["manager"], entry["operation"], entry["apiVersion"], entry.get("time", now), owned))
    mine = next((_owned(e) for e in entries if e["manager"] == manager and e.get("operation") == "Update"), set())
    owned = (mine & after) | changed
    if owned:
        kept.append(_entry(manager, "Update", k.api_version, now, owned))
    return _with_entries(new, kept)


def apply(k: Kind, live: Obj | None, applied: Obj, manager: str, *, force: bool, now: str) -> Obj:
    """The object server-side apply makes of `applied` over `live`; raises ApplyConflict."""
    applied = {key: value for key, value in applied.items() if key != "status"}
    defaulted = _defaulted(applied)  # list keys whole (a port's protocol), values as they will be stored
    applied_set = field_set(k, defaulted, within=applied)
    if live is None:
        return _with_entries(copy.deepcopy(applied), [_entry(manager, "Apply", k.api_version, now, applied_set)])
    entries = _entries(live)
    previous = next((_owned(e) for e in entries if e["manager"] == manager and e["operation"] == "Apply"), set())
    conflicts = []
    others = [e for e in entries if not (e["manager"] == manager and e["operation"] == "Apply")]
    for entry in others:
        for path in sorted(_owned(entry) & applied_set):
            if path[-1] != ITEM and not path[-1].startswith("v:") and _value(live, path) != _value(defaulted, path):
                conflicts.append((entry["manager"], entry.get("apiVersion", k.api_version), path))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    taken = {path for _, _, path in conflicts}
    merged = _merge(_kind_schema(k), live, applied)
    still_owned = set().union(*(_owned(e) for e in others)) - taken if others else set()
    # Whole list items first (their fields go with them), then fields, deepest first
    for path in sorted(previous - applied_set - still_owned, key=lambda p: (p[-1] != ITEM, -len(p))):
        _remove(merged, path)
        _drop_emptied(merged, path)
    kept = [_entry(e["manager"], e["operation"], e["apiVersion"], e.get("time", now), _owned(e) - taken)
            for e in others if _owned(e) - taken]
    return _with_entries(merged, [*kept, _entry(manager, "Apply", k.api_version, now, applied_set)])


# -- Field sets ------------------------------------------------------------------------------------


def field_set(k: Kind, obj: Obj, *, within: Obj | None = None) -> set[Path]:
    """Every field `obj` sets, as paths; with `within`, only those `within` names too (an apply
    configuration, read through its defaulted copy so that list keys are whole)."""
    found: set[Path] = set()
    schema = _kind_schema(k)
    for key, value in obj.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if within is not None and key not in within:
            continue
        if key == "metadata":
            meta = {name: v for name, v in (value or {}).items() if name not in UNOWNED_METADATA}
            limit = {name: v for name, v in ((within or {}).get("metadata") or {}).items()} if within is not None else None
            if not meta:
                continue  # a name alone is nobody's field: no empty f:metadata to conflict over
            _walk(_child(schema, "metadata"), meta, ("f:metadata",), found, limit)
        else:
            _walk(_child(schema, key), value, (f"f:{key}",), found, within[key] if within is not None else None)
    return found


def _walk(schema: Obj | None, value: Any, path: Path, found: set[Path], within: Any) -> None:
    schema = _resolve(schema)
    if isinstance(value, dict) and value and schema is not None and schema.get("x-kubernetes-map-type") != "atomic" \
            and ("properties" in schema or isinstance(schema.get("additionalProperties"), dict)):
        for key, child in value.items():
            if within is not None and (not isinstance(within, dict) or key not in within):
                continue
            _walk(_child(schema, key), child, (*path, f"f:{key}"), found, within[key] if within is not None else None)
        return
    list_type, keys = _list_type(schema)
    if isinstance(value, list) and value and list_type == "map":
        named = {_item_key(item, keys, partial=True): item for item in within} if isinstance(within, list) else None
        for item in value:
            partial = _item_key(item, keys, partial=True)
            if named is not None and partial not in named:
                continue
            element = (*path, f"k:{_item_key(item, keys)}")
            found.add((*element, ITEM))
            _walk(_resolve((schema or {}).get("items")), item, element, found, named[partial] if named else None)
        return
    if isinstance(value, list) and value and list_type == "set":
        found.update((*path, f"v:{json.dumps(item, separators=(',', ':'))}") for item in value)
        return
    found.add(path)


def _item_key(item: Any, keys: list[str], *, partial: bool = False) -> str:
    """`{"containerPort":80,"protocol":"TCP"}`: the item's key fields, sorted, as JSON; `partial`
    matches an apply configuration's item by its first key (a default may fill the others)."""
    if not isinstance(item, dict):
        return json.dumps(item)
    names = keys[:1] if partial else keys
    return json.dumps({name: item[name] for name in sorted(names) if name in item}, separators=(",", ":"))


def to_fields_v1(paths: set[Path]) -> Obj:
    tree: Obj = {}
    for path in paths:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return tree


def from_fields_v1(tree: Obj, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for element, children in tree.items():
        path = (*prefix, element)
        if children:
            paths |= from_fields_v1(children, path)
        else:
            paths.add(path)
    return paths


def format_path(path: Path) -> str:
    """`.spec.template.spec.containers[name="web"].image`, as the API server names a field."""
    text = ""
    for element in path:
        if element.startswith("f:"):
            text += "." + element[2:]
        elif element.startswith("k:"):
            text += "[" + ",".join(f"{name}={json.dumps(value)}" for name, value in json.loads(element[2:]).items()) + "]"
        elif element.startswith("v:"):
            text += f"[={element[2:]}]"
    return text


# -- Objects ---------------------------------------------------------------------------------------


def _merge(schema: Obj | None, live: Any, applied: Any) -> Any:
    schema = _resolve(schema)
    if isinstance(live, dict) and isinstance(applied, dict) and (schema or {}).get("x-kubernetes-map-type") != "atomic":
        merged = dict(live)
        for key, value in applied.items():
            merged[key] = _merge(_child(schema, key), live[key], value) if key in live else copy.deepcopy(value)
        return merged
    list_type, keys = _list_type(schema)
    if isinstance(live, list) and isinstance(applied, list) and list_type == "map":
        by_key = {_item_key(item, keys, partial=True): item for item in applied}
        merged_items = [_merge(_resolve((schema or {}).get("items")), item, by_key.pop(_item_key(item, keys, partial=True)))
                        if _item_key(item, keys, partial=True) in by_key else item for item in live]
        return merged_items + [copy.deepcopy(item) for item in by_key.values()]
    if isinstance(live, list) and isinstance(applied, list) and list_type == "set":
        return live + [item for item in applied if item not in live]
    return copy.deepcopy(applied)


def _remove(obj: Any, path: Path) -> None:
    """Take the field at `path` out of `obj` (a list item with its `.`)."""
    parent = obj
    for element in path[:-1]:
        parent = _step(parent, element)
        if parent is None:
            return
    last = path[-1]
    if last == ITEM and len(path) >= 2:
        container = obj
        for element in path[:-2]:
            container = _step(container, element)
            if container is None:
                return
        if isinstance(container, list):
            container[:] = [item for item in container if _matches(item, path[-2]) is False]
    elif last.startswith("f:") and isinstance(parent, dict):
        parent.pop(last[2:], None)
    elif last.startswith("v:") and isinstance(parent, list):
        value = json.loads(last[2:])
        parent[:] = [item for item in parent if item != value]


def _drop_emptied(obj: Obj, path: Path) -> None:
    """After a removal, the maps and lists on its way that it left empty go too, innermost first
    (a container with nothing left is not a field anyone set)."""
    for depth in range(len(path) - 1, 0, -1):
        parent_path = path[:depth]
        if parent_path[-1] == ITEM or not parent_path[-1].startswith("f:"):
            continue
        value = _value(obj, parent_path)
        if value in ({}, []):
            container = _value(obj, parent_path[:-1]) if depth > 1 else obj
            if isinstance(container, dict):
                container.pop(parent_path[-1][2:], None)
        else:
            return


def _value(obj: Any, path: Path) -> Any:
    for element in path:
        obj = _step(obj, element)
        if obj is None:
            return None
    return obj


def _step(obj: Any, element: str) -> Any:
    if element.startswith("f:"):
        return obj.get(element[2:]) if isinstance(obj, dict) else None
    if element.startswith("k:") and isinstance(obj, list):
        return next((item for item in obj if _matches(item, element)), None)
    return None


def _matches(item: Any, element: str) -> bool:
    wanted = json.loads(element[2:])
    return isinstance(item, dict) and all(item.get(name) == value for name, value in wanted.items())


def _defaulted(obj: Obj) -> Obj:
    copied = copy.deepcopy(obj)
    defaults.apply_defaults(copied)
    return copied


def _changed(old: Obj, new: Obj, before: set[Path], after: set[Path]) -> set[Path]:
    """What an update set: new fields, and fields whose value it changed (an item or a set member
    is changed only by coming)."""
    return {path for path in after if path not in before or (
        path[-1] != ITEM and not path[-1].startswith("v:") and _value(old, path) != _value(new, path))}


# -- managedFields ---------------------------------------------------------------------------------


def _entries(obj: Obj) -> list[Obj]:
    return [e for e in (obj.get("metadata") or {}).get("managedFields") or [] if isinstance(e, dict) and "manager" in e]


def _owned(entry: Obj) -> set[Path]:
    return from_fields_v1(entry.get("fieldsV1") or {})


def _entry(manager: str, operation: str, api_version: str, time: str, owned: set[Path]) -> Obj:
    return {"manager": manager, "operation": operation, "apiVersion": api_version, "time": time,
            "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(owned)}


def _with_entries(obj: Obj, entries: list[Obj]) -> Obj:
    obj.setdefault("metadata", {})["managedFields"] = entries
    return obj


# -- The schema ------------------------------------------------------------------------------------


def _kind_schema(k: Kind) -> Obj:
    gvk = {"group": k.group, "version": k.api_version.rpartition("/")[2], "kind": k.kind}
    return next(d for d in schemas.definitions().values() if gvk in d.get("x-kubernetes-group-version-kind", []))


def _resolve(schema: Obj | None) -> Obj | None:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = schemas.definitions()[schema["$ref"].removeprefix("#/$defs/")]
    return schema


def _child(schema: Obj | None, key: str) -> Obj | None:
    schema = _resolve(schema)
    if schema is None:
        return None
    if key in (schema.get("properties") or {}):
        return schema["properties"][key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _list_type(schema: Obj | None) -> tuple[str, list[str]]:
    """("map", its keys), ("set", []) or ("atomic", []), as structured-merge-diff reads a list."""
    schema = schema or {}
    keys = schema.get("x-kubernetes-list-map-keys") or (
        [schema["x-kubernetes-patch-merge-key"]] if "x-kubernetes-patch-merge-key" in schema else [])
    list_type = schema.get("x-kubernetes-list-type") or ("map" if keys else "atomic")
    return list_type, keys


APPLY_ATTEMPTS = 5


def server_side_apply(cluster: str, k: Kind, applied: Obj, manager: str, *, force: bool,
                      dry_run: bool = False, subresource: str = "") -> tuple[bool, Obj]:
    """Server-side apply of `applied` (named, namespaced) as `manager`: (created, the object). One
    definition for the API's apply-patch and the console's `apply --server-side`; a write made
    meanwhile is met by applying again over it. On the `status` subresource (`kubectl apply
    --server-side --subresource=status`) only the status is applied and written (apply_status)."""
    meta = applied["metadata"]
    for _ in range(APPLY_ATTEMPTS):
        try:
            live = store.get(cluster, k.kind, meta["name"], meta.get("namespace", ""))
        except NotFound:
            if subresource == "status":
                raise  # the status of an object that is not there: nothing is created
            live = None
        try:
            if subresource == "status":
                return False, store.update_status(cluster, apply_status(k, live, applied), dry_run=dry_run)
            result = apply(k, live, applied, manager, force=force, now=store.timestamp(store.now(cluster)))
            if live is None:
                return True, store.create(cluster, result, dry_run=dry_run)
            result["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
            return False, store.update(cluster, result, dry_run=dry_run)
        except (Conflict, AlreadyExists):
            continue  # written meanwhile: apply again over what is there now
    raise Conflict(f'Operation cannot be fulfilled on {k.resource} "{meta["name"]}": the object kept changing; '
                   "try again")


def apply_status(k: Kind, live: Obj, applied: Obj) -> Obj:
    """`live` with `applied`'s status merged in, as an apply to the status subresource leaves it:
    the status strategies' reset fields (spec, the metadata) are ignored, neither written nor
    in conflict, and status is owned by no one here, so nothing in it conflicts either."""
    if "status" not in applied:
        return live
    status = _merge(_child(_kind_schema(k), "status"), live.get("status") or {}, applied["status"])
    return {**live, "status": status}
