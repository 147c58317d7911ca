"""Who may reach which cluster, the one rule every page, form, socket and kubeconfig asks.

A browser that joined a workshop carries a signed binding to its seat in its session (`bind`);
such a visitor reaches their own clusters (the one they were given and their lessons') and may
watch their workshop's presenter cluster, nothing else. Anyone else (the instructor, signed in;
the one person of a loopback playground) may look at an attendee's clusters but not change
them, and reaches every other cluster as before workshops existed. The Kubernetes API needs no
rule here: its tokens are bound to one cluster (apiserver/tokens.py), and the kubeconfig that
carries one is a form on a cluster's page, so only who may change a cluster gets one.

web/workshop_access.py (pages, forms, sockets) → `visitor_of` + `access` here → Attendee rows
and the attendees' lesson progress.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

from playground.lessons.models import LessonProgress

from .models import Attendee

BINDING = "workshop_attendee"  # the session key holding the signed binding
SALT = "playground.workshops.attendee"


class Access(enum.Enum):
    NONE = "none"  # not theirs: refused
    READ = "read"  # look, never change: GET pages and the live sockets only
    WRITE = "write"  # everything the playground offers

    @property
    def read_only(self) -> bool:
        return self is Access.READ


@dataclass
class Visitor:
    """Who a request or socket comes from, as the workshops see it: `bound` when the session says
    it joined a workshop (then `attendee` is the seat, or None when that seat is gone)."""

    bound: bool = False
    attendee: Attendee | None = None
    clusters: frozenset[str] = field(default_factory=frozenset)  # the attendee's own

    @property
    def presenter(self) -> str:
        workshop = self.attendee.workshop if self.attendee else None
        return workshop.presenter if workshop is not None and not workshop.closed else ""


def bind(session: Any, attendee: Attendee) -> None:
    """Tie the browser's session to the seat. Signed, so a session row edited by hand or copied
    between seats binds to nothing, and repeating the seat's secret, so a closed seat is gone."""
    session[BINDING] = signing.dumps([attendee.pk, attendee.secret], salt=SALT)


def visitor_of(session: Any) -> Visitor:
    """The visitor a session carries (a sync call: it may read the session and two tables)."""
    value = session.get(BINDING) if session is not None else None
    if value is None:
        return Visitor()
    try:
        pk, secret = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return Visitor(bound=True)
    seat = Attendee.objects.select_related("workshop").filter(pk=pk).first()
    if seat is None or not signing.constant_time_compare(seat.secret, secret):
        return Visitor(bound=True)
    return Visitor(bound=True, attendee=seat, clusters=frozenset(clusters_of(seat)))


def clusters_of(seat: Attendee) -> list[str]:
    """The attendee's own clusters: the one they were given, and one per lesson they started."""
    return [seat.cluster, *LessonProgress.objects.filter(learner=seat.learner).values_list("cluster", flat=True)]


def access(visitor: Visitor, cluster: str) -> Access:
    if visitor.bound:
        if cluster in visitor.clusters:
            return Access.WRITE
        return Access.READ if cluster and cluster == visitor.presenter else Access.NONE
    return Access.READ if owner_of(cluster) is not None else Access.WRITE


def watched_name(visitor: Visitor, cluster: str) -> str:
    """Whose cluster a read-only visitor watches, as the page says it: the attendee's display
    name's, or the presenter's for the workshop's presenter cluster."""
    if cluster and cluster == visitor.presenter:
        return "the presenter's"
    seat = owner_of(cluster)
    return f"{seat.name}'s" if seat is not None else "another"


def owner_of(cluster: str) -> Attendee | None:
    """The attendee a cluster is given to (theirs, or one of their lessons'), if any."""
    seat = Attendee.objects.select_related("workshop").filter(cluster=cluster).first()
    if seat is not None:
        return seat
    learner = LessonProgress.objects.filter(cluster=cluster).values_list("learner", flat=True).first()
    return None if learner is None else Attendee.objects.select_related("workshop").filter(learner=learner).first()
