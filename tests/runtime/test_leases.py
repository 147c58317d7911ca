"""Leases on clusters: the rules as pure functions on a worker's clock, then the keeper on the
real table (two workers in one process, each with a clock of its own), then the fence."""
from __future__ import annotations

import datetime

import pytest

from playground.components import COMPONENTS
from playground.runtime.manager import Manager
from playground.runtime.leases import (
    LeaseKeeper,
    LeaseTimes,
    Observation,
    expired,
    fair_share,
    observe,
    plan,
    still_held,
)
from playground.store import api as store
from playground.store import notify
from playground.store.demo import create_demo_cluster
from playground.store import leases as store_leases
from playground.store.errors import Fenced
from playground.store.models import ClusterLease
from tests.factories import config_map

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
TIMES = LeaseTimes(lease_duration=15, renew_deadline=10, retry_period=2)


def lease(cluster: str | None, holder: str, *, renewed: float = 0, transitions: int = 1) -> store_leases.LeaseRecord:
    return store_leases.LeaseRecord(cluster, holder, T0 + datetime.timedelta(seconds=renewed), 15.0, transitions)


def seen_at(when: float, *records: store_leases.LeaseRecord) -> dict:
    return observe({}, records, now=when)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the rules ----------------------------------------------------------------------------------


def test_a_lease_expires_a_lease_duration_after_it_was_last_seen_to_change():
    first = seen_at(100, lease("a", "w1", renewed=0))

    assert not expired(first[("cluster", "a")], now=114.9)
    assert expired(first[("cluster", "a")], now=115)


def test_a_renewed_lease_is_seen_afresh_and_an_unchanged_one_keeps_its_first_sighting():
    before = seen_at(100, lease("a", "w1", renewed=0), lease("b", "w1", renewed=0))

    after = observe(before, [lease("a", "w1", renewed=2), lease("b", "w1", renewed=0)], now=110)

    assert after[("cluster", "a")].observed_at == 110
    assert after[("cluster", "b")].observed_at == 100


def test_a_released_lease_is_free_at_once():
    released = seen_at(100, lease("a", ""))

    assert expired(released[("cluster", "a")], now=100)


def test_the_fair_share_rounds_up():
    assert [fair_share(5, n) for n in (1, 2, 3, 0)] == [5, 3, 2, 5]


def test_a_lone_worker_takes_every_free_cluster():
    decided = plan({}, ["a", "b", "c"], me="w1", now=0)

    assert sorted(decided.acquire) == ["a", "b", "c"] and decided.release == []


def test_a_worker_takes_only_its_share_when_another_is_alive():
    other = seen_at(0, lease(None, "w2"))

    decided = plan(other, ["a", "b", "c", "d"], me="w1", now=1)

    assert len(decided.acquire) == 2


def test_a_worker_over_its_share_lets_the_excess_go_to_one_that_has_none():
    seen = seen_at(0, *(lease(name, "w1") for name in "abcd"), lease(None, "w2"))

    decided = plan(seen, list("abcd"), me="w1", now=1)

    assert decided.acquire == [] and decided.release == ["c", "d"]


def test_a_dead_workers_clusters_are_taken_once_expired_and_its_own_lease_forgotten():
    seen = seen_at(0, lease("a", "w2"), lease("b", "w2"), lease(None, "w2")) | seen_at(14, lease("c", "w1"))

    assert plan(seen, list("abc"), me="w1", now=14).acquire == []
    decided = plan(seen, list("abc"), me="w1", now=15)
    assert sorted(decided.acquire) == ["a", "b"]
    assert [r.holder_identity for r in decided.forget_workers] == ["w2"]


def test_a_holder_goes_on_only_within_the_renew_deadline():
    assert still_held(100, now=109.9, times=TIMES)
    assert not still_held(100, now=110, times=TIMES)
    assert not still_held(None, now=0, times=TIMES)


def test_an_observation_is_the_record_and_when_it_was_seen():
    record = lease("a", "w1")
    assert seen_at(5, record) == {("cluster", "a"): Observation(record, 5)}


# -- the keeper on the real table ----------------------------------------------------------------


@pytest.fixture
def two_workers(cluster, make_cluster):
    for name in ("team-a", "team-b", "team-c"):
        make_cluster(name)
    clusters = ["default", "team-a", "team-b", "team-c"]
    one, two = Clock(), Clock()
    return clusters, (LeaseKeeper(identity="w1", times=TIMES, clock=one), one), (LeaseKeeper(identity="w2", times=TIMES, clock=two), two)


def test_two_workers_share_the_clusters_and_the_epoch_counts_each_change_of_holder(two_workers):
    clusters, (w1, clock1), (w2, clock2) = two_workers

    w1.tick(clusters)  # alone so far: takes them all
    w2.tick(clusters)  # joins: nothing free yet
    clock1.advance(2)
    w1.tick(clusters)  # sees w2, lets half go
    clock2.advance(2)
    w2.tick(clusters)  # takes them

    assert len(w1.held) == len(w2.held) == 2
    assert set(w1.held) | set(w2.held) == set(clusters)
    assert set(w2.held.values()) == {2}  # a second holder: the epoch went up
    assert not set(w1.held) & set(w2.held)


