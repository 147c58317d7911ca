"""Volumes as files: what the kubelet's volume manager puts in a container's mounts.

kubelet (after each `sync_pod`) → `sync_volumes`: the ConfigMap, Secret, Downward API and
ServiceAccount token files of each volume, kept in the kubelet's record of the pod
(`PodRecord.volumes`) as the atomic writer left them on the node → the container filesystem
(containerfs.py), exec probes and the pages. Data volumes (emptyDir, persistentVolumeClaim,
hostPath) hold what the container and the page write: `VolumeFile` rows keyed by the volume's
lifetime (the pod for an emptyDir, the PersistentVolume for a claim, the node for a hostPath).

Follows kubernetes/kubernetes pkg/volume: configmap/configmap.go and secret/secret.go
(MakePayload: items, modes, optional, "configmap references non-existent config key"),
downwardapi/downwardapi.go, projected/projected.go (sources combined, the ServiceAccount token),
util/atomic_writer.go (the `..data` symlink to a timestamped directory and one symlink per
top-level name, swapped at once on update), and the kubelet's volume manager: no sandbox while a
volume cannot be set up (FailedMount, `MountVolume.SetUp failed for volume "x" : ...`), and
mounted ConfigMaps and Secrets refreshed on the pod's periodic sync (syncFrequency, 1 minute; with
the default Watch change-detection strategy the cache adds no delay), so an update reaches the
files at most a minute later, while subPath mounts keep what they had when the container started.
"""
from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Q

from playground.store import clusters

from .config import ConfigError, Lookup, object_data, pod_field_value, resource_field_value
from .models import ContainerFile, VolumeFile
from .records import PodRecord

Obj = dict[str, Any]
Files = dict[str, tuple[str, int]]  # path inside the volume → (content, mode)
SYNC_FREQUENCY = 60.0  # KubeletConfiguration syncFrequency: each pod's periodic resync
DEFAULT_MODE = 0o644
PROJECTED_KINDS = ("configMap", "secret", "downwardAPI", "projected")  # the kubelet writes these, read-only
DATA_KINDS = ("emptyDir", "persistentVolumeClaim", "hostPath", "ephemeral")
KINDS = (*PROJECTED_KINDS, *DATA_KINDS)
ISSUER = "https://kubernetes.default.svc.cluster.local"


class MountError(Exception):
    """Why MountVolume.SetUp fails for a volume (the kubelet retries)."""


@dataclass(frozen=True)
class Mount:
    """One volumeMount of a container, with what the volume is."""

    path: str  # mountPath
    volume: str
    kind: str  # configMap | secret | downwardAPI | projected | emptyDir | persistentVolumeClaim | hostPath | ephemeral
    read_only: bool
    sub_path: str = ""


def volume_kind(volume: Obj) -> str:
    return next((kind for kind in KINDS if volume.get(kind) is not None), "emptyDir")


def container_mounts(pod: Obj, container: Obj) -> list[Mount]:
    """The container's mounts; the kubelet mounts API data volumes read-only whatever the mount says."""
    volumes = {v["name"]: v for v in pod.get("spec", {}).get("volumes") or []}
    mounts = []
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"], {})
        kind = volume_kind(volume)
        claim_read_only = bool((volume.get("persistentVolumeClaim") or {}).get("readOnly"))
        read_only = bool(mount.get("readOnly")) or kind in PROJECTED_KINDS or claim_read_only
        mounts.append(Mount(mount["mountPath"].rstrip("/") or "/", mount["name"], kind, read_only,
                            mount.get("subPath") or ""))
    return mounts


def mount_for(mounts: Iterable[Mount], path: str) -> tuple[Mount, str] | None:
    """The mount a container path falls under (the deepest one), with the path inside the volume."""
    best: tuple[Mount, str] | None = None
    for mount in mounts:
        if path == mount.path or path.startswith(mount.path.rstrip("/") + "/"):
            inside = path[len(mount.path):].lstrip("/")
            if mount.sub_path:
                inside = f"{mount.sub_path}/{inside}".rstrip("/")
            if best is None or len(mount.path) > len(best[0].path):
                best = (mount, inside)
    return best


# --- the files of API data volumes ---------------------------------------------------------------


