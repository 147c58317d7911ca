"""The Pod page's Volumes section: each volume drawn from its source to each mount.

pod_views.pod_context → `volumes_picture(cluster, pod, state)` → templates/web/pod_volumes.html:
per volume, where its data comes from (a ConfigMap, a Secret, Downward API fields, the
ServiceAccount token, a claim → its PersistentVolume → a directory on a node, a node's path, an
empty directory), the files it makes as the kubelet lays them out (sim/volumes.py: the key → path
mapping of `items`, the atomic writer's `..data` directory) and where each container mounts it
(mountPath, subPath, readOnly).

Follows kubernetes/kubernetes pkg/volume (configmap, secret, downwardapi, projected: MakePayload
and its items; util/atomic_writer.go), the kubelet's volume manager (API data volumes are always
mounted read-only) and pkg/volume/emptydir, hostpath and the PV/PVC binding for data volumes.
"""
from __future__ import annotations

from typing import Any

from playground.sim import volumes
from playground.sim.config import ConfigError
from playground.sim.records import PodRecord
from playground.store import api as store
from playground.store.errors import NotFound

from . import picture

Obj = dict[str, Any]
MAX_FILES = 24  # a volume of hundreds of keys shows the first ones and says how many more
TITLES = {
    "configMap": "ConfigMap", "secret": "Secret", "downwardAPI": "Downward API", "projected": "projected",
    "emptyDir": "emptyDir", "persistentVolumeClaim": "PersistentVolumeClaim", "hostPath": "hostPath",
    "ephemeral": "ephemeral",
}
LIFETIMES = {  # what happens to the files (the kubelet's volume plugins)
    "configMap": "written by the kubelet from the API, refreshed within a minute of a change",
    "secret": "written by the kubelet from the API into memory (tmpfs), refreshed within a minute of a change",
    "downwardAPI": "written by the kubelet from the pod's own fields",
    "projected": "written by the kubelet from several sources into one directory",
    "emptyDir": "an empty directory made with the pod, deleted with it; it survives container restarts",
    "persistentVolumeClaim": "a PersistentVolume's storage: kept when the pod goes, found again by the next pod of the claim",
    "hostPath": "a directory of the node itself: what is written stays on that node",
    "ephemeral": "a claim made for this pod, deleted with it",
}


def volumes_picture(cluster: str, pod: Obj, state: PodRecord | None) -> list[Obj]:
    """One entry per volume of the pod's spec, in the spec's order."""
    namespace = pod["metadata"].get("namespace", "default")
    lookup = _lookup(cluster, namespace)
    node = _get(cluster, "Node", pod["spec"].get("nodeName", ""), "")
    specs = pod["spec"].get("volumes") or []
    keys = {v["name"]: volumes.data_volume_key(pod, v, lookup) for v in specs
            if volumes.volume_kind(v) not in volumes.PROJECTED_KINDS}
    written = volumes.read_volumes(cluster, keys.values())
    return [volume_box(cluster, pod, volume, state, lookup, node, written=written.get(keys.get(volume["name"], ""), {}))
            for volume in specs]


def volume_box(cluster: str, pod: Obj, volume: Obj, state: PodRecord | None, lookup: volumes.Lookup,
               node: Obj | None, *, written: volumes.Files) -> Obj:
    """One volume: its sources, its files (`written`: a data volume's, read with the others), its mounts."""
    kind = volumes.volume_kind(volume)
    projected = kind in volumes.PROJECTED_KINDS
    files, version, error = (api_files(pod, volume, state, lookup, node) if projected
                             else (data_files(written), "", ""))
    return {
        "name": volume["name"],
        "kind": kind,
        "sources": sources_of(cluster, pod, volume, lookup),
        "chain": kind in ("persistentVolumeClaim", "ephemeral"),  # claim → volume → node path, one after the other
        "lifetime": LIFETIMES.get(kind, ""),
        "version": version,
        "files": files[:MAX_FILES],
        "more_files": max(len(files) - MAX_FILES, 0),
        "error": error,
        "mounts": mounts_of(cluster, pod, volume["name"]),
    }


# --- where the data comes from ----------------------------------------------------------------------