def test_a_worker_that_stops_renewing_loses_its_clusters_to_the_other_within_the_lease_duration(two_workers):
    clusters, (w1, clock1), (w2, clock2) = two_workers
    w1.tick(clusters)
    w2.tick(clusters)
    taken_at = None

    # w1 is dead from here on; w2 looks every retry period
    while taken_at is None:
        clock2.advance(TIMES.retry_period)
        if len(w2.tick(clusters)) == len(clusters):
            taken_at = clock2.now

    assert taken_at <= TIMES.lease_duration + TIMES.retry_period
    assert ClusterLease.objects.filter(holder_identity="w2", cluster__isnull=False).count() == len(clusters)
    assert not ClusterLease.objects.filter(holder_identity="w1").exists()  # its own lease forgotten too


def test_a_holder_that_stalled_past_the_lease_finds_its_clusters_taken_and_lets_them_go(two_workers):
    clusters, (w1, clock1), (w2, clock2) = two_workers
    w1.tick(clusters)
    w2.tick(clusters)
    clock2.advance(TIMES.lease_duration)  # w1 is stalled (a long pause): w2 sees nothing renewed
    w2.tick(clusters)
    clock2.advance(TIMES.lease_duration)
    w2.tick(clusters)

    clock1.advance(TIMES.lease_duration * 2)
    w1.tick(clusters)

    assert w1.held == {} and len(w2.held) == len(clusters)


def test_a_clean_stop_frees_every_cluster_at_once(two_workers):
    clusters, (w1, _), (w2, _) = two_workers
    w1.tick(clusters)

    w1.release_all()
    w2.tick(clusters)

    assert len(w2.held) == len(clusters)


# -- the fence ------------------------------------------------------------------------------------


def test_a_write_from_a_worker_that_lost_its_lease_is_refused_and_nothing_is_stored(two_workers):
    clusters, (w1, clock1), (w2, clock2) = two_workers
    w1.tick(clusters)
    epoch = w1.held["default"]
    clock2.advance(TIMES.lease_duration)  # w1 stopped renewing: w2 takes over
    w2.tick(clusters)
    clock2.advance(TIMES.lease_duration)
    w2.tick(clusters)
    assert "default" in w2.held

    with store_leases.holding("default", "w1", epoch), pytest.raises(Fenced) as refused:
        store.create("default", config_map("stale"))

    assert "no longer holds its lease" in str(refused.value)
    assert store.list("default", "ConfigMap", namespace="default") == []
    with store_leases.holding("default", "w2", w2.held["default"]):
        store.create("default", config_map("fresh"))
    assert [c["metadata"]["name"] for c in store.list("default", "ConfigMap", namespace="default")] == ["fresh"]


def test_a_fenced_kubelet_keeps_nothing_of_its_pass(two_workers):
    """Work on the kubelet's own tables that rides on a batch (`also`) passes the fence too."""
    clusters, (w1, _), _ = two_workers
    w1.tick(clusters)
    kept = []

    with store_leases.holding("default", "w1", w1.held["default"] + 1), pytest.raises(Fenced):
        with store.batch("default") as batch:
            batch.also(lambda: kept.append("memory"))

    assert kept == []


def test_a_commit_in_another_workers_cluster_neither_wakes_this_one_nor_makes_it_look(two_workers, make_cluster):
    clusters, (w1, clock1), (w2, clock2) = two_workers
    w1.tick(clusters)
    w2.tick(clusters)
    clock1.advance(2)
    w1.tick(clusters)
    clock2.advance(2)
    w2.tick(clusters)
    manager = Manager(COMPONENTS, leases=w2)
    manager.refresh_clusters({name: None for name in w2.held}, w2.held)
    theirs, ours = next(iter(w1.held)), next(iter(w2.held))

    manager._on_notified(notify.Told(theirs))
    assert not manager._wake.is_set() and w2.due_in() > 0

    manager._on_notified(notify.Told(ours))
    assert manager._wake.is_set() and w2.due_in() > 0
    manager._wake.clear()

    make_cluster("woken-elsewhere")  # nobody holds it yet: take it up now
    manager._on_notified(notify.Told("woken-elsewhere"))
    assert manager._wake.is_set() and w2.due_in() == 0


def test_a_cluster_made_in_this_process_is_taken_up_at_the_next_turn(cluster):
    clock = Clock()
    keeper = LeaseKeeper(identity="w1", times=TIMES, clock=clock)
    manager = Manager(COMPONENTS, leases=keeper)
    manager.turn()
    assert set(manager.runtimes) == {"default"}

    create_demo_cluster("learn-1")  # a learner opens a lesson: its commits are this process's own
    manager._on_commit(cluster="learn-1", resource_version=1, count=1)  # changes_committed's receiver
    manager.turn()  # the retry period has not come round on the keeper's clock

    assert set(manager.runtimes) == {"default", "learn-1"}
