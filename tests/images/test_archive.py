"""Importing a real image: a `docker save` tarball and an OCI image layout, built here in memory,
become the layer model (listings only: whiteouts, opaque directories, the instructions of
`docker history`), and every bad archive is refused or its bad entries skipped with a message."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

import pytest

from playground.images.archive import ArchiveError, Limits, read_archive
from playground.images.layers import merge

# --- building archives ------------------------------------------------------------------------------


@dataclass
class Entry:
    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    target: str = ""
    size: int | None = None  # a declared size other than the data's


def f(name: str, data: bytes | str = b"") -> Entry:
    return Entry(name, data.encode() if isinstance(data, str) else data)


def d(name: str) -> Entry:
    return Entry(name, type=tarfile.DIRTYPE)


def tar(*entries: Entry, gz: bool = False, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.type
            info.linkname = entry.target
            info.mode = 0o755 if entry.type == tarfile.DIRTYPE else 0o644
            if entry.type == tarfile.REGTYPE:
                info.size = len(entry.data) if entry.size is None else entry.size
                archive.addfile(info, io.BytesIO(entry.data))
            else:
                archive.addfile(info)
    raw = buf.getvalue()
    return gzip.compress(raw) if gz else raw


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


BASE = tar(d("etc/"), f("etc/os-release", "ID=alpine\n"), f("etc/motd", "hi"), d("tmp/"),
           f("tmp/cache.bin", b"x" * 5000), Entry("bin/sh", type=tarfile.SYMTYPE, target="/bin/busybox"),
           f("bin/busybox", b"b" * 800))
# The second layer deletes /tmp/cache.bin and replaces all of /etc
TOP = tar(f("tmp/.wh.cache.bin"), f("etc/.wh..wh..opq"), f("etc/hostname", "web"), gz=True)
HISTORY = [
    {"created_by": "/bin/sh -c #(nop) ADD file:0a1b2c in / "},
    {"created_by": '/bin/sh -c #(nop)  CMD ["sh"]', "empty_layer": True},
    {"created_by": "RUN /bin/sh -c rm /tmp/cache.bin && echo web > /etc/hostname # buildkit"},
]
CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
                     "history": HISTORY}).encode()


def docker_save(*, layers: tuple[bytes, ...] = (BASE, TOP), manifest: bytes | None = None,
                extra: tuple[Entry, ...] = (), gz: bool = False) -> bytes:
    """A `docker save` tarball in the classic layout, manifest.json last as docker writes it."""
    names = [f"{sha(data)[:12]}/layer.tar" for data in layers]
    if manifest is None:
        manifest = json.dumps([{"Config": f"{sha(CONFIG)}.json", "RepoTags": ["demo/web:1.0"],
                                "Layers": names}]).encode()
    members = [f(f"{sha(CONFIG)}.json", CONFIG)] + [f(n, data) for n, data in zip(names, layers)]
    return tar(*members, *extra, f("manifest.json", manifest), gz=gz)


def oci_layout(*, layers: tuple[bytes, ...] = (BASE, TOP), drop: str = "") -> bytes:
    """An OCI image layout: index.json → manifest → config and layer blobs."""
    blobs = {sha(CONFIG): CONFIG, **{sha(data): data for data in layers}}
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{sha(CONFIG)}",
                   "size": len(CONFIG)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": f"sha256:{sha(data)}",
                    "size": len(data)} for data in layers],
    }).encode()
    blobs[sha(manifest)] = manifest
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{sha(manifest)}",
         "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "registry.example/web:2.0"}}
    ]}).encode()
    members = [f("oci-layout", '{"imageLayoutVersion": "1.0.0"}'), f("index.json", index)]
    members += [f(f"blobs/sha256/{digest}", data) for digest, data in blobs.items() if digest != drop]
    return tar(*members)


class Stream:
    """A file that can only be read front to back, as a socket or a pipe (`docker save | …`)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self.data.read(size)


# An upload on disk can seek (its contents are skipped, not read); a pipe is read as a stream
READERS = pytest.mark.parametrize("opened", [io.BytesIO, Stream], ids=["seekable", "stream"])


