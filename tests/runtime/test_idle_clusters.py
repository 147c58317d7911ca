"""What an idle cluster costs the manager: a paused or instant one nothing at all (no timer it
waits on, no write, no query of its own: one query per turn reads every cluster's state); a
running one its kubelets' heartbeats, as a real node's (a Lease renewal every 10 simulated
seconds per node, and the Node's status every 5 minutes), and nothing else."""
from __future__ import annotations

import collections

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.components import COMPONENTS
from playground.runtime.leases import LeaseKeeper
from playground.runtime.manager import Manager
from playground.sim import faults
from playground.sim.kind import create_kind_cluster
from playground.store import api as store
from playground.store import changelog, clock, traces

ROOM = [f"attendee-{n}" for n in range(6)]


def resource_versions(room: list[str]) -> dict[str, int]:
    return {name: state.resource_version for name, state in changelog.cluster_states(room).items()}


@pytest.fixture
def room(make_cluster):
    """Six attendee clusters, settled: their nodes Ready, nothing left to do."""
    for name in ROOM:
        make_cluster(name).settle()
    return ROOM


@pytest.mark.parametrize("mode", ["paused", "instant"])
def test_idle_clusters_write_nothing_and_cost_one_query_a_turn(room, mode, monkeypatch):
    # The process's once-a-second looks (a loop page watching, a fault waiting) held still: 200
    # turns on a loaded machine may take longer than a second
    monkeypatch.setattr(traces, "WATCH_CHECK_SECONDS", 3600.0)
    monkeypatch.setattr(faults, "ANYWHERE_SECONDS", 3600.0)
    traces.watched(room[0])
    faults.pending_anywhere()
    for name in room:
        clock.set_mode(name, mode)
    # The leases' own clock stands still: a slow database must not bring their retry period round
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: 0.0))
    manager.turn()  # each cluster lists its objects once
    before = resource_versions(room)

    with CaptureQueriesContext(connection) as queries:
        for _ in range(200):
            assert not manager.turn()

    assert resource_versions(room) == before  # not a write
    assert len(queries) == 200  # every cluster's resourceVersion and clock, in one query a turn
    assert all(runtime.next_due() is None or not runtime.has_foreground_timers() for runtime in manager.runtimes.values())


def test_a_running_idle_cluster_writes_only_its_nodes_heartbeats(room):
    for name in room:
        clock.set_mode(name, "running", speed=1.0)
    manager = Manager(COMPONENTS)
    manager.turn()
    before = resource_versions(room)

    for _ in range(60):  # ten simulated minutes, in steps of 10 s
        for name in room:
            clock.advance(name, 10)
        manager.turn()

    written = collections.Counter(e.object["kind"] for name in room for e in changelog.changes(name, before[name]))
    assert set(written) <= {"Lease", "Node"}
    per_cluster_minute = sum(written.values()) / len(room) / 10
    assert 17 <= per_cluster_minute <= 19.5  # 3 nodes × 6 Lease renewals a minute, and a Node status every 5


def turns_until_it_rests(manager: Manager, *, limit: int = 2000) -> int:
    """The manager's turns until one finds nothing to do (a cluster that never rests fails here)."""
    for turn in range(limit):
        if not manager.turn():
            return turn
    raise AssertionError(f"still busy after {limit} turns")


def test_an_instant_kind_cluster_rests_once_its_probes_can_only_pass(db):
    # CoreDNS's probes run every 10 s for ever; their answers cannot change, so they are no
    # moment an instant clock has to jump to
    create_kind_cluster("kind")
    clock.set_mode("kind", "instant")
    manager = Manager(COMPONENTS)

    turns_until_it_rests(manager)
    rested_at = clock.now("kind")
    for _ in range(20):
        assert not manager.turn()

    assert clock.now("kind") == rested_at
    coredns = [p for p in store.list("kind", "Pod", namespace="kube-system") if p["metadata"]["name"].startswith("coredns")]
    assert len(coredns) == 2 and all(p["status"]["containerStatuses"][0]["ready"] for p in coredns)


def test_an_instant_cluster_goes_on_to_the_probe_run_that_fails(db):
    # agnhost liveness answers /healthz with 200 for 10 s, then 500: the kubelet restarts it
    create_kind_cluster("kind")
    clock.set_mode("kind", "instant")
    manager = Manager(COMPONENTS)
    turns_until_it_rests(manager)
    store.apply("kind", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "liveness-http", "namespace": "default"},
                         "spec": {"containers": [{"name": "liveness", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40",
                                                  "args": ["liveness"],
                                                  "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                                                                    "initialDelaySeconds": 3, "periodSeconds": 3}}]}})

    for _ in range(200):
        manager.turn()
        status = store.get("kind", "Pod", "liveness-http", "default").get("status", {})
        if any(c["restartCount"] >= 2 for c in status.get("containerStatuses", [])):
            break
    else:
        raise AssertionError(f"not restarted twice: {status}")
