"""`python manage.py bench SCENARIO [options]`: run a benchmark from benchmarks/ and print its figures.

Each module in benchmarks/ is a scenario: it defines `add_arguments(parser)` for its options and
`main(write, **options)`, which runs it and writes its figures line by line. A new benchmark is a
new module; this command finds it.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

import benchmarks


def scenarios() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


class Command(BaseCommand):
    help = "Run a benchmark scenario from benchmarks/ and print its figures: " + ", ".join(scenarios()) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="scenario", required=True)
        for name in scenarios():
            module = importlib.import_module(f"benchmarks.{name}")
            module.add_arguments(subparsers.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0]))

    def handle(self, *args: Any, scenario: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        module = importlib.import_module(f"benchmarks.{scenario}")
        own = {key: value for key, value in options.items() if key not in _COMMON_OPTIONS}
        module.main(self.stdout.write, **own)


_COMMON_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}
