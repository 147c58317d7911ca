"""The upload benchmark (issue 14): the largest image archive and the largest manifest the limits
allow, POSTed to the real server, and what they cost it in memory and time.

Starts `python manage.py playground` on a loopback port with a data folder of its own, the limits
set to the sizes asked for (so each upload is the largest allowed), and sends, as a browser
would, a `docker save` tarball to the image upload and a manifest file (ConfigMaps of about 200 kB
each) to the YAML upload, each streamed from disk; then a manifest of the same limit filled with
the smallest ConfigMaps (the most objects the limit lets in: each is checked, stored and then held
by the server's informers, so this one costs the most); then a text of the limit pasted into the
upload's form, URL-encoded as a browser sends it (short YAML lines, an escape every few bytes:
Django's own parsing took 2 GB for 16 MiB); then a body declared over every limit.
For each: the wall seconds, and the server's peak memory (VmHWM) above what it held before
(VmRSS), which is the figure the limits keep flat: before issue 14 a 100 MB archive cost the
server 1.2 GB.
"""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from django.conf import settings

from benchmarks.image_import import write_docker_save

MB = 1_000_000
MiB = 1024 * 1024
BOUNDARY = "bench-upload-boundary"
CONFIG_MAP_BYTES = 200_000  # one ConfigMap: `kubectl apply` keeps it whole in an annotation of at most 256 KiB


