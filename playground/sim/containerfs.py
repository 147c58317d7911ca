"""A running container's filesystem, for the pages: image layers + init layer + writable layer,
with its volumes mounted over them.

Pod page → `container_filesystem(cluster, namespace, pod, container)` → the read-only image
layers (images.catalog: the catalog's and the cluster's built or imported images), the init
layer the runtime adds (/etc/hosts, /etc/resolv.conf, /etc/hostname, as the kubelet writes them
for the pod: kubelet_pods.go managedHostsFileContent, dns.go's ClusterFirst resolv.conf), the
container's writable layer (overlayfs upperdir: what the program and the page wrote, copy-up
on write, whiteouts on delete; a new, empty one for each run of the container) and the mounts
(volumes.py: ConfigMap, Secret, Downward API and token files in the atomic writer's layout,
emptyDir and PersistentVolume data), merged top down with each path's origin.

The page writes with `write_file` / `delete_file`: under a data volume the file goes to the
volume (an emptyDir lives as long as the pod, a PersistentVolume longer), under an API data
volume it fails (read-only), anywhere else it goes to the writable layer, lost on restart.
"""
from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from typing import Any

from playground.images import catalog
from playground.images.layers import (
    DIR,
    FILE,
    SYMLINK,
    FileEntry,
    Layer,
    directory,
    exists,
    file,
    layer,
    merge,
    normpath,
    symlink,
)
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound

from . import checkpoint, volumes
from .dns import NDOTS, ZONE
from .records import PodRecord

Obj = dict[str, Any]
Origin = int | str  # the index of the layer a path comes from, or the name of the volume mounted there
CLUSTER_DNS = "10.96.0.10"  # kind's kube-dns Service (kind.py)
NODE_NAMESERVERS, NODE_OPTIONS = ("172.18.0.1",), ("ndots:0",)  # a kind node's own resolver (docker's)
MOUNT_DIR_MODE = 0o1777  # what the kubelet leaves on an API data volume's directory


@dataclass(frozen=True)
class FsLayer:
    name: str  # "sha256:…" short digest for image layers, "init", "writable"
    kind: str  # "image" | "init" | "writable"
    layer: Layer


@dataclass(frozen=True)
class MountView:
    path: str
    volume: str
    kind: str
    read_only: bool
    sub_path: str
    entries: tuple[FileEntry, ...]  # absolute paths, as `ls -la` under the mount shows them


@dataclass(frozen=True)
class ContainerFilesystem:
    image: str
    run: int  # which run of the container: its writable layer belongs to it
    layers: tuple[FsLayer, ...]  # bottom first
    mounts: tuple[MountView, ...]
    tree: dict[str, tuple[FileEntry, Origin]]  # the merged view

    def origin(self, path: str) -> Origin | None:
        found = self.tree.get(normpath(path))
        return found[1] if found else None


# --- reading --------------------------------------------------------------------------------------


def container_filesystem(cluster: str, namespace: str, pod: str, container: str) -> ContainerFilesystem:
    obj = store.get(cluster, "Pod", pod, namespace)
    spec = _container_spec(obj, container)
    state = _kubelet_state(cluster, obj)
    record = state.containers.get(container) if state else None
    run = record.instances if record else 0
    image_layers = image_layers_of(cluster, spec.get("image", ""))
    init = init_layer(obj, _node(cluster, obj))
    writable = writable_layer(cluster, obj["metadata"]["uid"], container, run)
    layers = tuple(FsLayer(current.short_digest, "image", current) for current in image_layers) + (
        FsLayer("init", "init", init), FsLayer("writable", "writable", writable))
    mounts = tuple(mount_views(cluster, obj, spec, state, run))
    tree = merged_tree(cluster, spec.get("image", ""), image_layers, init, writable, mounts)
    return ContainerFilesystem(spec.get("image", ""), run, layers, mounts, tree)


def container_environment(cluster: str, namespace: str, pod: str, container: str) -> dict[str, str] | None:
    """The environment the running container was started with (what `env` prints inside it),
    kept by the kubelet for this run; None before it first started."""
    obj = store.get(cluster, "Pod", pod, namespace)
    _container_spec(obj, container)
    state = _kubelet_state(cluster, obj)
    record = state.containers.get(container) if state else None
    return dict(record.env) if record is not None and record.env is not None else None