def refused(archive: bytes, opened=io.BytesIO, **limits: int) -> str:
    with pytest.raises(ArchiveError) as error:
        read_archive(opened(archive), limits=Limits(**limits))
    return str(error.value)


def paths(layer) -> list[str]:
    return [e.path for e in layer.entries]


# --- good archives ----------------------------------------------------------------------------------


@READERS
def test_a_docker_save_tarball_becomes_its_layers_with_their_instructions(opened):
    image = read_archive(opened(docker_save()))

    assert image.reference == "demo/web:1.0" and image.format == "docker-save"
    base, top = image.layers
    assert paths(base) == ["/bin/busybox", "/bin/sh", "/etc", "/etc/motd", "/etc/os-release", "/tmp",
                           "/tmp/cache.bin"]
    assert base.created_by.startswith("/bin/sh -c #(nop) ADD file:")
    assert top.created_by.startswith("RUN /bin/sh -c rm /tmp/cache.bin")  # the CMD made no layer
    assert top.whiteouts == ("/tmp/cache.bin",) and top.opaque_dirs == ("/etc",)
    assert image.config["Cmd"] == ["sh"] and image.warnings == ()


def test_only_the_listing_is_kept_never_the_contents():
    image = read_archive(io.BytesIO(docker_save()))

    entries = {e.path: e for layer in image.layers for e in layer.entries}
    assert entries["/tmp/cache.bin"].size == 5000 and entries["/bin/sh"].target == "/bin/busybox"
    assert all(e.content is None for e in entries.values())


def test_the_whiteout_and_the_opaque_dir_hide_the_lower_files_but_the_image_keeps_their_bytes():
    image = read_archive(io.BytesIO(docker_save()))

    view = merge(image.layers)
    assert "/tmp/cache.bin" not in view and "/tmp" in view
    assert "/etc/os-release" not in view and "/etc/motd" not in view  # the opaque /etc hides them
    assert view["/etc/hostname"][1] == 1 and view["/bin/busybox"][1] == 0
    assert image.layers[0].size == 5000 + 800 + len("ID=alpine\n") + 2  # still all there, below


@READERS
def test_an_oci_image_layout_becomes_the_same_layers(opened):
    image = read_archive(opened(oci_layout()))
    saved = read_archive(io.BytesIO(docker_save()))

    assert image.reference == "registry.example/web:2.0" and image.format == "oci-layout"
    assert [layer.digest for layer in image.layers] == [layer.digest for layer in saved.layers]
    assert image.layers[1].whiteouts == ("/tmp/cache.bin",) and image.layers[1].opaque_dirs == ("/etc",)


@READERS
def test_a_gzipped_docker_save_and_layers_shared_by_links_are_read(opened):
    # docker save | gzip; the older docker save links a layer it already wrote instead of repeating it
    first = f"{sha(BASE)[:12]}/layer.tar"
    manifest = json.dumps([{"Config": f"{sha(CONFIG)}.json", "RepoTags": [],
                            "Layers": [first, "again/layer.tar"]}]).encode()
    archive = docker_save(layers=(BASE,), manifest=manifest, gz=True,
                          extra=(Entry("again/layer.tar", type=tarfile.SYMTYPE, target=f"../{first}"),))

    image = read_archive(opened(archive))

    assert [layer.digest for layer in image.layers] == [image.layers[0].digest] * 2
    assert image.reference.startswith("imported:")  # no RepoTags: a name from the digest


# --- bad entries are skipped, with a message --------------------------------------------------------


def skipped(*entries: Entry) -> tuple[list[str], str]:
    image = read_archive(io.BytesIO(docker_save(layers=(tar(f("ok"), *entries),))))
    return paths(image.layers[0]), "\n".join(image.warnings)


def test_an_absolute_path_is_skipped():
    kept, warnings = skipped(f("/etc/shadow", "x"))

    assert kept == ["/ok"] and "'/etc/shadow': an absolute path" in warnings


def test_a_path_climbing_out_with_dot_dot_is_skipped():
    kept, warnings = skipped(f("usr/../../etc/cron.d/evil", "x"))

    assert kept == ["/ok"] and "'usr/../../etc/cron.d/evil'" in warnings and "'..'" in warnings


