"""scale, events and clock, as a learner types them."""
from __future__ import annotations

from playground.store import clock
from tests.commands.test_kubectl_commands import run
from tests.factories import replica_set


def test_scale_sets_the_replicas_and_the_controller_follows(cluster):
    cluster.apply(replica_set("web", replicas=1))

    assert run("scale", "replicaset/web", "--replicas=4") == (0, "replicaset.apps/web scaled\n", "")
    cluster.settle()

    assert len(cluster.list("Pod", label_selector="app=web")) == 4


def test_events_list_what_the_controllers_did(cluster):
    cluster.apply(replica_set("web", replicas=2))
    cluster.settle()

    status, out, _ = run("events")

    header, *rows = out.splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    created = [r for r in rows if "SuccessfulCreate" in r]
    scheduled = [r for r in rows if "Scheduled" in r]
    assert len(created) == 2 and all("replicaset/web" in r and "Created pod: web-" in r for r in created)
    assert len(scheduled) == 2 and all("Successfully assigned default/web-" in r for r in scheduled)


def test_events_for_one_object(cluster):
    cluster.apply(replica_set("web", replicas=2))
    cluster.settle()

    _, out, _ = run("events", "--for", "replicaset/web")

    assert [line.split()[2] for line in out.splitlines()[1:]] == ["SuccessfulCreate", "SuccessfulCreate"]


def test_clock_advance_moves_simulated_time(cluster):
    before = cluster.now()

    status, out, _ = run("clock", "advance", "90")

    assert status == 0 and out.rstrip().endswith("paused (runs at 1x)")
    assert (cluster.now() - before).total_seconds() == 90


def test_clock_run_takes_a_speed(cluster):
    assert run("clock", "run", "--speed", "10")[1].rstrip().endswith("running at 10x")
    assert run("clock", "run", "--speed", "1000")[2] == (
        "Error from server (BadRequest): clock speed 1000 is not one of 0.25×, 0.5×, 1×, 10× (for no waiting at all: instant)\n"
    )


def test_a_speed_alone_sets_the_speed_and_keeps_the_mode(cluster):
    status, out, _ = run("clock", "--speed", "0.25")

    assert status == 0 and out.rstrip().endswith("paused (runs at 0.25x)")
    assert run("clock", "run")[1].rstrip().endswith("running at 0.25x")
    assert run("clock", "--speed", "10")[1].rstrip().endswith("running at 10x")
    assert clock.read(cluster.name).speed == 10


def test_a_speed_the_pages_do_not_offer_is_refused_and_changes_nothing(cluster):
    status, _, err = run("clock", "--speed", "100")

    assert status != 0 and "clock speed 100 is not one of 0.25×, 0.5×, 1×, 10×" in err
    assert (clock.read(cluster.name).mode, clock.read(cluster.name).speed) == ("paused", 1)


def test_clock_step_needs_a_paused_clock(cluster):
    run("clock", "run")

    assert run("clock", "step")[2] == "error: step runs one reconcile of a paused cluster: run `clock pause` first\n"
    run("clock", "pause")
    assert run("clock", "step", "3")[1].rstrip().endswith("paused (runs at 1x), 3 steps waiting")
    assert clock.take_step(cluster.name)
    assert run("clock")[1].rstrip().endswith("paused (runs at 1x), 2 steps waiting")
