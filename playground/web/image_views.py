"""The image pages: the catalog and the cluster's own images (with the upload of a real image),
one image as its layer stack (dive-style), and the Dockerfile builder.

images (catalog, builder, imported archives, the cluster's image store) → the functions here
(the layer stack, the merged tree a directory at a time, the wasted bytes and the efficiency
score, as wagoodman/dive shows them) → templates/web/images/*.html. Views are thin: they find
the image, call one of these, and render a page or, for htmx, one partial of it.

An image of 50,000 files stays fast: the merged view and the per-layer diffs are computed once
per image (keyed by its layer digests, which name the content) and the tree is sent a
directory at a time, each `<details>` fetching its children when it is opened.
"""
from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.images import catalog, dockerfile, registry
from playground.images import layers as fs
from playground.images.archive import ArchiveError, ImportedImage, Limits, read_archive
from playground.images.layers import FileEntry, Layer
from playground.store import clusters

from .sizes import human
from .leaving import stops_when_its_client_leaves
from .uploads import refused_upload

LAYER_FILES_SHOWN = 300  # per list (added, changed, removed) of one layer; the rest are counted
FILTER_MATCHES_SHOWN = 300
CACHED_IMAGES = 6  # analyses kept in memory, by layer digests


def mode_string(entry: FileEntry) -> str:
    """`ls -l`'s first column: drwxr-xr-x, -rw-r--r--, lrwxrwxrwx."""
    kind = {"dir": "d", "symlink": "l"}.get(entry.type, "-")
    bits = "".join(ch if entry.mode & (1 << (8 - i)) else "-" for i, ch in enumerate("rwxrwxrwx"))
    return kind + bits


# --- one image, analysed once -----------------------------------------------------------------------


@dataclass(frozen=True)
class LayerDiff:
    """What one layer does to the layers below it, as dive lists it."""

    added: tuple[FileEntry, ...]
    changed: tuple[FileEntry, ...]  # paths the layers below already had (a copy-up: the old bytes stay)
    removed: tuple[str, ...]  # whiteouts, and opaque dirs as "dir/*"
    hidden_below: int  # bytes of lower files this layer hides, by whiteout or by overwriting


@dataclass(frozen=True)
class Analysis:
    view: fs.View  # the merged view, as layers.merge gives it
    children: dict[str, set[str]]  # directory → the paths directly in it (directories no layer lists too)
    totals: dict[str, tuple[int, int, int]]  # directory → (bytes, files, lowest layer) below it
    diffs: tuple[LayerDiff, ...]
    efficiency: fs.Efficiency
    image_size: int
    visible_size: int


_cache: OrderedDict[tuple[str, ...], Analysis] = OrderedDict()
_cache_lock = threading.Lock()


def analyse(image_layers: Sequence[Layer]) -> Analysis:
    """The merged view, each layer's diff and the efficiency of an image, cached by layer digests
    (equal digests are equal content, so a cached analysis never goes stale)."""
    key = tuple(layer.digest for layer in image_layers)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    analysis = _analyse(image_layers)
    with _cache_lock:
        _cache[key] = analysis
        while len(_cache) > CACHED_IMAGES:
            _cache.popitem(last=False)
    return analysis


def _analyse(image_layers: Sequence[Layer]) -> Analysis:
    union = _Union()
    diffs = tuple(union.apply(current, index) for index, current in enumerate(image_layers))
    return Analysis(
        view=union.view,
        children=union.children,
        totals=union.totals(),
        diffs=diffs,
        efficiency=fs.efficiency(image_layers),
        image_size=fs.image_size(image_layers),
        visible_size=fs.visible_size(union.view),
    )


