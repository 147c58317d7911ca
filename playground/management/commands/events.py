"""`python manage.py events [-n NS | -A] [--for KIND/NAME] [--types Warning]`: kubectl events, oldest first."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl.args import resolve_kinds
from playground.kubectl.printers import table
from playground.management.cli import KubectlCommand
from playground.store import api as store


class Command(KubectlCommand):
    help = "List events, oldest first (kubectl events): LAST SEEN, TYPE, REASON, OBJECT, MESSAGE."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("-n", "--namespace", default="default")
        parser.add_argument("-A", "--all-namespaces", action="store_true")
        parser.add_argument("--for", dest="for_object", default="", help="KIND/NAME, e.g. deployment/nginx")
        parser.add_argument("--types", default="", help="Normal,Warning")

    def run(self, *, cluster: str, namespace: str, all_namespaces: bool, for_object: str, types: str, **_: Any) -> None:
        events = store.list(cluster, "Event", namespace=None if all_namespaces else namespace)
        if for_object:
            kind_name, _, name = for_object.partition("/")
            kind = resolve_kinds(kind_name)[0].kind
            events = [e for e in events if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]
        if types:
            events = [e for e in events if e.get("type") in types.split(",")]
        if not events:
            self.stderr.write("No events found" + ("." if all_namespaces else f" in {namespace} namespace."))
            return
        events.sort(key=lambda e: (e.get("lastTimestamp") or "", e["metadata"]["name"]))
        self.stdout.write(table(events, now=store.now(cluster), with_namespace=all_namespaces).rstrip("\n"))
