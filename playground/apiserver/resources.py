"""The resource verbs of the Kubernetes API on the store: each takes a request's parts and
answers (HTTP code, body). Everything is read from and written to the store, through the same
admission as every other writer (the one rule of DESIGN.md); nothing here keeps state.

staging/src/k8s.io/apiserver/pkg/endpoints/handlers/{get,create,update,patch,delete}.go and
pkg/registry/rest/table.go are what each verb follows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from playground.runtime import informer
from playground.runtime.cache import UNCACHED_KINDS
from playground.store import api as store
from playground.store import changelog, chunking, fieldmanager, schemas, selectors, tables
from playground.store.errors import BadRequest, Invalid, NotFound
from playground.store.kinds import Kind

from . import protobuf, status
from .query import count

Obj = dict[str, Any]
Answer = tuple[int, Obj]

TABLE = "Table"
UNLIMITED = 2**31 - 1  # `continue` without `limit`: the rest of the list
APPLY = "application/apply-patch+yaml"
LIST_ATTEMPTS = 3
# Their registries set ReturnDeletedObject (pkg/registry/core/*/storage): a DELETE answers the
# object as deleted even when it is gone at once, where any other kind answers a Success Status
RETURNS_DELETED_OBJECT = {"Pod", "Service", "ServiceAccount", "PersistentVolume", "PersistentVolumeClaim",
                          "StorageClass"}
PATCH_TYPES = {
    "application/strategic-merge-patch+json": "strategic",
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
}


@dataclass
class WriteOptions:
    """A write's query parameters: `dryRun=All` (admitted, answered, not stored) and
    `fieldValidation` (Strict refuses unknown fields; Warn, the server's default, and Ignore drop
    them), with the warnings the answer carries."""

    dry_run: bool = False
    field_validation: str = "Warn"
    field_manager: str = ""  # who writes: the managedFields entry the write goes to
    force: bool = False  # an apply takes over the fields it conflicts on
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, dry_run: list[str], field_validation: str | None, field_manager: str = "",
              force: str | None = None) -> WriteOptions:
        if not isinstance(dry_run, list) or any(value != "All" for value in dry_run):
            raise BadRequest(f'dryRun: Unsupported value: {json.dumps(dry_run)}: supported values: "All"')
        validation = field_validation or "Warn"
        if validation not in ("Strict", "Warn", "Ignore"):
            raise BadRequest(f'fieldValidation: Unsupported value: "{validation}": supported values: "Ignore", "Strict", "Warn"')
        if len(field_manager) > 128:
            raise BadRequest("fieldManager: Too long: may not be more than 128 bytes")
        if force not in (None, "", "true", "false"):
            raise BadRequest(f'force: Invalid value: "{force}": must be true or false')
        return cls(bool(dry_run), validation, field_manager, force == "true")

    def known_fields_only(self, k: Kind, obj: Any, *, decoding: bool) -> Any:
        """`obj` as strict decoding leaves it: refused (Strict) or without its unknown fields;
        a body that is not decoded as an object (decoding=False) is a merge patch."""
        if self.field_validation == "Strict":
            unknown = schemas.unknown_fields(k, obj, patch=not decoding)
            if unknown:
                raise BadRequest(_strict_decoding_error(k, unknown, decoding=decoding))
            return obj
        obj, unknown = schemas.without_unknown_fields(k, obj, patch=not decoding)
        if self.field_validation == "Warn":
            self.warnings.extend(f'unknown field "{path}"' for path in unknown)
        return obj


def _strict_decoding_error(k: Kind, unknown: list[str], *, decoding: bool) -> str:
    """The API server's words; a body it decodes (create, update) also names the kind."""
    error = "strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in unknown)
    version = k.api_version.rpartition("/")[2]
    return f'{k.kind} in version "{version}" cannot be handled as a {k.kind}: {error}' if decoding else error


def get(cluster: str, k: Kind, namespace: str, name: str, *, as_table: bool) -> Answer:
    obj = store.get(cluster, k.kind, name, namespace)
    if as_table:
        return 200, table(k, [obj], resource_version=obj["metadata"]["resourceVersion"], now=store.now(cluster))
    return 200, obj