def projected_files(pod: Obj, volume: Obj, lookup: Lookup, node: Obj | None = None) -> Files:
    """The files the kubelet writes into a configMap / secret / downwardAPI / projected volume.
    Raises MountError as MakePayload fails (a missing object or key that is not optional)."""
    kind = volume_kind(volume)
    source = volume.get(kind) or {}
    mode = source.get("defaultMode", DEFAULT_MODE)
    if kind == "configMap":
        return _object_files("ConfigMap", source.get("name", ""), source, mode, lookup)
    if kind == "secret":
        return _object_files("Secret", source.get("secretName", ""), source, mode, lookup)
    if kind == "downwardAPI":
        return _downward_files(pod, source.get("items") or [], mode, node)
    if kind == "projected":
        files: Files = {}
        for projection in source.get("sources") or []:
            files.update(_projection_files(pod, projection, mode, lookup, node))
        return files
    return {}


def _projection_files(pod: Obj, projection: Obj, mode: int, lookup: Lookup, node: Obj | None) -> Files:
    if projection.get("configMap") is not None:
        return _object_files("ConfigMap", projection["configMap"].get("name", ""), projection["configMap"], mode, lookup)
    if projection.get("secret") is not None:
        return _object_files("Secret", projection["secret"].get("name", ""), projection["secret"], mode, lookup)
    if projection.get("downwardAPI") is not None:
        return _downward_files(pod, projection["downwardAPI"].get("items") or [], mode, node)
    if projection.get("serviceAccountToken") is not None:
        token = projection["serviceAccountToken"]
        return {token.get("path", "token"): (service_account_token(pod, token), mode)}
    return {}


def _object_files(kind: str, name: str, source: Obj, mode: int, lookup: Lookup) -> Files:
    optional = bool(source.get("optional"))
    obj = lookup(kind, name)
    if obj is None:
        if optional:
            return {}
        raise MountError(f'{kind.lower()} "{name}" not found')
    data = object_data(obj, binary=True)
    items = source.get("items")
    if not items:
        return {key: (value, mode) for key, value in data.items()}
    files: Files = {}
    for item in items:
        if item["key"] not in data:
            if optional:
                continue
            missing = "configmap references non-existent config key" if kind == "ConfigMap" else \
                "references non-existent secret key"
            raise MountError(f"{missing}: {item['key']}")
        files[item.get("path") or item["key"]] = (data[item["key"]], item.get("mode", mode))
    return files


def _downward_files(pod: Obj, items: list[Obj], mode: int, node: Obj | None) -> Files:
    containers = {c["name"]: c for c in pod.get("spec", {}).get("containers") or []}
    files: Files = {}
    for item in items:
        if item.get("fieldRef"):
            value = pod_field_value(pod, item["fieldRef"]["fieldPath"])
        elif item.get("resourceFieldRef"):
            ref = item["resourceFieldRef"]
            container = containers.get(ref.get("containerName", ""), {})
            value = resource_field_value(container, ref, node)
        else:
            continue
        files[item["path"]] = (value, item.get("mode", mode))
    return files


class FileSource(NamedTuple):
    """Where one file of an API data volume comes from, for the pages: a key of a ConfigMap or
    Secret, a field of the Downward API, or the ServiceAccount token."""

    kind: str  # ConfigMap | Secret | downwardAPI | serviceAccountToken
    name: str  # the object's name; the field (metadata.labels, limits.memory) for the Downward API; the account for a token
    key: str = ""  # the key the file holds; the container of a resourceFieldRef; the token's audience


def file_sources(pod: Obj, volume: Obj, lookup: Lookup) -> dict[str, FileSource]:
    """Path inside the volume → its source, laid out as projected_files lays the files out
    (items and their paths honoured, a later projection's file over an earlier one's); what the
    API does not hold (a missing object or key) has no file, so no source."""
    kind = volume_kind(volume)
    source = volume.get(kind) or {}
    if kind == "configMap":
        return _object_sources("ConfigMap", source.get("name", ""), source, lookup)
    if kind == "secret":
        return _object_sources("Secret", source.get("secretName", ""), source, lookup)
    if kind == "downwardAPI":
        return _downward_sources(source.get("items") or [])
    sources: dict[str, FileSource] = {}
    for projection in source.get("sources") or [] if kind == "projected" else []:
        if projection.get("configMap") is not None:
            sources.update(_object_sources("ConfigMap", projection["configMap"].get("name", ""), projection["configMap"], lookup))
        elif projection.get("secret") is not None:
            sources.update(_object_sources("Secret", projection["secret"].get("name", ""), projection["secret"], lookup))
        elif projection.get("downwardAPI") is not None:
            sources.update(_downward_sources(projection["downwardAPI"].get("items") or []))
        elif projection.get("serviceAccountToken") is not None:
            token = projection["serviceAccountToken"]
            account = pod.get("spec", {}).get("serviceAccountName") or "default"
            sources[token.get("path", "token")] = FileSource("serviceAccountToken", account, token.get("audience") or ISSUER)
    return sources


