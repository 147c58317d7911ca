"""A workshop's life: created with its seats and lessons, joined by attendees (each given a fresh
cluster as kind makes one), reset, locked, and closed (every cluster it made deleted).

`manage.py workshop` and the instructor's pages → the functions here → the Workshop and Attendee
rows, the clusters (sim.kind, store.clusters) and the attendees' lesson progress
(lessons.progress). Nothing here reads a request: who may do it is the caller's business.
"""
from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable

from django.db import IntegrityError, transaction

from playground.lessons import progress
from playground.lessons.models import LessonProgress
from playground.sim.kind import create_kind_cluster, reset_kind_cluster
from playground.store import clusters
from playground.store.quota import give_back_shared_token, take_shared_token

from .models import Attendee, JoinCodeBucket, Workshop

CLUSTER_PREFIX = "ws-"  # an attendee's cluster: ws-<random>, a name nobody guesses or chooses
# Join codes: no 0/O, 1/I/L, so a code read off a projector is typed right
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6  # 31**6, about 887 million codes, against WRONG_CODES_ALLOWED guesses per window
# Wrong codes one client address may send at once, then one more every WRONG_CODE_EVERY seconds
WRONG_CODES_ALLOWED = 10
WRONG_CODE_EVERY = 60.0
MAX_SEATS = 500
MAX_NAME = 40


class WorkshopError(Exception):
    """What an instructor or an attendee asked for cannot be done; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create(name: str, *, seats: int, lessons: list[str]) -> Workshop:
    """A new workshop with a fresh join code; stores nothing if any argument is wrong."""
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?", name):
        raise WorkshopError(f'workshop name "{name}" must be a lowercase RFC 1123 label (a-z, 0-9, "-", at most 40)')
    if not 1 <= seats <= MAX_SEATS:
        raise WorkshopError(f"seats: {seats} is not between 1 and {MAX_SEATS}")
    unknown = [slug for slug in lessons if slug not in progress.lessons()]
    if unknown:
        raise WorkshopError(f'lesson "{unknown[0]}" not found (the lessons: {", ".join(progress.lessons())})')
    if Workshop.objects.filter(name=name).exists():
        raise WorkshopError(f'workshop "{name}" already exists')
    return Workshop.objects.create(name=name, code=new_code(), seats=seats, lessons=list(dict.fromkeys(lessons)))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def find(name: str) -> Workshop:
    found = Workshop.objects.filter(name=name).first()
    if found is None:
        raise WorkshopError(f'workshop "{name}" not found')
    return found


def code_matches(workshop: Workshop, typed: str) -> bool:
    """Whether the typed code is the workshop's: spaces and case do not matter, the time taken does not tell."""
    return secrets.compare_digest(re.sub(r"\s+", "", typed).upper().encode(), workshop.code.encode())


def take_code_try(address: str, *, clock: Callable[[], float] = time.time) -> int | None:
    """Take one try of a join code for the client address, before the code is compared: None
    when it may try, else the whole seconds until it may. Counted in one statement in the
    database, so tries sent at one instant to several web processes cannot overshoot the budget.
    A right code gives its try back (`right_code_tried`): only wrong ones are counted."""
    wait = take_shared_token(JoinCodeBucket._meta.db_table, "address", "%s", [address],
                             rate=1 / WRONG_CODE_EVERY, burst=WRONG_CODES_ALLOWED, now=clock())
    return None if wait == 0 else max(1, math.ceil(wait))


def right_code_tried(address: str) -> None:
    give_back_shared_token(JoinCodeBucket._meta.db_table, "address", "%s", [address], burst=WRONG_CODES_ALLOWED)


def join(workshop: Workshop, name: str) -> Attendee:
    """A new attendee with a fresh cluster of their own, if the workshop takes newcomers."""
    name = " ".join(name.split())
    if not name:
        raise WorkshopError("display name: type the name the instructor will see")
    if len(name) > MAX_NAME:
        raise WorkshopError(f"display name: at most {MAX_NAME} characters")
    refused = refusal(workshop)
    if refused:
        raise WorkshopError(refused)
    if workshop.attendees.filter(name=name).exists():
        raise WorkshopError(f'display name: "{name}" is taken in this workshop, choose another')
    cluster = f"{CLUSTER_PREFIX}{secrets.token_hex(6)}"
    create_kind_cluster(cluster)
    try:
        return Attendee.objects.create(workshop=workshop, name=name, cluster=cluster,
                                       learner=progress.new_learner(), secret=secrets.token_urlsafe(24))
    except IntegrityError:  # the same name, joined a moment ago by someone else
        clusters.delete(cluster)
        raise WorkshopError(f'display name: "{name}" is taken in this workshop, choose another') from None


