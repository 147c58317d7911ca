"""Import a real image: a `docker save` tarball or an OCI image layout (tar) → the layer model.

image upload (the images page) → `read_archive` here → an `ImportedImage` (its layers as
`layers.Layer` listings, its config, the reference it was saved under) → stored for the cluster
like a built image → the image pages show its real layers, whiteouts and opaque directories.

Two formats, both read from one tar:
- `docker save` (moby image/tarexport): `manifest.json` lists `Config` (a JSON file) and `Layers`
  (layer tars, `<id>/layer.tar` or `blobs/sha256/<hex>`), `RepoTags` the names;
- an OCI image layout (image-spec image-layout.md): `oci-layout`, `index.json` pointing at a
  manifest (or an index of them) in `blobs/sha256/`, which names a config and the layer blobs.
A layer tar (gzip or not) is a diff as image-spec layer.md describes it: `.wh.NAME` deletes NAME,
`.wh..wh..opq` makes its directory opaque.

Only the listing is kept (path, type, size, mode, owner, link target), never file contents, and
nothing is written to disk. The archive is read once, front to back, with tarfile (in stream
mode; an uncompressed upload on disk header by header, seeking over the contents), so an upload
of hundreds of MB never sits in memory: every blob that looks like a layer is listed as it
passes, every small JSON document kept, and the manifest (which `docker save` writes last) then
picks the layers it names. Read defensively: paths that are absolute or climb
out with `..`, links that point outside the image, device files and fifos are skipped with a
message; too many entries or declared bytes, corrupt gzip, a truncated tar, a manifest that is
not JSON, too large, nested too deep, or names a blob the archive lacks, refuse the whole archive
(`ArchiveError`, whose message names the place).
"""
from __future__ import annotations

import contextlib
import gzip
import json
import posixpath
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from .layers import DIR, FILE, HARDLINK, MAX_LAYER_DEPTH, SYMLINK, FileEntry, Layer, layer

KiB, MiB, GiB = 1024, 1024 * 1024, 1024 * 1024 * 1024
BLOCK = tarfile.BLOCKSIZE
READ_SIZE = 16 * KiB  # tarfile's stream buffer (it copies what is left of it on each read: keep it small)
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
OCI_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
                   "application/vnd.docker.distribution.manifest.list.v2+json")
OCI_REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class ArchiveError(Exception):
    """The archive cannot be imported; the message says where and why. Nothing is stored."""


@dataclass(frozen=True)
class Limits:
    """How much an archive may hold before it is refused."""

    max_entries: int = 200_000  # files, dirs and links over every layer
    max_declared_bytes: int = 4 * GiB  # the sizes the layer tars declare for their files, summed
    max_json_bytes: int = 1 * MiB  # one manifest, index or config
    max_json_depth: int = 64  # arrays and objects within each other (a real config nests 4 deep)
    max_extended_header_bytes: int = 64 * KiB  # one pax or GNU long-name header
    max_warnings: int = 50  # messages kept; the rest are counted


@dataclass(frozen=True)
class ImportedImage:
    reference: str  # "repository:tag" as saved, else a name made from the config digest
    format: str  # "docker-save" | "oci-layout"
    layers: tuple[Layer, ...]  # bottom first, each with the instruction `docker history` shows
    config: dict[str, Any]  # the image config's `config` section: Env, Cmd, Entrypoint, WorkingDir, …
    warnings: tuple[str, ...] = ()  # what was skipped, and why


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_archive(fileobj: Readable, *, limits: Limits | None = None) -> ImportedImage:
    """Read a `docker save` tarball or an OCI image layout tar (gzip or not) from `fileobj`."""
    scan = _Scan(limits or Limits())
    scan.read(fileobj)
    if "manifest.json" in scan.documents or "manifest.json" in scan.oversize:
        image = _docker_save(scan)
    elif "index.json" in scan.documents or "index.json" in scan.oversize:
        image = _oci_layout(scan)
    else:
        raise ArchiveError("the archive has neither manifest.json (docker save) nor index.json (OCI image layout)")
    return image


# --- one pass over the outer tar ------------------------------------------------------------------


@dataclass
class _Listing:
    """One layer tar as it was read: its entries by path, its whiteouts and opaque dirs."""

    entries: dict[str, FileEntry] = field(default_factory=dict)
    whiteouts: set[str] = field(default_factory=set)
    opaque_dirs: set[str] = field(default_factory=set)