class _Union:
    """The union view built bottom up, one layer at a time, with an index of each directory's
    children, so that a whiteout or an opaque directory removes its subtree without scanning
    the whole view (layers.merge's result, in time proportional to the entries)."""

    def __init__(self) -> None:
        self.view: fs.View = {}
        self.children: dict[str, set[str]] = {}

    def apply(self, current: Layer, index: int) -> LayerDiff:
        """Put one layer on top; what it adds, changes and removes. Its own deletions apply to
        the layers below, before its entries go on."""
        hidden = sum(self.remove(path) for path in current.whiteouts)
        hidden += sum(self.remove_below(path) for path in current.opaque_dirs)
        added, changed = [], []
        for entry in current.entries:
            below = self.view.get(entry.path)
            if below is None:
                added.append(entry)
            elif not (entry.type == below[0].type == fs.DIR and entry.mode == below[0].mode):
                changed.append(entry)  # a directory listed again as it was is no change
                hidden += below[0].size if below[0].type == fs.FILE else 0
            if entry.type != fs.DIR:
                hidden += self.remove_below(entry.path)  # a file over a directory hides its contents
            self.view[entry.path] = (entry, index)
            self.link(entry.path)
        removed = list(current.whiteouts) + [f"{path}/*" for path in current.opaque_dirs]
        return LayerDiff(tuple(added), tuple(changed), tuple(removed), hidden)

    def link(self, path: str) -> None:
        while path != "/":
            up = fs.parent(path)
            siblings = self.children.setdefault(up, set())
            if path in siblings:
                return
            siblings.add(path)
            path = up

    def remove(self, path: str) -> int:
        """A whiteout: the path and its subtree leave the view; the bytes they held."""
        removed = self.remove_below(path)
        old = self.view.pop(path, None)
        self.children.get(fs.parent(path), set()).discard(path)
        return removed + (old[0].size if old is not None and old[0].type == fs.FILE else 0)

    def remove_below(self, path: str) -> int:
        removed = 0
        stack = list(self.children.pop(path, ()))
        while stack:
            below = stack.pop()
            old = self.view.pop(below, None)
            if old is not None and old[0].type == fs.FILE:
                removed += old[0].size
            stack.extend(self.children.pop(below, ()))
        return removed

    def totals(self) -> dict[str, tuple[int, int, int]]:
        """directory → (bytes, files, the lowest layer with a path) under it, for every
        directory holding a listed path: one walk of the children index, deepest first."""
        order, stack = [], ["/"]
        while stack:
            path = stack.pop()
            order.append(path)
            stack.extend(self.children.get(path, ()))
        totals: dict[str, tuple[int, int, int]] = {}
        for path in reversed(order):  # every path after all of its descendants
            kids = self.children.get(path)
            if not kids:
                continue
            size = files = 0
            lowest = 1 << 30
            for kid in kids:
                found = self.view.get(kid)
                if found is not None:
                    lowest = min(lowest, found[1])
                    if found[0].type == fs.FILE:
                        size, files = size + found[0].size, files + 1
                below = totals.get(kid)
                if below is not None:
                    size, files, lowest = size + below[0], files + below[1], min(lowest, below[2])
            if lowest < 1 << 30:
                totals[path] = (size, files, lowest)
        return totals


# --- what the image page shows ----------------------------------------------------------------------


def image_summary(shown: ShownImage, analysis: Analysis) -> dict[str, Any]:
    eff = analysis.efficiency
    wasted = analysis.image_size - analysis.visible_size
    return {
        "reference": shown.reference,
        "source": shown.source,
        "layers": len(shown.layers),
        "files": sum(1 for entry, _ in analysis.view.values() if entry.type == fs.FILE),
        "size": human(analysis.image_size),
        "size_bytes": analysis.image_size,
        "pulled": human(sum(catalog.compressed_size(current) for current in shown.layers)),
        "visible": human(analysis.visible_size),
        "wasted": human(wasted),
        "wasted_bytes": wasted,
        "dive_wasted": human(eff.wasted_bytes),
        "score": f"{eff.score * 100:.1f} %",
        "inefficiencies": [
            {"path": m.path, "count": m.count, "size": human(m.cumulative_size)} for m in eff.inefficiencies[:10]
        ],
        "config": config_pairs(shown.config),
    }


