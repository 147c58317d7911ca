"""What the kubectl-like commands share as Django commands: `--cluster`, and kubectl's error lines.

The commands (apply, get, delete, ...) → here → the store. kubectl's own argument parsing
(`TYPE/NAME`, `-f`) and each verb's flags and output are kubectl's (playground/kubectl/args.py,
commandline/), which the browser console runs too. Errors print as kubectl prints
them (`Error from server (NotFound): deployments.apps "nginx" not found`) and exit with 1.
"""
from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.utils import OperationalError, ProgrammingError

from playground.kubectl.commandline import split_at_dashes
from playground.kubectl.commandline.cmdutil import Verb
from playground.kubectl.errors import KubectlError
from playground.store import clock
from playground.store.errors import StoreError


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
            with keeping_awake(self.cluster_used(**options)):
                self.run(**options)
        except KeyboardInterrupt:
            sys.exit(130)  # Ctrl-C ends a command that waits (get -w, logs -f, delete) as it ends kubectl: no traceback
        except StoreError as e:
            self.error(f"Error from server ({e.reason}): {e.message}")
        except (CommandFailed, KubectlError) as e:
            self.error(f"error: {e}")
        except (OperationalError, ProgrammingError) as e:
            if not any(words in str(e) for words in ("no such table", "has no column", "does not exist")):
                raise
            self.error("error: the playground's database is not set up yet, or is older than this playground: "
                       "run `python manage.py migrate` (or `python manage.py playground`, which migrates) first")
        if self.failed:
            sys.exit(1)

    def run(self, **options: Any) -> None:
        raise NotImplementedError

    def cluster_used(self, **options: Any) -> str | None:
        """The cluster this command uses, which it wakes if it sleeps (None: it only looks)."""
        return options.get("cluster")

    def error(self, line: str) -> None:
        self.stderr.write(line)
        self.failed = True


class VerbCommand(KubectlCommand):
    """A kubectl verb as a management command: its flags and its output are kubectl.commandline's,
    the same the browser console runs."""

    verb: Verb
    stdin = None  # `-f -` reads the process's stdin
    after: list[str] | None = None  # the words after `--` (the container's, for run and exec)

    def run_from_argv(self, argv: list[str]) -> None:
        head, self.after = split_at_dashes(argv[2:])
        super().run_from_argv(argv[:2] + head)

    def add_arguments(self, parser: CommandParser) -> None:
        if self.verb.needs_cluster:
            super().add_arguments(parser)
        self.verb.add_arguments(parser)

    def run(self, *, cluster: str = "default", **options: Any) -> None:
        if self.after is not None:
            if not self.verb.after_dashes:
                raise CommandFailed(f"{self.verb.name} takes no arguments after --")
            options[self.verb.after_dashes] = self.after
        self.verb.run(cluster, self, **options)

    def line(self, text: str) -> None:
        self.stdout.write(text)

    def notice(self, text: str) -> None:
        self.stderr.write(text)

    def cancelled(self) -> bool:
        return False  # Ctrl-C stops the whole process


@contextlib.contextmanager
def keeping_awake(cluster: str | None) -> Iterator[None]:
    """A command is a use of its cluster (store/clock.py): it wakes it, and one that lasts (`get
    -w`, `logs -f`, `rollout status`) notes the use again every clock.record_every() seconds."""
    if cluster is None or clock.idle_after() <= 0:
        yield
        return
    clock.use(cluster)
    done = threading.Event()
    keeper = threading.Thread(target=_keep_awake, args=(cluster, done), name="keep-awake", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()


def _keep_awake(cluster: str, done: threading.Event) -> None:
    try:
        while not done.wait(clock.record_every()):
            clock.use(cluster)
    finally:
        connection.close()  # this thread's own: none is left open on the database
