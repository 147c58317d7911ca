"""A cluster nobody uses falls asleep (issue 18): its clock stands still, the manager drops its
loops and lets its lease go, nothing is written; any use wakes it, its time going on from where
it stopped. The wall clock is injected: nothing here waits on real time."""
from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from playground.components import COMPONENTS
from playground.runtime.leases import LeaseKeeper
from playground.runtime.manager import Manager
from playground.store import api as store
from playground.store import changelog, clock
from playground.store import leases as store_leases
from tests.factories import config_map

IDLE_AFTER = 300.0


class Wall:
    """The real time the clocks read, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.timezone.utc)

    def __call__(self) -> datetime.datetime:
        return self.now

    def pass_(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def wall(monkeypatch, settings):
    settings.PLAYGROUND_IDLE_AFTER = IDLE_AFTER
    moving = Wall()
    monkeypatch.setattr(clock, "_wall", moving)
    return moving


@pytest.fixture
def room(wall, make_cluster):
    """Three attendee clusters, settled and running at 1×, just used."""
    names = [f"attendee-{n}" for n in range(3)]
    for name in names:
        make_cluster(name).settle()
        clock.set_mode(name, "running", speed=1.0)
        clock.use(name)
    return names


def run_for(manager: Manager, wall: Wall, seconds: float, *, step: float = 10.0) -> None:
    """Real time passing under a running manager: a turn every `step` seconds."""
    for _ in range(int(seconds / step)):
        wall.pass_(step)
        manager.turn()


def test_a_cluster_nobody_uses_falls_asleep_and_writes_nothing(room, wall):
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: wall.now.timestamp()))
    manager.turn()
    run_for(manager, wall, IDLE_AFTER)  # its nodes' heartbeats while it is awake
    before = {name: state.resource_version for name, state in changelog.cluster_states(room).items()}
    stopped = {name: clock.now(name) for name in room}

    run_for(manager, wall, 3600)  # an hour nobody looks

    assert {name: state.resource_version for name, state in changelog.cluster_states(room).items()} == before
    assert {name: clock.now(name) for name in room} == stopped  # time stands still
    assert manager.runtimes == {}  # no loop, no timer
    assert not manager.leases.held  # and no lease to renew
    assert all(clock.read(name).asleep() for name in room)


def test_its_time_stops_where_it_fell_asleep(room, wall):
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: wall.now.timestamp()))
    used_at = clock.now(room[0])
    manager.turn()
    run_for(manager, wall, IDLE_AFTER + 600)

    assert clock.now(room[0]) == used_at + datetime.timedelta(seconds=IDLE_AFTER)


def test_using_it_wakes_it_without_a_jump_and_its_nodes_stay_ready(room, wall):
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: wall.now.timestamp()))
    manager.turn()
    run_for(manager, wall, IDLE_AFTER + 3600)
    asleep_at = clock.now(room[0])

    assert clock.use(room[0]) is True  # a page opened, a command run
    assert clock.now(room[0]) == asleep_at  # it goes on from where it stood
    woken = changelog.cluster_resource_version(room[0])
    run_for(manager, wall, 120)

    assert room[0] in manager.runtimes
    assert clock.now(room[0]) == asleep_at + datetime.timedelta(seconds=120)
    assert changelog.changes(room[0], woken)  # it works again: its nodes' heartbeats are written
    for node in manager.runtimes[room[0]].cache.list("Node"):
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True"  # no node went NotReady for the hour it slept
    assert room[1] not in manager.runtimes  # the others sleep on


def test_a_cluster_in_use_records_it_at_most_every_few_seconds(room, wall, django_assert_num_queries):
    wall.pass_(clock.record_every())
    with django_assert_num_queries(1):  # an UPDATE of its row
        clock.use(room[0])
    for _ in range(5):
        wall.pass_(clock.record_every() / 6)
        with django_assert_num_queries(0):
            clock.use(room[0])


def test_a_woken_cluster_is_taken_up_by_a_worker_and_an_asleep_one_let_go(room, wall):
    worker = LeaseKeeper(identity="worker-a", clock=lambda: wall.now.timestamp())
    manager = Manager(COMPONENTS, leases=worker)
    manager.turn()
    assert set(worker.held) == set(room)

    run_for(manager, wall, IDLE_AFTER + 60)
    records = {r.cluster: r for r in store_leases.read() if r.cluster}
    assert all(records[name].holder_identity == "" for name in room)  # released, so renewing writes nothing

    clock.use(room[2])
    run_for(manager, wall, 10)
    assert set(worker.held) == {room[2]}
    assert set(manager.runtimes) == {room[2]}


def test_a_paused_or_instant_cluster_sleeps_too(room, wall):
    clock.set_mode(room[0], "instant")
    clock.set_mode(room[1], "paused")
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: wall.now.timestamp()))
    run_for(manager, wall, IDLE_AFTER + 10)

    assert manager.runtimes == {}


def test_clock_show_says_it_sleeps_and_does_not_wake_it(room, wall, capsys):
    wall.pass_(IDLE_AFTER + 5 * 60)

    call_command("clock", "show", "--cluster", room[0])

    assert "asleep (running at 1x): nobody has used it for 10 min; it wakes when used" in capsys.readouterr().out
    assert clock.read(room[0]).asleep()


def test_a_command_wakes_it(room, wall, capsys):
    wall.pass_(IDLE_AFTER + 60)

    call_command("get", "nodes", "--cluster", room[0])
    call_command("clock", "show", "--cluster", room[0])

    assert "running at 1x" in capsys.readouterr().out
    assert not clock.read(room[0]).asleep()


def test_a_write_through_the_store_from_any_code_wakes_it(room, wall):
    wall.pass_(IDLE_AFTER + 60)
    asleep_at = clock.now(room[0])

    store.create(room[0], config_map("settings"))  # a management command of its own, a Python shell

    assert not clock.read(room[0]).asleep()
    assert clock.now(room[0]) == asleep_at  # it goes on from where it stood
    created = store.get(room[0], "ConfigMap", "settings", "default")["metadata"]["creationTimestamp"]
    assert created == store.timestamp(asleep_at)
    assert clock.read(room[1]).asleep()  # the others sleep on


def test_it_never_sleeps_when_the_setting_is_zero(room, wall, settings):
    settings.PLAYGROUND_IDLE_AFTER = 0
    wall.pass_(10 * IDLE_AFTER)

    assert not clock.read(room[0]).asleep()
