"""The lesson pages: the list of lessons with what the learner has done, a lesson's introduction
and its Start button, and a step: its text, task, hints, live checks and, beside them, the live
picture of the learner's own cluster.

session (a random learner id) → lessons.progress (their cluster, step, hints) → templates/web/lessons/
*.html; the step's checks are redrawn by lesson_consumers.LessonConsumer as the cluster changes.
"""
from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from playground.lessons import progress
from playground.lessons.files import Lesson, Picture, Step
from playground.lessons.models import LessonProgress
from playground.lessons.view import LiveView
from playground.store import changelog
from playground.store.errors import NotFound
from playground.workshops.models import Attendee

from . import picture as pictures
from .workshop_access import visitor
from .room_news import tell_room, tell_room_of

LEARNER = "learner"  # the session key holding the learner's id
# Lesson text is the repository's, yet rendered as untrusted: raw HTML in it is shown, never run
MARKDOWN = MarkdownIt("commonmark", {"html": False})
OBJECT_PICTURES = {"deployment": "Deployment", "replicaset": "ReplicaSet", "statefulset": "StatefulSet",
                   "daemonset": "DaemonSet", "service": "Service", "pod": "Pod", "configmap": "ConfigMap",
                   "secret": "Secret", "node": "Node"}


def markdown(text: str) -> SafeString:
    """A lesson's Markdown as HTML. Safe to insert: markdown-it escapes any raw HTML in it (html is
    off) and refuses javascript:, vbscript: and file: links (its validateLink)."""
    return mark_safe(MARKDOWN.render(text))  # noqa: S308 - escaped by markdown-it, as above


def learner_of(request: HttpRequest) -> str:
    if LEARNER not in request.session:
        request.session[LEARNER] = progress.new_learner()
    return request.session[LEARNER]


def first_lesson_for(request: HttpRequest) -> Lesson | None:
    """The first lesson, to invite a newcomer (one who has started none) into it."""
    if LEARNER in request.session:
        return None
    return next(iter(progress.lessons().values()), None)


def lesson_or_404(slug: str) -> Lesson:
    lesson = progress.lessons().get(slug)
    if lesson is None:
        raise Http404(f'no lesson "{slug}"')
    return lesson


@require_GET
def lesson_list(request: HttpRequest) -> HttpResponse:
    mine = progress.progress_of(request.session.get(LEARNER, "")) if LEARNER in request.session else {}
    attendee = visitor(request).attendee
    shown = [progress.lessons()[slug] for slug in attendee.workshop.lessons if slug in progress.lessons()] \
        if attendee is not None else list(progress.lessons().values())  # in a workshop, the workshop's lessons
    rows = [{"lesson": lesson, "number": number, "progress": mine.get(lesson.slug)}
            for number, lesson in enumerate(shown, start=1)]
    return render(request, "web/lessons/list.html", {"rows": rows})


@require_GET
def lesson_view(request: HttpRequest, lesson: str) -> HttpResponse:
    """The lesson's introduction, with Start; a learner already in it goes to their step."""
    found = lesson_or_404(lesson)
    mine = progress.progress_of(request.session[LEARNER]).get(lesson) if LEARNER in request.session else None
    if mine is not None:
        return redirect("web:lesson-step", lesson=lesson, number=mine.step)
    return render(request, "web/lessons/lesson.html", {"lesson": found, "introduction": markdown(found.introduction)})


@require_POST
def lesson_start(request: HttpRequest, lesson: str) -> HttpResponse:
    found = lesson_or_404(lesson)
    mine = progress.start(learner_of(request), found)
    attendee = visitor(request).attendee
    if attendee is not None:  # the lesson's cluster is one more the room view follows
        tell_room(attendee.workshop.name)
    return redirect("web:lesson-step", lesson=lesson, number=mine.step)


@require_POST
def lesson_reset(request: HttpRequest, lesson: str) -> HttpResponse:
    found = lesson_or_404(lesson)
    progress.reset(learners_progress(request, lesson), found)
    return redirect("web:lesson-step", lesson=lesson, number=1)


@require_GET
def step_view(request: HttpRequest, lesson: str, number: int) -> HttpResponse:
    opened = open_step(request, lesson, number)
    if isinstance(opened, HttpResponse):
        return opened
    try:
        version = changelog.cluster_resource_version(opened[1].cluster)  # first: the page shows at least this
    except NotFound:
        version = None  # the learner's cluster was deleted: the socket says so
    return render(request, "web/lessons/step.html", {**step_context(*opened), "live_version": version})