def sources_of(cluster: str, pod: Obj, volume: Obj, lookup: volumes.Lookup) -> list[Obj]:
    """The boxes drawn left of the volume: what it is made from."""
    kind = volumes.volume_kind(volume)
    namespace = pod["metadata"].get("namespace", "default")
    source = volume.get(kind) or {}
    if kind == "configMap":
        return [_object_source(cluster, "ConfigMap", source.get("name", ""), namespace, source, lookup)]
    if kind == "secret":
        return [_object_source(cluster, "Secret", source.get("secretName", ""), namespace, source, lookup)]
    if kind == "downwardAPI":
        return [_field_source(item) for item in source.get("items") or []]
    if kind == "projected":
        return [_projection_source(cluster, pod, projection, lookup) for projection in source.get("sources") or []]
    if kind == "persistentVolumeClaim":
        return claim_chain(cluster, pod, source.get("claimName", ""), lookup)
    if kind == "ephemeral":
        return ephemeral_claim(cluster, pod, volume, lookup)
    if kind == "hostPath":
        node = pod["spec"].get("nodeName", "")
        detail = f"type {source['type']}" if source.get("type") else ""
        return [{"kind": "node path", "name": f"{node or '(its node)'}:{source.get('path', '')}",
                 "url": picture.object_url(cluster, "Node", node) if node else "", "detail": detail}]
    medium = "in the node's memory (tmpfs)" if source.get("medium") == "Memory" else "on the node's disk"
    limit = f", at most {source['sizeLimit']}" if source.get("sizeLimit") else ""
    return [{"kind": "empty directory", "name": "", "url": "", "detail": medium + limit}]


def _object_source(cluster: str, kind: str, name: str, namespace: str, source: Obj, lookup: volumes.Lookup) -> Obj:
    notes = []
    if kind == "Secret":
        notes.append("values masked")
    if source.get("items"):
        notes.append(f"{len(source['items'])} key{'s' if len(source['items']) != 1 else ''} chosen")
    else:
        notes.append("every key")
    if source.get("optional"):
        notes.append("optional")
    missing = lookup(kind, name) is None
    return {"kind": kind, "name": name, "url": "" if missing else picture.object_url(cluster, kind, name, namespace),
            "detail": ", ".join(notes), "missing": missing}


def _field_source(item: Obj) -> Obj:
    if item.get("resourceFieldRef"):
        ref = item["resourceFieldRef"]
        name = ref.get("resource", "") + (f" of {ref['containerName']}" if ref.get("containerName") else "")
    else:
        name = (item.get("fieldRef") or {}).get("fieldPath", "")
    return {"kind": "Downward API", "name": name, "url": "", "detail": "the pod's own field"}


def _projection_source(cluster: str, pod: Obj, projection: Obj, lookup: volumes.Lookup) -> Obj:
    namespace = pod["metadata"].get("namespace", "default")
    if projection.get("configMap") is not None:
        ref = projection["configMap"]
        return _object_source(cluster, "ConfigMap", ref.get("name", ""), namespace, ref, lookup)
    if projection.get("secret") is not None:
        ref = projection["secret"]
        return _object_source(cluster, "Secret", ref.get("name", ""), namespace, ref, lookup)
    if projection.get("downwardAPI") is not None:
        fields = [_field_source(item)["name"] for item in projection["downwardAPI"].get("items") or []]
        return {"kind": "Downward API", "name": ", ".join(fields), "url": "", "detail": "the pod's own fields"}
    token = projection.get("serviceAccountToken") or {}
    account = pod["spec"].get("serviceAccountName") or "default"
    expires = int(token.get("expirationSeconds") or 3607)
    return {"kind": "ServiceAccount token", "name": account, "url": "",
            "detail": f"a token the kubelet asks the API for (TokenRequest), valid {expires} s, renewed before it expires"}