class _Scan:
    """What one pass over the outer tar found: small JSON documents and layer listings by name."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.documents: dict[str, bytes] = {}  # name → raw JSON
        self.oversize: dict[str, int] = {}  # JSON-looking members over the limit: name → size
        self.listings: dict[str, _Listing] = {}  # name → layer listing
        self.unreadable: dict[str, str] = {}  # name → why it could not be listed
        self.aliases: dict[str, str] = {}  # outer links (docker save shares layers so): name → target
        self.entries = 0
        self.declared_bytes = 0
        self.warnings: list[str] = []
        self.dropped_warnings = 0

    def warn(self, message: str) -> None:
        if len(self.warnings) < self.limits.max_warnings:
            self.warnings.append(message)
        else:
            self.dropped_warnings += 1

    def all_warnings(self) -> tuple[str, ...]:
        more = [f"… and {self.dropped_warnings:,} more skipped entries"] if self.dropped_warnings else []
        return tuple(self.warnings + more)

    def read(self, fileobj: Readable) -> None:
        for member, tar in _members(fileobj, "the archive", self.limits):
            self.count_entry("the archive")
            name = _archive_name(member.name)
            if name is None:
                self.warn(f"the archive: {member.name!r}: path leaves the archive, skipped")
            elif member.issym() or member.islnk():
                self.alias(name, member)
            elif member.isfile():
                with _reading(f"the archive: {name}"):
                    self.read_member(name, member, tar)

    def alias(self, name: str, member: tarfile.TarInfo) -> None:
        base = posixpath.dirname(name) if member.issym() else ""
        target = _archive_name(posixpath.join(base, member.linkname))
        if target is None:
            self.warn(f"the archive: {name}: link to {member.linkname!r} leaves the archive, skipped")
        else:
            self.aliases[name] = target

    def read_member(self, name: str, member: tarfile.TarInfo, tar: tarfile.TarFile) -> None:
        stream = tar.extractfile(member)
        assert stream is not None  # a regular file always has a stream
        if posixpath.basename(name) in ("manifest.json", "index.json", "oci-layout"):
            self.read_document(name, member.size, stream, head=b"")
            return
        head = stream.read(BLOCK)
        if head.lstrip()[:1] in (b"{", b"["):
            self.read_document(name, member.size, stream, head=head)
        elif head[:2] == GZIP_MAGIC or _is_tar_header(head):
            if _seekable(stream):
                stream.seek(0)
                self.listings[name] = self.read_layer(name, stream)
            else:
                self.listings[name] = self.read_layer(name, _Prefixed(head, stream))
        elif head[:4] == ZSTD_MAGIC:
            self.unreadable[name] = "a zstd-compressed layer; only gzip and plain tar layers can be imported"

    def read_document(self, name: str, size: int, stream: IO[bytes], *, head: bytes) -> None:
        if size > self.limits.max_json_bytes:
            self.oversize[name] = size  # refused unread, and only if the manifest needs it
            return
        self.documents[name] = head + stream.read(size - len(head))

    def read_layer(self, name: str, stream: Readable) -> _Listing:
        place = f"layer {name}"
        listing = _Listing()
        for member, _ in _members(stream, place, self.limits):
            self.count_entry(place)
            self.declare(place, member.size if member.isfile() else 0)
            _add(listing, member, place, self.warn)
        return listing

    def count_entry(self, place: str) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise ArchiveError(f"{place}: more than {self.limits.max_entries:,} entries in the archive; refused")

    def declare(self, place: str, size: int) -> None:
        self.declared_bytes += size
        if self.declared_bytes > self.limits.max_declared_bytes:
            raise ArchiveError(
                f"{place}: the layers declare more than {self.limits.max_declared_bytes:,} bytes of files; refused"
            )


def _members(fileobj: Readable, place: str, limits: Limits) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    """The members of a tar (gzip or not), read front to back, with every read error named by place."""
    guarded = type("_Guarded", (_GuardedTarInfo,), {"max_extended": limits.max_extended_header_bytes})
    with _reading(place), tarfile.open(fileobj=fileobj, mode=_mode(fileobj), tarinfo=guarded, bufsize=READ_SIZE) as tar:
        while (member := tar.next()) is not None:
            tar.members.clear()  # tarfile keeps every header it read; the listing is ours
            yield member, tar


def _mode(fileobj: Readable) -> str:
    """How tarfile reads `fileobj`: an uncompressed file that can seek (an upload Django has
    written to disk, a layer inside it) is read a header at a time, seeking over the contents
    instead of reading them; anything else as a stream, front to back."""
    if not _seekable(fileobj):
        return "r|*"
    start = fileobj.tell()  # type: ignore[attr-defined]
    magic = fileobj.read(2)
    fileobj.seek(start)  # type: ignore[attr-defined]
    # gzip cannot seek but by decompressing again from the start: read it front to back
    return "r|gz" if magic == GZIP_MAGIC else "r:"


def _seekable(fileobj: Any) -> bool:
    try:
        return bool(fileobj.seekable())
    except (AttributeError, OSError):  # a member of a tar read as a stream cannot tell
        return False


@contextlib.contextmanager
def _reading(place: str) -> Iterator[None]:
    """Turn what tarfile, gzip and zlib raise on a bad archive into an `ArchiveError` for `place`."""
    try:
        yield
    except _Truncated:
        raise ArchiveError(f"{place}: the tar is truncated (it ends before its end-of-archive marker)") from None
    except _TooLarge as e:
        raise ArchiveError(f"{place}: {e}; refused") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ArchiveError(f"{place}: {_tar_problem(e)}") from None


def _tar_problem(error: Exception) -> str:
    text = str(error)
    if "compressed" in text or "zlib" in text or "gzip" in text.lower() or isinstance(error, EOFError):
        return f"the gzip stream is corrupt or cut short ({text})"
    if text in ("unexpected end of data", "truncated header"):
        return "the tar is truncated"
    if text == "empty file":
        return "the tar is empty"
    return f"not a readable tar ({text})"


class _Truncated(Exception):
    pass


class _TooLarge(Exception):
    pass


class _GuardedTarInfo(tarfile.TarInfo):
    """A tar header reader that tells a cut-short tar from a finished one, and refuses extended
    headers (pax, GNU long names) that would be read into memory whole."""

    max_extended = 64 * KiB

    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> tarfile.TarInfo:
        buf = tar.fileobj.read(BLOCK)  # type: ignore[union-attr]
        if len(buf) < BLOCK:
            # tarfile ends quietly here; a well-formed tar ends with a zero block instead
            raise _Truncated()
        obj = cls.frombuf(buf, tar.encoding, tar.errors)
        obj.offset = tar.fileobj.tell() - BLOCK  # type: ignore[union-attr]
        return obj._proc_member(tar)  # type: ignore[attr-defined]

    def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        extended = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                    tarfile.SOLARIS_XHDTYPE)
        if self.type in extended and self.size > self.max_extended:
            raise _TooLarge(f"an extended tar header of {self.size:,} bytes (at most {self.max_extended:,})")
        return super()._proc_member(tar)  # type: ignore[misc]


class _Prefixed:
    """A stream whose first bytes were already read to see what it holds."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.rest.read(size)
        if size < 0:
            data, self.head = self.head + self.rest.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data + (self.rest.read(size - len(data)) if len(data) < size else b"")


