"""`python manage.py cluster list|create|reset|delete [NAME]`: sandboxes, each a whole cluster."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.sim.kind import create_kind_cluster, reset_kind_cluster
from playground.store import clusters


class Command(KubectlCommand):
    help = "List, create (as kind makes one: nodes, namespaces, kube-system), reset or delete clusters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("list", "create", "reset", "delete"))
        parser.add_argument("name", nargs="?")
        parser.add_argument("--empty", action="store_true", help="create without the demo content")

    def run(self, *, action: str, name: str | None, empty: bool, **_: Any) -> None:
        if action == "list":
            for cluster in clusters.names():
                self.stdout.write(cluster)
            return
        if not name:
            raise CommandFailed(f"cluster {action} needs a NAME")
        if action == "create" and empty:
            clusters.create(name)
        elif action == "create":
            create_kind_cluster(name)
        elif action == "reset":
            reset_kind_cluster(name)
        else:
            clusters.delete(name)
        self.stdout.write(f'cluster "{name}" {action}d' if action != "reset" else f'cluster "{name}" reset')
