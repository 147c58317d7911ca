"""The socket of a lesson step's page: its checks, evaluated again as the learner's cluster changes.

/ws/clusters/<cluster>/lessons/<lesson>/<step>/ → LessonConsumer (a LiveConsumer: woken by each
change of that cluster) → lessons.progress.verdicts → templates/web/lessons/step.html#checks.
The cluster is the learner's own (its name is theirs alone); the progress is found by it.
A check waiting out its hold (lessons.checks.held) turns green with no change to the cluster, so
on a running clock the socket also looks again when that hold is due.
"""
from __future__ import annotations

import asyncio
import datetime

from django.template.loader import render_to_string

from playground.lessons import progress
from playground.lessons.files import Lesson, Step
from playground.lessons.models import LessonProgress
from playground.store import clock as cluster_clock

from .consumers import LiveConsumer
from .lesson_views import checks_context


class LessonConsumer(LiveConsumer):
    recheck: asyncio.TimerHandle | None = None  # the look again when a check's hold is due

    async def connect(self) -> None:
        self.loop = asyncio.get_running_loop()
        await super().connect()

    async def disconnect(self, code: int) -> None:
        if self.recheck is not None:
            self.recheck.cancel()
        await super().disconnect(code)

    def missing(self) -> str | None:
        return super().missing() or (None if self.target() else "no such lesson step on this cluster")

    def target(self) -> tuple[Lesson, LessonProgress, Step] | None:
        kwargs = self.scope["url_route"]["kwargs"]
        lesson = progress.lessons().get(kwargs["lesson"])
        mine = LessonProgress.objects.filter(cluster=self.cluster, lesson=kwargs["lesson"]).first()
        if lesson is None or mine is None or not 1 <= kwargs["step"] <= min(len(lesson.steps), progress.reachable(mine)):
            return None
        return lesson, mine, lesson.steps[kwargs["step"] - 1]

    def clock_frame(self) -> str:
        return ""  # the step's page has no clock of its own: the framed picture shows it

    def render_frame(self) -> str | None:
        found = self.target()
        if found is None:
            return None
        context = checks_context(*found)
        lesson, mine, step = found
        self.look_again_at(progress.hold_due(mine, step))
        return "".join(render_to_string(f"web/lessons/step.html#{part}", context) for part in ("checks", "picture"))

    def look_again_at(self, due: datetime.datetime | None) -> None:
        """Wake the socket when the simulated moment `due` comes; only a running clock gets there
        alone (Step and Instant move the clock, which wakes every page of the cluster)."""
        wait = None if due is None else cluster_clock.read(self.cluster).wall_seconds_until(due)
        if wait is not None:
            self.loop.call_soon_threadsafe(self._wake_in, wait)

    def _wake_in(self, wait: float) -> None:
        if self.recheck is not None:
            self.recheck.cancel()
        self.recheck = self.loop.call_later(wait, self.wake.set)