def claim_chain(cluster: str, pod: Obj, claim_name: str, lookup: volumes.Lookup) -> list[Obj]:
    """PersistentVolumeClaim → the PersistentVolume bound to it → where its files are on a node."""
    namespace = pod["metadata"].get("namespace", "default")
    claim = lookup("PersistentVolumeClaim", claim_name)
    phase = ((claim or {}).get("status") or {}).get("phase", "")
    chain = [{"kind": "PersistentVolumeClaim", "name": claim_name,
              "url": picture.object_url(cluster, "PersistentVolumeClaim", claim_name, namespace) if claim else "",
              "detail": phase if claim else "not found: the pod waits for it", "missing": claim is None}]
    bound = ((claim or {}).get("spec") or {}).get("volumeName")
    if not bound:
        if claim is not None:
            chain.append({"kind": "PersistentVolume", "name": "", "url": "", "detail": "none bound yet"})
        return chain
    pv = _get(cluster, "PersistentVolume", bound, "")
    capacity = (((pv or {}).get("spec") or {}).get("capacity") or {}).get("storage", "")
    chain.append({"kind": "PersistentVolume", "name": bound, "url": picture.object_url(cluster, "PersistentVolume", bound),
                  "detail": capacity})
    where = volume_location(pv or {})
    if where:
        node, path = where
        chain.append({"kind": "node path", "name": f"{node}:{path}" if node else path,
                      "url": picture.object_url(cluster, "Node", node) if node else "", "detail": ""})
    return chain


def ephemeral_claim(cluster: str, pod: Obj, volume: Obj, lookup: volumes.Lookup) -> list[Obj]:
    """A generic ephemeral volume: the claim the ephemeral volume controller makes for the pod,
    named <pod>-<volume>, once it exists; until then its template."""
    name = f"{pod['metadata']['name']}-{volume['name']}"
    if lookup("PersistentVolumeClaim", name) is not None:
        return claim_chain(cluster, pod, name, lookup)
    template = ((volume["ephemeral"] or {}).get("volumeClaimTemplate") or {}).get("spec") or {}
    storage = ((template.get("resources") or {}).get("requests") or {}).get("storage", "")
    return [{"kind": "volumeClaimTemplate", "name": name, "url": "",
             "detail": f"{storage} claimed for this pod only".strip()}]