def _object_sources(kind: str, name: str, source: Obj, lookup: Lookup) -> dict[str, FileSource]:
    obj = lookup(kind, name)
    keys = object_data(obj, binary=True) if obj is not None else {}
    items = source.get("items")
    if not items:
        return {key: FileSource(kind, name, key) for key in keys}
    return {item.get("path") or item["key"]: FileSource(kind, name, item["key"]) for item in items if item["key"] in keys}


def _downward_sources(items: list[Obj]) -> dict[str, FileSource]:
    sources = {}
    for item in items:
        if item.get("fieldRef"):
            sources[item["path"]] = FileSource("downwardAPI", item["fieldRef"].get("fieldPath", ""))
        elif item.get("resourceFieldRef"):
            ref = item["resourceFieldRef"]
            sources[item["path"]] = FileSource("downwardAPI", ref.get("resource", ""), ref.get("containerName", ""))
    return sources


def service_account_token(pod: Obj, token: Obj) -> str:
    """A bound ServiceAccount token as the TokenRequest API issues it: a JWT naming the pod and
    its account. The playground does not sign anything: the signature is a stand-in."""
    metadata, spec = pod.get("metadata", {}), pod.get("spec", {})
    return _token(metadata.get("namespace", "default"), spec.get("serviceAccountName") or "default",
                  spec.get("nodeName", ""), metadata.get("name", ""), metadata.get("uid", ""),
                  metadata.get("creationTimestamp"), token.get("audience") or ISSUER,
                  int(token.get("expirationSeconds") or 3607))


@functools.lru_cache(maxsize=4096)  # every pod's kube-api-access volume asks again on each sync
def _token(namespace: str, account: str, node: str, pod: str, uid: str, created: str | None, audience: str,
           expiration: int) -> str:
    issued = _seconds(created)
    claims = {
        "aud": [audience], "exp": issued + expiration,
        "iat": issued, "iss": ISSUER, "jti": hashlib.sha256(f"{uid}/token".encode()).hexdigest()[:36],
        "kubernetes.io": {"namespace": namespace, "node": {"name": node}, "pod": {"name": pod, "uid": uid},
                          "serviceaccount": {"name": account}},
        "nbf": issued, "sub": f"system:serviceaccount:{namespace}:{account}",
    }
    header = {"alg": "RS256", "kid": "playground"}
    parts = [_b64url(json.dumps(header, separators=(",", ":"))), _b64url(json.dumps(claims, separators=(",", ":")))]
    parts.append(_b64url(hashlib.sha256(".".join(parts).encode()).hexdigest()))
    return ".".join(parts)


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _seconds(stamp: str | None) -> int:
    if not stamp:
        return 0
    return int(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())


def mount_error(pod: Obj, lookup: Lookup, node: Obj | None = None) -> str | None:
    """The FailedMount message while one of the pod's volumes cannot be set up, else None."""
    for volume in pod.get("spec", {}).get("volumes") or []:
        if volume_kind(volume) in PROJECTED_KINDS:
            try:
                projected_files(pod, volume, lookup, node)
            except (MountError, ConfigError) as error:
                return f'MountVolume.SetUp failed for volume "{volume["name"]}" : {error}'
    return None


# --- the kubelet's copy on the node, refreshed on the periodic sync -------------------------------


def atomic_writer_version(files: Files, at: float) -> str:
    """The timestamped directory atomic_writer.go makes for one payload: `..2026_11_25_10_40_00.`
    and a random suffix (here derived from the content, so a replay gives the same name)."""
    stamp = datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime("..%Y_%m_%d_%H_%M_%S.")
    digest = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()
    return stamp + str(int(digest[:12], 16) % 10**10).zfill(10)