def list_(cluster: str, k: Kind, namespace: str, query: Any, *, as_table: bool) -> Answer:
    """A list, whole or — with `limit` (kubectl asks for 500) or `continue` — one chunk of it,
    with the token of the next in its metadata. Answered as the API server's watch cache answers
    (storage/cacher/delegator.go, shouldDelegateList, with ConsistentListFromCache): from the
    cache (`consistent_list`), but an exact resourceVersion (resourceVersionMatch=Exact, or a
    limit with a version other than "0") and the uncached Events go to the store; at version "0"
    the limit is ignored (computeListLimit). A continue token is read from the cache too: the
    store keeps no old versions, so its later chunks read the rows as they are then, which the
    synced cache holds (the real cache serves them from a snapshot at the token's version)."""
    scope = namespace if k.namespaced and namespace else None
    selectors_ = {"label_selector": query.get("labelSelector", ""), "field_selector": query.get("fieldSelector", "")}
    limit = count(query.get("limit"), "limit")
    version = query.get("resourceVersion", "")
    exact = query.get("resourceVersionMatch") == "Exact" or bool(limit) and version not in ("", "0")
    if (exact or k.kind in UNCACHED_KINDS) and (limit or query.get("continue")):
        chunk = store.list_chunk(cluster, k.kind, limit=limit or UNLIMITED, continue_=query.get("continue", ""),
                                 namespace=scope, **selectors_)
    elif exact or k.kind in UNCACHED_KINDS:
        listed_at, items = _store_list(cluster, k, scope, **selectors_)
        chunk = store.ListChunk(items, listed_at)
    else:
        chunk = _cached_chunk(cluster, k, scope, 0 if version == "0" else limit, query.get("continue", ""), **selectors_)
    metadata: Obj = {"resourceVersion": str(chunk.resource_version)}
    if chunk.continue_:
        metadata["continue"] = chunk.continue_
    if chunk.remaining_item_count is not None:
        metadata["remainingItemCount"] = chunk.remaining_item_count
    if as_table:
        return 200, {**table(k, chunk.items, resource_version=metadata["resourceVersion"], now=store.now(cluster)),
                     "metadata": metadata}
    return 200, {"kind": f"{k.kind}List", "apiVersion": k.api_version, "metadata": metadata, "items": chunk.items}


def _cached_chunk(cluster: str, k: Kind, namespace: str | None, limit: int, continue_: str,
                  **selectors_: str) -> store.ListChunk:
    """The consistent list from the cache, whole, or (`limit`, `continue`) the chunk of it
    store.list_chunk would read, with the same token for the next."""
    start, token_version = chunking.decode_continue(continue_) if continue_ else ("", 0)
    version, items = consistent_list(cluster, k, namespace, **selectors_)
    version = token_version or version  # a token keeps its first chunk's version
    if not limit and not start:
        return store.ListChunk(items, version)
    items, token, remaining = chunking.page(items, limit=limit or UNLIMITED, start=start, resource_version=version,
                                            prefixed=namespace is None and k.namespaced,
                                            counted=not any(selectors_.values()))
    return store.ListChunk(items, version, token, remaining)


def consistent_list(cluster: str, k: Kind, namespace: str | None, *, label_selector: str = "",
                    field_selector: str = "") -> tuple[int, list[Obj]]:
    """The objects and the cluster's resourceVersion they are at: a watch from it neither misses
    a change nor repeats one the list holds. Read from the process's shared informer, synced to
    the store's current resourceVersion first (the watch cache's consistent read: a list right
    after a write, by anyone, sees it); the objects are the cache's own, shared: never mutated.
    Events are not cached (runtime/cache.py): they are read from the store."""
    label = selectors.parse_label_selector(label_selector)
    fields = selectors.parse_field_selector(field_selector)
    if k.kind in UNCACHED_KINDS:
        return _store_list(cluster, k, namespace, label_selector=label_selector, field_selector=field_selector)
    version, objects = informer.shared(cluster).list_at(k.kind, namespace=namespace if k.namespaced else None)
    if label is None and fields is None:
        return version, objects
    return version, [obj for obj in objects if (label is None or label(obj["metadata"].get("labels") or {}))
                     and (fields is None or fields(obj))]