@require_POST
def reveal_hint(request: HttpRequest, lesson: str, number: int) -> HttpResponse:
    opened = open_step(request, lesson, number)
    if isinstance(opened, HttpResponse):
        return opened
    progress.reveal_hint(opened[1], opened[2])
    if request.htmx:
        return render(request, "web/lessons/step.html#hints", step_context(*opened))
    return redirect("web:lesson-step", lesson=lesson, number=number)


def open_step(request: HttpRequest, lesson: str, number: int) -> tuple[Lesson, LessonProgress, Step] | HttpResponse:
    """The learner's step, or the page that says it is not open yet (404)."""
    found = lesson_or_404(lesson)
    mine = learners_progress(request, lesson)
    try:
        return found, mine, progress.go_to(mine, found, number)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)


def learners_progress(request: HttpRequest, lesson: str) -> LessonProgress:
    """The learner's progress in the lesson; a learner who has not started it has none (404)."""
    mine = progress.progress_of(request.session.get(LEARNER, "")).get(lesson) if LEARNER in request.session else None
    if mine is None:
        raise Http404(f'you have not started lesson "{lesson}"')
    return mine


def step_context(lesson: Lesson, mine: LessonProgress, step: Step) -> dict[str, Any]:
    shown = mine.hints_shown.get(str(step.number), 0)
    return {
        "lesson": lesson, "step": step, "progress": mine, "cluster": mine.cluster,
        "text": markdown(step.text), "real_cluster": markdown(lesson.real_cluster),
        "steps": [{"number": s.number, "title": s.title, "done": s.number in mine.done_steps,
                   "open": s.number <= progress.reachable(mine)} for s in lesson.steps],
        "hints": step.hints[:shown], "more_hints": shown < len(step.hints),
        "is_last": step.number == len(lesson.steps),
        **checks_context(lesson, mine, step),
    }


def checks_context(lesson: Lesson, mine: LessonProgress, step: Step) -> dict[str, Any]:
    """The step's checks and its picture as they are now, what the step socket redraws."""
    done_before = len(mine.done_steps)
    seen = progress.verdicts(mine, lesson, step)
    if len(mine.done_steps) != done_before:
        tell_attendees_room(mine.learner)
    return {"lesson": lesson, "step": step, "verdicts": seen, "step_done": step.number in mine.done_steps,
            "picture": shown_picture(mine.cluster, step.picture)}


def tell_attendees_room(learner: str) -> None:
    """A workshop attendee's step done: the room view's card of theirs shows it."""
    seat = Attendee.objects.filter(learner=learner).select_related("workshop").first()
    if seat is not None:
        tell_room_of(seat.workshop.name, seat.pk)


def shown_picture(cluster: str, shown: Picture) -> dict[str, str]:
    """The page beside the step; while its object does not exist yet, the cluster's picture, which
    the socket swaps for the object's page once it does. The frame's id is its address, so a
    redraw of the checks keeps the frame as it is (hx-preserve) until the address changes."""
    url, waiting = picture_url(cluster, shown), ""
    kind = "Pod" if shown.page == "fs" else OBJECT_PICTURES.get(shown.page)
    if kind is not None:
        namespace, name = (shown.target[0], shown.target[1]) if len(shown.target) > 1 else ("", shown.target[0])
        if LiveView(cluster).get(kind, namespace, name) is None:
            url, waiting = f"/clusters/{cluster}/", f"{kind.lower()} {name}"
    return {"url": url, "framed": url + ("&" if "?" in url else "?") + "embed=1", "waiting": waiting,
            "id": "picture-" + hashlib.sha1(url.encode()).hexdigest()[:12]}


def picture_url(cluster: str, shown: Picture) -> str:
    """The learner's cluster's live page a step sits beside."""
    page, target = shown.page, shown.target
    base = f"/clusters/{cluster}/"
    if page == "cluster":
        return base
    if page in ("objects", "events", "dns", "images"):
        return f"{base}{page}/"
    if page == "image":
        return f"{base}images/{quote(target[0], safe=':/@')}/"
    if page == "loop":
        kind, namespace, name = target
        return f"{base}loop/?{urlencode({'kind': kind, 'namespace': namespace, 'name': name})}"
    if page == "fs":
        namespace, pod, container = target
        return f"{base}pods/{namespace}/{pod}/containers/{container}/fs/"
    namespace, name = target if len(target) == 2 else ("", target[0])
    return pictures.object_url(cluster, OBJECT_PICTURES[page], name, namespace)