def read_text(filesystem: ContainerFilesystem, path: str) -> str | None:
    """A file's content as `cat` shows it, following symlinks (`..data/key` and the like);
    None when there is no such file or only its size is known."""
    resolved = resolve(filesystem.tree, path)
    found = filesystem.tree.get(resolved) if resolved else None
    return found[0].content if found and found[0].type == FILE else None


def resolve(tree: dict[str, tuple[FileEntry, Origin]], path: str) -> str | None:
    """The path with every symlink on the way replaced by its target (at most 40, as Linux)."""
    parts = [p for p in normpath(path).split("/") if p]
    current = "/"
    for _ in range(40):
        if not parts:
            return current
        step = normpath(f"{current}/{parts.pop(0)}")
        found = tree.get(step)
        if found is not None and found[0].type == SYMLINK:
            target = found[0].target
            parts = [p for p in target.split("/") if p] + parts
            current = "/" if target.startswith("/") else current
            continue
        current = step
    return None


def _container_spec(pod: Obj, name: str) -> Obj:
    for spec in [*(pod["spec"].get("initContainers") or []), *(pod["spec"].get("containers") or [])]:
        if spec["name"] == name:
            return spec
    raise BadRequest(f"container {name} is not valid for pod {pod['metadata']['name']}")


def _kubelet_state(cluster: str, pod: Obj) -> PodRecord | None:
    uid = pod["metadata"]["uid"]
    found = checkpoint.load(cluster, [uid]).get(uid)
    return found[0] if found else None


def _node(cluster: str, pod: Obj) -> Obj | None:
    name = pod["spec"].get("nodeName")
    if not name:
        return None
    try:
        return store.get(cluster, "Node", name)
    except NotFound:  # a node deleted meanwhile: no host address to show
        return None


def image_layers_of(cluster: str, image: str) -> tuple[Layer, ...]:
    found = catalog.find(image, cluster=cluster)  # the cluster's built and imported images too
    if found is None:
        return ()
    return tuple(current for current in found.layers if isinstance(current, Layer))


@functools.lru_cache(maxsize=64)
def _image_view(digests: tuple[str, ...], layers: tuple[Layer, ...]) -> dict[str, tuple[FileEntry, int]]:
    """An image's merged tree, computed once per image (its layers' digests)."""
    return merge(layers)


def image_view(layers: tuple[Layer, ...]) -> dict[str, tuple[FileEntry, int]]:
    return _image_view(tuple(current.digest for current in layers), layers)


def image_paths(cluster: str, image: str) -> frozenset[str]:
    """Every path of an image's merged tree (what an exec probe finds there)."""
    return _image_paths(tuple(current.digest for current in image_layers_of(cluster, image)), cluster, image)


@functools.lru_cache(maxsize=64)
def _image_paths(digests: tuple[str, ...], cluster: str, image: str) -> frozenset[str]:
    return frozenset(image_view(image_layers_of(cluster, image)))


# --- the init layer ------------------------------------------------------------------------------

INIT_PATHS = ("/etc/hosts", "/etc/resolv.conf", "/etc/hostname")  # what the runtime writes for every container


def init_layer(pod: Obj, node: Obj | None) -> Layer:
    host_network = bool(pod["spec"].get("hostNetwork"))
    return layer([
        directory("/etc"),
        file("/etc/hosts", content=node_hosts_file(pod, node) if host_network else hosts_file(pod)),
        file("/etc/resolv.conf", content=resolv_conf(pod)),
        file("/etc/hostname", content=(_node_name(pod, node) if host_network else pod_hostname(pod)) + "\n"),
    ], created_by="the container runtime: /etc/hosts, /etc/resolv.conf, /etc/hostname")


def pod_hostname(pod: Obj) -> str:
    return pod["spec"].get("hostname") or pod["metadata"]["name"]


_LOCALHOST_LINES = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
                    "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"]