def _store_list(cluster: str, k: Kind, namespace: str | None, **selectors_: str) -> tuple[int, list[Obj]]:
    """A consistent list from the store. Without a snapshot read, the version is read before
    and after the list, and the list read again while the two differ (a few times at most:
    under a storm of writes, a watch may repeat a change rather than miss one)."""
    for _ in range(LIST_ATTEMPTS):
        before = changelog.cluster_resource_version(cluster)
        items = store.list(cluster, k.kind, namespace=namespace, **selectors_)
        if changelog.cluster_resource_version(cluster) == before:
            break
    return before, items  # the version read before the list: nothing after it is missed


def create(cluster: str, k: Kind, namespace: str, body: bytes, options: WriteOptions,
           content_type: str = "application/json") -> Answer:
    obj = options.known_fields_only(k, _object(body, k, namespace, content_type), decoding=True)
    obj = fieldmanager.update(k, None, obj, options.field_manager, _now(cluster))
    return 201, store.create(cluster, obj, dry_run=options.dry_run)


def update(cluster: str, k: Kind, namespace: str, name: str, body: bytes, options: WriteOptions, *,
           subresource: str = "", content_type: str = "application/json") -> Answer:
    obj = options.known_fields_only(k, _object(body, k, namespace, content_type), decoding=True)
    if obj["metadata"].get("name") != name:
        raise BadRequest(f"the name of the object ({obj['metadata'].get('name', '')}) does not match the name on the URL ({name})")
    if subresource == "status":
        return 200, store.update_status(cluster, obj, dry_run=options.dry_run)
    live = store.get(cluster, k.kind, name, namespace)
    obj = fieldmanager.update(k, live, obj, options.field_manager, _now(cluster))
    return 200, store.update(cluster, obj, dry_run=options.dry_run)


def patch(cluster: str, k: Kind, namespace: str, name: str, body: bytes, content_type: str,
          options: WriteOptions, *, subresource: str = "") -> Answer:
    """PATCH of the object, or of its /status (`subresource`): there only the patched status is
    written; on the object itself a status in the patch is dropped, as the registries'
    PrepareForUpdate drops it (`kubectl patch` prints "(no change)")."""
    patch_type = PATCH_TYPES[content_type]
    change = _json(body)
    if not isinstance(change, list if patch_type == "json" else dict):
        raise BadRequest("a JSON Patch is a list of operations" if patch_type == "json" else
                         f"a {patch_type} merge patch is an object")
    if patch_type != "json":  # a merge patch has the object's shape; a JSON Patch is a list of operations
        change = options.known_fields_only(k, change, decoding=False)
    try:
        return 200, store.patch(cluster, k.kind, name, namespace, change, patch_type=patch_type,
                                dry_run=options.dry_run, prepare=_managed(cluster, k, options),
                                status=subresource == "status")
    except Invalid as e:
        unknown = [error.field for error in e.errors if error.type == schemas.TYPE_UNKNOWN_FIELD]
        if unknown and len(unknown) == len(e.errors):  # what a JSON Patch added: strict decoding's words
            raise BadRequest(_strict_decoding_error(k, unknown, decoding=False)) from None
        raise


def server_side_apply(cluster: str, k: Kind, namespace: str, name: str, body: bytes, options: WriteOptions, *,
                      subresource: str = "") -> Answer:
    """PATCH as application/apply-patch+yaml: `kubectl apply --server-side`. The configuration
    is merged into the live object (or creates it) as its field manager owns it: a field another
    manager set to another value is a 409 conflict unless `force`."""
    if not options.field_manager:
        raise BadRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set")
    try:
        applied = yaml.safe_load(body)
    except yaml.YAMLError as e:
        raise BadRequest(f"error decoding YAML: {e}") from None
    applied = _object(json.dumps(applied).encode(), k, namespace)
    if applied["metadata"].get("name", name) != name:
        raise BadRequest(f"the name of the object ({applied['metadata']['name']}) does not match the name on the URL ({name})")
    applied["metadata"]["name"] = name
    applied = options.known_fields_only(k, applied, decoding=True)
    created, obj = fieldmanager.server_side_apply(cluster, k, applied, options.field_manager, force=options.force,
                                                  dry_run=options.dry_run, subresource=subresource)
    return (201 if created else 200), obj


def _managed(cluster: str, k: Kind, options: WriteOptions) -> Any:
    """What a patch writes, with its manager's fields (an Update) recorded."""
    return lambda live, patched: fieldmanager.update(k, live, patched, options.field_manager, _now(cluster))


