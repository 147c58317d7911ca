"""The image import benchmark (issue 6): a ~200 MB `docker save` tarball, streamed into the layer model.

Writes a `docker save` tarball of several layers with many files (zero-filled: only the sizes
matter to the import) into a temporary folder and imports it with `archive.read_archive`, twice:
as an upload on disk (headers read, contents seeked over) and as a pipe (read front to back);
never whole in memory. Reports the wall and CPU seconds (CPU time is what a quiet machine
would take), the files listed and the process's peak memory (targets: under 5 s, under
200 MB); then renders the imported image's page (layer stack and merged tree), first and from
its cached analysis.
"""
from __future__ import annotations

import io
import json
import resource
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from playground.images.archive import ImportedImage, read_archive
from playground.web import image_views

MB = 1_000_000
ZEROS = bytes(1024 * 1024)


class _Zeros(io.RawIOBase):
    """`size` zero bytes, without holding them."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left, len(ZEROS))
        buffer[:n] = ZEROS[:n]
        self.left -= n
        return n


def write_layer(path: Path, *, layer: int, files: int, file_bytes: int) -> None:
    """One layer tar: `files` files of `file_bytes` zero bytes, 100 to a directory."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for n in range(files):
            directory = f"usr/share/layer{layer}/d{n // 100:04d}"
            if n % 100 == 0:
                info = tarfile.TarInfo(directory)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            info = tarfile.TarInfo(f"{directory}/f{n:06d}.bin")
            info.size = file_bytes
            archive.addfile(info, _Zeros(file_bytes))


def write_docker_save(folder: Path, *, megabytes: int, layers: int, files: int) -> Path:
    """A `docker save` tarball of `layers` layers, `files` files each, `megabytes` in all."""
    file_bytes = megabytes * MB // (layers * files)
    names = []
    for n in range(layers):
        write_layer(folder / f"layer{n}.tar", layer=n, files=files, file_bytes=file_bytes)
        names.append(f"{n:064x}/layer.tar")
    config = json.dumps({"config": {"Cmd": ["sh"]},
                         "history": [{"created_by": f"RUN make layer {n}"} for n in range(layers)]}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bench/import:1"], "Layers": names}]).encode()
    (folder / "config.json").write_bytes(config)
    (folder / "manifest.json").write_bytes(manifest)
    path = folder / "image.tar"
    with tarfile.open(path, "w") as archive:
        archive.add(folder / "config.json", "config.json")
        for n, name in enumerate(names):
            archive.add(folder / f"layer{n}.tar", name)
            (folder / f"layer{n}.tar").unlink()
        archive.add(folder / "manifest.json", "manifest.json")
    return path


class _Pipe:
    """The same file read as a pipe would be (`docker save | …`): front to back, no seeking."""

    def __init__(self, file: Any) -> None:
        self.file = file

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)


def timed_import(path: Path, *, pipe: bool) -> tuple[ImportedImage, float, float]:
    """The image, the wall seconds and the CPU seconds of one import."""
    wall, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as upload:
        image = read_archive(_Pipe(upload) if pipe else upload)
    return image, time.perf_counter() - wall, time.process_time() - cpu


def run(*, megabytes: int = 200, layers: int = 4, files: int = 10_000) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="image-import-") as folder:
        path = write_docker_save(Path(folder), megabytes=megabytes, layers=layers, files=files)
        size = path.stat().st_size
        image, seconds, cpu_seconds = timed_import(path, pipe=False)
        _, pipe_seconds, pipe_cpu_seconds = timed_import(path, pipe=True)
    first_ms, cached_ms = page_render_ms(image)
    return {
        "page_first_ms": first_ms,
        "page_cached_ms": cached_ms,
        "archive_mb": size / MB,
        "layers": len(image.layers),
        "entries": sum(len(layer.entries) for layer in image.layers),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "pipe_seconds": pipe_seconds,
        "pipe_cpu_seconds": pipe_cpu_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def page_render_ms(image: ImportedImage) -> tuple[float, float]:
    """The image page of the imported image (its layer stack and the merged tree's root): the
    first render, which analyses the image, then a render from the cached analysis."""
    shown = image_views.ShownImage(image.reference, "imported", image.layers, image.config)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        analysis = image_views.analyse(image.layers)
        context = image_views.image_context("default", shown, analysis, {})
        render_to_string("web/images/image.html", context)
        times.append((time.perf_counter() - started) * 1000)
    return times[0], times[1]


SMALL = {"megabytes": 10, "layers": 2, "files": 500}  # `--small`, as CI runs it: in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--megabytes", type=int, default=200, help="size of the tarball")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--files", type=int, default=10_000, help="files per layer")


def main(write, *, megabytes: int, layers: int, files: int) -> None:
    figures = run(megabytes=megabytes, layers=layers, files=files)
    write(f"image import benchmark (docker save, {figures['archive_mb']:,.0f} MB, {figures['layers']} layers)")
    write(f"  import of the file on disk:    {figures['seconds']:8.2f} s   (CPU {figures['cpu_seconds']:.2f} s; "
          "target < 5 s)")
    write(f"  import read as a pipe:         {figures['pipe_seconds']:8.2f} s   (CPU {figures['pipe_cpu_seconds']:.2f} s)")
    write(f"  entries listed:                {figures['entries']:8,}")
    write(f"  peak memory (RSS):             {figures['peak_rss_mb']:8,.0f} MB   (target < 200 MB)")
    write(f"  its image page, first render:  {figures['page_first_ms']:8,.0f} ms (analyses the layers once)")
    write(f"  its image page, next renders:  {figures['page_cached_ms']:8,.0f} ms (target < 500 ms)")