def hosts_file(pod: Obj) -> str:
    """managedHostsFileContent: localhost lines, the pod's own name, then its hostAliases."""
    lines = ["# Kubernetes-managed hosts file.", *_LOCALHOST_LINES]
    ip = (pod.get("status") or {}).get("podIP", "")
    hostname, subdomain = pod_hostname(pod), pod["spec"].get("subdomain")
    if ip:
        if subdomain:
            namespace = pod["metadata"].get("namespace", "default")
            lines.append(f"{ip}\t{hostname}.{subdomain}.{namespace}.svc.{ZONE}\t{hostname}")
        else:
            lines.append(f"{ip}\t{hostname}")
    return "\n".join(lines + _host_aliases(pod)) + "\n"


def node_hosts_file(pod: Obj, node: Obj | None) -> str:
    """nodeHostsFileContent: a hostNetwork pod sees its node's own /etc/hosts (the node's address
    and name, as a kind node's container has it), then its hostAliases."""
    address = next((a["address"] for a in ((node or {}).get("status") or {}).get("addresses") or []
                    if a.get("type") == "InternalIP"), "")
    own = [f"{address}\t{_node_name(pod, node)}"] if address else []
    return "\n".join([*_LOCALHOST_LINES, *own, *_host_aliases(pod)]) + "\n"


def _host_aliases(pod: Obj) -> list[str]:
    aliases = pod["spec"].get("hostAliases") or []
    if not aliases:
        return []
    return ["", "# Entries added by HostAliases.",
            *(f"{alias.get('ip', '')}\t{chr(9).join(alias.get('hostnames') or [])}" for alias in aliases)]


def _node_name(pod: Obj, node: Obj | None) -> str:
    return (node or {}).get("metadata", {}).get("name") or pod["spec"].get("nodeName", "")


def resolv_conf(pod: Obj) -> str:
    """What the kubelet's dns configurer writes for the pod's dnsPolicy."""
    spec = pod["spec"]
    policy = spec.get("dnsPolicy", "ClusterFirst")
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"  # ClusterFirst on the host network falls back, unless ClusterFirstWithHostNet
    namespace = pod["metadata"].get("namespace", "default")
    config = spec.get("dnsConfig") or {}
    nameservers, searches, options = [], [], []
    if policy == "Default":  # the node's own resolver, with the pod's dnsConfig still appended (GetPodDNS)
        nameservers, options = list(NODE_NAMESERVERS), list(NODE_OPTIONS)
    elif policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        nameservers = [CLUSTER_DNS]
        searches = [f"{namespace}.svc.{ZONE}", f"svc.{ZONE}", ZONE]
        options = [f"ndots:{NDOTS}"]
    # appendDNSConfig: duplicates omitted, options merged by name
    nameservers += [s for s in config.get("nameservers") or [] if s not in nameservers]
    searches += [s for s in config.get("searches") or [] if s not in searches]
    for option in config.get("options") or []:
        text = option["name"] + (f":{option['value']}" if option.get("value") else "")
        options = [o for o in options if o.split(":")[0] != option["name"]] + [text]
    lines = [f"search {' '.join(searches)}"] if searches else []
    lines += [f"nameserver {server}" for server in nameservers]
    lines += [f"options {' '.join(options)}"] if options else []
    return "\n".join(lines) + "\n"


# --- the writable layer and the mounts -----------------------------------------------------------


def writable_layer(cluster: str, pod_uid: str, container: str, run: int) -> Layer:
    entries, whiteouts = [], []
    for path, content, mode, whiteout in volumes.layer_changes(cluster, pod_uid, container, run):
        if whiteout:
            whiteouts.append(path)
        else:
            entries.append(file(path, content=content, mode=mode))
    return layer(entries, whiteouts=whiteouts, created_by="the container's writable layer")


