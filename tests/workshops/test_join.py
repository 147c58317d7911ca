"""Joining a workshop: the link, the code and a display name give a fresh cluster of one's own
(three nodes, the namespaces, kube-system) and the workshop's lessons; a locked, full or closed
workshop says so; wrong codes from one address are refused after a few (429), counted atomically in the database."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from playground.store import api as store
from playground.workshops import rooms
from playground.workshops.models import Attendee, JoinCodeBucket
from tests.concurrently import run_together

from .conftest import join


def test_joining_gives_a_fresh_cluster_of_ones_own(workshop):
    ana = join(workshop, "  Ana  ")

    nodes = [n["metadata"]["name"] for n in store.list(ana.cluster, "Node")]
    assert nodes == ["playground-control-plane", "playground-worker", "playground-worker2"]
    assert {"default", "kube-system"} <= {n["metadata"]["name"] for n in store.list(ana.cluster, "Namespace")}
    assert Attendee.objects.get(cluster=ana.cluster).name == "Ana"
    page = ana.get(f"/clusters/{ana.cluster}/").content.decode()
    assert "Download kubeconfig" in page
    assert ana.get(f"/join/{workshop.name}/")["Location"] == f"/clusters/{ana.cluster}/"  # joined already


def test_two_attendees_get_two_clusters(workshop):
    assert join(workshop, "Ana").cluster != join(workshop, "Bo").cluster


def test_the_join_page_asks_for_the_code_and_a_name(workshop):
    page = Client().get(f"/join/{workshop.name}/").content.decode()

    assert "Join code" in page and "Your name" in page
    assert workshop.code not in page


def test_a_wrong_code_is_refused_and_makes_no_cluster(workshop):
    response = Client().post(f"/join/{workshop.name}/", {"code": "AAAAAA", "name": "Ana"})

    assert response.status_code == 422
    assert "not this workshop&#x27;s code" in response.content.decode()
    assert not Attendee.objects.exists()


def test_the_code_may_be_typed_in_lower_case_with_spaces(workshop):
    code = workshop.code.lower()
    response = Client().post(f"/join/{workshop.name}/", {"code": f" {code[:3]} {code[3:]} ", "name": "Ana"})

    assert response.status_code == 302


def test_a_locked_workshop_takes_nobody_new_and_says_so(workshop):
    rooms.set_locked(workshop, locked=True)

    page = Client().get(f"/join/{workshop.name}/").content.decode()
    response = Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Ana"})

    assert "is locked: the instructor takes no new attendees now" in page
    assert response.status_code == 403
    assert not Attendee.objects.exists()


def test_seats_are_a_bound(workshop):
    for name in ("Ana", "Bo", "Cy"):
        join(workshop, name)

    response = Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Di"})

    assert response.status_code == 403
    assert "is full: all 3 seats are taken" in response.content.decode()
    assert workshop.attendees.count() == 3


def test_a_display_name_is_one_attendees(workshop):
    join(workshop, "Ana")

    response = Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Ana"})

    assert response.status_code == 422
    assert "is taken in this workshop" in response.content.decode()


def test_a_display_name_is_escaped(workshop, instructor):
    join(workshop, "<script>alert(1)</script>")

    page = instructor.get(f"/workshops/{workshop.name}/room/").content.decode()

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_guessing_codes_is_refused_after_ten_wrong_ones_from_one_address(workshop):
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(rooms.WRONG_CODES_ALLOWED):
        assert guesser.post(f"/join/{workshop.name}/", {"code": "AAAAAA", "name": "Eve"}).status_code == 422

    refused = guesser.post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Eve"})  # even the right one

    assert refused.status_code == 429
    assert "Too many wrong join codes came from your address" in refused.content.decode()
    assert not Attendee.objects.exists()
    assert Client(REMOTE_ADDR="203.0.113.8").post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Ana"}).status_code == 302
    assert refused["Retry-After"] == str(int(rooms.WRONG_CODE_EVERY))


def test_a_right_code_gives_its_try_back(workshop):
    for name in ("Ana", "Bo", "Cy"):
        assert Client(REMOTE_ADDR="203.0.113.7").post(f"/join/{workshop.name}/", {"code": workshop.code, "name": name}).status_code == 302

    assert JoinCodeBucket.objects.get(address="203.0.113.7").tokens == rooms.WRONG_CODES_ALLOWED


def test_a_wrong_code_comes_back_one_a_minute(db):
    address, now = "203.0.113.7", 1000.0
    for _ in range(rooms.WRONG_CODES_ALLOWED):
        assert rooms.take_code_try(address, clock=lambda: now) is None

    assert rooms.take_code_try(address, clock=lambda: now) == rooms.WRONG_CODE_EVERY
    assert rooms.take_code_try(address, clock=lambda: now + rooms.WRONG_CODE_EVERY) is None
    assert rooms.take_code_try(address, clock=lambda: now + rooms.WRONG_CODE_EVERY) is not None


@pytest.mark.django_db(transaction=True)
def test_tries_at_one_instant_on_several_connections_do_not_overshoot():
    """As several web processes would: each a connection of its own, all let go at once with one
    try left for everyone: exactly one gets it."""
    address, now = "203.0.113.7", 1000.0
    for _ in range(rooms.WRONG_CODES_ALLOWED - 1):
        rooms.take_code_try(address, clock=lambda: now)
    answers = run_together(*[lambda: rooms.take_code_try(address, clock=lambda: now)] * 6)

    assert answers.count(None) == 1 and answers.count(int(rooms.WRONG_CODE_EVERY)) == 5


def test_an_attendee_on_another_machine_needs_no_account(workshop):
    ana = join(workshop, "Ana", address="203.0.113.9")

    assert ana.get(f"/clusters/{ana.cluster}/").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").get(f"/clusters/{ana.cluster}/").status_code == 302  # no session: sign in


def test_an_attendee_sees_the_workshops_lessons_only(workshop):
    ana = join(workshop, "Ana")

    listed = ana.get("/lessons/").content.decode()

    assert "The pod and its pause container" in listed and "StatefulSet" not in listed
    assert ana.get("/lessons/10-statefulsets/").status_code == 403
    started = ana.post("/lessons/04-pods/start/")
    assert started.status_code == 302
    assert ana.get(started["Location"]).status_code == 200


def test_a_closed_workshops_attendee_reaches_nothing(workshop):
    ana = join(workshop, "Ana")

    rooms.close(workshop)

    assert ana.get(f"/clusters/{ana.cluster}/").status_code == 403
    assert "join again" in ana.get("/lessons/").content.decode()
    assert Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Bo"}).status_code == 403


@pytest.mark.django_db(transaction=True)  # each "process" is a thread on a connection of its own
def test_wrong_codes_sent_to_two_processes_count_together():
    workshop = rooms.create("k8s101", seats=3, lessons=[])

    def guesses(count: int) -> list[int]:
        """`count` wrong codes from one address, sent to a web process of their own."""
        answers = []

        def run() -> None:
            try:
                guesser = Client(REMOTE_ADDR="203.0.113.7")
                answers.extend(guesser.post(f"/join/{workshop.name}/", {"code": "AAAAAA", "name": "Eve"}).status_code
                               for _ in range(count))
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=60)
        return answers

    half = rooms.WRONG_CODES_ALLOWED // 2
    assert guesses(half) == [422] * half
    assert guesses(rooms.WRONG_CODES_ALLOWED - half + 1) == [422] * (rooms.WRONG_CODES_ALLOWED - half) + [429]
