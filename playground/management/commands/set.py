"""`python manage.py set image deployment/nginx nginx=nginx:1.27`: kubectl set image."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl import verbs
from playground.kubectl.args import resource_arguments
from playground.management.cli import CommandFailed, KubectlCommand


class Command(KubectlCommand):
    help = "Update a container image of a workload or pod (kubectl set image): set image deployment/nginx nginx=nginx:1.27."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("what", choices=("image",))
        parser.add_argument("resource", metavar="TYPE/NAME")
        parser.add_argument("images", nargs="+", metavar="CONTAINER=IMAGE")
        parser.add_argument("-n", "--namespace", default="default")

    def run(self, *, cluster: str, resource: str, images: list[str], namespace: str, **_: Any) -> None:
        [(kind, name)] = resource_arguments([resource])
        changes = dict(pair.split("=", 1) for pair in images if "=" in pair)
        if len(changes) != len(images) or name is None:
            raise CommandFailed("expected TYPE/NAME CONTAINER=IMAGE, e.g. deployment/nginx nginx=nginx:1.27")
        self.stdout.write(verbs.set_image(cluster, kind.kind, name, namespace, changes))
