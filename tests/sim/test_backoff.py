"""The kubelet's restart and pull back-off (flowcontrol.Backoff as kubelet.go sets it up): pure
arithmetic on a container's record, no database."""
from __future__ import annotations

from playground.sim.backoff import in_backoff, in_pull_backoff, next_backoff, next_pull_backoff
from playground.sim.records import ContainerRecord


def test_the_first_restart_is_immediate_then_the_back_off_doubles_up_to_five_minutes():
    record = ContainerRecord(name="web")
    delays = []
    finished = 0.0
    for _ in range(8):
        assert not in_backoff(record, finished, finished + (record.backoff or 0))
        next_backoff(record, finished, finished)
        delays.append(record.backoff)
        finished += record.backoff + 1

    assert delays == [10, 20, 40, 80, 160, 300, 300, 300]


def test_a_container_inside_its_back_off_waits():
    record = ContainerRecord(name="web")
    next_backoff(record, 100.0, 100.0)

    assert in_backoff(record, 100.0, 105.0)
    assert not in_backoff(record, 100.0, 110.0)


def test_a_container_that_ran_ten_minutes_starts_over_at_ten_seconds():
    record = ContainerRecord(name="web", backoff=300.0, backoff_updated=0.0)

    assert not in_backoff(record, 601.0, 602.0)
    next_backoff(record, 601.0, 602.0)

    assert record.backoff == 10


def test_a_failed_pull_backs_off_from_ten_seconds():
    record = ContainerRecord(name="web")
    next_pull_backoff(record, 50.0)

    assert in_pull_backoff(record, 59.0)
    assert not in_pull_backoff(record, 60.0)
    next_pull_backoff(record, 60.0)
    assert record.pull_backoff == 20
