"""The lesson pages: the list, a lesson's Start that makes the learner's own cluster, a step with
its text, task, hints one at a time, live checks and the picture of the learner's cluster beside
it; steps open in order; another learner sees none of it; Reset gives the cluster back."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from playground.lessons.models import LessonProgress
from playground.runtime.cluster import ClusterRuntime
from playground.components import COMPONENTS
from playground.store import api as store
from playground.web.consumers import NOT_FOUND_CLOSE
from tests.lessons.test_shipped_lessons import LESSONS, commands_of, typed
from tests.conftest import ClusterHandle
from tests.web.live import HTMX, frame_after
from tests.web.test_hostile_sockets import handshake

LESSON = "/lessons/08-replicasets/"


def started(client: Client) -> LessonProgress:
    response = client.post(f"{LESSON}start/")
    assert response.status_code == 302 and response["Location"] == f"{LESSON}1/"
    return LessonProgress.objects.get(lesson="08-replicasets")


def make_replica_set(cluster: str) -> None:
    """Step 1's command, as the lesson writes it, typed into the console."""
    [command] = commands_of(LESSONS["08-replicasets"].steps[0])
    typed(ClusterHandle(cluster), command)


def advance(cluster: str, seconds: float) -> None:
    ClusterRuntime(cluster, COMPONENTS).advance(seconds)


def test_the_list_shows_each_lesson_and_what_the_learner_did(db, client):
    before = client.get("/lessons/").content.decode()
    started(client)
    after = client.get("/lessons/").content.decode()

    assert 'href="/lessons/08-replicasets/"' in before and "ReplicaSets and scaling" in before and "3 steps" in before
    assert "step 1 of 3" in after


def test_a_lesson_starts_on_a_cluster_of_the_learners_own(db, client):
    intro = client.get(LESSON).content.decode()
    mine = started(client)

    assert "A <strong>ReplicaSet</strong> has two things" in intro and "Start: make my cluster" in intro
    assert store.list(mine.cluster, "Node") and mine.cluster.startswith("learn-")
    assert client.get(LESSON)["Location"] == f"{LESSON}1/"  # back in the lesson, at the learner's step


def test_a_step_shows_its_text_task_red_checks_and_the_learners_cluster_beside_it(db, client):
    mine = started(client)

    page = client.get(f"{LESSON}1/").content.decode()

    assert "Step 1 of 3: Make a ReplicaSet of three pods" in page
    assert "<code>nginx:1.27</code>" in page and "Make a ReplicaSet named web with 3 ready nginx pods." in page
    assert 'class="check red"' in page and "no replicaset web in namespace default" in page
    assert f"/clusters/{mine.cluster}/?embed=1" in page and "the page of replicaset web comes here once it exists" in page
    assert f'ws-connect="/ws/clusters/{mine.cluster}/lessons/08-replicasets/1/"' in page
    assert "Next step" not in page


def test_a_later_step_opens_only_once_the_ones_before_are_done(db, client):
    mine = started(client)
    assert client.get(f"{LESSON}2/").status_code == 404

    make_replica_set(mine.cluster)
    advance(mine.cluster, 60)
    holding = client.get(f"{LESSON}1/").content.decode()
    advance(mine.cluster, 5)  # the checks' hold
    page = client.get(f"{LESSON}1/").content.decode()

    assert 'class="check green"' not in holding and "for 0 of the 5 simulated seconds it must hold" in holding
    assert 'class="check green"' in page and "3 of 3 pods with app=web are ready" in page
    assert 'href="/lessons/08-replicasets/2/"' in page and "Next step" in page
    assert "Scale it to five" in client.get(f"{LESSON}2/").content.decode()


def test_hints_come_one_at_a_time(db, client):
    started(client)

    first = client.post(f"{LESSON}1/hint/", headers=HTMX).content.decode()
    second = client.post(f"{LESSON}1/hint/", headers=HTMX).content.decode()

    assert "The selector&#x27;s labels must be the template&#x27;s labels" in first and "Another hint" in first
    assert first.count("<li>") == 1 and second.count("<li>") == 2 and "Another hint" not in second


def test_another_learner_sees_nothing_of_it(db, client):
    started(client)
    stranger = Client()

    assert stranger.get(f"{LESSON}1/").status_code == 404
    assert stranger.post(f"{LESSON}1/hint/").status_code == 404
    assert stranger.post(f"{LESSON}reset/").status_code == 404
    assert "step 1 of 3" not in stranger.get("/lessons/").content.decode()


def test_reset_gives_the_cluster_back_and_starts_again(db, client):
    mine = started(client)
    make_replica_set(mine.cluster)
    advance(mine.cluster, 60)
    client.get(f"{LESSON}1/")
    advance(mine.cluster, 5)
    client.get(f"{LESSON}1/")

    response = client.post(f"{LESSON}reset/")

    mine.refresh_from_db()
    assert response["Location"] == f"{LESSON}1/" and mine.done_steps == []
    assert store.list(mine.cluster, "ReplicaSet", namespace="default") == []


def test_an_unknown_lesson_is_a_404(db, client):
    assert client.get("/lessons/nope/").status_code == 404
    assert client.post("/lessons/nope/start/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_socket_to_a_step_not_open_or_another_clusters_is_closed_as_not_found():
    mine = started(Client())

    for path in (f"/ws/clusters/{mine.cluster}/lessons/08-replicasets/2/", "/ws/clusters/default/lessons/08-replicasets/1/"):
        connected, messages = async_to_sync(handshake)(path)
        assert connected and messages[-1] == {"type": "websocket.close", "code": NOT_FOUND_CLOSE}, path


@pytest.mark.django_db(transaction=True)
def test_the_step_socket_turns_a_check_green_as_the_cluster_changes_and_its_state_holds():
    mine = started(Client())
    make_replica_set(mine.cluster)
    socket = f"/ws/clusters/{mine.cluster}/lessons/08-replicasets/1/"

    ready = frame_after(socket, lambda: advance(mine.cluster, 60))
    held = frame_after(socket, lambda: advance(mine.cluster, 5))  # time moving wakes the page: no change needed

    assert 'id="lesson-checks"' in ready and "check green" not in ready and "it must hold" in ready
    assert held.count('class="check green"') == 2 and "Next step" in held
    assert f'src="/clusters/{mine.cluster}/replicasets/default/web/?embed=1"' in ready  # the picture is the object's now


def test_the_cluster_page_invites_a_newcomer_into_the_first_lesson(db, client):
    from playground.sim.kind import create_kind_cluster
    create_kind_cluster("default")

    before = client.get("/clusters/default/").content.decode()
    started(client)
    after = client.get("/clusters/default/").content.decode()

    assert 'class="invite"' in before and 'href="/lessons/01-containers/"' in before
    assert 'class="invite"' not in after  # a learner who has begun finds the lessons in the header


def test_lesson_markdown_shows_raw_html_as_text_and_links_no_script():
    from playground.web.lesson_views import markdown

    html = markdown('<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**')

    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert 'href="javascript' not in html and "<strong>ok</strong>" in html
