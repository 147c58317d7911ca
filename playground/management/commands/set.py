"""`python manage.py set image deployment/nginx nginx=nginx:1.27`: kubectl set image."""
from __future__ import annotations

import copy
from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand, resource_arguments
from playground.store import api as store

TEMPLATED = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")


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
        if len(changes) != len(images):
            raise CommandFailed("expected CONTAINER=IMAGE, e.g. nginx=nginx:1.27")
        obj = store.get(cluster, kind.kind, name or "", namespace)
        changed = copy.deepcopy(obj)
        spec = changed["spec"]["template"]["spec"] if kind.kind in TEMPLATED else changed["spec"]
        containers = [c for key in ("initContainers", "containers") for c in spec.get(key, [])]
        for container_name, image in changes.items():
            matches = [c for c in containers if c["name"] == container_name or container_name == "*"]
            if not matches:
                raise CommandFailed(f'unable to find container named "{container_name}"')
            for c in matches:
                c["image"] = image
        store.update(cluster, changed)
        self.stdout.write(f"{kind.kubectl_type}/{name} image updated")