def config_pairs(config: dict[str, Any]) -> list[tuple[str, str]]:
    """The image config as `docker inspect` names its fields, one line each."""
    pairs = []
    for key in ("Entrypoint", "Cmd", "WorkingDir", "User", "Env", "ExposedPorts", "Labels"):
        value = config.get(key)
        if not value:
            continue
        if isinstance(value, list):
            text = " ".join(str(v) for v in value) if key == "Env" else json.dumps(value)
        elif isinstance(value, dict):
            text = ", ".join(f"{k}={v}" if v else str(k) for k, v in value.items())
        else:
            text = str(value)
        pairs.append((key, text))
    return pairs


def stack_rows(image_layers: Sequence[Layer], analysis: Analysis) -> list[dict[str, Any]]:
    """The layers, top first as `docker history` lists them."""
    rows = []
    for index, (current, diff) in enumerate(zip(image_layers, analysis.diffs)):
        rows.append({
            "index": index,
            "created_by": current.created_by or "(no instruction recorded)",
            "size": human(current.size),
            "size_bytes": current.size,
            "digest": current.digest,
            "short": current.short_digest,
            "added": len(diff.added),
            "changed": len(diff.changed),
            "removed": len(diff.removed),
            "hides": human(diff.hidden_below) if diff.hidden_below else "",
        })
    return rows[::-1]


def layer_files(analysis: Analysis, index: int) -> dict[str, Any]:
    """The files one layer adds, changes and removes, each list cut at LAYER_FILES_SHOWN."""
    diff = analysis.diffs[index]

    def cut(items: Sequence[Any]) -> tuple[list[Any], int]:
        return list(items[:LAYER_FILES_SHOWN]), max(0, len(items) - LAYER_FILES_SHOWN)

    added, more_added = cut(diff.added)
    changed, more_changed = cut(diff.changed)
    removed, more_removed = cut(diff.removed)
    added, changed = [file_row(e) for e in added], [file_row(e) for e in changed]
    return {"index": index, "added": added, "more_added": more_added, "changed": changed,
            "more_changed": more_changed, "removed": removed, "more_removed": more_removed}


def file_row(entry: FileEntry) -> dict[str, Any]:
    return {"path": entry.path, "type": entry.type, "size": human(entry.size) if entry.type == fs.FILE else "",
            "mode": mode_string(entry), "target": entry.target}


def tree_rows(analysis: Analysis, directory: str) -> list[dict[str, Any]]:
    """The entries directly in `directory` of the merged view, each with the layer it comes from;
    a directory with the bytes and files below it. A directory no layer lists but that holds
    listed paths shows as a 0755 directory, as a tar without directory headers unpacks."""
    directory = fs.normpath(directory)
    rows = []
    for path in sorted(analysis.children.get(directory, ())):
        found = analysis.view.get(path)
        size, files, lowest = analysis.totals.get(path, (-1, 0, 0))
        if found is None and size < 0:
            continue  # a directory whose whole contents were deleted, and which no layer lists
        entry, index = found or (fs.directory(path), lowest)
        is_dir = entry.type == fs.DIR
        rows.append({
            "name": entry.name, "path": path, "type": entry.type, "dir": is_dir, "layer": index,
            "size": human(max(size, 0) if is_dir else entry.size) if is_dir or entry.type == fs.FILE else "",
            "files": files, "mode": mode_string(entry), "target": entry.target,
        })
    return rows


def filter_rows(view: fs.View, text: str) -> tuple[list[dict[str, Any]], int]:
    """Paths of the merged view containing `text`, sorted, cut at FILTER_MATCHES_SHOWN."""
    needle = text.strip()
    matches = sorted(path for path in view if needle in path)
    rows = [{**file_row(view[path][0]), "layer": view[path][1]} for path in matches[:FILTER_MATCHES_SHOWN]]
    return rows, max(0, len(matches) - FILTER_MATCHES_SHOWN)