def _is_tar_header(head: bytes) -> bool:
    return len(head) == BLOCK and (head[257:262] == b"ustar" or head == bytes(BLOCK))


def _archive_name(name: str) -> str | None:
    """A member name of the outer tar, normalised ("./blobs//x" → "blobs/x"), or None when it is
    absolute or climbs out with `..`."""
    if name.startswith("/"):
        return None
    parts: list[str] = []
    for part in name.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


# --- one layer tar → a listing -------------------------------------------------------------------


def _add(listing: _Listing, member: tarfile.TarInfo, place: str, warn: Any) -> None:
    """Add one member of a layer tar to its listing, or skip it with a warning."""
    path = _image_path(member.name)
    if path is None:
        warn(f"{place}: {member.name!r}: an absolute path or one that climbs out with '..', skipped")
        return
    if path == "/":
        return  # the root itself
    directory, _, name = path.rpartition("/")
    directory = directory or "/"
    if name == OPAQUE:
        listing.opaque_dirs.add(directory)
    elif name.startswith(WHITEOUT + WHITEOUT):
        return  # other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the image
    elif name.startswith(WHITEOUT):
        listing.whiteouts.add(posixpath.join(directory, name[len(WHITEOUT):]))
    elif (entry := _entry(path, member, place, warn)) is not None:
        listing.entries[path] = entry


def _entry(path: str, member: tarfile.TarInfo, place: str, warn: Any) -> FileEntry | None:
    mode, uid, gid = member.mode & 0o7777, member.uid, member.gid
    if member.isfile():
        return FileEntry(path, FILE, member.size, mode, uid, gid)
    if member.isdir():
        return FileEntry(path, DIR, 0, mode, uid, gid)
    if member.issym():
        if _climbs_out(posixpath.dirname(path), member.linkname):
            warn(f"{place}: {path}: symlink to {member.linkname!r} points outside the image, skipped")
            return None
        return FileEntry(path, SYMLINK, 0, mode, uid, gid, member.linkname)
    if member.islnk():
        target = _image_path(member.linkname)
        if target is None or target == "/":
            warn(f"{place}: {path}: hard link to {member.linkname!r} points outside the image, skipped")
            return None
        return FileEntry(path, HARDLINK, 0, mode, uid, gid, target)
    kind = "a character device" if member.ischr() else "a block device" if member.isblk() else (
        "a fifo" if member.isfifo() else f"an entry of type {member.type!r}")
    warn(f"{place}: {path}: {kind}, skipped")
    return None


