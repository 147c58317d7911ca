"""The ReplicaSet controller, reconciled on the real store."""
from __future__ import annotations

import datetime
import re

from playground.controllers.replicaset import ReplicaSetController, pods_to_delete
from playground.runtime.controller import slow_start_batches
from playground.store.changelog import changes_committed
from tests.factories import pod, replica_set


def pod_names(cluster, selector="app=web"):
    return sorted(p["metadata"]["name"] for p in cluster.list("Pod", label_selector=selector)
                  if not p["metadata"].get("deletionTimestamp"))


def test_it_creates_missing_pods_named_after_the_replica_set(cluster):
    cluster.apply(replica_set("web", replicas=3))

    cluster.reconcile(ReplicaSetController, "default/web")

    names = pod_names(cluster)
    assert len(names) == 3
    assert all(re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", n) for n in names)
    assert cluster.event_reasons("ReplicaSet", "web") == ["SuccessfulCreate"] * 3


def test_slow_start_batches_double_from_one_and_end_with_what_remains():
    assert list(slow_start_batches(10)) == [1, 2, 4, 3]
    assert list(slow_start_batches(500)) == [1, 2, 4, 8, 16, 32, 64, 128, 245]
    assert list(slow_start_batches(0)) == []


def test_a_scale_up_is_written_in_slow_start_batches_one_commit_each(cluster, django_capture_on_commit_callbacks):
    cluster.apply(replica_set("web", replicas=10))

    made = pods_created_per_commit(cluster, django_capture_on_commit_callbacks,
                                   lambda: cluster.reconcile(ReplicaSetController, "default/web"))

    assert made == [1, 2, 4, 3]
    assert cluster.event_reasons("ReplicaSet", "web") == ["SuccessfulCreate"] * 10


def test_a_sync_writes_its_status_in_the_commit_of_its_last_request(cluster, django_capture_on_commit_callbacks):
    """One commit for the last pods and the status they end with, not one more for every page to draw."""
    cluster.apply(replica_set("web", replicas=3))
    cluster.advance(30)  # running and ready
    scaled_up = kinds_per_commit(cluster, django_capture_on_commit_callbacks,
                                 lambda: (cluster.apply(replica_set("web", replicas=6)),
                                          cluster.reconcile(ReplicaSetController, "default/web")))
    scaled_down = kinds_per_commit(cluster, django_capture_on_commit_callbacks,
                                   lambda: (cluster.apply(replica_set("web", replicas=2)),
                                            cluster.reconcile(ReplicaSetController, "default/web")))

    # slowStartBatch's 1 and 2: the status, still counting the 3 pods the sync began with, with the last
    assert scaled_up[1:] == [["Pod ADDED"], ["Pod ADDED", "Pod ADDED", "ReplicaSet MODIFIED"]]
    # the three on no node yet go at once, the running one is marked for its grace period
    assert scaled_down[1:] == [["Pod DELETED"] * 3 + ["Pod MODIFIED", "ReplicaSet MODIFIED"]]
    rs = cluster.get("ReplicaSet", "web")
    assert (rs["spec"]["replicas"], rs["status"]["replicas"], rs["status"]["observedGeneration"]) == (2, 6, 3)


def test_a_status_refused_as_stale_takes_its_batch_with_it_and_the_sync_sends_it_again(cluster):
    cluster.apply(replica_set("web", replicas=2))
    runtime = cluster.controllers()
    runtime.sync()
    [controller] = [c for c in runtime.controllers if isinstance(c, ReplicaSetController)]
    rs = cluster.get("ReplicaSet", "web")
    cluster.update({**rs, "metadata": {**rs["metadata"], "annotations": {"team": "blue"}}})  # the cache has not seen it

    runtime.reconcile(controller, "default/web")  # slowStartBatch's 1, then 1 with the status: refused, Conflict
    left = pod_names(cluster)
    runtime.settle()

    assert len(left) == 1  # the first batch stands; the second went with the status it carried
    assert len(pod_names(cluster)) == 2
    assert cluster.get("ReplicaSet", "web")["status"]["observedGeneration"] == 1
    assert cluster.event_reasons("ReplicaSet", "web") == ["SuccessfulCreate"] * 2


def kinds_per_commit(cluster, capture_on_commit_callbacks, act) -> list[list[str]]:
    """The objects' kinds and change types each commit wrote while `act()` ran, Events left out."""
    return [[f"{c.object['kind']} {c.type}" for c in changes if c.object["kind"] != "Event"]
            for changes in changes_per_commit(cluster, capture_on_commit_callbacks, act)]


def changes_per_commit(cluster, capture_on_commit_callbacks, act) -> list[list]:
    """The changes each commit made while `act()` ran, commit by commit."""
    before, commits = cluster.resource_version(), []

    def record(*, resource_version, count, **_):
        commits.append(range(resource_version - count + 1, resource_version + 1))

    changes_committed.connect(record, weak=False)
    try:
        with capture_on_commit_callbacks(execute=True):  # each commit's notice, sent as it is
            act()
    finally:
        changes_committed.disconnect(record)
    changes = cluster.changes_since(before)
    return [[c for c in changes if int(c.object["metadata"]["resourceVersion"]) in commit] for commit in commits]


def test_its_pods_are_controlled_by_it(cluster):
    rs, _ = cluster.apply(replica_set("web", replicas=1))

    cluster.settle()

    [created] = cluster.list("Pod")
    [ref] = created["metadata"]["ownerReferences"]
    assert ref == {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
                   "controller": True, "blockOwnerDeletion": True}


def test_a_slow_cache_never_creates_extra_pods(cluster):
    cluster.apply(replica_set("web", replicas=3))
    runtime = cluster.controllers()
    runtime.sync()
    [controller] = [c for c in runtime.controllers if isinstance(c, ReplicaSetController)]

    runtime.reconcile(controller, "default/web")
    runtime.reconcile(controller, "default/web")  # without a sync: the cache has not seen the first three

    assert len(pod_names(cluster)) == 3


def test_a_settled_replica_set_writes_nothing(cluster):
    cluster.apply(replica_set("web", replicas=3))
    cluster.settle()
    before = cluster.resource_version()

    cluster.reconcile(ReplicaSetController, "default/web")

    assert cluster.changes_since(before) == []


def test_scaling_down_deletes_the_surplus(cluster):
    rs, _ = cluster.apply(replica_set("web", replicas=5))
    cluster.settle()

    cluster.patch("ReplicaSet", "web", "default", {"spec": {"replicas": 2}}, patch_type="merge")
    cluster.settle()

    assert len(pod_names(cluster)) == 2
    assert cluster.event_reasons("ReplicaSet", "web").count("SuccessfulDelete") == 3


def test_a_deleted_pod_is_replaced(cluster):
    cluster.apply(replica_set("web", replicas=2))
    cluster.settle()
    victim = pod_names(cluster)[0]

    cluster.delete("Pod", victim, "default")
    cluster.settle()

    names = pod_names(cluster)
    assert len(names) == 2 and victim not in names


def test_it_adopts_a_matching_orphan_instead_of_creating_a_pod(cluster):
    cluster.create(pod("handmade", labels={"app": "web"}))
    rs, _ = cluster.apply(replica_set("web", replicas=2))

    cluster.settle()

    names = pod_names(cluster)
    assert len(names) == 2 and "handmade" in names
    adopted = cluster.get("Pod", "handmade", "default")
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]