def next_periodic_sync(start: float, now: float) -> float:
    """The first periodic sync of the pod at or after `now` (every SYNC_FREQUENCY since it started)."""
    passes = math.ceil((now - start) / SYNC_FREQUENCY - 1e-9)
    return start + max(passes, 0) * SYNC_FREQUENCY


def has_projected_volumes(pod: Obj) -> bool:
    return any(volume_kind(v) in PROJECTED_KINDS for v in pod.get("spec", {}).get("volumes") or [])


def sync_volumes(state: PodRecord, pod: Obj, lookup: Lookup, node: Obj | None, now: float) -> float | None:
    """Mount the API data volumes once the sandbox exists, and refresh them at the pod's next
    periodic sync after their source changes, or at once when the pod itself changed (a pod
    update is a sync that remounts its volumes: config.go checkAndUpdatePod, ReprocessPod).
    Mutates `state.volumes`; returns when the kubelet must come back to apply a pending update
    (None: nothing pending)."""
    if not has_projected_volumes(pod) or state.sandbox.state not in ("creating", "ready"):
        return None
    memory = state.volumes
    current = _current_files(pod, lookup, node)
    mounted = memory.setdefault("mounted", {})
    pod_version = _semantic_version(pod)
    updated, memory["pod"] = memory.get("pod", pod_version) != pod_version, pod_version
    if not mounted:
        mounted.update({name: _payload(files, now) for name, files in current.items()})
        _record_sub_paths(state, pod)
        return None
    _record_sub_paths(state, pod)
    changed = [name for name, files in current.items() if _as_files(mounted.get(name)) != files]
    if not changed:
        memory.pop("pending", None)
        return None
    due = now if updated else memory.get("pending") or next_periodic_sync(state.start_time or now, now)
    if now + 1e-9 < due:
        memory["pending"] = due
        return due
    for name in changed:
        mounted[name] = _payload(current[name], now)
    memory.pop("pending", None)
    return None


# The semantic version of each pod as stored (uid, resourceVersion), worked out once: every sync
# of every pod with a projected volume asks (encoding each spec was 1.4% of a 200-cluster server)
_semantic_versions: dict[tuple[str, str], str] = {}
SEMANTIC_VERSIONS = 20_000  # then forgotten all at once: a bound, not an LRU


def _semantic_version(pod: Obj) -> str:
    """What podsDifferSemantically compares: labels, annotations, the deletion stamp and the spec
    (not the status, which the kubelet writes itself)."""
    meta = pod.get("metadata") or {}
    stored = (meta.get("uid"), meta.get("resourceVersion"))
    if None not in stored and (known := _semantic_versions.get(stored)) is not None:
        return known
    seen = [meta.get("labels"), meta.get("annotations"), meta.get("deletionTimestamp"), pod.get("spec")]
    version = hashlib.sha1(json.dumps(seen, sort_keys=True).encode()).hexdigest()
    if None not in stored:
        if len(_semantic_versions) >= SEMANTIC_VERSIONS:
            _semantic_versions.clear()
        _semantic_versions[stored] = version
    return version


def _current_files(pod: Obj, lookup: Lookup, node: Obj | None) -> dict[str, Files]:
    """Each API data volume's files now; a volume whose source went missing keeps what it had
    (SetUp fails and the files stay as they were)."""
    files = {}
    for volume in pod.get("spec", {}).get("volumes") or []:
        if volume_kind(volume) in PROJECTED_KINDS:
            try:
                files[volume["name"]] = projected_files(pod, volume, lookup, node)
            except (MountError, ConfigError):
                continue
    return files


def _payload(files: Files, at: float) -> Obj:
    return {"version": atomic_writer_version(files, at), "files": {path: [content, mode] for path, (content, mode) in files.items()}}


def _as_files(payload: Obj | None) -> Files | None:
    if payload is None:
        return None
    return {path: (content, mode) for path, (content, mode) in payload["files"].items()}


def mounted_files(state: PodRecord | None, volume: str) -> tuple[str, Files] | None:
    """(atomic-writer version, files) of an API data volume as the node holds it now."""
    payload = ((state.volumes if state else {}).get("mounted") or {}).get(volume)
    if payload is None:
        return None
    return payload["version"], _as_files(payload) or {}