def refusal(workshop: Workshop) -> str:
    """Why the workshop takes no newcomer now ("" when it does)."""
    if workshop.closed:
        return f'Workshop "{workshop.name}" is closed.'
    if workshop.locked:
        return f'Workshop "{workshop.name}" is locked: the instructor takes no new attendees now.'
    if workshop.attendees.count() >= workshop.seats:
        return f'Workshop "{workshop.name}" is full: all {workshop.seats} seats are taken.'
    return ""


def attendee(workshop: Workshop, name: str) -> Attendee:
    found = workshop.attendees.filter(name=" ".join(name.split())).first()
    if found is None:
        raise WorkshopError(f'workshop "{workshop.name}" has no attendee "{name}"')
    return found


def lesson_clusters(learners: list[str]) -> dict[str, list[LessonProgress]]:
    """learner → their lesson progress (each lesson has a cluster of its own)."""
    found: dict[str, list[LessonProgress]] = {learner: [] for learner in learners}
    for row in LessonProgress.objects.filter(learner__in=learners).order_by("lesson"):
        found[row.learner].append(row)
    return found


def reset(workshop: Workshop, *, only: Attendee | None = None) -> int:
    """The attendees' clusters (theirs and their lessons') as they were given; how many attendees."""
    seats = [only] if only is not None else list(workshop.attendees.all())
    lessons_of = lesson_clusters([seat.learner for seat in seats])
    for seat in seats:
        reset_kind_cluster(seat.cluster)
        for row in lessons_of[seat.learner]:
            lesson = progress.lessons().get(row.lesson)
            if lesson is not None and clusters.exists(row.cluster):
                progress.reset(row, lesson)
    return len(seats)


def set_locked(workshop: Workshop, *, locked: bool) -> None:
    workshop.locked = locked
    workshop.save(update_fields=["locked"])


def close(workshop: Workshop) -> int:
    """The workshop over: every cluster it made deleted, its attendees forgotten (their sessions
    bind to nothing), nobody may join again. How many clusters were deleted."""
    seats = list(workshop.attendees.all())
    lessons_of = lesson_clusters([seat.learner for seat in seats])
    names = [seat.cluster for seat in seats] + [row.cluster for rows in lessons_of.values() for row in rows]
    if workshop.presenter:
        names.append(workshop.presenter)
    deleted = 0
    for name in names:
        if clusters.exists(name):
            clusters.delete(name)
            deleted += 1
    with transaction.atomic():
        LessonProgress.objects.filter(learner__in=[seat.learner for seat in seats]).delete()
        workshop.attendees.all().delete()
        workshop.closed, workshop.locked, workshop.presenter, workshop.projected = True, True, "", ""
        workshop.save(update_fields=["closed", "locked", "presenter", "projected"])
    return deleted


def start_presenter(workshop: Workshop) -> str:
    """The workshop's presenter cluster (made once): the instructor drives it, the room watches."""
    if workshop.closed:
        raise WorkshopError(f'workshop "{workshop.name}" is closed')
    if not workshop.presenter or not clusters.exists(workshop.presenter):
        workshop.presenter = f"{CLUSTER_PREFIX}{secrets.token_hex(6)}"
        create_kind_cluster(workshop.presenter)
        workshop.save(update_fields=["presenter"])
    return workshop.presenter


def stop_presenter(workshop: Workshop) -> None:
    """The room stops watching: the presenter cluster deleted (a new one starts afresh)."""
    if workshop.presenter and clusters.exists(workshop.presenter):
        clusters.delete(workshop.presenter)
    if workshop.projected == workshop.presenter:
        workshop.projected = ""
    workshop.presenter = ""
    workshop.save(update_fields=["presenter", "projected"])


def project(workshop: Workshop, cluster: str) -> None:
    """Send one of the workshop's clusters (an attendee's, one of their lessons', the presenter's)
    to the projector page, or none ("")."""
    if cluster and cluster != workshop.presenter and cluster not in workshop_clusters(workshop):
        raise WorkshopError(f'cluster "{cluster}" is not one of workshop "{workshop.name}"\'s clusters')
    workshop.projected = cluster
    workshop.save(update_fields=["projected"])


def workshop_clusters(workshop: Workshop) -> set[str]:
    seats = list(workshop.attendees.all())
    lessons_of = lesson_clusters([seat.learner for seat in seats])
    return {seat.cluster for seat in seats} | {row.cluster for rows in lessons_of.values() for row in rows}
