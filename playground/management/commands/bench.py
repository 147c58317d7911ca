"""`python manage.py bench SCENARIO [--small] [options]`: run a benchmark from benchmarks/ and print its figures.

Each module in benchmarks/ is a scenario: it defines `add_arguments(parser)` for its options,
`SMALL`, the options of its small size (seconds, not minutes), and `main(write, **options)`, which
runs it and writes its figures line by line. A new benchmark is a new module; this command finds
it, and refuses to run at all while one has no SMALL: CI runs every scenario with `--small` on
each submission (`bench all --small`), so that a benchmark the code has left behind fails there
instead of waiting, broken, for the next person who measures.

`bench all` runs every scenario in turn, each in a process of its own, as it would be run alone:
its own peak memory, its own compiled schemas.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

import benchmarks

ALL = "all"
SMALL_HELP = "the small size CI runs, in place of each option left at its default: "


def scenarios() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


def scenario_module(name: str) -> ModuleType:
    """The scenario's module, checked for a small size."""
    module = importlib.import_module(f"benchmarks.{name}")
    small_size(module)
    return module


def small_size(module: ModuleType) -> dict[str, Any]:
    """The scenario's SMALL: some of its own options, with the values CI runs it at."""
    small = getattr(module, "SMALL", None)
    if not isinstance(small, dict) or not small:
        raise ImproperlyConfigured(f"{module.__name__} declares no SMALL: the options of its small size, run by CI")
    unknown = set(small) - set(defaults(module))
    if unknown:
        raise ImproperlyConfigured(f"{module.__name__}: SMALL names options it does not have: {sorted(unknown)}")
    return small


def defaults(module: ModuleType) -> dict[str, Any]:
    """The scenario's options as they are when none is given."""
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return vars(parser.parse_args([]))


def at_small_size(module: ModuleType, options: dict[str, Any]) -> dict[str, Any]:
    """`options` with the scenario's SMALL in place of each one left at its default."""
    default = defaults(module)
    return {**options, **{key: value for key, value in small_size(module).items() if options[key] == default[key]}}


class Command(BaseCommand):
    help = ("Run a benchmark scenario from benchmarks/ and print its figures: " + ", ".join(scenarios())
            + f"; or {ALL} of them. --small runs it at its small size, in seconds.")

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="scenario", required=True)
        for name in scenarios():
            module = scenario_module(name)
            subparser = subparsers.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
            module.add_arguments(subparser)
            small = " ".join(f"--{key.replace('_', '-')}={value}" for key, value in module.SMALL.items())
            subparser.add_argument("--small", action="store_true", help=SMALL_HELP + small)
        every = subparsers.add_parser(ALL, help="every scenario in turn, each in a process of its own")
        every.add_argument("--small", action="store_true", help="each at its small size, as CI runs them")

    def handle(self, *args: Any, scenario: str, small: bool, **options: Any) -> None:
        if scenario == ALL:
            self.run_all(small=small)
            return
        call_command("migrate", interactive=False, verbosity=0)
        module = scenario_module(scenario)
        own = {key: value for key, value in options.items() if key not in _COMMON_OPTIONS}
        module.main(self.stdout.write, **(at_small_size(module, own) if small else own))

    def run_all(self, *, small: bool) -> None:
        failed = []
        for name in scenarios():
            command = ["bench", name, *(["--small"] if small else [])]
            self.stdout.write(f"== python manage.py {' '.join(command)}")
            with subprocess.Popen([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR,
                                  stdout=subprocess.PIPE, text=True) as process:
                for line in process.stdout:
                    self.stdout.write(line.rstrip("\n"))
            if process.returncode:
                failed.append(name)
        if failed:
            raise CommandError(f"these benchmarks failed: {', '.join(failed)}")


_COMMON_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}