def _record_sub_paths(state: PodRecord, pod: Obj) -> None:
    """A subPath mount binds the file as it is when the container starts; the atomic writer's
    later swaps never reach it. Remember that file per container run."""
    mounted = state.volumes.get("mounted") or {}
    kept = state.volumes.setdefault("subpaths", {})
    for container in pod.get("spec", {}).get("containers") or []:
        record = state.containers.get(container["name"])
        if record is None or record.phase != "running":
            continue
        key = f"{container['name']}/{record.instances}"
        if key in kept:
            continue
        files = {}
        for mount in container_mounts(pod, container):
            if mount.sub_path and mount.kind in PROJECTED_KINDS and mount.volume in mounted:
                files[mount.path] = mounted[mount.volume]["files"].get(mount.sub_path)
        kept[key] = files
        for old in [k for k in kept if k.startswith(f"{container['name']}/") and k != key]:
            del kept[old]


def sub_path_file(state: PodRecord | None, container: str, run: int, mount_path: str) -> tuple[str, int] | None:
    kept = ((state.volumes if state else {}).get("subpaths") or {}).get(f"{container}/{run}") or {}
    found = kept.get(mount_path)
    return (found[0], found[1]) if found else None


# --- data volumes: emptyDir, PersistentVolume, hostPath ------------------------------------------


def data_volume_key(pod: Obj, volume: Obj, lookup: Lookup) -> str:
    """Where a data volume's files live: with the pod (emptyDir, ephemeral), the PersistentVolume
    its claim is bound to (so the next pod of the same claim sees them, on any node), the node."""
    kind = volume_kind(volume)
    metadata = pod.get("metadata", {})
    if kind == "persistentVolumeClaim":
        claim_name = volume["persistentVolumeClaim"].get("claimName", "")
        claim = lookup("PersistentVolumeClaim", claim_name)
        bound = (claim or {}).get("spec", {}).get("volumeName")
        return f"pv/{bound}" if bound else f"pvc/{metadata.get('namespace', 'default')}/{claim_name}"
    if kind == "hostPath":
        return f"host/{pod.get('spec', {}).get('nodeName', '')}/{volume['hostPath'].get('path', '').strip('/')}"
    return f"pod/{metadata.get('uid', '')}/{volume['name']}"


def read_volume(cluster: str, key: str) -> Files:
    rows = VolumeFile.objects.filter(cluster__name=cluster, volume=key).values_list("path", "content", "mode")
    return {path: (content, mode) for path, content, mode in rows}


def read_volumes(cluster: str, keys: Iterable[str]) -> dict[str, Files]:
    """Several volumes' files in one query (the Pod page shows every data volume of the pod)."""
    found: dict[str, Files] = {key: {} for key in keys}
    rows = VolumeFile.objects.filter(cluster__name=cluster, volume__in=list(found))
    for key, path, content, mode in rows.values_list("volume", "path", "content", "mode"):
        found[key][path] = (content, mode)
    return found


def write_volume_file(cluster: str, key: str, path: str, content: str, *, mode: int = DEFAULT_MODE) -> None:
    cluster_id = clusters.id_of(cluster)
    VolumeFile.objects.update_or_create(cluster_id=cluster_id, volume=key, path=path,
                                        defaults={"content": content, "mode": mode})


def delete_volume_file(cluster: str, key: str, path: str) -> bool:
    """`rm -rf`: the file, or everything under a directory of the volume; whether anything went."""
    rows = VolumeFile.objects.filter(cluster__name=cluster, volume=key)
    deleted, _ = (rows.filter(path=path) | rows.filter(path__startswith=path.rstrip("/") + "/")).delete()
    return deleted > 0


def forget_pod_volumes(cluster: str, pod_uids: list[str]) -> None:
    """An emptyDir goes with its pod, and so do its containers' writable layers."""
    if not pod_uids:
        return
    gone = set(pod_uids)
    cluster_id = clusters.id_of(cluster)  # which a turn knows: no join with the clusters' table
    # Two statements whatever the number of pods: most pods never wrote a file
    rows = VolumeFile.objects.filter(cluster_id=cluster_id, volume__startswith="pod/").values_list("id", "volume")
    doomed = [row_id for row_id, key in rows if key.split("/", 2)[1] in gone]
    if doomed:
        VolumeFile.objects.filter(id__in=doomed).delete()
    ContainerFile.objects.filter(cluster_id=cluster_id, pod_uid__in=pod_uids).delete()


