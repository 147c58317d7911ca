"""Joining a workshop: the link, the code and a display name give a fresh cluster of one's own
(three nodes, the namespaces, kube-system) and the workshop's lessons; a locked, full or closed
workshop says so; wrong codes from one address are refused after a few (429)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from playground.store import api as store
from playground.workshops import rooms
from playground.workshops.models import Attendee, JoinAttempt

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
    assert JoinAttempt.objects.filter(address="203.0.113.7").count() == rooms.WRONG_CODES_ALLOWED


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
