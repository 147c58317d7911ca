"""The container filesystem page: what `kubectl exec POD -c CONTAINER -- ls -la PATH` would show,
and where each path comes from.

Pod page → "filesystem" link → sim.containerfs.container_filesystem (the image's read-only
layers, the init layer the runtime writes, the container's writable layer, the volumes mounted
over them, merged with each path's origin) → the functions here (the stack bottom to top, one
directory of the merged tree, one file's text) → templates/web/container_fs.html. The form
POSTs to containerfs.write_file / delete_file, as `echo … > PATH` and `rm -rf PATH` inside the
container would: into the writable layer (lost when the container restarts) or into a volume.
A Secret's file is masked; its Reveal button POSTs (with the CSRF token): a deliberate act, never
a link a page, a proxy log or the browser's history could hold.

The tree goes a directory at a time (?path=), as the image page sends it: an image of thousands
of files is one scan of the merged view per request, and the page stays small.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from playground.images import layers as fs
from playground.images.layers import FileEntry
from playground.sim import containerfs
from playground.sim.containerfs import ContainerFilesystem, MountView, Origin
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound

from .image_views import breadcrumbs, mode_string
from .pod_volumes import FileOrigins
from .sizes import human

MASK = "••••••"
MOUNT_LIFETIMES = {  # how long what is written under a mount lasts (kubelet volume lifecycles)
    "emptyDir": "kept as long as the pod",
    "persistentVolumeClaim": "kept with the PersistentVolume",
    "ephemeral": "kept as long as the pod",
    "hostPath": "kept on the node",
}
PROJECTED_LIFETIME = "written by the kubelet from the API, read-only"


@dataclass(frozen=True)
class Target:
    cluster: str
    namespace: str
    pod: str
    container: str

    @property
    def url(self) -> str:
        return reverse("web:container-fs", kwargs={"cluster": self.cluster, "namespace": self.namespace,
                                                   "name": self.pod, "container": self.container})


# --- the page ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def container_fs_view(request: HttpRequest, cluster: str, namespace: str, name: str, container: str) -> HttpResponse:
    target = Target(cluster, namespace, name, container)
    form: dict[str, str] = {}
    error = ""
    reveal = request.method == "POST" and request.POST.get("action") == "reveal"
    if request.method == "POST" and not reveal:
        form = {key: request.POST.get(key, "") for key in ("action", "path", "content")}
        try:
            shown = apply_form(target, form)
        except NotFound as e:
            return render(request, "web/not_found.html", {"message": e.message}, status=404)
        except BadRequest as e:
            error = e.message
        else:
            return redirect(f"{target.url}?{urlencode({'path': shown})}")
    asked = form.get("path", "").strip()
    # after a refused write, the directory it aimed at, not "No such file" for the file it did not write
    path = fs.parent(_clean(asked)) if error and asked.startswith("/") else request.GET.get("path", "/")
    if reveal:
        path = request.POST.get("path", "/")
    try:
        context = container_fs_context(target, path or "/", reveal=reveal)
    except (NotFound, BadRequest) as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    if error:
        context["form"] = {**context["form"], **form}
    return render(request, "web/container_fs.html", {**context, "error": error}, status=422 if error else 200)


def apply_form(target: Target, form: dict[str, str]) -> str:
    """Write or delete as the form says; the path to show next (the file written, or the
    directory that held the path deleted)."""
    path = form["path"].strip()
    args = (target.cluster, target.namespace, target.pod, target.container)
    if form["action"] == "delete":
        containerfs.delete_file(*args, path)
        return fs.parent(_clean(path)) if path.startswith("/") else "/"
    if form["action"] != "write":
        raise BadRequest(f"unknown action {form['action']!r}: write or delete")
    containerfs.write_file(*args, path, form["content"].replace("\r\n", "\n"))  # browsers send CRLF
    return _clean(path)


def container_fs_context(target: Target, path: str, *, reveal: bool = False) -> dict[str, Any]:
    """The stack, one directory of the merged tree and, when `path` is a file, its text."""
    pod = store.get(target.cluster, "Pod", target.pod, target.namespace)
    filesystem = containerfs.container_filesystem(target.cluster, target.namespace, target.pod, target.container)
    path = _clean(path if path.startswith("/") else "/" + path)
    resolved = containerfs.resolve(filesystem.tree, path) or path
    found = filesystem.tree.get(resolved)
    is_file = found is not None and found[0].type != fs.DIR
    # a file is shown in the directory it was asked for in (a key's symlink, not the payload's)
    directory = (containerfs.resolve(filesystem.tree, fs.parent(path)) or fs.parent(path)) if is_file else resolved
    shown = file_view(filesystem, pod, path, resolved, reveal=reveal) if is_file else None
    rows = directory_rows(filesystem, pod, directory)
    name_sources(FileOrigins(target.cluster, pod, target.container), rows, shown)
    return {
        "cluster": target.cluster, "namespace": target.namespace, "name": target.pod,
        "container": target.container, "url": target.url,
        "pod_url": reverse("web:pod", kwargs={"cluster": target.cluster, "namespace": target.namespace,
                                              "name": target.pod}),
        "image": filesystem.image, "run": filesystem.run,
        "running": is_running(pod, target.container),
        "stack": stack_rows(filesystem),
        "mounts": mount_rows(filesystem.mounts),
        "path": path, "directory": directory, "crumbs": breadcrumbs(directory),
        "exists": found is not None or has_children(filesystem.tree, directory),
        "rows": rows,
        "file": shown,
        "form": {"path": path if is_file else _join(directory, ""),
                 "content": shown["text"] if shown and shown["editable"] else ""},
    }


def name_sources(origins: FileOrigins, rows: list[dict[str, Any]], shown: dict[str, Any] | None) -> None:
    """"volume NAME" becomes which source of that volume: the ConfigMap and key, the Secret,
    the Downward API field, the token, the claim. Mutates the rows and the file shown."""
    for row in rows:
        if row["origin"].startswith("volume "):
            row["origin"] = origins.label(row["path"], row["origin"].removeprefix("volume "), masked=row.get("masked", False))
    if shown is not None and shown["origin"].startswith("volume "):
        shown["origin"] = origins.label(shown["resolved"], shown["origin"].removeprefix("volume "), masked=shown["secret"])


def is_running(pod: dict[str, Any], container: str) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return any(s["name"] == container and "running" in s.get("state", {}) for s in statuses)


# --- the stack, bottom to top ----------------------------------------------------------------------


def stack_rows(filesystem: ContainerFilesystem) -> list[dict[str, Any]]:
    """The layers as overlayfs stacks them: lowerdirs (the image, then the runtime's init layer),
    then the upperdir (the container's writable layer)."""
    rows = []
    for index, current in enumerate(filesystem.layers):
        kept = {"image": "read-only, shared by every container of this image",
                "init": "read-only, written by the runtime when the container starts",
                "writable": "lost when the container restarts"}[current.kind]
        rows.append({
            "index": index, "kind": current.kind, "label": origin_label(filesystem, index),
            "created_by": current.layer.created_by or "(no instruction recorded)",
            "size": human(current.layer.size), "digest": current.layer.digest,
            "short": current.layer.short_digest, "files": len(current.layer.entries),
            "whiteouts": len(current.layer.whiteouts), "kept": kept,
        })
    return rows


def mount_rows(mounts: tuple[MountView, ...]) -> list[dict[str, Any]]:
    return [{
        "path": mount.path, "volume": mount.volume, "kind": mount.kind, "read_only": mount.read_only,
        "sub_path": mount.sub_path,
        "kept": MOUNT_LIFETIMES.get(mount.kind, PROJECTED_LIFETIME),
    } for mount in mounts]


def origin_label(filesystem: ContainerFilesystem, origin: Origin) -> str:
    """"layer N" for the image, "init", "writable", or "volume NAME" for a mount."""
    if isinstance(origin, str):
        return f"volume {origin}"
    kind = filesystem.layers[origin].kind if origin < len(filesystem.layers) else "image"
    return f"layer {origin}" if kind == "image" else kind


# --- one directory of the merged tree ----------------------------------------------------------------


def has_children(tree: dict[str, Any], directory: str) -> bool:
    prefix = _join(directory, "")
    return directory == "/" or any(p.startswith(prefix) for p in tree)


def directory_rows(filesystem: ContainerFilesystem, pod: dict[str, Any], directory: str) -> list[dict[str, Any]]:
    """The entries directly in `directory` (a parent no layer lists shows as a 0755 directory,
    as a tar without directory headers unpacks), then what the writable layer's whiteouts
    deleted there."""
    prefix = _join(directory, "")
    children: dict[str, tuple[FileEntry, Origin] | None] = {}
    for path, found in filesystem.tree.items():
        if path.startswith(prefix) and path != directory:
            child = prefix + path[len(prefix):].split("/", 1)[0]
            if child == path:
                children[child] = found
            else:
                children.setdefault(child, None)
    secret = secret_paths(filesystem, pod)
    rows = [entry_row(filesystem, child, found, masked=_is_masked(secret, child, found))
            for child, found in sorted(children.items())]
    writable = filesystem.layers[-1].layer if filesystem.layers else None
    for deleted in sorted(writable.whiteouts if writable else ()):
        if fs.parent(deleted) == directory and deleted not in children:
            rows.append({"name": deleted.rsplit("/", 1)[-1], "path": deleted, "type": "deleted", "dir": False,
                         "deleted": True, "origin": "writable", "size": "", "mode": "", "target": ""})
    return rows


def entry_row(filesystem: ContainerFilesystem, path: str, found: tuple[FileEntry, Origin] | None, *,
              masked: bool) -> dict[str, Any]:
    entry, origin = found if found is not None else (fs.directory(path), _lowest_origin(filesystem, path))
    return {
        "name": entry.name, "path": path, "type": entry.type, "dir": entry.type == fs.DIR, "deleted": False,
        "origin": origin_label(filesystem, origin), "size": human(entry.size) if entry.type == fs.FILE else "",
        "mode": mode_string(entry), "target": entry.target, "masked": masked,
    }


def _lowest_origin(filesystem: ContainerFilesystem, directory: str) -> Origin:
    prefix = _join(directory, "")
    origins = [origin for path, (_, origin) in filesystem.tree.items() if path.startswith(prefix)]
    numbers = [o for o in origins if isinstance(o, int)]
    return min(numbers) if numbers else (origins[0] if origins else 0)


# --- one file ------------------------------------------------------------------------------------------


def file_view(filesystem: ContainerFilesystem, pod: dict[str, Any], path: str, resolved: str, *,
              reveal: bool) -> dict[str, Any]:
    """A file's text as `cat` shows it; a Secret's bytes masked until asked for."""
    entry, origin = filesystem.tree[resolved]
    text = containerfs.read_text(filesystem, resolved)
    secret = _is_masked(secret_paths(filesystem, pod), resolved, (entry, origin))
    masked = secret and not reveal
    read_only = isinstance(origin, str) and any(m.volume == origin and m.read_only for m in filesystem.mounts)
    return {
        "path": path, "resolved": resolved, "origin": origin_label(filesystem, origin),
        "size": human(entry.size), "mode": mode_string(entry), "known": text is not None,
        "text": MASK if masked and text is not None else (text or ""), "masked": masked and text is not None,
        "secret": secret,
        "editable": text is not None and not masked and not read_only,
    }


def secret_paths(filesystem: ContainerFilesystem, pod: dict[str, Any]) -> set[str]:
    """The mount paths whose files hold Secret bytes: a secret volume, and in a projected volume
    the files its secret and serviceAccountToken sources write (a whole projected volume when a
    secret source lists no items, since which keys it holds is the Secret's business)."""
    specs = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    paths = set()
    for mount in filesystem.mounts:
        if mount.kind == "secret":
            paths.add(mount.path)
        elif mount.kind == "projected":
            for source in (specs.get(mount.volume, {}).get("projected") or {}).get("sources") or []:
                if "serviceAccountToken" in source:
                    paths.add(_join(mount.path, source["serviceAccountToken"].get("path", "token")))
                elif "secret" in source:
                    items = source["secret"].get("items") or [{"path": ""}]
                    paths.update(_join(mount.path, item["path"]).rstrip("/") for item in items)
    return paths


def _is_masked(secret: set[str], path: str, found: tuple[FileEntry, Origin] | None) -> bool:
    if found is None or found[0].type != fs.FILE or not isinstance(found[1], str):
        return False
    # the atomic writer keeps the bytes under <mount>/..<timestamp>/<key>: mask by mount and key
    return any(path == p or path.startswith(p + "/") or _payload_path(path) == p for p in secret)


def _payload_path(path: str) -> str:
    """<mount>/..2026_…/<key> → <mount>/<key>, the name the key's symlink has."""
    parts = path.split("/")
    return "/".join(part for part in parts if not part.startswith("..")) or "/"


def _clean(path: str) -> str:
    return fs.normpath(posixpath.normpath(path))


def _join(directory: str, name: str) -> str:
    return directory.rstrip("/") + "/" + name
