"""`python manage.py scale deployment/nginx --replicas=10`: kubectl scale."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl import verbs
from playground.kubectl.args import resource_arguments
from playground.management.cli import CommandFailed, KubectlCommand


class Command(KubectlCommand):
    help = "Set a new size for a Deployment, ReplicaSet or StatefulSet (kubectl scale)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
        parser.add_argument("--replicas", type=int, required=True)
        parser.add_argument("-n", "--namespace", default="default")

    def run(self, *, cluster: str, resources: list[str], replicas: int, namespace: str, **_: Any) -> None:
        for kind, name in resource_arguments(resources):
            if name is None:
                raise CommandFailed(f"cannot scale {kind.plural}: name a deployment, replicaset or statefulset")
            self.stdout.write(verbs.scale(cluster, kind.kind, name, namespace, replicas))
