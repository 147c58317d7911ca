"""`python manage.py clock [pause|run|instant|advance SECONDS] [--speed X]`: the cluster's simulated clock."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import api as store
from playground.store import clock


class Command(KubectlCommand):
    help = "Show or set the simulated clock: pause, step [N] (one reconcile each), run (at --speed 0.25..100), instant, or advance SECONDS."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("action", nargs="?", choices=("show", "pause", "run", "instant", "advance", "step"),
                            default="show")
        parser.add_argument("seconds", nargs="?", type=float, help="advance: seconds; step: how many reconciles")
        parser.add_argument("--speed", type=float)

    def run(self, *, cluster: str, action: str, seconds: float | None, speed: float | None, **_: Any) -> None:
        if action == "step":
            if clock.read(cluster).mode != "paused":
                raise CommandFailed("step runs one reconcile of a paused cluster: run `clock pause` first")
            clock.request_step(cluster, int(seconds or 1))
            state = clock.read(cluster)
        elif action == "advance":
            if seconds is None:
                raise CommandFailed("clock advance needs SECONDS")
            state = clock.advance(cluster, seconds)
        elif action == "show":
            state = clock.read(cluster)
        else:
            state = clock.set_mode(cluster, {"pause": "paused", "run": "running", "instant": "instant"}[action], speed=speed)
        speed_text = f" at {state.speed:g}x" if state.mode == "running" else ""
        self.stdout.write(f"{store.timestamp(state.now())}  {state.mode}{speed_text}")