def test_a_relabelled_pod_is_released_and_replaced(cluster):
    cluster.apply(replica_set("web", replicas=2))
    cluster.settle()
    name = pod_names(cluster)[0]
    released = cluster.get("Pod", name, "default")
    released["metadata"]["labels"] = {"app": "debug"}

    cluster.update(released)
    cluster.settle()

    assert cluster.get("Pod", name, "default")["metadata"].get("ownerReferences") == []
    assert len(pod_names(cluster)) == 2


def test_status_counts_its_pods_and_observes_the_generation(cluster):
    cluster.apply(replica_set("web", replicas=3))

    cluster.settle()

    status = cluster.get("ReplicaSet", "web", "default")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}


def test_pods_to_delete_prefers_unscheduled_then_not_ready_then_newer():
    ready = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
             "phase": "Running"}

    def make(name, node="", status=None, created="2026-01-01T00:00:00Z"):
        return {"metadata": {"name": name, "creationTimestamp": created}, "spec": {"nodeName": node} if node else {},
                "status": status or {"phase": "Pending"}}

    pods = [
        make("ready-old", "n1", ready),
        make("ready-new", "n2", ready, created="2026-01-02T00:00:00Z"),
        make("running-not-ready", "n3", {"phase": "Running"}),
        make("unscheduled"),
    ]

    assert [p["metadata"]["name"] for p in pods_to_delete(pods, count=3)] == [
        "unscheduled", "running-not-ready", "ready-new",
    ]


