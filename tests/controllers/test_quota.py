"""Controllers in a cluster with a quota: they grow to the limit, say FailedCreate in Kubernetes'
words, back off instead of spinning, and the refusals fold into one Event's count."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store import clusters, clock
from tests.factories import deployment

LIMIT = 20


@pytest.fixture
def team(make_cluster):
    handle = make_cluster("team-a")
    clock.set_mode("team-a", "paused")
    clusters.set_quota("team-a", pods=LIMIT)
    return handle


def user_pods(team):
    return [p for p in team.list("Pod", namespace="default")]


def failed_creates(team):
    return [e for e in store.list("team-a", "Event", namespace="default") if e["reason"] == "FailedCreate"]


def test_a_100000_replica_deployment_stays_at_the_quota(team):
    team.apply(deployment("web", replicas=100000))

    team.settle()

    assert len(user_pods(team)) == LIMIT
    [event] = failed_creates(team)
    assert event["involvedObject"]["kind"] == "ReplicaSet" and event["type"] == "Warning"
    assert event["message"].startswith('Error creating: pods "web-')
    assert event["message"].endswith(f'-" is forbidden: exceeded quota: cluster-quota, requested: pods=1, '
                                     f"used: pods={LIMIT}, limited: pods={LIMIT}")
    [rs] = team.list("ReplicaSet")
    [failure] = [c for c in rs["status"]["conditions"] if c["type"] == "ReplicaFailure"]
    assert failure["reason"] == "FailedCreate" and "exceeded quota" in failure["message"]


def test_it_backs_off_and_its_events_stay_bounded_over_an_hour(team):
    team.apply(deployment("web", replicas=100000))
    team.advance(120)  # the 20 pods pulled and started
    events_before = len(store.list("team-a", "Event", namespace=None))
    reconciles_before = team.controllers().reconciles

    team.advance(3600)

    assert len(user_pods(team)) == LIMIT
    [event] = failed_creates(team)  # one Event, its count going up, as the EventRecorder aggregates
    assert 1 < event["count"] < 40  # retried with back-off (5 ms doubling to 1,000 s), never spinning
    # an hour of 20 running pods: their kubelets' heartbeats and probes, not a flood of creates
    assert team.controllers().reconciles - reconciles_before < 3_000
    assert len(store.list("team-a", "Event", namespace=None)) == events_before


def test_freeing_room_lets_the_replica_set_grow_again(team):
    team.apply(deployment("web", replicas=100000))
    team.settle()

    clusters.set_quota("team-a", pods=LIMIT + 5)
    team.advance(1000)  # the next retry, at the back-off's longest

    assert len(user_pods(team)) == LIMIT + 5


def test_a_deployment_that_cannot_create_its_replica_set_says_so(team):
    used = clusters.usage(clusters.id_of("team-a"))["count/objects"]
    clusters.set_quota("team-a", objects=used + 1)  # room for the Deployment, none for its ReplicaSet
    team.apply(deployment("web", replicas=2))

    team.settle()

    assert team.list("ReplicaSet") == []
    [event] = [e for e in store.list("team-a", "Event", namespace="default") if e["reason"] == "ReplicaSetCreateError"]
    assert event["type"] == "Warning" and event["involvedObject"]["kind"] == "Deployment"
    assert event["message"].startswith('Failed to create new replica set "web-')
    assert "is forbidden: exceeded quota: cluster-quota, requested: count/objects=1" in event["message"]
    progressing = [c for c in team.get("Deployment", "web", "default")["status"]["conditions"] if c["type"] == "Progressing"]
    assert progressing[0]["status"] == "False" and progressing[0]["reason"] == "ReplicaSetCreateError"
