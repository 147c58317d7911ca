"""A cluster's requests per second hold across web processes: the budget is counted in the
database, so a request that reaches another process (another connection, an empty memory) finds
the tokens the first one spent. Time is the test's: each budget is given the clock it reads."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import override_settings

from playground.store import clusters, quota
from playground.store.quota import RequestBudget, SharedRequestBudget
from tests.concurrently import run_together

# Each "process" is a thread with a database connection of its own: the test's writes must be committed
PROCESSES = pytest.mark.django_db(transaction=True)
RATE = 0.5  # a token every 2 s, bursts of 1


def in_another_process(take):  # noqa: ANN001, ANN201 - a call, made on a connection of its own
    done = {}

    def run() -> None:
        try:
            done["wait"] = take()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return done["wait"]


@PROCESSES
def test_a_token_spent_in_one_process_is_gone_in_another(make_cluster):
    make_cluster("team-a")
    first, second = SharedRequestBudget(clock=lambda: 1000.0), SharedRequestBudget(clock=lambda: 1000.0)

    assert in_another_process(lambda: first.take("team-a", RATE)) == 0
    assert in_another_process(lambda: second.take("team-a", RATE)) == pytest.approx(2.0)


@PROCESSES
def test_the_shared_bucket_refills_at_the_rate(make_cluster):
    make_cluster("team-a")
    assert in_another_process(lambda: SharedRequestBudget(clock=lambda: 1000.0).take("team-a", RATE)) == 0

    later = SharedRequestBudget(clock=lambda: 1001.5)
    assert in_another_process(lambda: later.take("team-a", RATE)) == pytest.approx(0.5)  # 0.75 of a token
    after = SharedRequestBudget(clock=lambda: 1003.0)
    assert in_another_process(lambda: after.take("team-a", RATE)) == 0


@PROCESSES
def test_a_clock_behind_the_bucket_refills_nothing(make_cluster):
    make_cluster("team-a")
    assert in_another_process(lambda: SharedRequestBudget(clock=lambda: 1000.0).take("team-a", RATE)) == 0

    behind = SharedRequestBudget(clock=lambda: 900.0)  # another host's clock, 100 s late
    assert in_another_process(lambda: behind.take("team-a", RATE)) == pytest.approx(2.0)


@PROCESSES
def test_two_processes_taking_at_once_spend_the_last_token_once(make_cluster):
    make_cluster("team-a")
    waits = run_together(*[lambda: SharedRequestBudget(clock=lambda: 1000.0).take("team-a", RATE)] * 2)

    assert sorted(waits) == [0, pytest.approx(2.0)]


def test_counted_in_each_processs_memory_the_limit_doubles():
    # why the database: two processes of their own memory let twice the rate through
    first, second = RequestBudget(clock=lambda: 1000.0), RequestBudget(clock=lambda: 1000.0)

    assert first.take("team-a", RATE) == 0 and second.take("team-a", RATE) == 0


@pytest.mark.django_db
def test_a_page_past_the_rate_is_refused_by_the_next_process_too(make_cluster, client):
    make_cluster("team-a")
    clusters.set_quota("team-a", requests_per_second=0.01)

    with override_settings(PLAYGROUND_SHARED_REQUEST_BUDGETS=True):
        assert client.get("/clusters/team-a/").status_code == 200
        quota.forget_request_counts()  # the next request reaches another process: nothing in its memory
        refused = client.get("/clusters/team-a/objects/")

    assert refused.status_code == 429
    assert 90 <= int(refused["Retry-After"]) <= 100
