"""Image layers and the union filesystem: the shared model of files in an image.

catalog (base images) / dockerfile (the builder; changes.py writes its layers) / archive
(imported tarballs) → layers here → merge (the union view a container sees) → kubelet (the
container's filesystem) and the pages.

A layer is a diff, as in the OCI image spec (image-spec/layer.md): files added or changed,
paths deleted (whiteouts, `.wh.NAME` in a tar) and directories made opaque (`.wh..wh..opq`,
hiding everything the lower layers put there). The union view merges layers top down as
overlayfs does. A deletion writes a whiteout and never removes bytes from the lower layer, so
an image never gets smaller by deleting a file: `hidden_bytes` and `efficiency` (computed as
wagoodman/dive's filetree/efficiency.go does) show what such deletions and overwrites cost.
"""
from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

FILE, DIR, SYMLINK, HARDLINK = "file", "dir", "symlink", "hardlink"
TYPES = (FILE, DIR, SYMLINK, HARDLINK)
# An image holds at most this many layers: Docker's layer store refuses a deeper chain with "max
# depth exceeded" (moby layer/layer_store.go maxLayerDepth: 127 in some graph drivers less the 2
# a container's writable layer needs).
MAX_LAYER_DEPTH = 125

View = dict[str, tuple["FileEntry", int]]  # path → (entry, index of the layer it comes from)


def normpath(path: str) -> str:
    """An absolute, normalised path without a trailing slash ("/" stays "/")."""
    path = posixpath.normpath("/" + path.lstrip("/"))
    return "/" if path in ("/", "//") else path.rstrip("/")


def parent(path: str) -> str:
    """The directory that holds `path` ("/" for a top-level path)."""
    head = path.rpartition("/")[0]
    return head or "/"


def ancestors(path: str) -> list[str]:
    """Every directory above `path`, nearest first, "/" excluded."""
    result = []
    while (path := parent(path)) != "/":
        result.append(path)
    return result


@dataclass(frozen=True)
class FileEntry:
    path: str  # absolute, normalised, no trailing slash: "/etc/nginx/nginx.conf"
    type: str  # "file" | "dir" | "symlink" | "hardlink"
    size: int = 0  # bytes, files only
    mode: int = 0o644  # permission bits (dirs usually 0o755)
    uid: int = 0
    gid: int = 0
    target: str = ""  # link target for symlink / hardlink
    content: str | None = None  # small text the playground knows; None when only the size is known

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2] or "/"

    def line(self) -> str:
        """The canonical one-line form the layer digest is computed from."""
        content = "-" if self.content is None else hashlib.sha256(self.content.encode()).hexdigest()
        return f"{self.path}\0{self.type}\0{self.size}\0{self.mode:o}\0{self.uid}\0{self.gid}\0{self.target}\0{content}"


def file(path: str, size: int | None = None, *, content: str | None = None, mode: int = 0o644,
         uid: int = 0, gid: int = 0) -> FileEntry:
    """A regular file; its size is the content's length in UTF-8 when not given."""
    if size is None:
        size = len(content.encode()) if content is not None else 0
    return FileEntry(normpath(path), FILE, size, mode, uid, gid, "", content)


def directory(path: str, *, mode: int = 0o755, uid: int = 0, gid: int = 0) -> FileEntry:
    return FileEntry(normpath(path), DIR, 0, mode, uid, gid)


def symlink(path: str, target: str, *, uid: int = 0, gid: int = 0) -> FileEntry:
    return FileEntry(normpath(path), SYMLINK, 0, 0o777, uid, gid, target)


