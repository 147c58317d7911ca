"""What the kubectl-like commands share: `--cluster`, kubectl's errors, reading `-f` files.

The commands (apply, get, delete, ...) → here → the store. Errors print as kubectl prints
them (`Error from server (NotFound): deployments.apps "nginx" not found`) and exit with 1.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db.utils import OperationalError, ProgrammingError

from playground.kubectl.errors import KubectlError
from playground.store.errors import StoreError
from playground.store.kinds import Kind, resolve

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class CommandFailed(Exception):
    """Stop the command with this message on stderr and exit status 1."""


class KubectlCommand(BaseCommand):
    """A management command that speaks kubectl: `--cluster`, `-n`, and kubectl's error lines."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cluster", default="default", help="the cluster (sandbox) to work on")

    def handle(self, *args: Any, **options: Any) -> None:
        self.failed = False
        try:
            self.run(**options)
        except StoreError as e:
            self.error(f"Error from server ({e.reason}): {e.message}")
        except (CommandFailed, KubectlError) as e:
            self.error(f"error: {e}")
        except (OperationalError, ProgrammingError) as e:
            if "no such table" not in str(e) and "does not exist" not in str(e):
                raise
            self.error("error: the playground's database is not set up yet: run `python manage.py playground` "
                       "(or `python manage.py migrate`) first")
        if self.failed:
            sys.exit(1)

    def run(self, **options: Any) -> None:
        raise NotImplementedError

    def error(self, line: str) -> None:
        self.stderr.write(line)
        self.failed = True


def resolve_kinds(text: str) -> list[Kind]:
    """`deploy,pods` → their kinds; `all` → what `kubectl get all` shows."""
    if text == "all":
        text = "pods,services,daemonsets,deployments,replicasets,statefulsets,jobs"
    kinds = []
    for name in text.split(","):
        kind = resolve(name)
        if kind is None:
            raise CommandFailed(f'the server doesn\'t have a resource type "{name}"')
        kinds.append(kind)
    return kinds


def resource_arguments(args: list[str]) -> list[tuple[Kind, str | None]]:
    """kubectl's `TYPE[,TYPE] [NAME ...]` or `TYPE/NAME ...` as (kind, name) pairs; name None means all."""
    if not args:
        raise CommandFailed("You must specify the type of resource to get.")
    if all("/" in a for a in args):
        pairs = []
        for arg in args:
            type_, _, name = arg.partition("/")
            pairs.append((resolve_kinds(type_)[0], name))
        return pairs
    if any("/" in a for a in args):
        raise CommandFailed("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form")
    kinds = resolve_kinds(args[0])
    if len(args) == 1:
        return [(k, None) for k in kinds]
    return [(k, name) for k in kinds for name in args[1:]]


def read_manifests(paths: list[str], *, recursive: bool = False) -> Iterator[tuple[str, bytes]]:
    """(source, bytes) for each `-f` argument: a file, `-` for stdin, or a folder's manifests."""
    limit = settings.PLAYGROUND_MAX_MANIFEST_BYTES
    for path in paths:
        if path == "-":
            yield "STDIN", _bounded(sys.stdin.buffer, "STDIN", limit)
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
            raise CommandFailed(f'the path "{path}" does not exist')


def _bounded(stream: Any, source: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise CommandFailed(f"{source}: the manifest is larger than {limit} bytes")
    return data
