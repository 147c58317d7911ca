"""The images benchmark (issue 6): Dockerfile builds cold and cached, and the union view of a big image.

Builds a 20-instruction Dockerfile on ubuntu:24.04 (apt-get, pip, COPY of a few hundred source
files: about 3,000 files in the image) with an empty build cache, then again with every step
cached, first with the builder alone (an in-memory cache), then through a cluster's registry
(the build cache and the image in the database, as `image build` does). Then merges an image of
50,000 files over five layers (overwrites, whiteouts, an opaque directory) into its union view,
as the image page does, and computes dive's efficiency over it. Targets: cold build < 1 s,
cached rebuild < 100 ms, the 50,000-file merge well under 500 ms.
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from playground.images import catalog, dockerfile, layers, registry
from playground.images.layers import directory, file, layer
from playground.store import clusters

CLUSTER = "bench-images"
DOCKERFILE = """FROM ubuntu:24.04
ARG APP=shop
ENV APP_HOME=/srv/$APP PYTHONUNBUFFERED=1
LABEL org.opencontainers.image.title=shop
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates git vim && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y python3 python3-pip
RUN rm -rf /var/lib/apt/lists/*
RUN useradd -m shop
WORKDIR $APP_HOME
COPY requirements.txt .
RUN pip install --break-system-packages -r requirements.txt
COPY src/ ./src/
COPY config/ ./config/
RUN mkdir -p /var/log/shop && chown -R shop:shop /var/log/shop
RUN echo "built" > /etc/shop-release && chmod 644 /etc/shop-release
ENV PORT=8000
EXPOSE 8000
USER shop
ENTRYPOINT ["python3"]
CMD ["-m", "http.server", "8000"]
"""


def context(source_files: int) -> dict[str, str]:
    files = {"requirements.txt": "flask\nrequests\ndjango\ngunicorn\n"}
    files.update({f"src/shop/module_{i:04d}.py": f"VALUE = {i}\n" * (1 + i % 40) for i in range(source_files)})
    files.update({f"config/settings_{i:02d}.toml": f"[section]\nkey = {i}\n" for i in range(20)})
    return files


def big_image(files: int) -> list[layers.Layer]:
    """Five layers, `files` entries in all: a base, an upgrade overwriting a tenth, a cleanup, an app, a config."""
    base_count = files * 8 // 10
    base = [file(f"/usr/lib/pkg{i // 200:03d}/file{i:06d}.so", 10_000 + i) for i in range(base_count)]
    upgrade = [file(f"/usr/lib/pkg{i // 200:03d}/file{i:06d}.so", 20_000 + i) for i in range(0, base_count, 10)]
    cleanup = layer([], whiteouts=[f"/usr/lib/pkg{n:03d}" for n in range(0, base_count // 200, 7)])
    app = [file(f"/srv/app/src/m{i:06d}.py", 2_000) for i in range(files - base_count - len(upgrade) - 100)]
    config = [directory("/etc/app"), *(file(f"/etc/app/c{i:03d}.conf", 300) for i in range(99))]
    return [layer(base), layer(upgrade), cleanup, layer(app), layer(config, opaque_dirs=["/etc/app"])]


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


SMALL = {"source_files": 40, "files": 5_000}  # `--small`, as CI runs it: every step, in seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source-files", type=int, default=400, help="files COPY'd from the build context")
    parser.add_argument("--files", type=int, default=50_000, help="files in the image the merge benchmark unions")


def main(write: Callable[[str], Any], *, source_files: int = 400, files: int = 50_000) -> None:
    files_context = context(source_files)
    calibration, _ = timed(lambda: {f"/x/{i}": (i, 0) for i in range(50_000)})
    write(f"machine load: a 50,000-entry dict takes {calibration * 1000:.0f} ms here (about 10 ms on an idle core)")
    warm, _ = timed(lambda: layers.merge(catalog.find("ubuntu:24.04").layers))
    write(f"catalog: ubuntu:24.04's tree generated and merged once per process in {warm * 1000:.0f} ms")

    cold, result = timed(lambda: dockerfile.build(DOCKERFILE, tag="shop:1", files=files_context))
    image = result.image
    entries = len(layers.merge(image.layers))
    write(f"cold build, 20 instructions, {len(image.layers)} layers, {entries:,} files, "
          f"{image.unpacked_size / 1e6:.0f} MB: {cold * 1000:.0f} ms (target < 1000 ms)")
    cache = dockerfile.MemoryCache()
    dockerfile.build(DOCKERFILE, tag="shop:1", files=files_context, cache=cache)
    cached, again = timed(lambda: dockerfile.build(DOCKERFILE, tag="shop:1", files=files_context, cache=cache))
    write(f"cached rebuild ({again.cached_steps} of {len(again.steps)} steps cached): {cached * 1000:.1f} ms "
          "(target < 100 ms)")

    if CLUSTER in clusters.names():
        clusters.delete(CLUSTER)
    clusters.create(CLUSTER)
    try:
        stored_cold, _ = timed(lambda: registry.build(CLUSTER, DOCKERFILE, tag="shop:1", files=files_context))
        stored_cached, _ = timed(lambda: registry.build(CLUSTER, DOCKERFILE, tag="shop:1", files=files_context))
        write(f"through the cluster's registry (database cache, image stored): cold {stored_cold * 1000:.0f} ms, "
              f"cached {stored_cached * 1000:.0f} ms")
    finally:
        clusters.delete(CLUSTER)

    stack = big_image(files)
    total = sum(len(current.entries) for current in stack)
    merge_time, view = timed(lambda: layers.merge(stack))
    write(f"merge of {total:,} entries over {len(stack)} layers into {len(view):,} visible files: "
          f"{merge_time * 1000:.0f} ms (target well under 500 ms)")
    score_time, score = timed(lambda: layers.efficiency(stack))
    write(f"dive efficiency of that image ({score.score * 100:.1f} %, {score.wasted_bytes / 1e6:.0f} MB wasted): "
          f"{score_time * 1000:.0f} ms")