def breadcrumbs(directory: str) -> list[dict[str, str]]:
    """"/", "/usr", "/usr/share" for "/usr/share"."""
    crumbs = [{"name": "/", "path": "/"}]
    if directory != "/":
        parts = directory.strip("/").split("/")
        crumbs += [{"name": part, "path": "/" + "/".join(parts[: i + 1])} for i, part in enumerate(parts)]
    return crumbs


# --- where images come from: the catalog, the cluster's own images, the builder -------------------


class ImageError(Exception):
    """An image cannot be stored (a bad name, say); shown at the form."""


@dataclass(frozen=True)
class ShownImage:
    reference: str
    source: str  # "catalog" | "built" | "imported"
    layers: tuple[Layer, ...]
    config: dict[str, Any]


@dataclass(frozen=True)
class BuildOutcome:
    log: list[str]
    layers: tuple[Layer, ...] = ()
    reference: str = ""
    error: str = ""
    error_line: int = 0


STARTER_DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY app.py .
RUN pip install flask
ENV PORT=8000
EXPOSE 8000
CMD ["python", "app.py"]
"""
STARTER_FILES = [("app.py", 'print("hello from the playground")\n')]
EXAMPLES = [
    ("rm in a separate RUN", "FROM debian:bookworm-slim\n"
     "RUN apt-get update && apt-get install -y curl\n"
     "RUN rm -rf /var/lib/apt/lists/*\n"),
    ("rm in the same RUN", "FROM debian:bookworm-slim\n"
     "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"),
]


def image_url(cluster: str, reference: str) -> str:
    return reverse("web:image", kwargs={"cluster": cluster, "ref": reference})


def catalog_rows(cluster: str) -> list[dict[str, Any]]:
    """The catalog's base images and their tags, with `docker images` sizes."""
    rows = []
    for repository in catalog.BASE_IMAGES:
        tags = []
        for tag in catalog.tags(repository):
            image = catalog.catalog_image(repository, tag)
            if image is not None:
                tags.append({"tag": tag, "size": human(image.unpacked_size), "url": image_url(cluster, image.reference)})
        rows.append({"repository": repository, "tags": tags})
    return rows


SOURCES = {"build": "built", "import": "imported"}


def cluster_images(cluster: str) -> list[dict[str, Any]]:
    """The images built or imported on this cluster, newest first (`docker images`)."""
    return [{"reference": image.reference, "source": SOURCES.get(image.source, image.source), "layers": image.layers,
             "size_bytes": image.size, "url": image_url(cluster, image.reference)}
            for image in registry.summaries(cluster)]


def find_image(cluster: str, reference: str) -> ShownImage | None:
    """An image of the cluster or of the catalog, as `image:` or FROM would name it."""
    try:
        image = catalog.find(reference, cluster=cluster)
    except registry.RegistryError:
        return None
    if image is None:
        return None
    source = "catalog"
    if image.built:
        row = registry.stored(cluster, reference)
        source = SOURCES.get(row.source, row.source) if row is not None else "built"
    return ShownImage(reference, source, image.layers, image.config.to_json())


def save_imported(cluster: str, imported: ImportedImage, *, name: str = "") -> str:
    """Store an imported image for the cluster (under `name` when given); its reference."""
    reference = name or imported.reference
    try:
        registry.import_image(cluster, reference, imported.layers, imported.config)
    except (dockerfile.BuildError, registry.RegistryError) as e:
        raise ImageError(f"{reference}: {e}") from None
    return reference


LINE = re.compile(r"^line (\d+): ")
_examples: dict[str, BuildOutcome] = {}


def build(cluster: str, text: str, files: dict[str, str], *, tag: str, store_image: bool = True) -> BuildOutcome:
    """Build a Dockerfile; stored under `tag` for the cluster unless `store_image` is off."""
    try:
        if store_image:
            result = registry.build(cluster, text, tag=tag, files=files)
        else:
            result = dockerfile.build(text, tag=tag or "example:latest", files=files, cluster=cluster)
    except (dockerfile.BuildError, registry.RegistryError) as e:
        message = str(e)
        line = LINE.match(message)  # "line 3: RUN: ...": the line goes beside the Dockerfile's line 3
        if line is None:
            return BuildOutcome(log=[], error=message)
        return BuildOutcome(log=[], error=message[line.end():], error_line=int(line.group(1)))
    return BuildOutcome(log=list(result.log), layers=result.image.layers, reference=tag if store_image else "")


