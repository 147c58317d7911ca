"""The store: the playground's API server and etcd in one Python API.

YAML / forms / kubectl / CLI / controllers → here (admission → persist → change log) → notify.
Every write in the playground goes through these functions, and nothing else writes the tables.
A write takes the next resourceVersion from one global counter, stores the object row and
appends to the change log in one transaction (commit.py); a write that names a stale
resourceVersion is a Conflict, never a lost update. Watches replay the change log (changelog.py) from a
resourceVersion, and are told Gone once the log has been compacted past it; clusters are made,
reset and deleted whole (clusters.py). The rules follow the API server's generic registry
(staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go) and etcd3 storage.
"""
from __future__ import annotations

import builtins
import collections
import copy
import datetime
import json
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
from django.db import connection
from django.db.models import Q

from . import changelog, chunking, clock, clusters, leases, merge, quota, selectors, services
from . import rows as object_rows
from .commit import ADDED, DELETED, MODIFIED, Write, commit
from .admission import (
    MIRROR_ANNOTATION,
    SERVICE_ACCOUNT_VOLUME_PREFIX,
    admit_create,
    admit_priority,
    admit_priority_class,
    admit_status_update,
    admit_update,
    mount_service_account_token,
    should_automount,
)
from .errors import AlreadyExists, BadRequest, Conflict, Forbidden, NotFound, object_conflict, object_not_found
from .hashing import ALPHANUMS
from .kinds import KINDS, Kind
from .models import StoredObject
from .validation.scheduling import SYSTEM_PRIORITY_CLASSES

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
UPDATE_RETRIES = 5
GENERATE_NAME_RETRIES = 8


# -- Clusters -----------------------------------------------------------------------------------


# -- Reads --------------------------------------------------------------------------------------


def get(cluster: str, kind: str, name: str, namespace: str = "") -> Obj:
    """The object, as `kubectl get KIND NAME -o json` shows it; raises NotFound."""
    k = _kind(kind)
    row = object_rows.read(clusters.id_of(cluster), k, _namespace_of(k, namespace), name)
    if row is None:
        raise object_not_found(k.resource, name)
    return json.loads(row[1])


