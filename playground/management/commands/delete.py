"""`python manage.py delete TYPE NAME ...` or `delete -f FILE`: kubectl delete."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from playground.kubectl.args import read_manifests, resource_arguments
from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import api as store
from playground.store import manifests
from playground.store.errors import StoreError
from playground.store.kinds import KINDS, Kind

CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}


class Command(KubectlCommand):
    help = "Delete objects by type and name, by label selector, or those described in manifests (kubectl delete)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("resources", nargs="*", metavar="TYPE[,TYPE] [NAME ...] | TYPE/NAME ...")
        parser.add_argument("-f", "--filename", action="append", default=[])
        parser.add_argument("-n", "--namespace", default="default")
        parser.add_argument("-l", "--selector", default="")
        parser.add_argument("--all", action="store_true", help="every object of the type in the namespace")
        parser.add_argument("--grace-period", type=int, default=None)
        parser.add_argument("--now", action="store_true", help="same as --grace-period=1")
        parser.add_argument("--cascade", choices=CASCADE, default="background")

    def run(self, *, cluster: str, resources: list[str], filename: list[str], **options: Any) -> None:
        targets = self.targets_from_files(filename) if filename else self.targets(cluster, resources, **options)
        grace = 1 if options["now"] else options["grace_period"]
        for kind, name, namespace in targets:
            try:
                store.delete(cluster, kind.kind, name, namespace, grace_period_seconds=grace,
                             propagation_policy=CASCADE[options["cascade"]])
            except StoreError as e:
                self.error(f"Error from server ({e.reason}): {e.message}")
                continue
            self.stdout.write(f'{kind.kubectl_type} "{name}" deleted')

    def targets(self, cluster: str, resources: list[str], *, namespace: str, selector: str,
                **options: Any) -> list[tuple[Kind, str, str]]:
        pairs = resource_arguments(resources)
        named = [(kind, name, namespace) for kind, name in pairs if name is not None]
        if named:
            return named
        if not (selector or options["all"]):
            raise CommandFailed("resource(s) were provided, but no name was specified")
        return [
            (kind, obj["metadata"]["name"], namespace)
            for kind, _ in pairs
            for obj in store.list(cluster, kind.kind, namespace=namespace, label_selector=selector)
        ]

    def targets_from_files(self, paths: list[str]) -> list[tuple[Kind, str, str]]:
        targets = []
        for source, data in read_manifests(paths):
            for doc in manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES):
                obj = doc.obj or {}
                kind = KINDS.get(obj.get("kind", ""))
                name = (obj.get("metadata") or {}).get("name")
                if doc.error or kind is None or not name:
                    self.error(f"error: {source}: {doc.label}: {doc.error or 'no kind and name to delete'}")
                    continue
                targets.append((kind, name, obj["metadata"].get("namespace") or "default"))
        return targets