def mount_views(cluster: str, pod: Obj, container: Obj, state: PodRecord | None, run: int) -> list[MountView]:
    lookup = _store_lookup(cluster, pod["metadata"].get("namespace", "default"))
    specs = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    views = []
    for mount in volumes.container_mounts(pod, container):
        if mount.kind in volumes.PROJECTED_KINDS:
            entries = _projected_entries(mount, state, container["name"], run)
        else:
            key = volumes.data_volume_key(pod, specs.get(mount.volume, {"name": mount.volume}), lookup)
            entries = _data_entries(mount, volumes.read_volume(cluster, key))
        views.append(MountView(mount.path, mount.volume, mount.kind, mount.read_only, mount.sub_path, tuple(entries)))
    return views


def _store_lookup(cluster: str, namespace: str) -> volumes.Lookup:
    def lookup(kind: str, name: str) -> Obj | None:
        try:
            return store.get(cluster, kind, name, namespace)
        except NotFound:  # an unbound or deleted claim: the volume shows empty
            return None
    return lookup


def _projected_entries(mount: volumes.Mount, state: PodRecord | None, container: str, run: int) -> list[FileEntry]:
    if mount.sub_path:
        kept = volumes.sub_path_file(state, container, run, mount.path)
        return [file(mount.path, content=kept[0], mode=kept[1])] if kept else []
    found = volumes.mounted_files(state, mount.volume)
    if found is None:
        return []
    return atomic_writer_entries(mount.path, *found)


def atomic_writer_entries(mount_path: str, version: str, files: volumes.Files) -> list[FileEntry]:
    """What atomic_writer.go leaves in the volume's directory: the payload in a timestamped
    directory, `..data` pointing at it, and each top-level name a symlink through `..data`."""
    base = normpath(mount_path)
    entries = [directory(base, mode=MOUNT_DIR_MODE), directory(f"{base}/{version}"), symlink(f"{base}/..data", version)]
    tops = set()
    for path, (content, mode) in sorted(files.items()):
        entries.append(file(f"{base}/{version}/{path}", content=content, mode=mode))
        parts = path.split("/")
        for depth in range(1, len(parts)):
            entries.append(directory(f"{base}/{version}/{'/'.join(parts[:depth])}"))
        tops.add(parts[0])
    entries.extend(symlink(f"{base}/{name}", f"..data/{name}") for name in sorted(tops))
    return entries


def _data_entries(mount: volumes.Mount, files: volumes.Files) -> list[FileEntry]:
    base = normpath(mount.path)
    prefix = mount.sub_path.rstrip("/") + "/" if mount.sub_path else ""
    if mount.sub_path and mount.sub_path in files:  # a subPath naming a file: that file, at the mount path
        content, mode = files[mount.sub_path]
        return [file(base, content=content, mode=mode)]
    entries = [directory(base, mode=0o777 if mount.kind == "emptyDir" else 0o755)]
    for path, (content, mode) in sorted(files.items()):
        if prefix and not path.startswith(prefix):
            continue
        entries.append(file(f"{base}/{path[len(prefix):]}", content=content, mode=mode))
    return entries


def merged_tree(cluster: str, image: str, image_layers: tuple[Layer, ...], init: Layer, writable: Layer,
                mounts: tuple[MountView, ...]) -> dict[str, tuple[FileEntry, Origin]]:
    """The image's cached tree, with the init and writable layers over it, then the mounts over all."""
    tree: dict[str, tuple[FileEntry, Origin]] = dict(image_view(image_layers))
    for index, upper in ((len(image_layers), init), (len(image_layers) + 1, writable)):
        for path in (*upper.whiteouts, *upper.opaque_dirs):
            _hide(tree, path, keep_self=path in upper.opaque_dirs)
        for entry in upper.entries:
            if entry.type != DIR:
                _hide(tree, entry.path, keep_self=False)
            tree[entry.path] = (entry, index)
    for mount in sorted(mounts, key=lambda m: m.path.count("/")):
        _hide(tree, mount.path, keep_self=False)
        for entry in mount.entries:
            tree[entry.path] = (entry, mount.volume)
    return tree


def _hide(tree: dict[str, Any], path: str, *, keep_self: bool) -> None:
    prefix = path.rstrip("/") + "/"
    for found in [p for p in tree if p.startswith(prefix)]:
        del tree[found]
    if not keep_self:
        tree.pop(path, None)


