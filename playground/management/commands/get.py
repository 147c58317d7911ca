"""`python manage.py get TYPE [NAME ...]`: kubectl get, with its columns and output formats."""
from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl.args import resource_arguments
from playground.kubectl.output import as_list, to_json, to_yaml
from playground.kubectl.printers import table
from playground.management.cli import KubectlCommand
from playground.store import api as store
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

Obj = dict[str, Any]


class Command(KubectlCommand):
    help = "Display objects (kubectl get): `get deployments`, `get pod web-1 -o yaml`, `get pods -A -l app=web`."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("resources", nargs="+", metavar="TYPE[,TYPE] [NAME ...] | TYPE/NAME ...")
        parser.add_argument("-n", "--namespace", default="default")
        parser.add_argument("-A", "--all-namespaces", action="store_true")
        parser.add_argument("-l", "--selector", default="", help="label selector: app=web,tier in (a,b)")
        parser.add_argument("--field-selector", default="", help="e.g. spec.nodeName=playground-worker")
        parser.add_argument("-o", "--output", choices=("yaml", "json", "wide", "name"))

    def run(self, *, cluster: str, resources: list[str], output: str | None, **options: Any) -> None:
        namespace = None if options["all_namespaces"] else options["namespace"]
        requested = resource_arguments(resources)
        groups: list[list[Obj]] = []  # one list of objects per kind, in the order asked
        for kind, name in requested:
            if name is None:
                found = store.list(
                    cluster, kind.kind, namespace=namespace,
                    label_selector=options["selector"], field_selector=options["field_selector"],
                )
            else:
                found = self.get_one(cluster, kind.kind, name, options["namespace"])
            if groups and groups[-1][0]["kind"] == kind.kind:
                groups[-1].extend(found)
            elif found:
                groups.append(found)
        items = [obj for group in groups for obj in group]
        if output in ("yaml", "json"):
            single = len(requested) == 1 and requested[0][1] is not None
            if items:
                document = items[0] if single else as_list(items)
                self.stdout.write((to_yaml if output == "yaml" else to_json)(document).rstrip("\n"))
        elif output == "name":
            for obj in items:
                self.stdout.write(f"{KINDS[obj['kind']].kubectl_type}/{obj['metadata']['name']}")
        elif groups:
            self.print_tables(groups, now=store.now(cluster), wide=output == "wide", all_namespaces=namespace is None)
        if not items and not self.failed:
            where = "" if namespace is None else f" in {namespace} namespace"
            self.stderr.write(f"No resources found{where}.")

    def get_one(self, cluster: str, kind: str, name: str, namespace: str) -> list[Obj]:
        try:
            return [store.get(cluster, kind, name, namespace)]
        except NotFound as e:
            self.error(f"Error from server (NotFound): {e.message}")
            return []

    def print_tables(self, groups: list[list[Obj]], *, now: datetime.datetime, wide: bool, all_namespaces: bool) -> None:
        texts = [
            table(
                group, now=now, wide=wide, with_kind=len(groups) > 1,
                with_namespace=all_namespaces and KINDS[group[0]["kind"]].namespaced,
            )
            for group in groups
        ]
        self.stdout.write("\n\n".join(texts))