def _image_path(name: str) -> str | None:
    """A layer tar's member name as an absolute image path ("./etc/" → "/etc"), or None when the
    name is absolute or uses `..` (a layer tar never needs either)."""
    if name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/" + "/".join(parts)


def _climbs_out(directory: str, target: str) -> bool:
    """Whether a relative symlink target climbs above the image's root from `directory`.
    (An absolute target is resolved inside the container's root, so it never leaves it.)"""
    if target.startswith("/"):
        return False
    depth = len([p for p in directory.split("/") if p])
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _layer(listing: _Listing, created_by: str) -> Layer:
    return layer(listing.entries.values(), whiteouts=listing.whiteouts, opaque_dirs=listing.opaque_dirs,
                 created_by=created_by)


# --- docker save ----------------------------------------------------------------------------------


def _docker_save(scan: _Scan) -> ImportedImage:
    manifest = _document(scan, "manifest.json", "manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ArchiveError("manifest.json: expected a list of images, each with Config and Layers")
    entry = manifest[0]
    config_name, layer_names = entry.get("Config"), entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list) or not all(
            isinstance(n, str) for n in layer_names):
        raise ArchiveError("manifest.json: the image needs a Config (a file name) and Layers (a list of file names)")
    config = _document(scan, _resolve(scan, config_name, "manifest.json", "config"), f"the image config {config_name}")
    listings = [_listing(scan, name, "manifest.json") for name in layer_names]
    tags = entry.get("RepoTags") or []
    reference = tags[0] if tags and isinstance(tags[0], str) else ""
    if len(manifest) > 1:
        scan.warn(f"manifest.json: the archive holds {len(manifest)} images; imported the first")
    return _image(scan, "docker-save", reference, config, listings)


def _image(scan: _Scan, fmt: str, reference: str, config: Any, listings: list[_Listing]) -> ImportedImage:
    if not isinstance(config, dict):
        raise ArchiveError("the image config: expected a JSON object")
    if len(listings) > MAX_LAYER_DEPTH:
        place = "manifest.json" if fmt == "docker-save" else "the image manifest"
        raise ArchiveError(f"{place}: {len(listings)} layers: max depth exceeded (an image holds at most "
                           f"{MAX_LAYER_DEPTH}, as Docker's layer store); refused")
    instructions = _instructions(config, len(listings))
    layers = tuple(_layer(listing, created_by) for listing, created_by in zip(listings, instructions))
    section = _config_section(config.get("config"))
    reference = reference or "imported:" + (layers[-1].short_digest if layers else "empty")
    return ImportedImage(reference, fmt, layers, section, scan.all_warnings())


CONFIG_STRINGS = ("WorkingDir", "User", "StopSignal")
CONFIG_LISTS = ("Entrypoint", "Cmd", "Env")
CONFIG_MAPS = ("ExposedPorts", "Volumes", "Labels")


def _config_section(section: Any) -> dict[str, Any]:
    """The config's fields the playground uses, each of the type the OCI image spec gives it;
    anything else in the archive's config is left out rather than trusted."""
    if not isinstance(section, dict):
        return {}
    result: dict[str, Any] = {}
    for key in CONFIG_STRINGS:
        if isinstance(section.get(key), str):
            result[key] = section[key]
    for key in CONFIG_LISTS:
        value = section.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            result[key] = value
    for key in CONFIG_MAPS:
        value = section.get(key)
        if isinstance(value, dict):
            result[key] = {str(k): v if isinstance(v, str) else {} for k, v in value.items()}
    if "Labels" in result:
        result["Labels"] = {k: v if isinstance(v, str) else "" for k, v in result["Labels"].items()}
    return result


def _instructions(config: dict[str, Any], count: int) -> list[str]:
    """The `created_by` of each layer: the config's history without its empty-layer entries
    (ENV, CMD, … change no files), one per layer, bottom first."""
    history = config.get("history") if isinstance(config.get("history"), list) else []
    steps = [h.get("created_by", "") for h in history if isinstance(h, dict) and not h.get("empty_layer")]
    steps = [s if isinstance(s, str) else "" for s in steps]
    return (steps + [""] * count)[:count]


# --- OCI image layout -----------------------------------------------------------------------------


