"""The tall image benchmark (issue 14): the image pages of an image of one layer per RUN line.

Builds `FROM busybox` and `--runs` RUN lines (one small file each) on a cluster of its own, as
`image build` does, then times the cluster's images page and the image's page through Django's
test client (after one untimed page, which loads the URLconf and the templates): first while the process still holds the layers its build decoded, then after
forgetting them and every page analysis, as a restart would (the layers come from the
database again). Reports each page's status and milliseconds; a page that does not answer 200
is the bug of issue 14 (a layer cache smaller than the image).
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from django.test import Client

from playground.images import registry
from playground.store import clusters
from playground.web import image_views

CLUSTER = "bench-tall-image"
SMALL = {"runs": 30}  # `--small`, as CI runs it: in seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=124, help="RUN lines in the Dockerfile (a layer each; 124 on busybox is the 125 Docker stacks)")


def dockerfile(runs: int) -> str:
    return "FROM busybox:1.36\n" + "".join(f"RUN echo {n} > /f{n}\n" for n in range(runs)) + 'CMD ["sleep", "3600"]\n'


def timed_get(client: Client, url: str) -> str:
    started = time.perf_counter()
    status = client.get(url).status_code
    return f"{status} in {(time.perf_counter() - started) * 1000:.0f} ms"


def main(write: Callable[[str], Any], *, runs: int = 124) -> None:
    if CLUSTER in clusters.names():
        clusters.delete(CLUSTER)
    clusters.create(CLUSTER)
    try:
        started = time.perf_counter()
        registry.build(CLUSTER, dockerfile(runs), tag="tall:1")
        write(f"build of {runs} RUN lines ({runs + 1} layers), stored: {(time.perf_counter() - started) * 1000:.0f} ms")
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        client.get(f"/clusters/{CLUSTER}/images/busybox:1.36/")  # the URLconf and templates load once per process
        pages = {"images page": f"/clusters/{CLUSTER}/images/", "image page": f"/clusters/{CLUSTER}/images/tall:1/"}
        for moment in ("right after the build", "after a restart (memory forgotten)"):
            if moment.startswith("after"):
                registry._layers.clear()
                image_views._cache.clear()
            figures = ", ".join(f"{name} {timed_get(client, url)}" for name, url in pages.items())
            write(f"{moment}: {figures}")
    finally:
        clusters.delete(CLUSTER)