def test_pods_to_delete_prefers_pods_doubled_up_on_a_node():
    ready = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
             "phase": "Running"}
    pods = [
        {"metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"nodeName": node},
         "status": ready}
        for name, node in (("alone", "n1"), ("crowded-a", "n2"), ("crowded-b", "n2"))
    ]

    assert {p["metadata"]["name"] for p in pods_to_delete(pods, count=2, related=pods)} == {"crowded-a", "crowded-b"}


READY = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}], "phase": "Running"}


def ranked(name, *, node="n1", uid=None, created="2026-01-01T00:00:00Z", annotations=None, restarts=()):
    status = {**READY, "containerStatuses": [{"name": f"c{i}", "restartCount": r} for i, r in enumerate(restarts)]}
    meta = {"name": name, "uid": uid or name, "creationTimestamp": created, "annotations": annotations or {}}
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


def test_pods_to_delete_takes_the_lower_pod_deletion_cost_first():
    pods = [ranked("precious", annotations={"controller.kubernetes.io/pod-deletion-cost": "100"}),
            ranked("cheap", annotations={"controller.kubernetes.io/pod-deletion-cost": "-5"}),
            ranked("default")]

    assert [p["metadata"]["name"] for p in pods_to_delete(pods, count=2)] == ["cheap", "default"]


def test_pods_to_delete_compares_the_most_restarts_of_one_container_not_their_sum():
    pods = [ranked("many-small", restarts=(2, 2, 2)), ranked("one-big", restarts=(5,)), ranked("calm")]

    assert [p["metadata"]["name"] for p in pods_to_delete(pods, count=1)] == ["one-big"]


def test_pods_of_about_the_same_age_are_one_bucket_ordered_by_uid():
    now = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    # 1000 s and 1010 s old: the same power of two of nanoseconds, so age does not decide
    older = ranked("older", uid="a-uid", created="2026-01-01T23:43:10Z")
    newer = ranked("newer", uid="b-uid", created="2026-01-01T23:43:20Z")
    # 1 day old against 1000 s: the younger bucket goes first
    ancient = ranked("ancient", uid="0-uid", created="2026-01-01T00:00:00Z")

    assert [p["metadata"]["name"] for p in pods_to_delete([ancient, newer, older], count=2, now=now)] == ["older", "newer"]


