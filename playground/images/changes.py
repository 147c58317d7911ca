"""The changes one build step makes: a new layer written over the union view below it.

dockerfile.py's WORKDIR and COPY, and run.py's RUN commands → `Changes` (lookup, write, mkdir,
delete over the lower view, following symbolic links in the directories above a path, as the
kernel does) → `layer()`: the files written (copy-up: a changed file is stored whole again in
the new layer) and whiteouts for what was deleted below, so a later `rm` never makes the image
smaller. It follows overlayfs as containerd's snapshotter uses it (whiteouts `.wh.NAME`, opaque
directories) and the OCI image layer spec's changeset.
"""
from __future__ import annotations

import posixpath
from dataclasses import replace

from playground.shell.budget import Budget
from playground.shell.interpreter import ShellError

from .layers import DIR, FILE, SYMLINK, FileEntry, Layer, View, ancestors, directory, layer, normpath, parent


class Changes:
    """A new layer being written over a union view: copy-up on write, whiteout on delete."""

    def __init__(self, lower: View, lower_children: dict[str, set[str]] | None = None, *,
                 budget: Budget | None = None) -> None:
        self.lower = lower
        self.budget = budget if budget is not None else Budget()  # every write spends of it
        self.upper: dict[str, FileEntry] = {}
        self.deleted: set[str] = set()  # paths (and their subtrees) deleted from the lower view
        self.opaque: set[str] = set()
        self._lower_children = lower_children  # folder → names in it (made on first need); only read
        self._upper_children: dict[str, set[str]] = {}

    def lookup(self, path: str) -> FileEntry | None:
        """What `path` is now (links in the directories above it followed), or None."""
        return self._get(self.resolve(path))

    def _get(self, path: str) -> FileEntry | None:
        if path == "/":
            return directory("/")
        if path in self.upper:
            return self.upper[path]
        if self.deleted and self._deleted(path):
            return None
        found = self.lower.get(path)
        if found is not None:
            return found[0]
        return directory(path) if self._has_children(path) else None

    def _deleted(self, path: str) -> bool:
        current = path
        while current != "/":
            if current in self.deleted:
                return True
            if current in self.opaque and current != path:
                return True  # an opaque directory hides everything the lower layers put under it
            current = parent(current)
        return False

    def _has_children(self, path: str) -> bool:
        return bool(self._upper_children.get(path)) or bool(self.lower_children().get(path))

    def lower_children(self) -> dict[str, set[str]]:
        """folder → the names directly in it, over the lower view (listed or implied folders)."""
        if self._lower_children is None:
            index: dict[str, set[str]] = {}
            for path in self.lower:
                index_path(index, path)
            self._lower_children = index
        return self._lower_children

    def resolve(self, path: str, *, follow_last: bool = False) -> str:
        """The path with symbolic links in its directories followed (/bin/ls → /usr/bin/ls on Debian)."""
        path = normpath(path)
        parts = [p for p in path.split("/") if p]
        current = "/"
        for hops, index in enumerate(range(len(parts))):
            candidate = posixpath.join(current, parts[index])
            entry = self._get(candidate) if (index < len(parts) - 1 or follow_last) else None
            if entry is not None and entry.type == SYMLINK and hops < 40:
                target = entry.target if entry.target.startswith("/") else posixpath.join(current, entry.target)
                current = normpath(target)
            else:
                current = candidate
        return normpath(current)

    def children(self, path: str) -> list[str]:
        """The names directly in a directory."""
        path = self.resolve(path, follow_last=True)
        self.budget.tick()
        prefix = "/" if path == "/" else path + "/"
        names = self.lower_children().get(path, set()) | self._upper_children.get(path, set())
        return sorted(n for n in names if self._get(prefix + n) is not None)

    def write(self, entry: FileEntry, *, parents: bool = True) -> None:
        self.budget.check_depth(entry.path)  # before resolving: its cost grows with the depth
        path = self.resolve(entry.path)
        self.budget.check_depth(path)
        self.budget.wrote(entry.size if entry.type == FILE else 0)
        entry = entry if path == entry.path else replace(entry, path=path)
        folder = parent(path)
        if self._get(folder) is None:
            if not parents:
                raise ShellError(f"cannot create '{entry.path}': No such file or directory")
            self.mkdir(folder, parents=True)
        index_path(self._upper_children, path)
        if path in self.deleted:
            # deleted and written again in one step: a directory comes back empty (opaque), a file simply replaces
            self.deleted.discard(path)
            if entry.type == DIR:
                self.opaque.add(path)
        self.upper[path] = entry

    def mkdir(self, path: str, *, parents: bool, mode: int = 0o755) -> None:
        self.budget.check_depth(path)
        path = self.resolve(path)
        self.budget.check_depth(path)
        missing = []
        current = path
        while current != "/" and self._get(current) is None:
            missing.append(current)
            current = parent(current)
        if not parents and len(missing) > 1:
            raise ShellError(f"mkdir: cannot create directory '{path}': No such file or directory")
        for folder in reversed(missing):
            was_deleted = folder in self.deleted
            self.deleted.discard(folder)
            if was_deleted:
                self.opaque.add(folder)
            self.budget.wrote(0)
            self.upper[folder] = directory(folder, mode=mode)
            index_path(self._upper_children, folder)

    def delete(self, path: str) -> None:
        path = self.resolve(path)
        self.budget.tick()  # a pass over the layer's files
        prefix = path + "/"
        removed = [k for k in self.upper if k == path or k.startswith(prefix)]
        for key in removed:
            del self.upper[key]
        if removed:
            self._upper_children = {}
            for key in self.upper:
                index_path(self._upper_children, key)
        self.opaque.discard(path)
        if path in self.lower or self._lower_has_children(path):
            self.deleted.add(path)

    def _lower_has_children(self, path: str) -> bool:
        return bool(self.lower_children().get(path))

    def layer(self, created_by: str) -> Layer:
        """The layer: what was written, whiteouts for what was deleted below (top-most paths only)."""
        whiteouts = [p for p in self.deleted if not any(a in self.deleted for a in ancestors(p))]
        return layer(self.upper.values(), whiteouts=whiteouts, opaque_dirs=self.opaque, created_by=created_by)


def index_path(index: dict[str, set[str]], path: str) -> None:
    """Record `path` and every folder above it in a folder → names index."""
    while path != "/":
        head, _, name = path.rpartition("/")
        head = head or "/"
        names = index.setdefault(head, set())
        if name in names:
            return  # the folders above are indexed already
        names.add(name)
        path = head


def account_id(name: str, view: View, database: str) -> int | None:
    """The uid (gid) of a user (group) in /etc/passwd (/etc/group) of `view`; a number is itself."""
    if name.isdigit():
        return int(name)
    found = view.get(database)
    for line in ((found[0].content or "") if found else "").splitlines():
        fields = line.split(":")
        if fields[0] == name and len(fields) > 2 and fields[2].isdigit():
            return int(fields[2])
    return None
