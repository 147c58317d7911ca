"""The instructor's pages: signed in with a staff account, they create a workshop with its
lessons, see the join link and code, reset one attendee or all, lock, start a presenter cluster
the room watches read-only, and close (every cluster deleted). Nobody else may."""
from __future__ import annotations

import pytest
from django.test import Client

from playground.store import api as store
from playground.store import clusters
from playground.workshops.models import Workshop
from tests.factories import deployment, pod



def test_nobody_but_an_instructor_opens_the_workshops(workshop, ana):
    assert Client().get("/workshops/")["Location"].startswith("/sign-in/")
    assert Client().post(f"/workshops/{workshop.name}/close/")["Location"].startswith("/sign-in/")
    assert ana.get(f"/workshops/{workshop.name}/room/").status_code == 403
    assert not Workshop.objects.get().closed


def test_an_instructor_creates_a_workshop_with_lessons_and_sees_its_link_and_code(instructor):
    response = instructor.post("/workshops/", {"name": "friday", "seats": "25", "lessons": ["04-pods", "09-deployments"]})

    made = Workshop.objects.get(name="friday")
    page = instructor.get(response["Location"]).content.decode()
    assert (made.seats, made.lessons) == (25, ["04-pods", "09-deployments"])
    assert "http://testserver/join/friday/" in page
    assert f'<code class="join-code">{made.code}</code>' in page
    assert "0 of 25 seats taken" in page


@pytest.mark.parametrize(("data", "error"), [
    ({"name": "Friday!", "seats": "25"}, "must be a lowercase RFC 1123 label"),
    ({"name": "friday", "seats": "0"}, "greater than or equal to 1"),
    ({"name": "friday", "seats": "25", "lessons": ["nope"]}, "Select a valid choice"),
])
def test_a_bad_workshop_is_refused_at_its_field_and_stores_nothing(instructor, data, error):
    response = instructor.post("/workshops/", data)

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Workshop.objects.exists()


def test_reset_one_attendee_leaves_the_others(workshop, ana, bo, instructor):
    store.apply(ana.cluster, deployment("web", replicas=2))
    store.apply(bo.cluster, deployment("web", replicas=2))

    instructor.post(f"/workshops/{workshop.name}/reset/", {"attendee": "Ana"})

    assert store.list(ana.cluster, "Deployment", namespace="default") == []
    assert len(store.list(ana.cluster, "Node")) == 3
    assert len(store.list(bo.cluster, "Deployment", namespace="default")) == 1


def test_reset_all(workshop, ana, bo, instructor):
    store.apply(ana.cluster, deployment("web", replicas=2))
    store.apply(bo.cluster, deployment("web", replicas=2))

    response = instructor.post(f"/workshops/{workshop.name}/reset/", {"confirm": "yes"})

    assert "reset 2 attendees" in instructor.get(response["Location"]).content.decode()
    assert store.list(ana.cluster, "Deployment", namespace="default") == store.list(bo.cluster, "Deployment", namespace="default") == []


@pytest.mark.parametrize("action", ["reset", "close"])
def test_what_undoes_the_whole_room_asks_again_first(workshop, ana, instructor, action):
    store.apply(ana.cluster, deployment("web", replicas=2))

    asked = instructor.post(f"/workshops/{workshop.name}/{action}/")

    assert asked.status_code == 200
    assert "This cannot be undone" in asked.content.decode() and 'name="confirm" value="yes"' in asked.content.decode()
    assert len(store.list(ana.cluster, "Deployment", namespace="default")) == 1
    assert not Workshop.objects.get().closed


def test_the_workshop_and_room_pages_send_any_cluster_to_the_projector_page(workshop, ana, instructor):
    instructor.post(f"/workshops/{workshop.name}/presenter/")
    presenter = Workshop.objects.get().presenter

    page = instructor.get(f"/workshops/{workshop.name}/").content.decode()
    room = instructor.get(f"/workshops/{workshop.name}/room/").content.decode()

    for html in (page, room):
        assert f'href="/workshops/{workshop.name}/projector/"' in html
        for cluster in (ana.cluster, presenter):
            assert f'action="/workshops/{workshop.name}/project/"' in html and f'name="cluster" value="{cluster}"' in html


def test_lock_then_unlock(workshop, instructor):
    instructor.post(f"/workshops/{workshop.name}/lock/")
    assert Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Ana"}).status_code == 403

    instructor.post(f"/workshops/{workshop.name}/unlock/")
    assert Client().post(f"/join/{workshop.name}/", {"code": workshop.code, "name": "Ana"}).status_code == 302


def test_close_deletes_every_cluster_of_the_workshop(workshop, ana, bo, instructor):
    ana.post("/lessons/04-pods/start/")
    made = [ana.cluster, bo.cluster, *[c for c in clusters.names() if c.startswith("learn-")]]
    assert len(made) == 3

    instructor.post(f"/workshops/{workshop.name}/close/", {"confirm": "yes"})

    assert not any(clusters.exists(name) for name in made)
    page = instructor.get(f"/workshops/{workshop.name}/").content.decode()
    assert "closed" in page and workshop.code not in page


def test_the_presenter_cluster_is_the_instructors_to_drive_and_the_rooms_to_watch(workshop, ana, instructor):
    instructor.post(f"/workshops/{workshop.name}/presenter/")
    presenter = Workshop.objects.get().presenter

    assert instructor.post(f"/clusters/{presenter}/nodes/playground-worker/cordon/").status_code in (200, 302)
    assert f'href="/clusters/{presenter}/">Presenter' + "'s cluster</a>" in ana.get(f"/clusters/{ana.cluster}/").content.decode()
    assert ana.get(f"/clusters/{presenter}/").status_code == 200
    assert "you are watching the presenter&#x27;s cluster" in ana.get(f"/clusters/{presenter}/").content.decode()
    assert ana.post(f"/clusters/{presenter}/nodes/playground-worker/uncordon/").status_code == 403
    assert ana.post(f"/clusters/{presenter}/kubeconfig/").status_code == 403
    assert store.get(presenter, "Node", "playground-worker")["spec"]["unschedulable"] is True


def test_the_room_shows_every_attendee_with_their_pods_and_progress(workshop, ana, bo, instructor):
    for name in ("a", "b", "c"):
        store.apply(ana.cluster, pod(name))

    page = instructor.get(f"/workshops/{workshop.name}/room/").content.decode()

    assert 'aria-label="attendee Ana"' in page and 'aria-label="attendee Bo"' in page
    ana_card = page.split('aria-label="attendee Ana"')[1].split('aria-label="attendee ')[0]
    assert "3 pending" in ana_card  # no scheduler runs here: the pods wait for a node
    assert ana_card.count('class="square pending"') == 3
    assert "The pod and its pause container" in ana_card and "0/3" in ana_card
    assert f'name="cluster" value="{ana.cluster}"' in ana_card  # its Project button
    assert workshop.code in page
