"""`python manage.py explain deployment.spec.strategy`: kubectl explain, from the v1.32 schemas.

The argument → playground.kubectl.explain → the text kubectl prints (GROUP, KIND, VERSION, FIELD,
DESCRIPTION, FIELDS). It reads no cluster: the schemas are those the store validates with.
"""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from playground.kubectl import explain
from playground.management.cli import CommandFailed, KubectlCommand


class Command(KubectlCommand):
    help = "Describe a resource or one of its fields (kubectl explain): `explain pods.spec.containers`."

    def add_arguments(self, parser: CommandParser) -> None:
        BaseCommand.add_arguments(self, parser)  # no --cluster: the schemas are the same everywhere
        parser.add_argument("resource", help="TYPE[.FIELD[.FIELD]], e.g. deployment.spec.strategy")

    def run(self, *, resource: str, **_: Any) -> None:
        try:
            kind, path = explain.parse_resource(resource)
            self.stdout.write(explain.render(kind, path), ending="")
        except explain.ExplainError as e:
            raise CommandFailed(str(e)) from None
