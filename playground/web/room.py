"""The room view's cards: one per attendee, their lessons' progress and a thumbnail of the
cluster they work in now (their own or a lesson's: its pods by state, as the cluster page colours them).

workshops.models (the seats) + lessons' progress + store (each attendee's pods) → the cards
here → templates/web/workshops/room.html#card, drawn by the page and redrawn by the room's
socket (workshop_consumers.RoomConsumer) as an attendee's cluster changes.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from django.urls import reverse

from playground.lessons import progress
from playground.lessons.models import LessonProgress
from playground.store import api as store
from playground.store import clock, clusters
from playground.store.errors import NotFound
from playground.workshops import rooms
from playground.workshops.models import Attendee, Workshop

from .picture import pod_tile

# The states in the order the thumbnail shows them, as picture.tile_state names them
STATES = ("ready", "running", "creating", "pending", "failing", "terminating", "finished")
THUMBNAIL_PODS = 60  # squares one card draws; the counts below them say the rest
SYSTEM_NAMESPACE = "kube-system"  # every kind cluster's own pods: the same in every card, so left out


def room_cards(workshop: Workshop) -> list[dict[str, Any]]:
    seats = list(workshop.attendees.all())
    lessons_of = rooms.lesson_clusters([seat.learner for seat in seats])
    return [card(seat, workshop, lessons_of[seat.learner]) for seat in seats]


def card(seat: Attendee, workshop: Workshop, mine: list[LessonProgress]) -> dict[str, Any]:
    cluster, where = working_in(seat, mine)
    url = reverse("web:cluster", kwargs={"cluster": cluster})
    return {"id": f"attendee-{seat.pk}", "name": seat.name, "cluster": cluster, "where": where, "url": url,
            "thumbnail": thumbnail(cluster),
            "lessons": lesson_rows(workshop, mine)}


def working_in(seat: Attendee, mine: list[LessonProgress]) -> tuple[str, str]:
    """The cluster the attendee works in now, and what it is: of their own cluster and their
    lessons' (each lesson has a cluster of its own), the one they wrote to last, their own if
    they wrote to none. Their controllers' writes (heartbeats, rollouts) and anyone's looking
    (the instructor opening it) do not count. The thumbnail of their own cluster alone stayed
    empty while the attendee did every lesson elsewhere."""
    titles = {row.cluster: progress.lessons()[row.lesson].title for row in mine if row.lesson in progress.lessons()}
    newest = clusters.written_last([seat.cluster, *titles]) or seat.cluster
    return newest, f"lesson: {titles[newest]}" if newest in titles else "their cluster"


def thumbnail(cluster: str) -> dict[str, Any]:
    """The attendee's own pods (kube-system aside) by state: a square each, and the counts."""
    try:
        state = clock.read(cluster)
        now = state.now()
        pods = [p for p in store.list(cluster, "Pod", namespace=None) if p["metadata"].get("namespace") != SYSTEM_NAMESPACE]
    except NotFound:
        return {"squares": [], "counts": [], "total": 0, "gone": True}
    states = sorted((pod_tile(p, now=now)["state"] for p in pods), key=STATES.index)
    counted = Counter(states)
    # Asleep (nobody used it for PLAYGROUND_IDLE_AFTER): said when the card is drawn; falling
    # asleep writes nothing, so an open room view learns it on its next redraw
    asleep = clock.idle_text(state.idle_seconds()) if state.asleep() else ""
    return {"squares": states[:THUMBNAIL_PODS], "counts": [(s, counted[s]) for s in STATES if counted[s]],
            "total": len(states), "gone": False, "asleep": asleep}


def lesson_rows(workshop: Workshop, mine: list[LessonProgress]) -> list[dict[str, Any]]:
    """Each of the workshop's lessons: steps done of all, and the lesson's cluster once started."""
    started = {row.lesson: row for row in mine}
    rows = []
    for slug in workshop.lessons:
        lesson = progress.lessons().get(slug)
        if lesson is None:
            continue
        row = started.get(slug)
        done = len(row.done_steps) if row else 0
        rows.append({"title": lesson.title, "number": slug.split("-", 1)[0], "done": done, "total": len(lesson.steps), "started": row is not None,
                     "finished": bool(row and row.finished_at),
                     "percent": round(100 * done / len(lesson.steps)) if lesson.steps else 0,
                     "url": reverse("web:cluster", kwargs={"cluster": row.cluster}) if row else ""})
    return rows
