"""A learner's way through a lesson: a cluster of their own in the lesson's starting state, the
step they are on, the steps done, the hints they asked for.

lesson pages → start / go_to / reveal_hint / reset here → LessonProgress (the database) and the
learner's cluster (sim.kind, store); the step's socket → `verdicts` here → checks.Check.evaluate
against the cluster, then checks.held against its clock (since when each state has been seen
holding is kept here, so a state must hold across looks) → a step is recorded done the first time
all its checks are green, and stays done (a learner who goes on to change the cluster has not
undone the lesson).

A state's hold is counted between the looks the step's page takes (one at each change of the
cluster, and one when a hold is due): a state seen failing at any look starts its hold again.
"""
from __future__ import annotations

import datetime
import functools
import secrets

from django.db import transaction
from django.utils import timezone

from playground.sim.kind import create_kind_cluster, reset_kind_cluster
from playground.store import clock, clusters, manifest_apply
from playground.store.errors import NotFound

from .checks import Held, Verdict, held
from .files import Lesson, Step, load_lessons
from .models import LessonProgress
from .view import LiveView

CLUSTER_PREFIX = "learn-"


@functools.cache
def lessons() -> dict[str, Lesson]:
    """The shipped lessons by their folder's name, in order; read once per process."""
    return {lesson.slug: lesson for lesson in load_lessons()}


def new_learner() -> str:
    return secrets.token_urlsafe(16)


def progress_of(learner: str) -> dict[str, LessonProgress]:
    return {p.lesson: p for p in LessonProgress.objects.filter(learner=learner)}


def start(learner: str, lesson: Lesson) -> LessonProgress:
    """The learner's progress in the lesson, with a cluster of their own made for it if new."""
    found = LessonProgress.objects.filter(learner=learner, lesson=lesson.slug).first()
    if found is not None and clusters.exists(found.cluster):
        return found
    cluster = f"{CLUSTER_PREFIX}{secrets.token_hex(6)}"
    create_kind_cluster(cluster)
    _set_up(cluster, lesson)
    if found is not None:  # its cluster was deleted (`cluster delete`): a fresh one, from the start
        found.cluster = cluster
        _from_the_start(found, lesson)
        return found
    progress = LessonProgress.objects.create(learner=learner, lesson=lesson.slug, cluster=cluster)
    _begin(progress, lesson.steps[0])
    return progress


def reset(progress: LessonProgress, lesson: Lesson) -> None:
    """The lesson from its first step, on its cluster as it was given: every object made since gone."""
    reset_kind_cluster(progress.cluster)
    _set_up(progress.cluster, lesson)
    _from_the_start(progress, lesson)


def go_to(progress: LessonProgress, lesson: Lesson, number: int) -> Step:
    """The step the learner opens; a step beyond the first one not done yet is not open."""
    if not 1 <= number <= min(len(lesson.steps), reachable(progress)):
        raise NotFound(f'step {number} of lesson "{lesson.slug}" is not open yet: finish the ones before it')
    step = lesson.steps[number - 1]
    if progress.step != number:
        progress.step = number
        progress.save(update_fields=["step"])
    if str(number) not in progress.baselines:
        _begin(progress, step)
    return step


def reachable(progress: LessonProgress) -> int:
    """The furthest step the learner may open: the first one not done."""
    number = 1
    while number in progress.done_steps:
        number += 1
    return number


def verdicts(progress: LessonProgress, lesson: Lesson, step: Step) -> list[Verdict]:
    """The step's checks against the learner's cluster now, each state's hold counted on the
    cluster's clock; the first time all are green the step is recorded done (and the lesson
    finished with its last step)."""
    seen = [h.verdict for h in look(progress, step)]
    if all(v.done for v in seen) and step.number not in progress.done_steps:
        with transaction.atomic():
            progress.refresh_from_db()
            if step.number not in progress.done_steps:
                progress.done_steps = sorted({*progress.done_steps, step.number})
                if len(progress.done_steps) == len(lesson.steps):
                    progress.finished_at = timezone.now()
                progress.save(update_fields=["done_steps", "finished_at"])
    return seen


def look(progress: LessonProgress, step: Step) -> list[Held]:
    """Each check of the step evaluated now, with its hold; what has held since when is saved.
    On an instant clock a hold due is skipped to, as Instant skips every wait: its next look (the
    page is told the clock moved) sees whether the state still holds then."""
    view = LiveView(progress.cluster)
    baseline = progress.baselines.get(str(step.number), {})
    cluster_clock = clock.read(progress.cluster)
    now = cluster_clock.now()
    before = progress.holding_since.get(str(step.number), {})
    looked = [held(check, check.evaluate(view, baseline), since=_moment(before.get(str(index))), now=now)
              for index, check in enumerate(step.checks)]
    after = {str(index): h.since.isoformat() for index, h in enumerate(looked) if h.since is not None}
    if after != before:
        progress.holding_since = {**progress.holding_since, str(step.number): after}
        progress.save(update_fields=["holding_since"])
    if cluster_clock.mode == "instant" and (due := min((h.due for h in looked if h.due), default=None)):
        clock.advance_to(progress.cluster, due)
    return looked


def hold_due(progress: LessonProgress, step: Step) -> datetime.datetime | None:
    """When the step's next check held back only by its hold turns green if its state keeps
    holding (as of its last look): when the step's page must look again though nothing changes."""
    since = progress.holding_since.get(str(step.number), {})
    now = clock.now(progress.cluster)
    dues = [moment + datetime.timedelta(seconds=check.hold) for index, check in enumerate(step.checks)
            if (moment := _moment(since.get(str(index)))) is not None]
    return min((due for due in dues if due > now), default=None)


def _moment(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def reveal_hint(progress: LessonProgress, step: Step) -> int:
    """One more of the step's hints shown; how many are shown now."""
    shown = min(len(step.hints), progress.hints_shown.get(str(step.number), 0) + 1)
    progress.hints_shown = {**progress.hints_shown, str(step.number): shown}
    progress.save(update_fields=["hints_shown"])
    return shown


def _set_up(cluster: str, lesson: Lesson) -> None:
    if lesson.start:
        manifest_apply.apply_manifest(cluster, lesson.start)


def _from_the_start(progress: LessonProgress, lesson: Lesson) -> None:
    progress.step, progress.done_steps, progress.hints_shown, progress.baselines = 1, [], {}, {}
    progress.holding_since = {}
    progress.finished_at = None
    progress.save()
    _begin(progress, lesson.steps[0])


def _begin(progress: LessonProgress, step: Step) -> None:
    """What the step's checks compare with later (the uid of a pod to be recreated), as it is now."""
    view = LiveView(progress.cluster)
    remembered = {key: value for check in step.checks for key, value in check.remember(view).items()}
    progress.baselines = {**progress.baselines, str(step.number): remembered}
    progress.holding_since = {**progress.holding_since, str(step.number): {}}  # a step begun again holds anew
    progress.save(update_fields=["baselines", "holding_since"])