def existing(cluster: str, keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Which of the (kind, namespace, name) are stored now: names only, a query per kind and
    namespace on the (cluster, kind, namespace, name) index (a page of Events asks about the
    objects it names)."""
    wanted: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for kind, namespace, name in keys:
        k = _kind(kind)
        wanted[(k.kind, _namespace_of(k, namespace))].add(name)
    found: set[tuple[str, str, str]] = set()
    cluster_id = clusters.id_of(cluster)
    with connection.cursor() as cursor:
        for (kind, namespace), names in wanted.items():
            ordered = sorted(names)
            for start in range(0, len(ordered), EXISTING_CHUNK):
                chunk = ordered[start:start + EXISTING_CHUNK]
                cursor.execute(
                    "SELECT name FROM store_storedobject WHERE cluster_id = %s AND kind = %s AND namespace = %s"
                    f" AND name IN ({', '.join(['%s'] * len(chunk))})",
                    [cluster_id, kind, namespace, *chunk],
                )
                found |= {(kind, namespace, name) for (name,) in cursor.fetchall()}
    return found


EXISTING_CHUNK = 500  # names a query asks about, well under SQLite's limit of bound parameters


def list(  # noqa: A001 - the store's verbs are Kubernetes' verbs
    cluster: str,
    kind: str,
    *,
    namespace: str | None = None,
    label_selector: str = "",
    field_selector: str = "",
) -> builtins.list[Obj]:
    """Objects of a kind, in one namespace or all (None), sorted by namespace and name."""
    k = _kind(kind)
    label_match = selectors.parse_label_selector(label_selector)
    field_match = selectors.parse_field_selector(field_selector)
    rows = StoredObject.objects.filter(cluster_id=clusters.id_of(cluster), kind=k.kind)
    if namespace is not None and k.namespaced:
        rows = rows.filter(namespace=namespace)
    for hint in selectors.stored_text_hints(field_selector):
        rows = rows.filter(data__contains=hint)
    items = []
    for labels, data in rows.order_by("namespace", "name").values_list("labels", "data"):
        if label_match is None or label_match(json.loads(labels)):
            obj = json.loads(data)
            if field_match is None or field_match(obj):
                items.append(obj)
    return items


@dataclass(frozen=True)
class ListChunk:
    """One chunk of a list: its objects, the list's resourceVersion, and the token of the next
    chunk ("" on the last one), as a List's metadata carries them."""

    items: builtins.list[Obj]
    resource_version: int
    continue_: str = ""  # ListMeta.continue
    remaining_item_count: int | None = None  # ListMeta.remainingItemCount: after this chunk, without selectors


def list_chunk(
    cluster: str,
    kind: str,
    *,
    limit: int = chunking.DEFAULT_CHUNK_SIZE,
    continue_: str = "",
    namespace: str | None = None,
    label_selector: str = "",
    field_selector: str = "",
) -> ListChunk:
    """At most `limit` objects of `list(...)`, from the key a continue token names on: the rows
    are read in key order with a LIMIT, so a chunk costs the same however long the list is.
    The token keeps the first chunk's resourceVersion; the later chunks read the rows as they
    are then (the store keeps no old versions to read a snapshot from)."""
    if limit < 1:
        raise BadRequest(f"limit must be a positive number, got {limit}")
    k = _kind(kind)
    start, version = chunking.decode_continue(continue_) if continue_ else ("", 0)
    version = version or changelog.cluster_resource_version(cluster)
    prefixed = namespace is None and k.namespaced  # keys are namespace/name; else name
    label_match = selectors.parse_label_selector(label_selector)
    field_match = selectors.parse_field_selector(field_selector)
    rows = StoredObject.objects.filter(cluster_id=clusters.id_of(cluster), kind=k.kind)
    if namespace is not None and k.namespaced:
        rows = rows.filter(namespace=namespace)
    rows = rows.order_by("namespace", "name").values_list("namespace", "name", "labels", "data")
    items: builtins.list[Obj] = []
    last_key, more = "", False
    while not more:  # with selectors, read on until the chunk is full or the rows end
        fetched = builtins.list(_from_key(rows, chunking.after(last_key) if last_key else start, prefixed=prefixed)[: limit + 1])
        for namespace_, name, labels, data in fetched:
            if len(items) == limit:
                more = True  # a row after a full chunk: there is a next one
                break
            last_key = chunking.key(namespace_, name, prefixed=prefixed)
            if label_match is None or label_match(json.loads(labels)):
                obj = json.loads(data)
                if field_match is None or field_match(obj):
                    items.append(obj)
        if len(fetched) <= limit:
            break
    if not more:
        return ListChunk(items, version)
    start = chunking.after(last_key)
    # Counted as the API server counts it: only when no selector leaves the count unknown
    remaining = None if label_match or field_match else _from_key(rows, start, prefixed=prefixed).count()
    return ListChunk(items, version, chunking.encode_continue(start, version), remaining)


def _from_key(rows: Any, start: str, *, prefixed: bool) -> Any:
    """The rows whose key is `start` or after it; a start ending in NUL is the key before it, excluded."""
    if not start:
        return rows
    namespace, name, exclusive = chunking.split_start(start, prefixed=prefixed)
    if not prefixed:
        return rows.filter(name__gt=name) if exclusive else rows.filter(name__gte=name)
    same = Q(namespace=namespace, name__gt=name) if exclusive else Q(namespace=namespace, name__gte=name)
    return rows.filter(Q(namespace__gt=namespace) | same)


def list_all(cluster: str, *, except_kinds: Iterable[str] = ()) -> builtins.list[Obj]:
    """Every object of a cluster (but those kinds): the informers' initial list."""
    rows = (
        StoredObject.objects.filter(cluster_id=clusters.id_of(cluster))
        .exclude(kind__in=builtins.list(except_kinds))
        .values_list("data", flat=True)
    )
    return [json.loads(data) for data in rows.iterator(chunk_size=2_000)]


# -- Writes -------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Writes that commit together: one transaction, one counter bump, one notification.

    A ReplicaSet creating 500 pods is one commit, not 500. Each write is admitted when it is
    added (a bad object raises at once); the writes are stored when the `with` block ends, and
    either all of them are or none is (a Conflict or AlreadyExists rolls the batch back).
    """

    cluster: str
    dry_run: bool = False  # admitted and answered, never stored (`kubectl diff`, `--dry-run=server`)
    writes: builtins.list[Write] = field(default_factory=builtins.list)
    cluster_id: int = 0
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    created: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, namespace, name) added so far
    # What admission read (an open namespace, a ServiceAccount, the PriorityClasses): once per
    # batch, and within a controller manager's turn once per turn (clusters.looked_up_this_turn)
    looked_up: clusters.LookedUp = field(default_factory=dict)
    # The writes again, by kind: admission looks for the Services, ServiceAccounts and PriorityClasses
    # a batch holds, and a long batch (an upload of thousands of Pods) must not scan them all per object
    writes_of_kind: dict[str, builtins.list[Write]] = field(default_factory=lambda: collections.defaultdict(builtins.list))
    also_work: builtins.list[Callable[[], None]] = field(default_factory=builtins.list)
    limits: quota.Quota = field(default_factory=quota.Quota)  # the cluster's quota, read with its clock
    used: dict[str, int] | None = None  # what the quota counts, with this batch's creates; read on the first

    def __post_init__(self) -> None:
        if leases.fence_of(self.cluster) is None:
            # Someone writes (a page, the API, a command, a shell): a use, which wakes an asleep
            # cluster. Its controllers' own writes (under their fence) are none: they would keep
            # awake a cluster nobody uses
            clock.use(self.cluster)
        self.cluster_id, state, self.limits = clusters.cluster_clock_and_quota(self.cluster)
        self.now = state.now().replace(microsecond=0)
        turn = clusters.looked_up_this_turn(self.cluster)
        if turn is not None and not self.dry_run:
            self.looked_up = turn

    def create(self, obj: Obj, *, new_name: bool = False) -> Obj:
        """`new_name`: the caller made the name to be new (the Event recorder's time and count),
        so it is not looked up first; should it be taken after all, the commit is refused
        AlreadyExists, as the API server's storage refuses a create whose key exists."""
        return self._add(_prepare_create(self, obj, new_name=new_name))

    def update(self, obj: Obj) -> Obj:
        return self._add(_prepare_update(self.cluster_id, obj, limits=self.limits))

    def update_status(self, obj: Obj) -> Obj:
        return self._add(_prepare_update(self.cluster_id, obj, status=True))

    def delete(self, kind: str, name: str, namespace: str = "", **options: Any) -> Obj:
        return self._add(_prepare_delete(self, kind, name, namespace, **options))

    def bind(self, pod: Obj, node_name: str) -> Obj:
        """The pods/binding subresource: what the scheduler writes to place a pod on a node."""
        return self._add(_prepare_bind(self, pod, node_name))

    def finalize_namespace(self, namespace: Obj) -> Obj:
        """The namespaces/finalize subresource: an emptied namespace drops its `kubernetes`
        finalizer, and with no finalizer left it is gone."""
        row = object_rows.read(self.cluster_id, KINDS["Namespace"], "", namespace["metadata"]["name"])
        if row is None:
            raise object_not_found(KINDS["Namespace"].resource, namespace["metadata"]["name"])
        version, data = row
        current = json.loads(data)
        current.setdefault("spec", {})["finalizers"] = []
        return self._add(Write(DELETED if _finalized(current) else MODIFIED, KINDS["Namespace"], current, version))

    def also(self, work: Callable[[], None]) -> None:
        """Run `work` (writes to the caller's own tables: a kubelet's memory of its pods) in the
        batch's transaction, after its objects: both are kept, or neither, and both pass the fence."""
        self.also_work.append(work)

    def _add(self, write: Write | Obj) -> Obj:
        if isinstance(write, dict):  # nothing to write: the object as it is
            return write
        self.writes.append(write)
        self.writes_of_kind[write.kind.kind].append(write)
        return write.obj

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None and not self.dry_run:
            commit(self.cluster, self.cluster_id, self.writes, time=timestamp(self.now), also=self.also_work,
                   limits=self.limits if self.used is not None else None)


def batch(cluster: str, *, dry_run: bool = False) -> Batch:
    return Batch(cluster, dry_run=dry_run)


def create(cluster: str, obj: Obj, *, dry_run: bool = False) -> Obj:
    """Store a new object (admitted, named from generateName if needed); raises AlreadyExists, Invalid."""
    with batch(cluster, dry_run=dry_run) as b:
        return b.create(obj)


def update(cluster: str, obj: Obj, *, dry_run: bool = False) -> Obj:
    """Replace an object. With metadata.resourceVersion set, a stale one is a Conflict; without,
    the write is unconditional (and retried on a concurrent change), as the API server allows."""

    def attempt() -> Obj:
        with batch(cluster, dry_run=dry_run) as b:
            return b.update(obj)

    return _with_retries(attempt, obj)


def update_status(cluster: str, obj: Obj, *, dry_run: bool = False) -> Obj:
    """Replace only the status, as the /status subresource does: spec and metadata are kept."""

    def attempt() -> Obj:
        with batch(cluster, dry_run=dry_run) as b:
            return b.update_status(obj)

    return _with_retries(attempt, obj)


def bind(cluster: str, pod: Obj, node_name: str) -> Obj:
    with batch(cluster) as b:
        return b.bind(pod, node_name)


def delete(
    cluster: str,
    kind: str,
    name: str,
    namespace: str = "",
    *,
    grace_period_seconds: int | None = None,
    propagation_policy: str | None = None,
    resource_version: str | None = None,
    dry_run: bool = False,
) -> Obj:
    """Delete as the API server does: at once, or by setting deletionTimestamp while finalizers
    or a pod's grace period remain. Returns the object as it was deleted or marked."""
    options = dict(
        grace_period_seconds=grace_period_seconds,
        propagation_policy=propagation_policy,
        resource_version=resource_version,
    )

    def attempt() -> Obj:
        with batch(cluster, dry_run=dry_run) as b:
            return b.delete(kind, name, namespace, **options)

    return _with_retries(attempt, {"metadata": {"resourceVersion": resource_version}})


def patch(cluster: str, kind: str, name: str, namespace: str, body: Any, *, patch_type: str = "strategic",
          dry_run: bool = False, prepare: Callable[[Obj, Obj], Obj] | None = None,
          status: bool | None = None) -> Obj:
    """`kubectl patch --type=strategic|merge|json`: the patch applied to the live object, then an
    update; `prepare(live, patched)` has the last word on what is written (the API server's field
    managers). `status`: through the /status subresource (only the status is written) or the
    object itself (its status is kept, as every registry strategy's PrepareForUpdate keeps it);
    None, as the playground's own writers ask: a patch of the status alone goes to /status."""

    if status is None:
        status = isinstance(body, dict) and set(body) == {"status"} and _kind(kind).has_status

    def attempt() -> Obj:
        current = get(cluster, kind, name, namespace)
        patched = apply_patch(current, body, patch_type=patch_type)
        if prepare is not None:
            patched = prepare(current, patched)
        patched.setdefault("metadata", {}).setdefault("resourceVersion", current["metadata"]["resourceVersion"])
        with batch(cluster, dry_run=dry_run) as b:
            return b.update_status(patched) if status else b.update(patched)

    explicit_version = isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion")
    return _with_retries(attempt, {"metadata": {"resourceVersion": explicit_version}})


def apply_patch(obj: Obj, body: Any, *, patch_type: str) -> Obj:
    """The object with a patch of one of the API server's patch types applied; raises BadRequest."""
    try:
        if patch_type == "merge":
            return merge.json_merge_patch(obj, body)
        if patch_type == "strategic":
            return merge.strategic_merge_patch(obj, body, obj["kind"])
        if patch_type == "json":
            return jsonpatch.apply_patch(obj, body)
    except (ValueError, TypeError, jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as e:
        raise BadRequest(f"the patch could not be applied: {e}") from None
    raise BadRequest(f'unknown patch type "{patch_type}": use strategic, merge or json')


def apply(cluster: str, obj: Obj) -> tuple[Obj, str]:
    """`kubectl apply` (client-side): create, or three-way merge with the last-applied
    configuration, so fields removed from the file are removed and fields set by others stay.
    Returns the stored object and what happened: created, configured or unchanged."""
    k = _kind_of(obj)
    if not isinstance(obj.get("metadata", {}), dict):
        return create(cluster, obj), "created"  # admission explains what is wrong
    modified = copy.deepcopy(obj)
    annotations = modified.setdefault("metadata", {}).setdefault("annotations", {})
    annotations.pop(LAST_APPLIED, None)
    if not annotations:
        modified["metadata"].pop("annotations")
    applied = json.dumps(modified, separators=(",", ":"), sort_keys=True)
    modified["metadata"].setdefault("annotations", {})[LAST_APPLIED] = applied + "\n"
    name = modified["metadata"].get("name")
    if not name:
        return create(cluster, modified), "created"  # the API server explains what is missing

    def attempt() -> tuple[Obj, str]:
        namespace = _namespace_of(k, modified["metadata"].get("namespace") or "")
        try:
            current = get(cluster, k.kind, name, namespace)
        except NotFound:
            return create(cluster, modified), "created"
        original = _last_applied(current)
        merged = merge.apply_three_way(original, modified, current, k.kind)
        merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        with batch(cluster) as b:
            stored = b.update(merged)
        same = stored["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]
        return stored, "unchanged" if same else "configured"

    for _ in range(UPDATE_RETRIES):
        try:
            return attempt()
        except Conflict:
            continue
    return attempt()


def _last_applied(obj: Obj) -> Obj | None:
    text = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


# -- Preparing writes -----------------------------------------------------------------------------


def _prepare_create(batch: Batch, obj: Obj, *, new_name: bool = False) -> Write:
    k = _kind_of(obj)
    generated = isinstance(obj.get("metadata"), dict) and not obj["metadata"].get("name")
    obj = admit_create(k, _with_name_and_namespace(k, obj, now=batch.now))
    meta = obj["metadata"]
    if k.namespaced:
        _check_namespace_open(batch, meta["namespace"])
    if k.kind == "Service":  # the service registry's beginCreate: cluster IPs and node ports
        services.allocate(obj, services.in_use(batch.cluster_id, [w.obj for w in batch.writes_of_kind["Service"]]))
    if k.kind == "Pod" and MIRROR_ANNOTATION not in (meta.get("annotations") or {}):
        _admit_service_account(batch, obj, meta["generateName"] if generated else meta["name"])
    if k.kind == "Pod":
        admit_priority(obj["spec"], meta["generateName"] if generated else meta["name"], _priority_classes(batch))
    if k.kind == "PriorityClass":
        admit_priority_class(obj, _priority_classes(batch), update=False)
    if k.kind == "PersistentVolumeClaim" and "storageClassName" not in obj["spec"]:
        default = _default_storage_class(batch.cluster_id)  # the DefaultStorageClass admission plugin
        if default is not None:
            obj["spec"]["storageClassName"] = default
    _admit_quota(batch, k, obj, meta["generateName"] if generated else meta["name"])
    for _ in range(GENERATE_NAME_RETRIES):
        if not _taken(batch, k, meta.get("namespace", ""), meta["name"], look=not new_name):
            batch.created.add((k.kind, meta.get("namespace", ""), meta["name"]))
            return Write(ADDED, k, obj)
        if not generated:
            break
        # A generated name that is taken is generated again, as the API server has done since 1.30
        meta["name"] = meta["generateName"][:58] + "".join(random.choices(ALPHANUMS, k=5))
    raise AlreadyExists(f'{k.resource} "{meta["name"]}" already exists')


def _admit_service_account(batch: Batch, pod: Obj, name: str) -> None:
    """The ServiceAccount admission plugin: the pod's account must exist (a namespace's `default`
    is made by the serviceaccounts controller), and unless automounting is off the pod gets its
    token volume. Refused as Forbidden, as the API server does; a controller retries."""
    namespace, account_name = pod["metadata"]["namespace"], pod["spec"]["serviceAccountName"]
    created = [w.obj for w in batch.writes_of_kind["ServiceAccount"] if w.type == ADDED
               and (w.obj["metadata"]["namespace"], w.obj["metadata"]["name"]) == (namespace, account_name)]
    key = ("ServiceAccount", namespace, account_name)
    if not created and key not in batch.looked_up:
        row = object_rows.read(batch.cluster_id, KINDS["ServiceAccount"], namespace, account_name)
        batch.looked_up[key] = json.loads(row[1]) if row else None
    account = created[0] if created else batch.looked_up[key]
    if account is None:
        raise Forbidden(f'pods "{name}" is forbidden: error looking up service account {namespace}/{account_name}: '
                        f'serviceaccount "{account_name}" not found')
    if should_automount(account, pod["spec"]):
        mount_service_account_token(
            pod["spec"], SERVICE_ACCOUNT_VOLUME_PREFIX + "".join(random.choices(ALPHANUMS, k=5))
        )


def _admit_quota(batch: Batch, k: Kind, obj: Obj, name: str) -> None:
    """The ResourceQuota plugin, last of the admission chain: the cluster's counts, read on the
    batch's first create, with this object added; and the replicas one workload may ask for."""
    quota.check_replicas(batch.limits, obj, None, k.resource)
    if not batch.limits.counts() or not quota.requested(k.kind, obj["metadata"].get("namespace", "")):
        return
    if batch.used is None:
        batch.used = clusters.usage(batch.cluster_id)
    batch.used = quota.check_create(batch.limits, batch.used, k.kind, k.resource, name, obj["metadata"].get("namespace", ""))


def _priority_classes(batch: Batch) -> dict[str, Obj]:
    """The cluster's PriorityClasses by name, those this batch creates included."""
    if ("PriorityClass",) not in batch.looked_up:
        batch.looked_up[("PriorityClass",)] = _stored_priority_classes(batch.cluster_id)
    created = {w.obj["metadata"]["name"]: w.obj for w in batch.writes_of_kind["PriorityClass"] if w.type == ADDED}
    return {**batch.looked_up[("PriorityClass",)], **created}


def _stored_priority_classes(cluster_id: int) -> dict[str, Obj]:
    rows = StoredObject.objects.filter(cluster_id=cluster_id, kind="PriorityClass").values_list("data", flat=True)
    return {c["metadata"]["name"]: c for c in map(json.loads, rows)}


def _default_storage_class(cluster_id: int) -> str | None:
    """The StorageClass marked default (the newest, if several are), or None."""
    classes = [
        json.loads(data)
        for data in StoredObject.objects.filter(cluster_id=cluster_id, kind="StorageClass").values_list("data", flat=True)
    ]
    defaults = [
        c for c in classes
        if (c["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"
    ]
    newest = max(defaults, key=lambda c: (c["metadata"]["creationTimestamp"], c["metadata"]["name"]), default=None)
    return newest["metadata"]["name"] if newest else None


def _taken(batch: Batch, k: Kind, namespace: str, name: str, *, look: bool = True) -> bool:
    """Whether the batch creates the name already, or (`look`) the cluster has it."""
    if (k.kind, namespace, name) in batch.created:
        return True
    return look and object_rows.read(batch.cluster_id, k, namespace, name) is not None


def _with_name_and_namespace(k: Kind, obj: Obj, *, now: datetime.datetime) -> Obj:
    """The metadata the server sets on create: name from generateName, namespace, uid, creation time."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return obj  # the schema check explains
    meta = dict(meta)
    if not meta.get("name") and isinstance(meta.get("generateName"), str):
        meta["name"] = meta["generateName"][:58] + "".join(random.choices(ALPHANUMS, k=5))
    if k.namespaced:
        meta["namespace"] = meta.get("namespace") or "default"
    else:
        meta.pop("namespace", None)
    # Set before admission, as the API server's BeforeCreate does: a Job's selector is made from the uid.
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = timestamp(now)
    return {**obj, "metadata": meta}


def _prepare_update(cluster_id: int, obj: Obj, *, status: bool = False, limits: quota.Quota | None = None) -> Write | Obj:
    k = _kind_of(obj)
    meta = obj.get("metadata") or {}
    namespace = _namespace_of(k, meta.get("namespace") or "")
    row = object_rows.read_at(cluster_id, k, namespace, meta.get("name") or "", meta.get("resourceVersion"))
    if row is None:
        raise object_not_found(k.resource, meta.get("name") or "")
    version, data = row
    old = json.loads(data)
    if meta.get("resourceVersion") not in (None, "", str(version)):
        raise object_conflict(k.resource, meta["name"])
    if status:
        new = admit_status_update(k, obj, old)
    else:
        new = admit_update(k, {**obj, "metadata": {**meta, "namespace": namespace or None}}, old)
        if limits is not None:
            quota.check_replicas(limits, new, old, k.resource)
        if k.kind == "PriorityClass":
            admit_priority_class(new, _stored_priority_classes(cluster_id), update=True)
    new["metadata"]["resourceVersion"] = str(version)
    if new == old:
        return old  # a no-op write changes nothing, not even the resourceVersion
    if _finalized(new):
        return Write(DELETED, k, new, version)
    return Write(MODIFIED, k, new, version)


def _prepare_bind(batch: Batch, pod: Obj, node_name: str) -> Write:
    """spec.nodeName and the PodScheduled condition, as pkg/registry/core/pod's binding does;
    a pod already bound, or being deleted, cannot be bound again."""
    meta = pod["metadata"]
    row = object_rows.read_at(batch.cluster_id, KINDS["Pod"], meta.get("namespace", "default"), meta["name"], meta.get("resourceVersion"))
    if row is None:
        raise object_not_found(KINDS["Pod"].resource, meta["name"])
    version, data = row
    current = json.loads(data)
    if meta.get("uid") and meta["uid"] != current["metadata"]["uid"]:
        raise object_conflict(KINDS["Pod"].resource, meta["name"])
    if current["spec"].get("nodeName"):
        raise Conflict(f'pod {meta["name"]} is already assigned to node "{current["spec"]["nodeName"]}"')
    if current["metadata"].get("deletionTimestamp"):
        raise Conflict(f'pod {meta["name"]} is being deleted, cannot be assigned to a host')
    current["spec"]["nodeName"] = node_name
    conditions = [c for c in current.setdefault("status", {}).get("conditions", []) if c["type"] != "PodScheduled"]
    scheduled = {"type": "PodScheduled", "status": "True", "lastTransitionTime": timestamp(batch.now)}
    current["status"]["conditions"] = [scheduled, *conditions]
    return Write(MODIFIED, KINDS["Pod"], current, version)


def _finalized(obj: Obj) -> bool:
    """Marked for deletion, no finalizer left and no grace period to wait for: gone now."""
    meta = obj["metadata"]
    if obj["kind"] == "Namespace" and (obj.get("spec") or {}).get("finalizers"):
        return False  # the namespace controller empties it first, then finalizes
    return bool(meta.get("deletionTimestamp")) and not meta.get("finalizers") and not meta.get("deletionGracePeriodSeconds")


def _prepare_delete(
    batch: Batch,
    kind: str,
    name: str,
    namespace: str,
    *,
    grace_period_seconds: int | None = None,
    propagation_policy: str | None = None,
    resource_version: str | None = None,
) -> Write | Obj:
    k = _kind(kind)
    row = object_rows.read(batch.cluster_id, k, _namespace_of(k, namespace), name)
    if row is None:
        raise object_not_found(k.resource, name)
    version, data = row
    obj = json.loads(data)
    if resource_version not in (None, "", str(version)):
        raise object_conflict(k.resource, name)
    if k.kind == "PriorityClass" and name in SYSTEM_PRIORITY_CLASSES:  # priorityclass/storage REST.Delete
        raise Forbidden(f'{k.resource} "{name}" is forbidden: this is a system priority class and cannot be deleted')
    meta = obj["metadata"]
    grace = _grace_period(k, obj, grace_period_seconds)
    finalizers = builtins.list(meta.get("finalizers") or [])
    if propagation_policy in ("Foreground", "Orphan"):
        finalizer = "foregroundDeletion" if propagation_policy == "Foreground" else "orphan"
        finalizers = [f for f in finalizers if f not in ("foregroundDeletion", "orphan")] + [finalizer]
    elif propagation_policy not in (None, "Background"):
        raise BadRequest(f'propagationPolicy "{propagation_policy}" is not one of Foreground, Background, Orphan')
    if meta.get("deletionTimestamp"):
        return _delete_again(k, obj, version, grace, now=batch.now)
    if not finalizers and grace == 0 and k.kind != "Namespace":
        return Write(DELETED, k, obj, version)
    new = copy.deepcopy(obj)
    new["metadata"]["deletionTimestamp"] = timestamp(batch.now, offset_seconds=grace)
    new["metadata"]["deletionGracePeriodSeconds"] = grace
    if finalizers:
        new["metadata"]["finalizers"] = finalizers
    if k.kind == "Namespace":
        new.setdefault("status", {})["phase"] = "Terminating"
    return Write(MODIFIED, k, new, version)


def _delete_again(k: Kind, obj: Obj, version: int, grace: int, *, now: datetime.datetime) -> Write | Obj:
    """A delete of an object already terminating may only shorten its grace period."""
    meta = obj["metadata"]
    if grace >= (meta.get("deletionGracePeriodSeconds") or 0):
        return obj
    if grace == 0 and not meta.get("finalizers"):
        return Write(DELETED, k, obj, version)
    new = copy.deepcopy(obj)
    new["metadata"]["deletionTimestamp"] = timestamp(now, offset_seconds=grace)
    new["metadata"]["deletionGracePeriodSeconds"] = grace
    return Write(MODIFIED, k, new, version)


def _grace_period(k: Kind, obj: Obj, requested: int | None) -> int:
    """Only a pod on a node that has not finished waits (pkg/registry/core/pod/strategy.go)."""
    if requested is not None and requested < 0:
        raise BadRequest("gracePeriodSeconds must be greater than or equal to 0")
    if k.kind != "Pod":
        return 0
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if not spec.get("nodeName") or status.get("phase") in ("Failed", "Succeeded"):
        return 0
    return requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)


def _check_namespace_open(batch: Batch, namespace: str) -> None:
    if ("Namespace", namespace) in batch.looked_up:
        return
    if any(w.obj["metadata"]["name"] == namespace for w in batch.writes_of_kind["Namespace"]):
        return
    row = object_rows.read(batch.cluster_id, KINDS["Namespace"], "", namespace)
    if row is None:
        raise NotFound(f'namespaces "{namespace}" not found')
    if json.loads(row[1])["metadata"].get("deletionTimestamp"):
        raise Forbidden(
            f"unable to create new content in namespace {namespace} because it is being terminated"
        )
    batch.looked_up[("Namespace", namespace)] = True  # open


def _with_retries(attempt: Any, obj: Obj) -> Any:
    """Unconditional writes retry on Conflict, as the API server's GuaranteedUpdate does; a
    write that named its resourceVersion gets the Conflict."""
    if (obj.get("metadata") or {}).get("resourceVersion"):
        return attempt()
    for _ in range(UPDATE_RETRIES - 1):
        try:
            return attempt()
        except Conflict:
            continue
    return attempt()


# -- Helpers ------------------------------------------------------------------------------------


def now(cluster: str) -> datetime.datetime:
    """The cluster's simulated time."""
    return clock.now(cluster)


def timestamp(moment: datetime.datetime, *, offset_seconds: float = 0) -> str:
    """A time as Kubernetes writes it (metav1.Time): RFC 3339, UTC, whole seconds."""
    return (moment + datetime.timedelta(seconds=offset_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_timestamp(moment: datetime.datetime) -> str:
    """metav1.MicroTime, as a Lease's renewTime: RFC 3339 with microseconds."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str | None) -> datetime.datetime | None:
    """A Time or MicroTime back as an aware datetime (None stays None)."""
    return datetime.datetime.fromisoformat(text) if text else None


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise NotFound(f'the server doesn\'t have a resource type "{kind}"')
    return KINDS[kind]


def _kind_of(obj: Obj) -> Kind:
    if not isinstance(obj, dict):
        raise BadRequest("expected a Kubernetes object (a mapping)")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not kind or not isinstance(kind, str):
        raise BadRequest("Object 'Kind' is missing")
    if not api_version or not isinstance(api_version, str):
        raise BadRequest(f"Object 'apiVersion' is missing for kind {kind}")
    known = KINDS.get(kind)
    if known is None or known.api_version != api_version:
        raise NotFound(f'no matches for kind "{kind}" in version "{api_version}"')
    return known


def _namespace_of(k: Kind, namespace: str) -> str:
    return (namespace or "default") if k.namespaced else ""