@dataclass(frozen=True)
class Layer:
    entries: tuple[FileEntry, ...]  # added or changed in this layer, sorted by path
    whiteouts: tuple[str, ...] = ()  # paths this layer deletes (".wh.NAME" in a tar)
    opaque_dirs: tuple[str, ...] = ()  # dirs whose lower contents it hides (".wh..wh..opq")
    created_by: str = ""  # the instruction, as `docker history` shows it
    # "sha256:<hex>" of the content (entries, whiteouts, opaque dirs), like a diff_id: the same
    # files give the same digest whatever instruction made them; computed when left empty
    digest: str = ""
    _size: int = field(default=-1, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", content_digest(self.entries, self.whiteouts, self.opaque_dirs))
        if self._size < 0:
            object.__setattr__(self, "_size", sum(e.size for e in self.entries if e.type == FILE))

    @property
    def size(self) -> int:
        """Bytes this layer adds (its files' sizes); deletions add nothing and remove nothing."""
        return self._size

    @property
    def short_digest(self) -> str:
        return self.digest.removeprefix("sha256:")[:12]

    @property
    def empty(self) -> bool:
        return not (self.entries or self.whiteouts or self.opaque_dirs)


def content_digest(entries: Iterable[FileEntry], whiteouts: Iterable[str], opaque_dirs: Iterable[str]) -> str:
    """The sha256 of a canonical serialisation: equal content gives an equal digest."""
    digest = hashlib.sha256()
    digest.update("\n".join(e.line() for e in entries).encode())
    digest.update(b"\n\x01" + "\n".join(whiteouts).encode())
    digest.update(b"\n\x02" + "\n".join(opaque_dirs).encode())
    return "sha256:" + digest.hexdigest()


def layer(entries: Iterable[FileEntry], *, whiteouts: Iterable[str] = (), opaque_dirs: Iterable[str] = (),
          created_by: str = "") -> Layer:
    """A layer with normalised, sorted, de-duplicated paths (the last entry for a path wins)."""
    by_path = {}
    for entry in entries:
        path = normpath(entry.path)
        by_path[path] = entry if path == entry.path else _with_path(entry, path)
    return Layer(
        entries=tuple(by_path[path] for path in sorted(by_path)),
        whiteouts=tuple(sorted({normpath(p) for p in whiteouts})),
        opaque_dirs=tuple(sorted({normpath(p) for p in opaque_dirs})),
        created_by=created_by,
    )


def _with_path(entry: FileEntry, path: str) -> FileEntry:
    return FileEntry(path, entry.type, entry.size, entry.mode, entry.uid, entry.gid, entry.target, entry.content)


def merge(layers: Sequence[Layer]) -> View:
    """The union view, top down: path → (entry, index of the layer it comes from).

    A path in a higher layer hides the same path below; a whiteout hides the path and, for a
    directory, its subtree; an opaque directory or a non-directory entry hides what lower
    layers hold under it. A file re-added above its whiteout shows again.
    """
    view: View = {}
    deleted: set[str] = set()  # whiteouts from the layers above: the path and its subtree
    covering: set[str] = set()  # paths whose lower subtree is hidden (whiteouts, opaque dirs, non-dirs)
    for index in range(len(layers) - 1, -1, -1):
        current = layers[index]
        if not view and not covering:
            view = {entry.path: (entry, index) for entry in current.entries}  # the top layer hides nothing of itself
        else:
            _merge_lower(view, current, index, deleted, covering)
        deleted.update(current.whiteouts)
        covering.update(current.whiteouts)
        covering.update(current.opaque_dirs)
        covering.update([e.path for e in current.entries if e.type != DIR])
    return view


def _merge_lower(view: View, current: Layer, index: int, deleted: set[str], covering: set[str]) -> None:
    """Add what a lower layer shows through the layers above (entries are sorted: siblings come together)."""
    hidden_dirs: dict[str, bool] = {}
    last_head, last_hidden = "", False
    for entry in current.entries:
        path = entry.path
        if path in view or path in deleted:
            continue
        head = path[:path.rfind("/")] or "/"
        if head != last_head:
            last_head, last_hidden = head, _under(head, covering, hidden_dirs)
        if not last_hidden:
            view[path] = (entry, index)


def _under(directory_path: str, covering: set[str], memo: dict[str, bool]) -> bool:
    """Whether `directory_path` or a directory above it is in `covering` (memoised per layer)."""
    known = memo.get(directory_path)
    if known is not None:
        return known
    if directory_path == "/":
        hidden = "/" in covering
    else:
        hidden = directory_path in covering or _under(parent(directory_path), covering, memo)
    memo[directory_path] = hidden
    return hidden


def image_size(layers: Sequence[Layer]) -> int:
    """What an image weighs: every layer's bytes, deleted or not (`docker images` SIZE)."""
    return sum(current.size for current in layers)


def visible_size(view: Mapping[str, tuple[FileEntry, int]]) -> int:
    """The bytes a container actually sees in the union view."""
    return sum(entry.size for entry, _ in view.values() if entry.type == FILE)


def hidden_bytes(layers: Sequence[Layer], view: Mapping[str, tuple[FileEntry, int]] | None = None) -> int:
    """Wasted space: bytes in lower layers that later layers delete or overwrite."""
    return image_size(layers) - visible_size(view if view is not None else merge(layers))


def children(view: Mapping[str, tuple[FileEntry, int]], directory_path: str = "/") -> list[tuple[FileEntry, int]]:
    """The entries directly in a directory of the union view, sorted by name.

    A directory that no layer lists but that holds listed paths shows as a plain 0755 dir from
    the lowest layer that needs it, the way a tar without directory headers unpacks.
    """
    directory_path = normpath(directory_path)
    prefix = "/" if directory_path == "/" else directory_path + "/"
    found: dict[str, tuple[FileEntry, int]] = {}
    for path, (entry, index) in view.items():
        if not path.startswith(prefix) or path == directory_path:
            continue
        name = path[len(prefix):].partition("/")[0]
        child = prefix + name
        if child == path:
            found[child] = (entry, index)
        elif child not in found:
            found[child] = view.get(child) or (directory(child), index)
    return [found[path] for path in sorted(found)]


def subtree_size(view: Mapping[str, tuple[FileEntry, int]], directory_path: str) -> int:
    """The bytes under a directory of the union view (`du -sb`)."""
    directory_path = normpath(directory_path)
    prefix = "/" if directory_path == "/" else directory_path + "/"
    return sum(entry.size for path, (entry, _) in view.items() if entry.type == FILE and path.startswith(prefix))


@dataclass(frozen=True)
class Inefficiency:
    path: str
    count: int  # how many layers touch the path
    cumulative_size: int  # its bytes over all those layers


@dataclass(frozen=True)
class Efficiency:
    score: float  # 1.0 when no layer duplicates or deletes a file
    wasted_bytes: int  # as dive reports it: the cumulative size of every path in more than one layer
    inefficiencies: tuple[Inefficiency, ...]  # largest first


def efficiency(layers: Sequence[Layer]) -> Efficiency:
    """The efficiency score and wasted bytes, computed as dive's filetree.Efficiency does.

    Every leaf path of every layer counts its size (a whiteout of a directory counts what it
    deleted below it, a whiteout of a file 0); the score is the sum over paths of their
    smallest size divided by the sum of all sizes, so a file written twice or deleted later
    lowers it by its weight.
    """
    cumulative: dict[str, int] = {}
    smallest: dict[str, int] = {}
    counts: dict[str, int] = {}
    below: View = {}  # the union of the layers under the current one
    for index, current in enumerate(layers):
        for path, size in _leaf_sizes(current, below):
            cumulative[path] = cumulative.get(path, 0) + size
            smallest[path] = min(smallest.get(path, size), size)
            counts[path] = counts.get(path, 0) + 1
        if index < len(layers) - 1:
            apply_layer(below, current, index)
    discovered = sum(cumulative.values())
    score = 1.0 if discovered == 0 else sum(smallest.values()) / discovered
    matches = sorted((Inefficiency(p, counts[p], cumulative[p]) for p in counts if counts[p] > 1),
                     key=lambda m: (-m.cumulative_size, m.path))
    return Efficiency(score, sum(m.cumulative_size for m in matches), tuple(matches))


def _leaf_sizes(current: Layer, lower: View) -> list[tuple[str, int]]:
    """(path, bytes) for each leaf of one layer's tree: its entries, whiteouts and opaque dirs."""
    all_paths = [e.path for e in current.entries] + list(current.whiteouts) + list(current.opaque_dirs)
    inner = _folders_above(all_paths)
    leaves = [(e.path, e.size if e.type == FILE else 0) for e in current.entries if e.path not in inner]
    if current.whiteouts or current.opaque_dirs:
        # dive counts what a deleted directory held, and nothing for a deleted file
        folders = {p for p in current.whiteouts if p not in inner and not _is_lower_file(lower, p)}
        sizes = _sizes_under(lower, folders | set(current.opaque_dirs))
        leaves += [(p, sizes.get(p, 0) if p in folders else 0) for p in current.whiteouts if p not in inner]
        leaves += [(p + "/.wh..wh..opq", sizes.get(p, 0)) for p in current.opaque_dirs]
    return leaves


def _folders_above(paths: Iterable[str]) -> set[str]:
    """Every folder above any of `paths` ("/" included); a walk up stops at a folder already seen,
    so the time is linear in the paths (a 5,000-level path is not 5,000 walks to the root)."""
    folders: set[str] = set()
    for path in paths:
        folder = parent(path)
        while folder not in folders:
            folders.add(folder)
            if folder == "/":
                break
            folder = parent(folder)
    return folders


def _is_lower_file(lower: View, path: str) -> bool:
    found = lower.get(path)
    return found is not None and found[0].type != DIR


def _sizes_under(view: View, roots: set[str]) -> dict[str, int]:
    """The bytes under each of `roots` in one pass over the view."""
    if not roots:
        return {}
    owner: dict[str, str | None] = {}  # folder → the root it lies under, if any
    sizes: dict[str, int] = {}
    for path, (entry, _) in view.items():
        if entry.type != FILE:
            continue
        root = _root_of(path[:path.rfind("/")] or "/", roots, owner)
        if root is not None:
            sizes[root] = sizes.get(root, 0) + entry.size
    return sizes


def _root_of(folder: str, roots: set[str], owner: dict[str, str | None]) -> str | None:
    if folder in owner:
        return owner[folder]
    if folder in roots:
        found: str | None = folder
    elif folder == "/":
        found = None
    else:
        found = _root_of(folder[:folder.rfind("/")] or "/", roots, owner)
    owner[folder] = found
    return found


def apply_layer(view: View, produced: Layer, index: int) -> None:
    """Put one more layer on a union view in place (what merge would give with it on top)."""
    if produced.whiteouts or produced.opaque_dirs:
        # one pass over the view for all of the layer's deletions
        whiteouts = set(produced.whiteouts)
        roots = whiteouts | set(produced.opaque_dirs)
        owner: dict[str, str | None] = {}
        for path in [p for p in view if p in whiteouts or _root_of(p[:p.rfind("/")] or "/", roots, owner) is not None]:
            del view[path]
    for entry in produced.entries:
        old = view.get(entry.path)
        if old is not None and old[0].type == DIR and entry.type != DIR:
            remove_subtree(view, entry.path, keep_root=True)
        view[entry.path] = (entry, index)


def remove_subtree(view: View, path: str, *, keep_root: bool = False) -> None:
    """Drop a path (unless `keep_root`) and everything under it from a view."""
    old = view.get(path)
    if not keep_root:
        view.pop(path, None)
    if old is not None and old[0].type != DIR:
        return
    prefix = path.rstrip("/") + "/"
    for key in [k for k in view if k.startswith(prefix)]:
        del view[key]


@dataclass(frozen=True)
class LayerDiff:
    """What one layer does to the layers below it, as dive's layer view colours it."""

    added: tuple[FileEntry, ...]  # paths the lower layers did not have
    modified: tuple[FileEntry, ...]  # paths it writes over (a copy-up: the lower bytes stay in the image)
    removed: tuple[str, ...]  # paths its whiteouts and opaque directories hide


def layer_diff(layers: Sequence[Layer], index: int) -> LayerDiff:
    """Sort layer `index`'s entries into added and modified, and list what it removes."""
    below = merge(layers[:index])
    current = layers[index]
    folders: dict[str, set[str]] = {}
    for path in below:
        while path != "/" and (head := path[:path.rfind("/")] or "/") not in folders:
            folders[head] = set()
            path = head
    modified = tuple(e for e in current.entries if e.path in below or e.path in folders)
    added = tuple(e for e in current.entries if not (e.path in below or e.path in folders))
    roots = set(current.whiteouts) | set(current.opaque_dirs)
    owner: dict[str, str | None] = {}
    removed = tuple(sorted(p for p in below if p in current.whiteouts
                           or _root_of(p[:p.rfind("/")] or "/", roots, owner) is not None))
    return LayerDiff(added, modified, removed)


# The writable layer of a container: copy-up on write, whiteout on delete (overlayfs upperdir)

def write(upper: Layer, entry: FileEntry) -> Layer:
    """The upper layer after writing `entry` (a copy-up: the lower file stays as it was)."""
    entries = [e for e in upper.entries if e.path != entry.path] + [entry]
    whiteouts = [w for w in upper.whiteouts if w != entry.path]
    return layer(entries, whiteouts=whiteouts, opaque_dirs=upper.opaque_dirs, created_by=upper.created_by)


def delete(upper: Layer, path: str, lower: Mapping[str, tuple[FileEntry, int]]) -> Layer:
    """The upper layer after `rm -rf path`: drop what the upper wrote there, whiteout what lies below."""
    path = normpath(path)
    prefix = path + "/"
    entries = [e for e in upper.entries if e.path != path and not e.path.startswith(prefix)]
    whiteouts = set(upper.whiteouts)
    if exists(lower, path):
        whiteouts.add(path)
    whiteouts = {w for w in whiteouts if not w.startswith(prefix)}
    return layer(entries, whiteouts=whiteouts, opaque_dirs=upper.opaque_dirs, created_by=upper.created_by)


def exists(view: Mapping[str, tuple[FileEntry, int]], path: str) -> bool:
    """Whether a path is in the union view, listed or implied by a path below it."""
    path = normpath(path)
    if path == "/" or path in view:
        return True
    prefix = path + "/"
    return any(p.startswith(prefix) for p in view)
