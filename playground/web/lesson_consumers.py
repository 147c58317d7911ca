"""The socket of a lesson step's page: its checks, evaluated again as the learner's cluster changes.

/ws/clusters/<cluster>/lessons/<lesson>/<step>/ → LessonConsumer (a LiveConsumer: woken by each
change of that cluster) → lessons.progress.verdicts → templates/web/lessons/step.html#checks.
The cluster is the learner's own (its name is theirs alone); the progress is found by it.
"""
from __future__ import annotations

from django.template.loader import render_to_string

from playground.lessons import progress
from playground.lessons.files import Lesson, Step
from playground.lessons.models import LessonProgress

from .consumers import LiveConsumer
from .lesson_views import checks_context


class LessonConsumer(LiveConsumer):
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
        return "".join(render_to_string(f"web/lessons/step.html#{part}", context) for part in ("checks", "picture"))