class Server:
    """The playground in a process of its own, on a free loopback port."""

    def __init__(self, data_dir: Path, limits: dict[str, int]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), **{k: str(v) for k, v in limits.items()}}
        env.pop("DATABASE_URL", None)
        env.pop("PLAYGROUND_SQLITE_PATH", None)
        self.process = subprocess.Popen([sys.executable, "manage.py", "playground", "--port", str(self.port)],
                                        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.process.stdout.readline()  # printed once it listens
        self.token = self.csrf_token()

    def memory_mb(self, field: str) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(status.split(f"{field}:")[1].split()[0]) / 1024

    def csrf_token(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", "/clusters/default/images/")
        response = connection.getresponse()
        response.read()
        return SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value

    def post_file(self, path: str, field: str, file: Path) -> tuple[int, float, float]:
        """The status, the seconds and the server's peak memory above what it held before."""
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file.name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        return self.post(path, _parts(head, file, tail), len(head) + file.stat().st_size + len(tail))

    def post_form(self, path: str, field: str, text: str) -> tuple[int, float, float]:
        """A form as a browser sends a textarea: URL-encoded."""
        body = f"{field}=".encode() + quote_plus(text).encode()
        return self.post(path, iter([body]), len(body), content_type="application/x-www-form-urlencoded")

    def post(self, path: str, body: Any, length: int, *,
             content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> tuple[int, float, float]:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
        before = self.memory_mb("VmRSS")
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Content-Type": content_type, "Content-Length": str(length),
                   "Cookie": f"csrftoken={self.token}", "X-CSRFToken": self.token}
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (BrokenPipeError, ConnectionResetError):
            status = 0  # answered and closed before the body was sent
        finally:
            connection.close()
        return status, time.perf_counter() - started, self.memory_mb("VmHWM") - before

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def _parts(head: bytes, file: Path, tail: bytes) -> Iterator[bytes]:
    yield head
    with file.open("rb") as f:
        while chunk := f.read(MiB):
            yield chunk
    yield tail


def write_manifest(path: Path, *, megabytes: int) -> int:
    """ConfigMaps of about 200 kB each, `megabytes` in all; how many."""
    count = max(1, megabytes * MB // (CONFIG_MAP_BYTES + 200))
    with path.open("w") as f:
        for n in range(count):
            f.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob-{n}\ndata:\n"
                    f"  blob: {'x' * CONFIG_MAP_BYTES}\n")
    return count


def write_smallest_objects(path: Path, *, kilobytes: int) -> int:
    """The smallest ConfigMaps (a name and nothing else), `kilobytes` in all; how many."""
    count = 0
    with path.open("w") as f:
        while f.tell() < kilobytes * 1000 - 100:
            f.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{count}\n")
            count += 1
    return count


def run(*, image_mb: int, manifest_mb: int, objects_kb: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as folder:
        work = Path(folder)
        (work / "archive").mkdir()
        archive = write_docker_save(work / "archive", megabytes=image_mb, layers=2, files=200)
        archive_bytes = archive.stat().st_size
        manifest = work / "manifest.yaml"
        config_maps = write_manifest(manifest, megabytes=manifest_mb)
        smallest = work / "smallest.yaml"
        objects = write_smallest_objects(smallest, kilobytes=objects_kb)
        objects_mb = smallest.stat().st_size / MB
        limits = {"PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES": archive_bytes,
                  "PLAYGROUND_MAX_MANIFEST_BYTES": max(manifest.stat().st_size, smallest.stat().st_size, 16 * MiB)}
        server = Server(work / "data", limits)
        try:
            baseline = server.memory_mb("VmRSS")
            image = server.post_file("/clusters/default/images/upload/", "archive", archive)
            applied = server.post_file("/clusters/default/upload/", "file", manifest)
            many = server.post_file("/clusters/default/upload/", "file", smallest)
            pasted_text = "a: b\n" * (manifest_mb * MiB // 5)  # one document, over the document limit: 422
            pasted = server.post_form("/clusters/default/upload/", "manifest", pasted_text)
            declared = 10 * archive_bytes
            refused = server.post("/clusters/default/images/upload/", iter([b"\0" * MiB]), declared)
            after = server.memory_mb("VmRSS")
        finally:
            server.stop()
    return {"archive_mb": archive_bytes / MB,
            "manifest_mb": manifest_mb, "config_maps": config_maps, "declared_mb": declared / MB,
            "objects_mb": objects_mb, "objects": objects, "many": many,
            "pasted": pasted, "pasted_mb": len(pasted_text) / MB, "form_mb": len(quote_plus(pasted_text)) / MB,
            "image": image, "manifest": applied, "refused": refused, "baseline_mb": baseline, "after_mb": after}


SMALL = {"image_mb": 20, "manifest_mb": 2, "objects_kb": 200}  # `--small`, as CI runs it: in seconds


def add_arguments(parser) -> None:
    parser.add_argument("--image-mb", type=int, default=256, help="size of the image archive (the limit is set to it)")
    parser.add_argument("--manifest-mb", type=int, default=16, help="size of the manifest (at most the 16 MB limit)")
    parser.add_argument("--objects-kb", type=int, default=16 * MiB // 1000,
                        help="size of the manifest of the smallest objects (the 16 MiB limit: about 290,000)")


def main(write, *, image_mb: int, manifest_mb: int, objects_kb: int) -> None:
    figures = run(image_mb=image_mb, manifest_mb=manifest_mb, objects_kb=objects_kb)
    write(f"upload benchmark (daphne on 127.0.0.1; the server held {figures['baseline_mb']:,.0f} MB before)")
    for label, key, expected in [
        (f"image archive, {figures['archive_mb']:,.0f} MB (the limit)", "image", 302),
        (f"manifest, {figures['manifest_mb']} MB ({figures['config_maps']} ConfigMaps)", "manifest", 200),
        (f"manifest, {figures['objects_mb']:.1f} MB ({figures['objects']:,} of the smallest)", "many", 200),
        (f"pasted, {figures['pasted_mb']:.1f} MB of `a: b` lines ({figures['form_mb']:.1f} MB form)", "pasted", 422),
        (f"declared {figures['declared_mb']:,.0f} MB (refused at its headers)", "refused", 413),
    ]:
        status, seconds, growth = figures[key]
        note = "" if status in (expected, 0) else f"  UNEXPECTED STATUS {status}, expected {expected}"
        write(f"  {label:48} {seconds:7.2f} s   server peak memory +{max(growth, 0):,.0f} MB{note}")
    write(f"  server memory after:                             {figures['after_mb']:,.0f} MB")