# --- views -----------------------------------------------------------------------------------------


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"message": message}, status=404)


def _cluster_exists(cluster: str) -> bool:
    return cluster in clusters.names()


def upload_limit() -> int:
    return settings.PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES


def images_context(cluster: str, **upload: Any) -> dict[str, Any]:
    return {
        "cluster": cluster,
        "catalog": catalog_rows(cluster),
        "own": [{**row, "size": human(row["size_bytes"])} for row in cluster_images(cluster)],
        "upload": {"error": "", "warnings": [], **upload},
        "upload_limit": human(upload_limit()),
    }


@require_GET
def images_view(request: HttpRequest, cluster: str) -> HttpResponse:
    if not _cluster_exists(cluster):
        return not_found(request, f'clusters "{cluster}" not found')
    return render(request, "web/images/images.html", images_context(cluster))


@require_POST
def upload_view(request: HttpRequest, cluster: str) -> HttpResponse:
    """An image tarball, imported and stored for the cluster; any problem is shown at the form
    (422) and stores nothing."""
    if not _cluster_exists(cluster):
        return not_found(request, f'clusters "{cluster}" not found')
    refused = refused_upload(request)
    upload = request.FILES.get("archive")
    try:
        if refused:
            raise ArchiveError(refused)
        if upload is None:
            raise ArchiveError("choose a file: the tar that `docker save` or an OCI image layout export wrote")
        try:
            imported = read_archive(upload, limits=Limits())
        except ArchiveError as e:
            raise ArchiveError(f"{upload.name}: {e}") from None
        reference = save_imported(cluster, imported, name=request.POST.get("name", "").strip())
    except (ArchiveError, ImageError) as e:
        context = images_context(cluster, error=str(e))
        return render(request, "web/images/images.html", context, status=422)
    if imported.warnings:  # say what was skipped before showing the image
        context = images_context(cluster, done=reference, url=image_url(cluster, reference),
                                 warnings=list(imported.warnings))
        return render(request, "web/images/images.html", context)
    return redirect(image_url(cluster, reference))


@require_GET
def image_view(request: HttpRequest, cluster: str, ref: str) -> HttpResponse:
    """One image: its layer stack and merged tree. htmx asks for one piece: `?dir=PATH` (a
    directory of the tree), `?layer=N` (one layer's files), `?filter=TEXT` (matching paths)."""
    if not _cluster_exists(cluster):
        return not_found(request, f'clusters "{cluster}" not found')
    shown = find_image(cluster, ref)
    if shown is None:
        return not_found(request, f'image "{ref}" not found in the catalog or in cluster "{cluster}"')
    analysis = analyse(shown.layers)
    context = image_context(cluster, shown, analysis, request.GET)
    piece = request.GET.get("part", "")
    if request.htmx and piece in ("tree", "layer", "filter"):
        return render(request, f"web/images/image.html#{piece}", context)
    return render(request, "web/images/image.html", context)


def image_context(cluster: str, shown: ShownImage, analysis: Analysis, query: Any) -> dict[str, Any]:
    directory = fs.normpath(query.get("dir", "/") or "/")
    text = query.get("filter", "")[:200]
    context: dict[str, Any] = {
        "cluster": cluster,
        "ref": shown.reference,
        "url": image_url(cluster, shown.reference),
        "image": image_summary(shown, analysis),
        "stack": stack_rows(shown.layers, analysis),
        "directory": directory,
        "crumbs": breadcrumbs(directory),
        "rows": tree_rows(analysis, directory),
        "filter": text,
        "open_layer": None,
    }
    if text.strip():
        context["matches"], context["more_matches"] = filter_rows(analysis.view, text)
    layer_index = query.get("layer", "")
    if layer_index.isdigit() and int(layer_index) < len(shown.layers):
        context["open_layer"] = int(layer_index)
        context["files"] = layer_files(analysis, int(layer_index))
    return context


