"""`python manage.py logs POD [-c CONTAINER] [--previous] [--tail N]`: kubectl logs."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import KubectlCommand
from playground.sim import logs
from playground.store import api as store


class Command(KubectlCommand):
    help = "Print a container's logs (kubectl logs): -c CONTAINER, --previous, --tail N."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("pod", metavar="POD | pod/POD")
        parser.add_argument("-c", "--container")
        parser.add_argument("-p", "--previous", action="store_true")
        parser.add_argument("--tail", type=int)
        parser.add_argument("-n", "--namespace", default="default")

    def run(self, *, cluster: str, pod: str, container: str | None, previous: bool, tail: int | None,
            namespace: str, **_: Any) -> None:
        obj = store.get(cluster, "Pod", pod.removeprefix("pod/").removeprefix("pods/"), namespace)
        for line in logs.read(cluster, obj, container, previous=previous, tail=tail):
            self.stdout.write(line)