def test_pods_of_sibling_replica_sets_count_for_doubling_up(cluster):
    """Pods of a Deployment's other ReplicaSet on a node make this ReplicaSet's pod there go first."""
    from tests.factories import deployment

    cluster.apply(deployment("web", replicas=2))
    cluster.advance(30)
    cluster.apply(deployment("web", replicas=2, image="nginx:1.28"))
    cluster.settle()
    [new_rs] = [rs for rs in cluster.list("ReplicaSet") if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"]
    runtime = cluster.controllers()
    [controller] = [c for c in runtime.controllers if isinstance(c, ReplicaSetController)]

    related = controller.related_pods(runtime.cache.get("ReplicaSet", f"default/{new_rs['metadata']['name']}"))

    assert {p["spec"]["containers"][0]["image"] for p in related} == {"nginx:1.27", "nginx:1.28"}


def test_a_second_scale_down_does_not_wait_for_the_first_pods_grace_period(cluster):
    cluster.apply(replica_set("web", replicas=3))
    cluster.advance(30)

    cluster.apply(replica_set("web", replicas=2))
    cluster.settle()
    cluster.apply(replica_set("web", replicas=1))
    cluster.settle()  # no time passes: the first pod is still Terminating, its 30 s grace running

    terminating = [p for p in cluster.list("Pod") if p["metadata"].get("deletionTimestamp")]
    assert len(terminating) == 2
    assert cluster.event_reasons("ReplicaSet", "web").count("SuccessfulDelete") == 2


def pods_created_per_commit(cluster, capture_on_commit_callbacks, act) -> list[int]:
    """How many pods each commit made while `act()` ran (commits that made none left out)."""
    made = [sum(c.object["kind"] == "Pod" and c.type == "ADDED" for c in changes)
            for changes in changes_per_commit(cluster, capture_on_commit_callbacks, act)]
    return [n for n in made if n]


def test_a_scale_up_is_created_at_the_controller_managers_client_rate(cluster, django_capture_on_commit_callbacks):
    """kube-controller-manager's client sends 20 requests a second in bursts of 30: 100 pods
    take 3.5 simulated seconds, in slowStartBatch's batches cut where the tokens ran out."""
    cluster.apply(replica_set("web", replicas=100))

    first = pods_created_per_commit(cluster, django_capture_on_commit_callbacks, cluster.settle)
    assert first == [1, 2, 4, 8, 15]  # the burst: 30 tokens, the batch of 16 cut at its 15th pod
    assert len(pod_names(cluster)) == 30

    for expected in (50, 70, 90):
        cluster.advance(0.99)
        assert len(pod_names(cluster)) == expected - 20  # no pass before a second's worth of tokens
        cluster.advance(0.01)
        assert len(pod_names(cluster)) == expected
    cluster.advance(0.5)  # the last 10
    assert len(pod_names(cluster)) == 100
    assert cluster.event_reasons("ReplicaSet", "web") == ["SuccessfulCreate"] * 100


def test_the_next_pass_ends_the_batch_it_cut_then_starts_the_next(cluster, django_capture_on_commit_callbacks):
    cluster.apply(replica_set("web", replicas=100))
    cluster.settle()

    assert pods_created_per_commit(cluster, django_capture_on_commit_callbacks, lambda: cluster.advance(1)) == [1, 19]


def test_the_status_is_written_once_the_syncs_creates_are_all_sent(cluster):
    cluster.apply(replica_set("web", replicas=40))
    cluster.settle()
    assert len(pod_names(cluster)) == 30
    assert cluster.get("ReplicaSet", "web", "default").get("status", {}).get("replicas", 0) == 0

    cluster.advance(0.5)  # the last 10 tokens
    assert len(pod_names(cluster)) == 40
    assert cluster.get("ReplicaSet", "web", "default")["status"]["replicas"] == 40


def test_a_scale_down_is_deleted_at_the_client_rate(cluster):
    cluster.apply(replica_set("web", replicas=60))
    cluster.advance(60)
    assert len(pod_names(cluster)) == 60

    cluster.apply(replica_set("web", replicas=0))
    cluster.settle()
    assert len(pod_names(cluster)) == 30  # the burst's 30 deletes; the others wait for tokens
    cluster.advance(1)
    assert len(pod_names(cluster)) == 10
    cluster.advance(0.5)
    assert pod_names(cluster) == []
    assert cluster.event_reasons("ReplicaSet", "web").count("SuccessfulDelete") == 60


def test_a_deleted_replica_set_drops_the_creates_it_had_not_sent(cluster):
    cluster.apply(replica_set("web", replicas=100))
    cluster.settle()
    cluster.delete("ReplicaSet", "web", "default", propagation_policy="Orphan")
    cluster.settle()

    cluster.advance(10)

    assert len(pod_names(cluster)) == 30
