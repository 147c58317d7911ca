"""`python manage.py cluster list|create|reset|delete [NAME]`: sandboxes, each a whole cluster."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.images import registry
from playground.management.cli import CommandFailed, KubectlCommand
from playground.sim.kind import create_kind_cluster, seed_kube_system
from playground.sim.node_state import forget_nodes_state
from playground.store import clusters
from playground.store.demo import seed


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
            clusters.reset(name)
            forget_nodes_state(name)
            registry.forget(name)  # the images built or imported here
            seed(name)
            seed_kube_system(name)
        else:
            clusters.delete(name)
        self.stdout.write(f'cluster "{name}" {action}d' if action != "reset" else f'cluster "{name}" reset')
