"""A controller manager that cannot keep up (a loaded server coming round to each of its
clusters every few seconds, or a worker that died before another takes its lease) slows its
clusters' clocks rather than letting simulated time outrun their kubelets: no node misses a
heartbeat, none goes NotReady, no pod is evicted. A node really stopped still goes NotReady. The
wall clock is injected: nothing here waits on real time."""
from __future__ import annotations

import datetime

import pytest

from playground.components import COMPONENTS
from playground.runtime.leases import LeaseKeeper, LeaseTimes
from playground.runtime.manager import Manager
from playground.store import clock
from tests.commands.test_kubectl_commands import run
from tests.factories import deployment
from tests.runtime.test_asleep import Wall

STARVED = 120.0  # real seconds between two turns of the cluster: far past the node monitor grace period


@pytest.fixture
def wall(monkeypatch):
    moving = Wall()
    monkeypatch.setattr(clock, "_wall", moving)
    return moving


@pytest.fixture
def running(cluster, wall):
    """The demo cluster with a Deployment of 4 running, its clock then running at 1×."""
    cluster.apply(deployment("web", replicas=4))
    cluster.advance(60)
    clock.set_mode(cluster.name, "running", speed=1.0)
    return cluster


def manager_on(wall: Wall, identity: str = "worker") -> Manager:
    times = LeaseTimes(lease_duration=15, renew_deadline=10, retry_period=2)
    return Manager(COMPONENTS, leases=LeaseKeeper(identity=identity, times=times, clock=lambda: wall.now.timestamp()))


def starve(manager: Manager, wall: Wall, *, turns: int, every: float = STARVED) -> None:
    """A manager that comes round to the cluster only every `every` real seconds."""
    for _ in range(turns):
        wall.pass_(every)
        manager.turn()


def ready(cluster, node: str) -> str:
    return {c["type"]: c["status"] for c in cluster.get("Node", node)["status"]["conditions"]}["Ready"]


def assert_nothing_flapped(cluster) -> None:
    nodes = [n["metadata"]["name"] for n in cluster.list("Node")]
    assert {node: ready(cluster, node) for node in nodes} == dict.fromkeys(nodes, "True")
    assert not any(e["reason"] in ("NodeNotReady", "TaintManagerEviction") for e in cluster.list("Event", namespace=None))
    assert not any(t["key"].startswith("node.kubernetes.io/") for n in cluster.list("Node")
                   for t in n["spec"].get("taints") or [] if t["effect"] == "NoExecute")
    pods = cluster.list("Pod", label_selector="app=web")
    assert len(pods) == 4 and not any(p["metadata"].get("deletionTimestamp") for p in pods)


def test_a_slow_manager_slows_the_clock_and_no_node_goes_not_ready(running, wall):
    manager = manager_on(wall)
    manager.turn()
    began = running.now()

    starve(manager, wall, turns=15)  # half an hour of real time, a turn every 2 minutes

    went = (running.now() - began).total_seconds()
    assert 15 * clock.RENEW_WHEN_LEFT <= went <= 15 * clock.LEAD_SECONDS  # it went on, slower than the wall
    assert_nothing_flapped(running)


def test_a_stopped_node_still_goes_not_ready_and_its_pods_are_evicted_under_a_slow_manager(running, wall):
    manager = manager_on(wall)
    manager.turn()
    run("node", "stop", "playground-worker")

    starve(manager, wall, turns=3)  # 60–90 simulated seconds: past the 50 s grace period
    assert ready(running, "playground-worker") == "Unknown"
    assert "NodeNotReady" in running.event_reasons("Node", "playground-worker")

    starve(manager, wall, turns=12)  # and past the pods' 300 s toleration of the unreachable taint
    evicted = [p for p in running.list("Pod", label_selector="app=web") if p["metadata"].get("deletionTimestamp")]
    assert evicted and {p["spec"]["nodeName"] for p in evicted} == {"playground-worker"}
    assert ready(running, "playground-worker2") == "True"


def test_a_cluster_whose_worker_died_waits_for_the_next_one_with_its_clock_held(running, wall):
    dead = manager_on(wall, "worker-a")
    dead.turn()
    held_at = running.now()
    wall.pass_(600)  # worker-a is gone; nobody runs the cluster for ten minutes

    assert clock.read(running.name).held()
    assert running.now() == held_at + datetime.timedelta(seconds=clock.LEAD_SECONDS)
    taker = manager_on(wall, "worker-b")
    for _ in range(30):  # worker-b looks every few seconds, takes the lease once it expired, and runs it
        wall.pass_(2)
        taker.turn()

    assert running.name in taker.runtimes
    assert not clock.read(running.name).held()
    assert_nothing_flapped(running)


def test_a_manager_that_keeps_up_is_never_held_and_renews_the_clock_every_few_turns(running, wall):
    manager = manager_on(wall)
    manager.turn()
    began, anchors = running.now(), set()

    for _ in range(60):  # a minute, a turn a second
        wall.pass_(1)
        manager.turn()
        anchors.add(clock.read(running.name).anchor)

    assert running.now() - began == datetime.timedelta(seconds=60)  # time as the wall's
    assert len(anchors) == 5  # the one it ran from, then a write every RENEW_WHEN_LEFT seconds: 15, 30, 45, 60


def test_clock_show_says_a_clock_is_held_when_no_manager_runs_it(running, wall):
    wall.pass_(clock.LEAD_SECONDS + 45)

    shown = run("clock", "show")[1]

    assert "running at 1x, held 45 s for its controllers (is `playground` or `runcontrollers` running?)" in shown