def test_links_pointing_outside_the_image_are_skipped_and_absolute_symlinks_kept():
    kept, warnings = skipped(
        Entry("lib/escape", type=tarfile.SYMTYPE, target="../../../etc/passwd"),
        Entry("lib/hard", type=tarfile.LNKTYPE, target="../etc/passwd"),
        Entry("bin/sh", type=tarfile.SYMTYPE, target="/bin/busybox"),
        Entry("lib/ld.so", type=tarfile.SYMTYPE, target="../lib64/ld.so"),
    )

    assert kept == ["/bin/sh", "/lib/ld.so", "/ok"]
    assert "/lib/escape: symlink to '../../../etc/passwd' points outside the image" in warnings
    assert "/lib/hard: hard link to '../etc/passwd' points outside the image" in warnings


def test_device_files_and_fifos_are_skipped():
    kept, warnings = skipped(Entry("dev/console", type=tarfile.CHRTYPE), Entry("dev/sda", type=tarfile.BLKTYPE),
                             Entry("run/pipe", type=tarfile.FIFOTYPE))

    assert kept == ["/ok"]
    assert "/dev/console: a character device, skipped" in warnings
    assert "/dev/sda: a block device, skipped" in warnings and "/run/pipe: a fifo, skipped" in warnings


# --- bad archives are refused, naming the place -----------------------------------------------------


def test_more_entries_than_the_limit_are_refused():
    many = tar(*(f(f"f{n}") for n in range(30)))

    assert "more than 20 entries" in refused(docker_save(layers=(many,)), max_entries=20)


def test_more_declared_bytes_than_the_limit_are_refused():
    message = refused(docker_save(layers=(tar(f("big", b"\0" * 4000), f("bigger", b"\0" * 4000)),)),
                      max_declared_bytes=6000)

    assert "layer" in message and "declare more than 6,000 bytes" in message


@READERS
def test_a_corrupt_gzip_layer_is_refused(opened):
    corrupt = bytearray(TOP)
    corrupt[30:60] = b"\xff" * 30

    message = refused(docker_save(layers=(BASE, bytes(corrupt))), opened)

    assert f"{sha(bytes(corrupt))[:12]}/layer.tar" in message and "gzip stream is corrupt" in message