# --- what the container's program writes --------------------------------------------------------

FILE_WORDS = ("touch", ">", "rm ", "rm\t")  # a program without these never writes a file


def may_write_files(container: Obj) -> bool:
    words = " ".join(str(w) for w in (container.get("command") or []) + (container.get("args") or []))
    return any(word in words for word in FILE_WORDS) or words.endswith("rm")


MAX_WRITTEN_FILE_BYTES = 1024 * 1024  # a file a program writes keeps its first MiB: past it, as on a full disk, writes fail
MAX_APPENDING_PASSES = 1_000  # a file a loop appends to keeps the lines of this many passes at one sync


def program_file_ops(program: Any, since: float, until: float) -> list[tuple[str, str]]:
    """(kind, path) of the program's "file" / "rmfile" actions in (since, until], in order; a
    loop that went round many times is replayed from its last two passes (the rest repeats). A
    path a redirection wrote comes with its text, rendered for its loop pass (`rendered`)."""
    loop = getattr(program, "loop", None)
    ops = [(a.at, a.kind, rendered(a.value, 0)) for a in program.actions
           if a.kind in ("file", "rmfile") and since < a.at <= until]
    if loop is not None and any(a.kind in ("file", "rmfile") for a in loop.body):
        # A loop that appends (`echo tick >> f`) adds to the file on every pass: replay them all, up to a bound
        passes = MAX_APPENDING_PASSES if any(getattr(a.value, "append", False) for a in loop.body) else 2
        start = max(since, until - passes * loop.period) if until - since > (passes + 1) * loop.period else since
        for kind in ("file", "rmfile"):
            ops.extend((at, kind, rendered(value, iteration)) for at, value, iteration
                       in program._actions_between(kind, start, until)
                       if (at, kind, value) not in ops and loop.start <= at)
    return [(kind, path) for _, kind, path in sorted(ops, key=lambda op: op[0])]


class FileText(str):
    """A path with the text written to it (`append`: after what the file holds)."""

    text: str
    append: bool


def rendered(path: Any, iteration: int) -> Any:
    if not hasattr(path, "content"):
        return path  # touch, rm: a plain path
    found = FileText(path)
    found.text, found.append = path.content(iteration), path.append
    return found


def flush_program_files(cluster: str, pod: Obj, state: PodRecord, lookup: Lookup, now: float,
                        program_for: Callable[[Obj, Any], Any]) -> None:
    """Apply what each container's program (init containers' too) wrote since the last pass: under a data
    volume it goes to the volume, elsewhere to the container's writable layer (API data volumes
    are read-only: the write fails, as `touch` would). Mutates the cursors in `state.volumes`."""
    cursors = state.volumes.setdefault("cursors", {})
    spec = pod.get("spec", {})
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:  # init containers prepare volumes
        record = state.containers.get(container["name"])
        if record is None or record.started_at is None or not may_write_files(container):
            continue
        run, seen = cursors.get(container["name"], [0, -1.0])
        if run != record.instances:
            run, seen = record.instances, -1.0
        ended = record.term["finishedAt"] if record.phase != "running" and record.term else None
        until = (ended if ended is not None else now) - record.started_at
        if until <= seen:
            continue
        ops = program_file_ops(program_for(container, record), seen, until)
        cursors[container["name"]] = [run, until]
        if ops:
            apply_file_ops(cluster, pod, container, run, ops, lookup)


class _Pending(NamedTuple):
    kind: str  # "file" | "rmfile"
    text: str  # what this pass wrote
    on_top: bool  # True: after what the file held before this pass (touch, >>); False: replaced (>)


def pending_files(ops: list[tuple[str, str]]) -> dict[str, _Pending]:
    """What the ops leave at each path: the last op's kind, and the file's text."""
    final: dict[str, _Pending] = {}
    for kind, path in ops:
        before = final.get(path)
        if kind == "rmfile":
            final[path] = _Pending("rmfile", "", False)
        elif not isinstance(path, FileText):  # touch: the text stays
            final[path] = before if before is not None and before.kind == "file" else _Pending("file", "", before is None)
        elif path.append and before is not None:
            final[path] = _Pending("file", before.text + path.text if before.kind == "file" else path.text,
                                   before.on_top and before.kind == "file")
        else:
            final[path] = _Pending("file", path.text, path.append)
    return final


