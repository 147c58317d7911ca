"""The manager: a paused cluster does nothing until Step, one reconcile per Step; a write to one
cluster wakes that cluster's loops only."""
from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.components import COMPONENTS
from playground.runtime.leases import LeaseKeeper
from playground.runtime.manager import Manager
from playground.store import clock, clusters, notify
from playground.store import leases as store_leases
from playground.store.models import Cluster
from playground.store.errors import Forbidden
from tests.factories import config_map, namespace, pod, replica_set


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


def test_an_idle_turn_costs_one_query_however_many_clusters(cluster, make_cluster):
    for name in ("team-a", "team-b", "team-c"):
        make_cluster(name)
        clock.set_mode(name, "paused")
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: 0.0))  # the next renewal is not due
    manager.turn()  # each cluster lists its objects once

    with CaptureQueriesContext(connection) as queries:
        manager.turn()

    assert len(queries) == 1  # every cluster's resourceVersion and clock, read at once


def turn_after_an_apply(cluster) -> tuple[Manager, list[dict]]:
    """A manager past its first turn of the running cluster, and the queries of its turn after a
    ReplicaSet of 3 is applied."""
    manager = Manager(COMPONENTS, leases=LeaseKeeper(clock=lambda: 0.0))
    clock.set_mode("default", "running", speed=1.0)
    manager.turn()
    cluster.apply(replica_set("web", replicas=3))
    with CaptureQueriesContext(connection) as queries:
        manager.turn()
    return manager, queries.captured_queries


def test_a_turns_writes_read_the_cluster_row_once_for_the_turn(cluster):
    """Each store batch needs its cluster's id, clock and quota, and each read its id: in a turn
    they come from the turn's one read of every cluster, not from a query each."""
    _, queries = turn_after_an_apply(cluster)

    assert len(cluster.list("Pod")) == 3
    row_reads = [q["sql"] for q in queries if "quota" in q["sql"] and "clock_origin" in q["sql"]]
    assert len(row_reads) == 1  # the turn's own, for every cluster
    assert not [q for q in queries if q["sql"].startswith("SELECT id FROM store_cluster WHERE name")]
    pod = cluster.get("Pod", cluster.list("Pod")[0]["metadata"]["name"], "default")
    assert abs((datetime.datetime.fromisoformat(pod["metadata"]["creationTimestamp"]) - clock.now("default"))
               .total_seconds()) < 2  # stamped by the cluster's clock as the turn read it


@pytest.mark.django_db(transaction=True)  # committed for real: a commit's own entries are kept once it commits
def test_a_turn_takes_its_own_writes_back_without_reading_them_from_the_log(cluster):
    manager, queries = turn_after_an_apply(cluster)

    pods = cluster.list("Pod")
    cache = manager.runtimes["default"].cache
    assert len(pods) == 3
    assert all(cache.get("Pod", f"default/{pod['metadata']['name']}") == pod for pod in pods)  # as stored, versions too
    log_reads = [q for q in queries if "store_change ch" in q["sql"]]
    assert len(log_reads) == 1  # the turn's first look, for the apply; what it wrote itself came back from memory


def test_a_quota_set_before_a_turn_holds_in_its_writes(cluster):
    manager = Manager(COMPONENTS)
    clock.set_mode("default", "running", speed=1.0)
    clusters.set_quota("default", pods=2)
    cluster.apply(replica_set("web", replicas=3))

    manager.turn()

    assert len(cluster.list("Pod")) == 2
    assert "FailedCreate" in cluster.event_reasons("ReplicaSet", "web")


def test_a_write_to_one_cluster_wakes_that_cluster_only(cluster, make_cluster):
    make_cluster("team-b")
    clock.set_mode("team-b", "paused")
    manager = Manager(COMPONENTS)
    manager.turn()
    team_b = manager.runtimes["team-b"]
    seen = team_b.informer.seen_version
    team_b_id = Cluster.objects.get(name="team-b").id

    cluster.create(config_map("settings"))
    with CaptureQueriesContext(connection) as queries:
        manager.turn()

    assert manager.runtimes["default"].cache.get("ConfigMap", "default/settings") is not None
    assert team_b.informer.seen_version == seen
    assert not [q for q in queries if "store_change" in q["sql"] and f"cluster_id = {team_b_id}" in q["sql"]]


def test_a_manager_whose_lease_was_taken_over_drops_the_cluster_at_its_first_refused_write(cluster):
    manager = Manager(COMPONENTS, leases=LeaseKeeper(identity="w1", clock=lambda: 0.0))  # it does not look again
    clock.set_mode("default", "running", speed=1.0)
    manager.turn()
    [seen] = [record for record in store_leases.read() if record.cluster == "default"]
    store_leases.acquire("default", seen, identity="w2", duration=15, now=datetime.datetime.now(datetime.timezone.utc))
    cluster.apply(replica_set("web", replicas=3))

    manager.turn()

    assert "default" not in manager.runtimes and manager.leases.held == {}
    assert cluster.list("Pod") == []  # the ReplicaSet controller's creates were refused


def test_a_deleted_cluster_has_its_runtime_dropped(cluster, make_cluster):
    make_cluster("team-b")
    manager = Manager(COMPONENTS, leases=LeaseKeeper(identity="w1", clock=lambda: 0.0))
    manager.turn()

    clusters.delete("team-b")
    manager.turn()

    assert set(manager.runtimes) == {"default"}