@READERS
def test_a_truncated_archive_is_refused(opened):
    archive = docker_save()

    assert "truncated" in refused(archive[: len(archive) // 2], opened)


@READERS
def test_a_truncated_layer_inside_a_whole_archive_is_refused(opened):
    cut = BASE[:2048]  # whole headers and data, but no end-of-archive marker

    message = refused(docker_save(layers=(cut,)), opened)

    assert f"{sha(cut)[:12]}/layer.tar: the tar is truncated" in message


def test_a_manifest_naming_a_missing_blob_is_refused():
    manifest = json.dumps([{"Config": f"{sha(CONFIG)}.json", "Layers": ["nowhere/layer.tar"]}]).encode()

    assert "the layer 'nowhere/layer.tar' is not in the archive" in refused(docker_save(manifest=manifest))


def test_an_oci_manifest_naming_a_missing_layer_blob_is_refused():
    message = refused(oci_layout(drop=sha(TOP)))

    assert f"blobs/sha256/{sha(TOP)}" in message and "not in the archive" in message


def test_a_manifest_that_is_not_json_is_refused():
    assert "manifest.json: not valid JSON" in refused(docker_save(manifest=b"<html>not json</html>"))


def test_a_manifest_of_the_wrong_shape_is_refused():
    message = refused(docker_save(manifest=b'{"Layers": "all of them"}'))

    assert "manifest.json: expected a list of images" in message


def test_a_huge_manifest_is_refused_unread():
    huge = b"[" + b" " * 5000 + b"]"

    message = refused(docker_save(manifest=huge), max_json_bytes=4096)

    assert "manifest.json: 5,002 bytes" in message and "refused unread" in message


@pytest.mark.parametrize("depth", [65, 100_000], ids=["over-the-limit", "past-python-recursion"])
def test_a_config_nested_too_deep_is_refused_naming_the_file(depth):
    config = b"[" * depth + b"]" * depth
    manifest = json.dumps([{"Config": "deep.json", "Layers": [f"{sha(BASE)[:12]}/layer.tar"]}]).encode()

    message = refused(docker_save(layers=(BASE,), manifest=manifest, extra=(f("deep.json", config),)))

    assert message == "the image config deep.json: JSON nested more than 64 levels deep; refused"


def test_an_oci_index_nested_too_deep_is_refused():
    index = b'{"manifests": ' + b"[" * 5000 + b"]" * 5000 + b"}"

    message = refused(tar(f("oci-layout", '{"imageLayoutVersion": "1.0.0"}'), f("index.json", index)))

    assert message == "index.json: JSON nested more than 64 levels deep; refused"


@READERS
def test_a_huge_extended_header_is_refused(opened):
    long_name = "a/" * 40_000 + "file"  # a pax header of ~80 KB, which tarfile would read whole

    message = refused(docker_save(layers=(tar(f(long_name)),)), opened)

    assert "an extended tar header of" in message and "refused" in message


def test_a_tar_without_a_manifest_or_an_index_is_refused():
    assert "neither manifest.json (docker save) nor index.json" in refused(tar(f("hello.txt", "hi")))


@READERS
def test_something_that_is_not_a_tar_is_refused(opened):
    assert "not a readable tar" in refused(b"PK\x03\x04 this is a zip file" * 40, opened)


def test_the_archive_is_read_in_small_pieces_never_whole():
    class Watched(Stream):
        largest = 0

        def read(self, size: int = -1) -> bytes:
            assert size >= 0, "read whole"
            Watched.largest = max(Watched.largest, size)
            return super().read(size)

    big = tar(*(f(f"data/{n}.bin", b"\0" * 100_000) for n in range(40)))  # a 4 MB layer
    image = read_archive(Watched(docker_save(layers=(big,))))

    assert image.layers[0].size == 4_000_000
    assert Watched.largest <= 64 * 1024


def test_a_config_of_the_wrong_types_keeps_only_what_is_well_formed():
    config = json.dumps({"config": {"Cmd": "not a list", "Env": ["A=1"], "Labels": ["x"], "User": 0,
                                    "ExposedPorts": {"80/tcp": {}}, "Healthcheck": {"Test": ["CMD", "x"]}}}).encode()
    manifest = json.dumps([{"Config": "c.json", "Layers": [f"{sha(BASE)[:12]}/layer.tar"]}]).encode()

    image = read_archive(io.BytesIO(docker_save(layers=(BASE,), manifest=manifest, extra=(f("c.json", config),))))

    assert image.config == {"Env": ["A=1"], "ExposedPorts": {"80/tcp": {}}}
    assert image.layers[0].created_by == ""  # no history: no instruction to show


def test_an_oci_index_of_platforms_gives_the_amd64_image():
    layout = tarfile.open(fileobj=io.BytesIO(oci_layout()))
    blobs = {m.name: layout.extractfile(m).read() for m in layout.getmembers() if m.isfile()}
    [manifest_descriptor] = json.loads(blobs["index.json"])["manifests"]
    arm = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:" + "0" * 64}, "layers": []}).encode()
    platforms = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"digest": f"sha256:{sha(arm)}", "platform": {"architecture": "arm64", "os": "linux"}},
        {**manifest_descriptor, "platform": {"architecture": "amd64", "os": "linux"}},
    ]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": f"sha256:{sha(platforms)}",
         "annotations": {"io.containerd.image.name": "docker.io/library/web:3"}}]}).encode()
    blobs.update({"index.json": index, f"blobs/sha256/{sha(platforms)}": platforms, f"blobs/sha256/{sha(arm)}": arm})

    image = read_archive(io.BytesIO(tar(*(f(name, data) for name, data in blobs.items()))))

    assert image.reference == "docker.io/library/web:3" and len(image.layers) == 2


def test_an_image_of_more_layers_than_docker_stacks_is_refused():
    layers = tuple(tar(f(f"f{n}", str(n))) for n in range(126))

    message = refused(docker_save(layers=layers))

    assert "manifest.json: 126 layers: max depth exceeded" in message and "at most 125" in message
