"""`python manage.py clock [show|pause|run|instant|advance SECONDS|step [N]] [--speed X]`: the
cluster's simulated clock. The speeds are clock.SPEEDS, the same the pages' buttons offer; a
speed given alone (`clock --speed 10`) sets it and keeps the mode: a running clock runs at it
at once, a paused one will when it runs."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import api as store
from playground.store import clock

MODE_OF = {"pause": "paused", "run": "running", "instant": "instant"}
SPEEDS_TEXT = ", ".join(f"{s:g}" for s in clock.SPEEDS)


class Command(KubectlCommand):
    help = (f"Show or set the simulated clock: pause, step [N] (one reconcile each), run (at --speed {SPEEDS_TEXT}), "
            "instant, or advance SECONDS; --speed alone sets the speed and keeps the mode.")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("action", nargs="?", choices=("show", "pause", "run", "instant", "advance", "step"),
                            default="show")
        parser.add_argument("seconds", nargs="?", type=float, help="advance: seconds; step: how many reconciles")
        parser.add_argument("--speed", type=float, help=f"times real time: one of {SPEEDS_TEXT}")

    def cluster_used(self, *, cluster: str, action: str, speed: float | None, **_: Any) -> str | None:
        return None if action == "show" and speed is None else cluster  # looking wakes nothing: it says

    def run(self, *, cluster: str, action: str, seconds: float | None, speed: float | None, **_: Any) -> None:
        if speed is not None and action in ("advance", "step"):
            raise CommandFailed(f"--speed sets how fast a running clock goes; it does not go with {action}")
        if action == "step":
            if clock.read(cluster).mode != "paused":
                raise CommandFailed("step runs one reconcile of a paused cluster: run `clock pause` first")
            clock.request_step(cluster, int(seconds or 1))
            state = clock.read(cluster)
        elif action == "advance":
            if seconds is None:
                raise CommandFailed("clock advance needs SECONDS")
            state = clock.advance(cluster, seconds)
        elif action == "show" and speed is None:
            state = clock.read(cluster)
        else:
            mode = MODE_OF.get(action) or clock.read(cluster).mode  # `--speed X` alone keeps the mode
            state = clock.set_mode(cluster, mode, speed=speed)
        self.stdout.write(f"{store.timestamp(state.now())}  {describe(state, clock.steps_waiting(cluster))}")


def describe(state: clock.ClockState, steps_waiting: int = 0) -> str:
    """"running at 10x", "paused (runs at 0.25x)", "paused (runs at 1x), 2 steps waiting", "instant",
    "asleep (running at 1x): …", "running at 1x, held 45 s for its controllers …"."""
    if state.asleep():
        return (f"asleep ({mode_text(state, steps_waiting)}): nobody has used it for "
                f"{clock.idle_text(state.idle_seconds())}; it wakes when used")
    if state.held():  # `clock show` with no server or worker running
        return (f"{mode_text(state)}, held {clock.idle_text(state.held_seconds())} for its controllers"
                " (is `playground` or `runcontrollers` running?)")
    return mode_text(state, steps_waiting)


def mode_text(state: clock.ClockState, steps_waiting: int = 0) -> str:
    if state.mode == "running":
        return f"running at {state.speed:g}x"
    if state.mode == "paused":
        waiting = f", {steps_waiting} step{'s' if steps_waiting != 1 else ''} waiting" if steps_waiting else ""
        return f"paused (runs at {state.speed:g}x){waiting}"
    return state.mode