@require_http_methods(["GET", "POST"])
@stops_when_its_client_leaves
def build_view(request: HttpRequest, cluster: str, *, cancelled: Callable[[], bool]) -> HttpResponse:
    """Write a Dockerfile and inline files, build it, see the log and the layer stack; and the
    before-and-after example of `rm` in a separate RUN. The build reads `cancelled` (and the
    server's STOPPING) at each budget check: a build whose client leaves stops there and stores
    nothing (leaving.py)."""
    if not _cluster_exists(cluster):
        return not_found(request, f'clusters "{cluster}" not found')
    form = build_form(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"cluster": cluster, "form": form, "result": None,
                               "examples": example_pair(cluster)}
    status = 200
    if request.method == "POST":
        with dockerfile.cancelled_when(cancelled):
            result = build(cluster, form["dockerfile"], form_files(form), tag=form["tag"])
        context["result"] = build_result(cluster, result, form["dockerfile"])
        status = 422 if result.error else 200
    template = "web/images/build.html#result" if request.htmx else "web/images/build.html"
    return render(request, template, context, status=status)


FILE_SLOTS = 3


def build_form(data: Any) -> dict[str, Any]:
    """The build form as submitted, or with the starter Dockerfile."""
    if data is None:
        return {"dockerfile": STARTER_DOCKERFILE, "tag": "my-app:1",
                "files": [{"name": n, "content": c} for n, c in STARTER_FILES]
                + [{"name": "", "content": ""}] * (FILE_SLOTS - len(STARTER_FILES))}
    return {
        "dockerfile": data.get("dockerfile", ""),
        "tag": data.get("tag", "").strip(),
        "files": [{"name": data.get(f"file{i}_name", "").strip(), "content": data.get(f"file{i}_content", "")}
                  for i in range(FILE_SLOTS)],
    }


def form_files(form: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["content"].replace("\r\n", "\n") for f in form["files"] if f["name"]}


def build_result(cluster: str, result: BuildOutcome, dockerfile: str) -> dict[str, Any]:
    """The build log, the Dockerfile's lines with the failing one marked, and the layer stack."""
    lines = dockerfile.replace("\r\n", "\n").split("\n")
    context: dict[str, Any] = {
        "log": result.log,
        "error": result.error,
        "error_line": result.error_line,
        "lines": [{"number": n, "text": text, "bad": n == result.error_line} for n, text in enumerate(lines, 1)],
        "reference": result.reference,
        "url": image_url(cluster, result.reference) if result.reference else "",
    }
    if result.layers:
        analysis = analyse(result.layers)
        context["stack"] = stack_rows(result.layers, analysis)
        context["size"] = human(analysis.image_size)
        context["wasted"] = human(analysis.image_size - analysis.visible_size)
        context["score"] = f"{analysis.efficiency.score * 100:.1f} %"
    return context


def example_pair(cluster: str) -> list[dict[str, Any]]:
    """The same Dockerfile twice: `rm` in its own RUN, then in the RUN that made the files."""
    pair = []
    for title, text in EXAMPLES:
        result = _examples.get(text) or _examples.setdefault(text, build(cluster, text, {}, tag="", store_image=False))
        entry: dict[str, Any] = {"title": title, "dockerfile": text, "error": result.error, "size": "", "stack": []}
        if result.layers:
            analysis = analyse(result.layers)
            entry.update(size=human(analysis.image_size), size_bytes=analysis.image_size,
                         visible=human(analysis.visible_size), stack=stack_rows(result.layers, analysis),
                         wasted=human(analysis.image_size - analysis.visible_size))
        pair.append(entry)
    return pair


