"""The workshop pages: the instructor's (create a workshop, its link and code, reset, lock,
close, the presenter cluster, the room view) and the attendee's join page.

instructor (a staff account: `createsuperuser` or `createadmin`) → forms here → workshops.rooms →
templates/web/workshops/*.html. attendee → the join link → code and display name → a cluster of
their own, and the session bound to it (workshops.access.bind) → their cluster's page.
"""
from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required, user_passes_test
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from playground.lessons import progress
from playground.workshops import access, rooms
from playground.workshops.models import Workshop

from .lesson_views import LEARNER
from .room import room_cards
from .workshop_access import visitor
from .room_news import tell_room, tell_stage

instructor_required = user_passes_test(lambda user: user.is_active and user.is_staff, login_url="sign-in")
ACTIONS = ("lock", "unlock", "reset", "close", "presenter", "stop-presenter", "project")
# What undoes every attendee's work at once asks again first: one misplaced click must not do it
WHOLE_ROOM = {"reset": "Reset every attendee's cluster", "close": "Close the workshop and delete every cluster"}


class WorkshopForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="lowercase letters, digits and -: the join link's address")
    seats = forms.IntegerField(min_value=1, max_value=rooms.MAX_SEATS, initial=40)
    lessons = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lessons"].choices = [(slug, lesson.title) for slug, lesson in progress.lessons().items()]


class JoinForm(forms.Form):
    code = forms.CharField(max_length=20, label="Join code", widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))
    name = forms.CharField(max_length=rooms.MAX_NAME, label="Your name", help_text="what the instructor sees on the room's screen")


def workshop_or_404(name: str) -> Workshop:
    try:
        return rooms.find(name)
    except rooms.WorkshopError as e:
        raise Http404(e.message) from None


def join_link(request: HttpRequest, workshop: Workshop) -> str:
    return request.build_absolute_uri(reverse("web:join", kwargs={"workshop": workshop.name}))


@instructor_required
@require_http_methods(["GET", "POST"])
def workshops_view(request: HttpRequest) -> HttpResponse:
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = rooms.create(form.cleaned_data["name"], seats=form.cleaned_data["seats"], lessons=form.cleaned_data["lessons"])
        except rooms.WorkshopError as e:
            form.add_error("name", e.message)
        else:
            return redirect("web:workshop", workshop=made.name)
    status = 422 if request.method == "POST" else 200
    return render(request, "web/workshops/list.html", {"form": form, "workshops": Workshop.objects.order_by("-created_at")}, status=status)


@instructor_required
def workshop_view(request: HttpRequest, workshop: str) -> HttpResponse:
    found = workshop_or_404(workshop)
    lessons = [progress.lessons()[slug] for slug in found.lessons if slug in progress.lessons()]
    return render(request, "web/workshops/workshop.html", {
        "workshop": found, "link": join_link(request, found), "lessons": lessons,
        "attendees": found.attendees.all(), "message": request.GET.get("done", "")})


@instructor_required
@require_POST
def workshop_action(request: HttpRequest, workshop: str, action: str) -> HttpResponse:
    found = workshop_or_404(workshop)
    if action not in ACTIONS:
        raise Http404(f'no action "{action}" (the actions: {", ".join(ACTIONS)})')
    attendee = request.POST.get("attendee", "")
    if action in WHOLE_ROOM and not attendee and request.POST.get("confirm") != "yes":
        return render(request, "web/workshops/confirm.html", {"workshop": found, "action": action,
                      "attendees": found.attendees.count(), "label": WHOLE_ROOM[action]})
    try:
        done = act(found, action, attendee, request.POST.get("cluster", ""))
    except rooms.WorkshopError as e:
        return render(request, "web/workshops/refused.html", {"message": e.message}, status=409)
    tell_room(found.name)
    if action in STAGE_ACTIONS:
        tell_stage(found.name)
    if request.POST.get("back") == "room":  # sent from the room view (Project): the instructor stays there
        return redirect("web:room", workshop=found.name)
    return redirect(reverse("web:workshop", kwargs={"workshop": found.name}) + "?" + f"done={done}")


STAGE_ACTIONS = ("presenter", "stop-presenter", "project", "close")  # what the attendees' pages and the projector show