def _now(cluster: str) -> str:
    return store.timestamp(store.now(cluster))


def evict(cluster: str, namespace: str, name: str, body: bytes, content_type: str, options: WriteOptions) -> Answer:
    """POST pods/NAME/eviction (`kubectl drain`): the pod is deleted as its DeleteOptions say.
    No PodDisruptionBudget is kept here, so no eviction is refused for one."""
    if content_type == protobuf.MEDIA_TYPE:
        try:
            eviction = protobuf.decode_as(body, "policy/v1", "Eviction", "k8s.io.api.policy.v1.Eviction")
        except protobuf.ProtobufError as e:
            raise BadRequest(f"the request body is not an Eviction in protobuf: {e}") from None
    else:
        eviction = _json(body)
    if not isinstance(eviction, dict) or (eviction.get("metadata") or {}).get("name", name) != name:
        raise BadRequest("name in URL does not match name in Eviction object")
    delete_options = eviction.get("deleteOptions") or {}
    grace = delete_options.get("gracePeriodSeconds")
    store.delete(cluster, "Pod", name, namespace, grace_period_seconds=int(grace) if grace is not None else None,
                 dry_run=options.dry_run or bool(delete_options.get("dryRun")))
    return 201, {**status.success({"name": name, "kind": "pods"}), "code": 201}


def get_scale(cluster: str, k: Kind, namespace: str, name: str) -> Answer:
    return 200, scale_of(store.get(cluster, k.kind, name, namespace))


def patch_scale(cluster: str, k: Kind, namespace: str, name: str, body: bytes, content_type: str,
                options: WriteOptions) -> Answer:
    """`kubectl scale` sends a merge patch of the Scale: the patched Scale's replicas are written
    to the object (with its resourceVersion when the patch names one, as a precondition)."""
    patch = _json(body)
    current = scale_of(store.get(cluster, k.kind, name, namespace))
    patched = store.apply_patch(current, patch, patch_type=PATCH_TYPES[content_type])
    if isinstance(patched, dict) and not _names_resource_version(patch):
        # The version read here is no precondition: a controller's status write since is no Conflict
        # (the API server's GuaranteedUpdate applies the patch to the latest object)
        (patched.get("metadata") or {}).pop("resourceVersion", None)
    return 200, _set_replicas(cluster, k, namespace, name, patched, options)