def _oci_layout(scan: _Scan) -> ImportedImage:
    if "oci-layout" in scan.documents:
        layout = _document(scan, "oci-layout", "oci-layout")
        if not isinstance(layout, dict) or "imageLayoutVersion" not in layout:
            raise ArchiveError("oci-layout: expected {\"imageLayoutVersion\": \"1.0.0\"}")
    index = _document(scan, "index.json", "index.json")
    descriptor, place = _pick_manifest(index, "index.json")
    reference = _ref_name(descriptor)
    manifest = _blob_document(scan, descriptor, place)
    for _ in range(3):  # an index may point at a further index (one per platform)
        if not (isinstance(manifest, dict) and (manifest.get("mediaType") in OCI_INDEX_TYPES or "manifests" in manifest)):
            break
        descriptor, place = _pick_manifest(manifest, place)
        manifest = _blob_document(scan, descriptor, place)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("config"), dict) or not isinstance(
            manifest.get("layers"), list):
        raise ArchiveError(f"{place}: the manifest needs a config and a list of layers")
    config = _blob_document(scan, manifest["config"], f"{place}: config")
    listings = [_listing(scan, _blob_name(d, f"{place}: layer {n + 1}"), place)
                for n, d in enumerate(manifest["layers"])]
    return _image(scan, "oci-layout", reference, config, listings)


def _pick_manifest(index: Any, place: str) -> tuple[dict[str, Any], str]:
    """The manifest an index points at: linux/amd64 when there is a choice, else the first."""
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list) or not manifests or not all(isinstance(m, dict) for m in manifests):
        raise ArchiveError(f"{place}: expected an index with a list of manifests")
    chosen = next((m for m in manifests if isinstance(m.get("platform"), dict)
                   and m["platform"].get("architecture") == "amd64"), manifests[0])
    return chosen, f"{place} → manifest {str(chosen.get('digest', ''))[:19]}"


def _ref_name(descriptor: dict[str, Any]) -> str:
    annotations = descriptor.get("annotations") if isinstance(descriptor.get("annotations"), dict) else {}
    name = annotations.get(CONTAINERD_NAME) or annotations.get(OCI_REF_NAME) or ""
    return name if isinstance(name, str) else ""


def _blob_name(descriptor: Any, place: str) -> str:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or not DIGEST.match(digest):
        raise ArchiveError(f"{place}: expected a descriptor with a sha256 digest, got {str(digest)[:80]!r}")
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def _blob_document(scan: _Scan, descriptor: Any, place: str) -> Any:
    name = _blob_name(descriptor, place)
    return _document(scan, _resolve(scan, name, place, "blob"), f"{place} ({name})")


# --- what the manifest names ----------------------------------------------------------------------


def _resolve(scan: _Scan, name: str, place: str, what: str) -> str:
    """An archive name after following the archive's own links (at most a few)."""
    resolved = _archive_name(name)
    if resolved is None:
        raise ArchiveError(f"{place}: the {what} {name!r} is outside the archive")
    for _ in range(8):
        if resolved not in scan.aliases:
            break
        resolved = scan.aliases[resolved]
    return resolved


def _document(scan: _Scan, name: str, place: str) -> Any:
    if name in scan.oversize:
        raise ArchiveError(
            f"{place}: {scan.oversize[name]:,} bytes, more than the {scan.limits.max_json_bytes:,} a manifest "
            "or config may have; refused unread"
        )
    if name not in scan.documents:
        raise ArchiveError(f"{place}: {name!r} is not in the archive")
    too_deep = ArchiveError(f"{place}: JSON nested more than {scan.limits.max_json_depth} levels deep; refused")
    try:
        document = json.loads(scan.documents[name])
    except (ValueError, UnicodeDecodeError) as e:
        raise ArchiveError(f"{place}: not valid JSON ({e})") from None
    except RecursionError:  # json.loads recurses once per level
        raise too_deep from None
    if _depth(document) > scan.limits.max_json_depth:
        raise too_deep
    return document


def _depth(document: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON document, counted without recursion."""
    deepest, level = 0, [(document, 1)]
    while level:
        value, depth = level.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            level.extend((child, depth + 1) for child in children)
    return deepest


def _listing(scan: _Scan, name: str, place: str) -> _Listing:
    resolved = _resolve(scan, name, place, "layer")
    if resolved in scan.listings:
        return scan.listings[resolved]
    if resolved in scan.unreadable:
        raise ArchiveError(f"{place}: layer {name}: {scan.unreadable[resolved]}")
    raise ArchiveError(f"{place}: the layer {name!r} is not in the archive (or is not a tar)")