def act(workshop: Workshop, action: str, attendee: str, cluster: str = "") -> str:
    """Do what the instructor's button says; what was done, in words."""
    if action in ("lock", "unlock"):
        rooms.set_locked(workshop, locked=action == "lock")
        return f"{action}ed"
    if action == "reset":
        only = rooms.attendee(workshop, attendee) if attendee else None
        count = rooms.reset(workshop, only=only)
        return f"reset {only.name}'s clusters" if only else f"reset {count} attendees' clusters"
    if action == "presenter":
        return f"presenter cluster {rooms.start_presenter(workshop)} ready"
    if action == "stop-presenter":
        rooms.stop_presenter(workshop)
        return "stopped presenting: the presenter cluster is deleted"
    if action == "project":
        rooms.project(workshop, cluster)
        return f"projecting {cluster}" if cluster else "projecting nothing"
    return f"closed: {rooms.close(workshop)} clusters deleted"


@instructor_required
def room_view(request: HttpRequest, workshop: str) -> HttpResponse:
    found = workshop_or_404(workshop)
    return render(request, "web/workshops/room.html", {"workshop": found, "cards": room_cards(found),
                                                       "link": join_link(request, found)})


@instructor_required
def projector_view(request: HttpRequest, workshop: str) -> HttpResponse:
    """What the projector shows: the cluster the instructor last sent to it, followed live
    (workshop_consumers.StageConsumer swaps it), in any browser signed in as an instructor."""
    found = workshop_or_404(workshop)
    return render(request, "web/workshops/projector.html", {"workshop": found, **projected(found)})


PRESENTER_LINK = "web/workshops/presenter_link.html"  # the stage on an attendee's page
PROJECTED = "web/workshops/projector.html#projected"  # the stage on the projector page


def stage_frame(workshop: str, template: str) -> str:
    """The workshop's stage as `template` draws it, swapped in by its id: what a stage change
    (room_news.tell_stage) sends to the attendees' pages and the projector page."""
    found = rooms.find(workshop)
    presenter = found.presenter if not found.closed else ""
    return render_to_string(template, {"workshop": found, "presenter": presenter, "oob": True, **projected(found)})


def projected(workshop: Workshop) -> dict[str, Any]:
    cluster = workshop.projected
    return {"projected": cluster, "projected_name": projected_name(workshop, cluster)}


def projected_name(workshop: Workshop, cluster: str) -> str:
    if not cluster:
        return ""
    if cluster == workshop.presenter:
        return "the presenter's cluster"
    for seat in workshop.attendees.all():
        if cluster in access.clusters_of(seat):
            return f"{seat.name}'s cluster"
    return cluster


@login_not_required  # an attendee has no account: the code is what lets them in
@require_http_methods(["GET", "POST"])
def join_view(request: HttpRequest, workshop: str) -> HttpResponse:
    found = workshop_or_404(workshop)
    mine = visitor(request).attendee
    if mine is not None and mine.workshop_id == found.pk:
        return redirect("web:cluster", cluster=mine.cluster)
    address = request.META.get("REMOTE_ADDR", "")
    form = JoinForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return join_page(request, found, form, status=200 if request.method == "GET" else 422)
    wait = rooms.take_code_try(address)  # taken before the code is compared: no try beyond the budget is judged
    if wait is not None:
        refused = render(request, "web/workshops/too_many.html", {"workshop": found, "minutes": math.ceil(wait / 60)}, status=429)
        refused["Retry-After"] = str(wait)
        return refused
    if not rooms.code_matches(found, form.cleaned_data["code"]):
        form.add_error("code", "That is not this workshop's code: check it on the instructor's screen.")
        return join_page(request, found, form, status=422)
    rooms.right_code_tried(address)
    try:
        seat = rooms.join(found, form.cleaned_data["name"])
    except rooms.WorkshopError as e:
        form.add_error(None, e.message)
        return join_page(request, found, form, status=403 if rooms.refusal(found) else 422)
    request.session.cycle_key()  # a new session key at the change of who this browser is
    access.bind(request.session, seat)
    request.session[LEARNER] = seat.learner  # the workshop's lessons are recorded under the seat
    tell_room(found.name)
    return redirect("web:cluster", cluster=seat.cluster)


def join_page(request: HttpRequest, workshop: Workshop, form: JoinForm, *, status: int) -> HttpResponse:
    return render(request, "web/workshops/join.html", {"workshop": workshop, "form": form,
                                                       "refusal": rooms.refusal(workshop)}, status=status)