def _names_resource_version(patch: Any) -> bool:
    if isinstance(patch, dict):
        return bool((patch.get("metadata") or {}).get("resourceVersion"))
    return any(isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion" for op in patch or [])


def update_scale(cluster: str, k: Kind, namespace: str, name: str, body: bytes, options: WriteOptions) -> Answer:
    return 200, _set_replicas(cluster, k, namespace, name, _json(body), options)


def scale_of(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet."""
    metadata = obj["metadata"]
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {key: metadata[key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if key in metadata},
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                   "selector": selectors.label_selector_string((obj.get("spec") or {}).get("selector")) or ""},
    }


def _set_replicas(cluster: str, k: Kind, namespace: str, name: str, scale: Any, options: WriteOptions) -> Obj:
    replicas = (scale.get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest("spec.replicas of the Scale must be an integer")
    change: Obj = {"spec": {"replicas": replicas}}
    if version := (scale.get("metadata") or {}).get("resourceVersion"):
        change["metadata"] = {"resourceVersion": version}
    return scale_of(store.patch(cluster, k.kind, name, namespace, change, patch_type="merge", dry_run=options.dry_run,
                                prepare=_managed(cluster, k, options)))


def delete(cluster: str, k: Kind, namespace: str, name: str, body: bytes, query: Any, write: WriteOptions) -> Answer:
    delete_options = _json(body) if body.strip() else {}
    if not isinstance(delete_options, dict):
        raise BadRequest("the request body is not DeleteOptions")
    if delete_options.get("dryRun"):  # kubectl sends it in the body, not the query
        write = WriteOptions.parse(delete_options["dryRun"], write.field_validation, write.field_manager)
    grace = delete_options.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
    deleted = store.delete(
        cluster, k.kind, name, namespace,
        grace_period_seconds=int(grace) if grace is not None else None,
        propagation_policy=delete_options.get("propagationPolicy") or query.get("propagationPolicy"),
        resource_version=(delete_options.get("preconditions") or {}).get("resourceVersion"),
        dry_run=write.dry_run,
    )
    if write.dry_run or k.kind in RETURNS_DELETED_OBJECT or _still_there(cluster, k, namespace, deleted):
        return 200, deleted  # marked (finalizers or a grace period remain), or a kind that answers with it
    return 200, status.success({"name": name, "group": k.group, "kind": k.plural, "uid": deleted["metadata"].get("uid", "")})


def delete_collection(cluster: str, k: Kind, namespace: str, body: bytes, query: Any, write: WriteOptions) -> Answer:
    """DELETE on a collection: each object the selectors pick, deleted as one DELETE would;
    the answer lists them."""
    _, items = consistent_list(cluster, k, namespace if k.namespaced and namespace else None,
                               label_selector=query.get("labelSelector", ""),
                               field_selector=query.get("fieldSelector", ""))
    deleted = []
    for item in items:
        meta = item["metadata"]
        try:
            _, answer = delete(cluster, k, meta.get("namespace", ""), meta["name"], body, query, write)
        except NotFound:
            continue  # gone meanwhile
        deleted.append(answer if answer.get("kind") != "Status" else item)
    return 200, {"kind": f"{k.kind}List", "apiVersion": k.api_version, "metadata": {}, "items": deleted}


def table(k: Kind, objects: list[Obj], *, resource_version: str, now: Any) -> Obj:
    """A meta.k8s.io/v1 Table: the columns a real API server defines for the kind, every cell
    (the server makes them wide: kubectl drops priority-1 columns unless `-o wide`), and each
    row's object as PartialObjectMetadata, which kubectl reads for NAMESPACE and labels."""
    columns = tables.column_definitions(k.kind)
    return {
        "kind": TABLE, "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [{"name": c.name, "type": c.type, "format": c.format, "description": "",
                               "priority": c.priority} for c in columns],
        "rows": [{"cells": _typed(columns, tables.cells(obj, now=now, wide=True)),
                  "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}}
                 for obj in objects],
    }


def _typed(columns: tuple[tables.ColumnDefinition, ...], cells: list[str]) -> list[Any]:
    """Cells as JSON values of their column's type: a real Table's integers are numbers."""
    typed: list[Any] = []
    for column, cell in zip(columns, cells):
        if column.type == "integer" and cell.lstrip("-").isdigit():
            typed.append(int(cell))
        elif column.type == "boolean" and cell in ("true", "false"):
            typed.append(cell == "true")
        else:
            typed.append(cell)
    return typed


def _still_there(cluster: str, k: Kind, namespace: str, deleted: Obj) -> bool:
    if not deleted["metadata"].get("deletionTimestamp"):
        return False
    try:
        live = store.get(cluster, k.kind, deleted["metadata"]["name"], namespace)
    except NotFound:
        return False
    return live["metadata"].get("uid") == deleted["metadata"].get("uid")


def _object(body: bytes, k: Kind, namespace: str, content_type: str = "application/json") -> Obj:
    """The request's object (JSON, or the protobuf typed clients send), checked against the URL
    it was sent to."""
    if content_type == protobuf.MEDIA_TYPE:
        try:
            obj: Any = protobuf.decode(body, k)
        except protobuf.ProtobufError as e:
            raise BadRequest(f"the request body is not a {k.kind} in protobuf: {e}") from None
    else:
        obj = _json(body)
    if not isinstance(obj, dict):
        raise BadRequest("the request body is not a Kubernetes object")
    obj.setdefault("apiVersion", k.api_version)
    obj.setdefault("kind", k.kind)
    if (obj["apiVersion"], obj["kind"]) != (k.api_version, k.kind):
        raise BadRequest(f"the API version in the data ({obj['apiVersion']}) does not match the expected API version "
                         f"({k.api_version})" if obj["apiVersion"] != k.api_version else
                         f"the kind in the data ({obj['kind']}) does not match the expected kind ({k.kind})")
    metadata = obj.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise BadRequest("metadata must be an object")
    if k.namespaced:
        if metadata.get("namespace") and metadata["namespace"] != namespace:
            raise BadRequest("the namespace of the provided object does not match the namespace sent on the request")
        metadata["namespace"] = namespace
    return obj


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"the request body is not valid JSON: {e}") from None
