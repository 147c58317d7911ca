"""What every verb shares: the Verb it is, the Output it prints on (and Captured, an Output that
keeps the lines), how a failure is worded, and the flags and object arguments several verbs take.

VERBS (__init__.py) → a Verb of viewing.py, creating.py, deleting.py, updating.py or pods.py → here
for `-n`, `--template`, `failure_line` and `selected_objects`. Follows k8s.io/kubectl/pkg/cmd/util
(helpers.go: CheckErr's words for an API error) and cli-runtime's resource builder
(ResourceTypeOrNameArgs, LabelSelectorParam) for the objects `TYPE NAME`, `-l` or `--all` name.
"""
from __future__ import annotations

import argparse
import io
from typing import Any, BinaryIO, Protocol

from playground.store import api as store
from playground.store.errors import StoreError
from playground.store.kinds import Kind

from ..args import resource_arguments
from ..errors import KubectlError
from ..output import reference

Obj = dict[str, Any]


class Output(Protocol):
    """Where a verb prints: its stdout lines, its stderr lines, and what it reads for `-f -`."""

    stdin: BinaryIO | None

    def line(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...  # on stderr; the command exits 1
    def notice(self, text: str) -> None: ...  # on stderr, not a failure ("No resources found")
    def cancelled(self) -> bool: ...  # Ctrl-C in the console: a waiting verb stops
    def open_editor(self, obj: Obj) -> None: ...  # kubectl edit: the console opens its editor on the object


class Captured:
    """An Output that keeps what a verb printed (the console's, and tests')."""

    def __init__(self, stdin: bytes | None = None) -> None:
        self.stdin = io.BytesIO(stdin) if stdin is not None else None
        self.lines: list[tuple[str, str]] = []  # ("out" | "err", text)
        self.failed = False
        self.stop = False

    def line(self, text: str) -> None:
        self.lines.append(("out", text))

    def error(self, text: str) -> None:
        self.lines.append(("err", text))
        self.failed = True

    def notice(self, text: str) -> None:
        self.lines.append(("err", text))

    def cancelled(self) -> bool:
        return self.stop

    def open_editor(self, obj: Obj) -> None:
        self.lines.append(("edit", reference(obj)))


def failure_line(e: Exception) -> str:
    """What kubectl prints when a command fails with this error."""
    if isinstance(e, StoreError):
        return f"Error from server ({e.reason}): {e.message}"
    return f"error: {e}"


class Verb:
    name = ""
    help = ""
    actions: tuple[str, ...] = ()  # the words that may follow the verb, for those that take one first (rollout status)
    needs_cluster = True  # explain reads the schemas, the same on every cluster
    after_dashes = ""  # the option that takes the words after `--` (the container's), if any

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        raise NotImplementedError

    def run(self, cluster: str, out: Output, **options: Any) -> None:
        raise NotImplementedError

    def waits(self, **options: Any) -> bool:
        """Whether the command, run with these options, waits for changes until Ctrl-C (get -w)."""
        return False


def add_namespace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--namespace", default="default")


def add_template(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", default="", help="the template of -o go-template|jsonpath (or its file, with -o *-file)")
    parser.add_argument("--allow-missing-template-keys", nargs="?", const="true", default="true", choices=("true", "false"),
                        help="false: a template naming a missing key fails (-o go-template)")


def out_failed(out: Output) -> bool:
    return bool(getattr(out, "failed", False))


def selected_objects(cluster: str, resources: list[str], *, namespace: str, selector: str,
                     all_: bool) -> list[tuple[Kind, str, str]]:
    """The objects `TYPE NAME ...`, or `TYPE -l SELECTOR`, or `TYPE --all` name, as kubectl's resource
    builder finds them for delete, label and annotate (ResourceTypeOrNameArgs, LabelSelectorParam)."""
    pairs = resource_arguments(resources)
    named = [(kind, name, namespace) for kind, name in pairs if name is not None]
    if named:
        return named
    if not (selector or all_):
        raise KubectlError("resource(s) were provided, but no name was specified")
    return [
        (kind, obj["metadata"]["name"], namespace)
        for kind, _ in pairs
        for obj in store.list(cluster, kind.kind, namespace=namespace, label_selector=selector)
    ]