def volume_location(pv: Obj) -> tuple[str, str] | None:
    """(node, path) of a PersistentVolume's storage: its hostPath or local path, on the node its
    nodeAffinity requires (the local-path provisioner's volumes are one node's directory)."""
    spec = pv.get("spec") or {}
    path = (spec.get("hostPath") or spec.get("local") or {}).get("path")
    if not path:
        return None
    terms = (((spec.get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")) or []
    nodes = [value for term in terms for expression in term.get("matchExpressions") or []
             if expression.get("key") == "kubernetes.io/hostname" for value in expression.get("values") or []]
    return (nodes[0] if nodes else "", path)


# --- the files it makes -------------------------------------------------------------------------------


def api_files(pod: Obj, volume: Obj, state: PodRecord | None, lookup: volumes.Lookup,
              node: Obj | None) -> tuple[list[Obj], str, str]:
    """(files, atomic-writer directory, FailedMount message) of a ConfigMap / Secret / Downward
    API / projected volume: as mounted on the node when it is, else as the API holds it now."""
    error = ""
    try:
        wanted = volumes.projected_files(pod, volume, lookup, node)
    except (volumes.MountError, ConfigError) as e:
        wanted, error = {}, f'MountVolume.SetUp failed for volume "{volume["name"]}" : {e}'
    mounted = volumes.mounted_files(state, volume["name"])
    version, files = mounted if mounted is not None else ("", wanted)
    sources = volumes.file_sources(pod, volume, lookup)
    rows = [{"path": path, "source": source_label(sources.get(path)), "secret": is_secret(sources.get(path)),
             "mode": f"{mode:04o}", "pending": mounted is not None and wanted.get(path) != files.get(path) and not error}
            for path, (_, mode) in sorted(files.items())]
    return rows, version, error


def source_label(source: volumes.FileSource | None) -> str:
    """Where one file comes from, in Kubernetes' words."""
    if source is None:
        return "no longer in its source"
    if source.kind in ("ConfigMap", "Secret"):
        return f"{source.kind} {source.name} · key {source.key}"
    if source.kind == "serviceAccountToken":
        return f"ServiceAccount {source.name} · token"
    return f"Downward API · {source.name}" + (f" of {source.key}" if source.key else "")


def is_secret(source: volumes.FileSource | None) -> bool:
    return source is not None and source.kind in ("Secret", "serviceAccountToken")


def data_files(written: volumes.Files) -> list[Obj]:
    """What the containers (or the page) wrote to an emptyDir, a claim's volume or a hostPath."""
    return [{"path": path, "source": "written by a container", "secret": False, "mode": f"{mode:04o}", "pending": False}
            for path, (_, mode) in sorted(written.items())]


# --- where each container mounts it ----------------------------------------------------------------------


def mounts_of(cluster: str, pod: Obj, volume: str) -> list[Obj]:
    """Each volumeMount naming this volume, container by container (init containers first)."""
    meta = pod["metadata"]
    rows = []
    for init, field in ((True, "initContainers"), (False, "containers")):
        for container in pod["spec"].get(field) or []:
            for mount in volumes.container_mounts(pod, container):
                if mount.volume != volume:
                    continue
                asked = any(m.get("readOnly") for m in container.get("volumeMounts") or []
                            if m.get("name") == volume and m.get("mountPath", "").rstrip("/") == mount.path.rstrip("/"))
                rows.append({
                    "container": container["name"], "init": init, "path": mount.path, "sub_path": mount.sub_path,
                    "read_only": mount.read_only,
                    "forced": mount.read_only and not asked,  # the kubelet mounts API data read-only whatever the mount says
                    "frozen": bool(mount.sub_path) and mount.kind in volumes.PROJECTED_KINDS,  # the atomic writer's swaps never reach it
                    "fs_url": f"/clusters/{cluster}/pods/{meta.get('namespace', 'default')}/{meta['name']}/containers/"
                              f"{container['name']}/fs/",
                })
    return rows


def _lookup(cluster: str, namespace: str) -> volumes.Lookup:
    """A store lookup that reads each object once per page: a kube-api-access volume asks for
    its ConfigMap three times (files, sources, the box)."""
    seen: dict[tuple[str, str], Obj | None] = {}

    def lookup(kind: str, name: str) -> Obj | None:
        if (kind, name) not in seen:
            seen[kind, name] = _get(cluster, kind, name, namespace)
        return seen[kind, name]
    return lookup


def _get(cluster: str, kind: str, name: str, namespace: str) -> Obj | None:
    if not name:
        return None
    try:
        return store.get(cluster, kind, name, namespace)
    except NotFound:
        return None


# --- which source a file in a container came from (the container filesystem page) -----------------------


class FileOrigins:
    """Names the source of a file a container sees through one of its mounts: `volume config:
    ConfigMap app-config · key app.properties`, `volume creds: Secret db-creds · key password
    (value masked)`, `volume data (PersistentVolumeClaim data)`. Reads each volume's sources once."""

    def __init__(self, cluster: str, pod: Obj, container: str) -> None:
        spec = pod.get("spec") or {}
        found = next((c for key in ("initContainers", "containers") for c in spec.get(key) or [] if c["name"] == container), {})
        self.mounts = volumes.container_mounts(pod, found)
        self.specs = {v["name"]: v for v in spec.get("volumes") or []}
        self.pod, self.lookup = pod, _lookup(cluster, pod["metadata"].get("namespace", "default"))
        self.sources: dict[str, dict[str, volumes.FileSource]] = {}

    def label(self, path: str, volume: str, *, masked: bool = False) -> str:
        found = volumes.mount_for([m for m in self.mounts if m.volume == volume], path)
        spec = self.specs.get(volume)
        if found is None or spec is None:
            return f"volume {volume}"
        mount, inside = found
        if mount.kind not in volumes.PROJECTED_KINDS:
            return f"volume {volume} ({self.data_source(spec)})"
        parts = [part for part in inside.split("/") if part]
        if parts and parts[0].startswith(".."):  # the atomic writer's ..data link and timestamped directory
            if len(parts) == 1:
                return f"volume {volume}: the kubelet's atomic writer"
            parts = parts[1:]
        source = self.sources_of(spec).get("/".join(parts))
        if source is None:
            return f"volume {volume}"
        return f"volume {volume}: {source_label(source)}" + (" (value masked)" if masked else "")

    def sources_of(self, spec: Obj) -> dict[str, volumes.FileSource]:
        if spec["name"] not in self.sources:
            self.sources[spec["name"]] = volumes.file_sources(self.pod, spec, self.lookup)
        return self.sources[spec["name"]]

    def data_source(self, spec: Obj) -> str:
        kind = volumes.volume_kind(spec)
        source = spec.get(kind) or {}
        if kind == "persistentVolumeClaim":
            return f"PersistentVolumeClaim {source.get('claimName', '')}"
        if kind == "hostPath":
            return f"hostPath {source.get('path', '')} on the node"
        return TITLES.get(kind, kind)
