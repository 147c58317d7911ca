"""`python manage.py apply -f FILE|FOLDER|-`: kubectl apply against a playground cluster."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl.args import read_manifests
from playground.management.cli import KubectlCommand
from playground.store import api as store


class Command(KubectlCommand):
    help = "Create or update objects from manifests (kubectl apply): files, folders or - for stdin."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("-f", "--filename", action="append", required=True, help="a file, a folder or -")
        parser.add_argument("-R", "--recursive", action="store_true", help="read folders recursively")

    def run(self, *, cluster: str, filename: list[str], recursive: bool, **_: Any) -> None:
        objects = 0
        for source, data in read_manifests(filename, recursive=recursive):
            for result in store.apply_manifest(cluster, data):
                objects += 1
                if result.error:
                    self.error(f"error: {source}: {result.document}: {result.error}")
                else:
                    self.stdout.write(f"{result.reference} {result.action}")
        if objects == 0:  # only empty documents (or none): kubectl fails so rather than do nothing quietly
            self.error(f"error: no objects passed to apply (no objects in {', '.join(filename)})")
