"""Requests per second per cluster: past its quota a cluster's pages and its Kubernetes API answer
429 Too Many Requests with Retry-After, and other clusters are not slowed."""
from __future__ import annotations

import json

import pytest

from playground.apiserver import tokens
from playground.store import clusters

SLOW = 0.01  # one request, then the next token in 100 s: no test is near a refill


@pytest.fixture
def team(make_cluster):
    make_cluster("team-a")
    clusters.set_quota("team-a", requests_per_second=SLOW)


def test_a_page_past_the_rate_is_429_with_retry_after(team, client, cluster):
    assert client.get("/clusters/team-a/").status_code == 200

    refused = client.get("/clusters/team-a/objects/")

    assert refused.status_code == 429
    assert 90 <= int(refused["Retry-After"]) <= 100
    assert "Too many requests, please try again later" in refused.content.decode()
    assert client.get("/clusters/default/").status_code == 200  # another cluster's pages are its own


def test_the_api_past_the_rate_is_a_too_many_requests_status(team, client, cluster):
    secret = tokens.issue("team-a")

    def get(path: str, token: str = secret, name: str = "team-a"):
        return client.get(f"/clusters/{name}/{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert get("api/v1/namespaces/default/pods").status_code == 200
    refused = get("api/v1/namespaces/default/pods")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 90
    assert json.loads(refused.content) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Too many requests, please try again later.", "reason": "TooManyRequests",
        "details": {"retryAfterSeconds": int(refused["Retry-After"])}, "code": 429,
    }
    assert get("api/v1/namespaces/default/pods", tokens.issue("default"), "default").status_code == 200


def test_a_request_with_another_clusters_token_spends_nothing(team, client, cluster):
    other = tokens.issue("default")
    for _ in range(3):
        assert client.get("/clusters/team-a/api", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403

    mine = client.get("/clusters/team-a/api", HTTP_AUTHORIZATION=f"Bearer {tokens.issue('team-a')}")

    assert mine.status_code == 200


def test_a_refused_page_costs_no_count_of_the_clusters_objects(team, client, django_assert_max_num_queries):
    client.get("/clusters/team-a/")

    # Who may come in is asked first (a workshop's attendee and a lesson's learner: an attendee must
    # not spend another's budget); then the quota, read at most once a second; never the objects
    with django_assert_max_num_queries(4) as queries:
        assert client.get("/clusters/team-a/").status_code == 429
    assert not [q for q in queries.captured_queries if "store_storedobject" in q["sql"]]
