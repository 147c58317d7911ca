"""The controller manager: a paused cluster does nothing until Step, one reconcile per Step."""
from __future__ import annotations

from playground.controllers.manager import Manager
from playground.sim.components import COMPONENTS
from playground.store import clock
from tests.factories import replica_set


def test_a_paused_cluster_waits_and_each_step_runs_one_reconcile(cluster):
    manager = Manager(COMPONENTS)
    cluster.apply(replica_set("web", replicas=3))

    manager.turn()
    runtime = manager.runtimes["default"]
    assert cluster.list("Pod") == [] and runtime.reconciles == 0  # paused: nothing by itself

    clock.request_step("default")
    manager.turn()
    assert runtime.reconciles == 1

    clock.request_step("default", 2)
    manager.turn()
    assert runtime.reconciles == 3
    assert not clock.take_step("default")  # every request was used


def test_a_running_cluster_works_through_its_queue(cluster):
    manager = Manager(COMPONENTS)
    clock.set_mode("default", "running", speed=1.0)
    cluster.apply(replica_set("web", replicas=3))

    manager.turn()

    assert len(cluster.list("Pod")) == 3