def apply_file_ops(cluster: str, pod: Obj, container: Obj, run: int, ops: list[tuple[str, str]], lookup: Lookup) -> None:
    mounts = container_mounts(pod, container)
    volumes = {v["name"]: v for v in pod.get("spec", {}).get("volumes") or []}
    for path, pending in pending_files(ops).items():
        found = mount_for(mounts, path)
        if found is not None:
            mount, inside = found
            if mount.read_only or mount.kind in PROJECTED_KINDS:
                continue  # "Read-only file system"
            key = data_volume_key(pod, volumes[mount.volume], lookup)
            if pending.kind == "file":
                held = read_volume(cluster, key).get(inside)
                text = ((held[0] if held and pending.on_top else "") + pending.text)[:MAX_WRITTEN_FILE_BYTES]
                if held is None or held[0] != text:
                    write_volume_file(cluster, key, inside, text)
            else:
                delete_volume_file(cluster, key, inside)
            continue
        uid = pod["metadata"]["uid"]
        if pending.kind == "file" and pending.on_top:
            held = ContainerFile.objects.filter(cluster__name=cluster, pod_uid=uid, container=container["name"], run=run,
                                                path=path, whiteout=False).values_list("content", flat=True).first()
            text = (held or "") + pending.text
        else:
            text = pending.text
        text = text[:MAX_WRITTEN_FILE_BYTES]
        write_layer_change(cluster, uid, container["name"], run, str(path),
                           content=text if pending.kind == "file" else None)


def write_layer_change(cluster: str, pod_uid: str, container: str, run: int, path: str, *, content: str | None,
                       mode: int = DEFAULT_MODE) -> None:
    """A write (copy-up) or, with content None, a whiteout in the run's writable layer."""
    cluster_id = clusters.id_of(cluster)
    if content is None:
        ContainerFile.objects.filter(cluster_id=cluster_id, pod_uid=pod_uid, container=container, run=run,
                                     path__startswith=path.rstrip("/") + "/").delete()
    ContainerFile.objects.update_or_create(
        cluster_id=cluster_id, pod_uid=pod_uid, container=container, run=run, path=path,
        defaults={"content": content or "", "mode": mode, "whiteout": content is None},
    )


def layer_changes(cluster: str, pod_uid: str, container: str, run: int) -> list[tuple[str, str, int, bool]]:
    """(path, content, mode, whiteout) of a run's writable layer."""
    rows = ContainerFile.objects.filter(cluster__name=cluster, pod_uid=pod_uid, container=container, run=run)
    return list(rows.order_by("path").values_list("path", "content", "mode", "whiteout"))


def forget_old_runs(cluster: str, runs: Iterable[tuple[str, str, int]]) -> None:
    """Remove the writable layers of runs before these (pod uid, container, run): a restarted
    container gets a new, empty layer, and the kubelet keeps its previous run's as it keeps the
    dead container until garbage collection."""
    older = Q()
    for pod_uid, container, run in runs:
        older |= Q(pod_uid=pod_uid, container=container, run__lt=run)
    if older:
        ContainerFile.objects.filter(older, cluster__name=cluster).delete()


def mounted_paths(state: PodRecord | None, pod: Obj, container: Obj, cluster: str, lookup: Lookup) -> set[str]:
    """Every file path the container sees through its mounts (for exec probes)."""
    volumes = {v["name"]: v for v in pod.get("spec", {}).get("volumes") or []}
    record = state.containers.get(container["name"]) if state else None
    paths: set[str] = set()
    for mount in container_mounts(pod, container):
        if mount.kind in PROJECTED_KINDS:
            if mount.sub_path:
                if record is not None and sub_path_file(state, container["name"], record.instances, mount.path):
                    paths.add(mount.path)
                continue
            found = mounted_files(state, mount.volume)
            files = found[1] if found else {}
        else:
            files = read_volume(cluster, data_volume_key(pod, volumes.get(mount.volume, {"name": mount.volume}), lookup))
            if mount.sub_path:
                prefix = mount.sub_path.rstrip("/") + "/"
                files = {p[len(prefix):]: v for p, v in files.items() if p.startswith(prefix)}
        paths.update(f"{mount.path.rstrip('/')}/{path}" for path in files)
    return paths