# --- writing from the page -----------------------------------------------------------------------


def write_file(cluster: str, namespace: str, pod: str, container: str, path: str, content: str) -> None:
    """Write a file inside the running container, as `echo ... > path` in `kubectl exec` would."""
    obj, spec, run, path = _target(cluster, namespace, pod, container, path)
    found = volumes.mount_for(volumes.container_mounts(obj, spec), path)
    if found is not None:
        mount, inside = found
        if mount.read_only:
            raise BadRequest(f"can't create '{path}': Read-only file system")
        if not inside:
            raise BadRequest(f"can't create '{path}': Is a directory")
        volumes.write_volume_file(cluster, _volume_key(cluster, obj, mount), inside, content)
        return
    lower = _lower_tree(cluster, obj, spec, run)
    if path in lower and lower[path][0].type == DIR:
        raise BadRequest(f"can't create '{path}': Is a directory")
    volumes.write_layer_change(cluster, obj["metadata"]["uid"], container, run, path, content=content)


def delete_file(cluster: str, namespace: str, pod: str, container: str, path: str) -> None:
    """`rm -rf path` inside the running container: from its volume, or a whiteout in its writable layer."""
    obj, spec, run, path = _target(cluster, namespace, pod, container, path)
    found = volumes.mount_for(volumes.container_mounts(obj, spec), path)
    if found is not None:
        mount, inside = found
        if mount.read_only or not inside:
            raise BadRequest(f"can't remove '{path}': Read-only file system" if mount.read_only else
                             f"can't remove '{path}': Device or resource busy")
        if not volumes.delete_volume_file(cluster, _volume_key(cluster, obj, mount), inside):
            raise BadRequest(f"can't remove '{path}': No such file or directory")
        return
    tree = _lower_tree(cluster, obj, spec, run)
    writable = writable_layer(cluster, obj["metadata"]["uid"], container, run)
    written = {e.path for e in writable.entries}
    if path not in tree and not any(p.startswith(path + "/") for p in tree):
        raise BadRequest(f"can't remove '{path}': No such file or directory")
    image_layers = image_layers_of(cluster, spec.get("image", ""))
    below = image_view(image_layers)
    uid = obj["metadata"]["uid"]
    for entry_path in [p for p in written if p == path or p.startswith(path + "/")]:
        volumes.ContainerFile.objects.filter(cluster__name=cluster, pod_uid=uid, container=container, run=run,
                                             path=entry_path).delete()
    if exists(below, path) or path in {e.path for e in init_layer(obj, None).entries}:
        volumes.write_layer_change(cluster, uid, container, run, path, content=None)


def _target(cluster: str, namespace: str, pod: str, container: str, path: str) -> tuple[Obj, Obj, int, str]:
    if not path.startswith("/"):
        raise BadRequest(f"path must be absolute: {path!r}")
    path = normpath(posixpath.normpath(path))
    if path == "/":
        raise BadRequest("can't write '/': Is a directory")
    obj = store.get(cluster, "Pod", pod, namespace)
    spec = _container_spec(obj, container)
    status = next((s for s in (obj.get("status") or {}).get("containerStatuses") or [] if s["name"] == container), None)
    if status is None or "running" not in status.get("state", {}):
        raise BadRequest(f'container "{container}" in pod "{pod}" is not running')
    state = _kubelet_state(cluster, obj)
    record = state.containers.get(container) if state else None
    return obj, spec, record.instances if record else 0, path


def _volume_key(cluster: str, pod: Obj, mount: volumes.Mount) -> str:
    specs = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    return volumes.data_volume_key(pod, specs.get(mount.volume, {"name": mount.volume}),
                                   _store_lookup(cluster, pod["metadata"].get("namespace", "default")))


def _lower_tree(cluster: str, pod: Obj, spec: Obj, run: int) -> dict[str, tuple[FileEntry, Origin]]:
    image_layers = image_layers_of(cluster, spec.get("image", ""))
    writable = writable_layer(cluster, pod["metadata"]["uid"], spec["name"], run)
    return merged_tree(cluster, spec.get("image", ""), image_layers, init_layer(pod, None), writable, ())

