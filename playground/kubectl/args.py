"""kubectl's argument parsing that every verb shares: `TYPE[,TYPE] [NAME ...]` or `TYPE/NAME ...`,
`all`, and the manifests of `-f FILE|DIR|-`.

The management commands (and later the browser console) → here → kinds and names, or manifest
bytes, for the store. Errors are kubectl's, printed after `error: `. It follows
staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (ResourceTypeOrNameArgs,
ResourceTypeAndNameArgs, FilenameParam) and visitor.go (FileVisitorForSTDIN,
ExpandPathsToFileVisitors: only the .json, .yaml and .yml files of a folder).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from django.conf import settings

from playground.store.kinds import Kind, resolve

from .errors import KubectlError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
ALL = "pods,services,daemonsets,deployments,replicasets,statefulsets,jobs"  # what `kubectl get all` shows


def resolve_kinds(text: str) -> list[Kind]:
    """`deploy,pods` → their kinds; `all` → what `kubectl get all` shows."""
    if text == "all":
        text = ALL
    kinds = []
    for name in text.split(","):
        kind = resolve(name)
        if kind is None:
            raise KubectlError(f'the server doesn\'t have a resource type "{name}"')
        kinds.append(kind)
    return kinds


def resource_arguments(args: list[str]) -> list[tuple[Kind, str | None]]:
    """kubectl's `TYPE[,TYPE] [NAME ...]` or `TYPE/NAME ...` as (kind, name) pairs; name None means all."""
    if not args:
        raise KubectlError("You must specify the type of resource to get.")
    if all("/" in a for a in args):
        pairs = []
        for arg in args:
            type_, _, name = arg.partition("/")
            pairs.append((resolve_kinds(type_)[0], name))
        return pairs
    if any("/" in a for a in args):
        raise KubectlError("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form")
    kinds = resolve_kinds(args[0])
    if len(args) == 1:
        return [(k, None) for k in kinds]
    return [(k, name) for k in kinds for name in args[1:]]


def read_manifests(paths: list[str], *, recursive: bool = False, stdin: BinaryIO | None = None) -> Iterator[tuple[str, bytes]]:
    """(source, bytes) for each `-f` argument: a file, `-` for stdin (the process's, unless the
    console's heredoc is given), or a folder's manifests."""
    limit = settings.PLAYGROUND_MAX_MANIFEST_BYTES
    for path in paths:
        if path == "-":
            yield "STDIN", _bounded(stdin if stdin is not None else sys.stdin.buffer, "STDIN", limit)
            continue
        p = Path(path)
        if p.is_dir():
            files = sorted(p.rglob("*") if recursive else p.iterdir())
            for f in files:
                if f.is_file() and f.suffix in MANIFEST_SUFFIXES:
                    with f.open("rb") as stream:
                        yield str(f), _bounded(stream, str(f), limit)
        elif p.is_file():
            with p.open("rb") as stream:
                yield str(p), _bounded(stream, str(p), limit)
        else:
            raise KubectlError(f'the path "{path}" does not exist')


def _bounded(stream: Any, source: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise KubectlError(f"{source}: the manifest is larger than {limit} bytes")
    return data