def test_an_instant_cluster_moves_on_while_another_cluster_is_busy(cluster, make_cluster):
    busy = make_cluster("team-a")
    clock.set_mode("team-a", "running", speed=1.0)
    clock.set_mode("default", "instant")
    cluster.apply(replica_set("web", replicas=3))
    manager = Manager(COMPONENTS)
    manager.turn()
    manager.runtimes = {"team-a": manager.runtimes["team-a"], "default": manager.runtimes["default"]}  # the busy one first
    started = clock.now("default")

    for turn in range(50):
        busy.apply(replica_set(f"web-{turn}", replicas=1))  # a room of clusters: always someone at work
        manager.turn()

    # Instant skips to whatever is due next in its own cluster, whoever else had work that turn
    assert clock.now("default") > started
    assert all(pod["status"].get("phase") == "Running" for pod in cluster.list("Pod"))


def test_a_command_in_a_busy_room_is_taken_up_before_the_rest_of_the_round(cluster, make_cluster):
    for name in ("team-a", "team-b"):
        make_cluster(name)
    for name in ("team-a", "team-b", "default"):
        clock.set_mode(name, "running", speed=1.0)
    manager = Manager(COMPONENTS)
    manager.turn()
    manager.runtimes = {name: manager.runtimes[name] for name in ("team-a", "team-b", "default")}  # the round's order
    pods_when_team_b_ran = []
    team_a, team_b = manager.runtimes["team-a"], manager.runtimes["team-b"]

    def team_a_at_work(**kwargs):
        # Meanwhile a person's command reaches the default cluster through a web process
        cluster.apply(replica_set("web", replicas=3))
        manager._on_notified(notify.Told("default"))
        return type(team_a).process(team_a, **kwargs)

    def team_b_at_work(**kwargs):
        pods_when_team_b_ran.append(len(cluster.list("Pod", namespace="default")))
        return type(team_b).process(team_b, **kwargs)

    team_a.process, team_b.process = team_a_at_work, team_b_at_work
    manager.turn()

    # The ReplicaSet made its pods right after team-a's turn, before team-b's came round
    assert pods_when_team_b_ran == [3]


def test_only_a_commit_made_outside_the_managers_turn_is_a_persons(cluster):
    manager = Manager(COMPONENTS)
    manager.turn()

    manager._turning = threading.get_ident()  # the manager's own write, in its turn
    manager._on_commit(cluster="default")
    assert manager._urgent == set()

    manager._turning = None  # a request's, or the console's
    manager._on_commit(cluster="default")
    assert manager._urgent == {"default"}


def test_a_turn_looks_a_namespace_up_once_until_it_writes_a_namespace_itself(cluster):
    """As the API server's NamespaceLifecycle admission reads its informer's copy: within a turn,
    a namespace found open is not read again for each batch that creates in it; a Namespace the
    turn writes (one it starts deleting) is looked up again."""
    with clusters.known("default", clusters.id_of("default"), clock.read("default"), clusters.quota_of("default")):
        with CaptureQueriesContext(connection) as queries:
            cluster.create(config_map("first"))
            cluster.create(config_map("second"))
        cluster.create(namespace("team"))
        cluster.create(config_map("settings", namespace="team"))
        cluster.delete("Namespace", "team")  # terminating: the namespace controller empties it first

        with pytest.raises(Forbidden, match="because it is being terminated"):
            cluster.create(config_map("late", namespace="team"))

    assert len([q for q in queries.captured_queries if "kind = 'Namespace'" in q["sql"]]) == 1


def test_a_turn_looks_up_the_pods_service_account_and_priority_classes_once_until_it_writes_one(cluster):
    """As the ServiceAccount and Priority admission plugins read their informers' copies: within a
    turn, the batches that create pods read the account and the PriorityClasses once; an account
    the turn deletes is looked up again, and the next pod is refused for want of it."""
    with clusters.known("default", clusters.id_of("default"), clock.read("default"), clusters.quota_of("default")):
        with CaptureQueriesContext(connection) as queries:
            cluster.create(pod("first"))
            cluster.create(pod("second"))
        cluster.delete("ServiceAccount", "default", "default")

        with pytest.raises(Forbidden, match='serviceaccount "default" not found'):
            cluster.create(pod("late"))

    sql = [q["sql"] for q in queries.captured_queries]
    assert len([q for q in sql if "'ServiceAccount'" in q]) == 1
    assert len([q for q in sql if "'PriorityClass'" in q]) == 1
    assert [p["metadata"]["name"] for p in cluster.list("Pod")] == ["first", "second"]


def test_admissions_lookups_last_from_turn_to_turn_until_the_informer_sees_one_change(cluster):
    """A cluster's pods created over several turns read their ServiceAccount once; the account
    deleted by someone else between two turns (a page, kubectl) reaches the next turn through
    its informer, which has admission look again: the next pod is refused for want of it."""
    def built_by(replicas: int) -> dict:
        web = replica_set("web", replicas=replicas)
        web["spec"]["template"]["spec"]["serviceAccountName"] = "builder"
        return web

    manager = Manager(COMPONENTS)
    clock.set_mode("default", "running", speed=1.0)
    cluster.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder", "namespace": "default"}})
    cluster.apply(built_by(1))
    manager.turn()

    with CaptureQueriesContext(connection) as queries:
        cluster.apply(built_by(2))
        manager.turn()
    cluster.delete("ServiceAccount", "builder", "default")
    cluster.apply(built_by(3))
    manager.turn()

    assert len(cluster.list("Pod")) == 2
    assert not [q for q in queries.captured_queries if "'ServiceAccount'" in q["sql"]]  # the first turn's answer
    refused = [e["message"] for e in cluster.list("Event") if e["reason"] == "FailedCreate"]
    assert refused and 'serviceaccount "builder" not found' in refused[-1]
