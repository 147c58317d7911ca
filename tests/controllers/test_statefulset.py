"""The StatefulSet controller, on the real store through the demo cluster, stepping the clock:
ordered creation and deletion, stable names and claims, partitioned rolling updates, revisions."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from playground.controllers.statefulset import (
    StatefulSetController,
    claim_owner_references,
    get_parent_name_and_ordinal,
    hash_controller_revision,
    is_claim_owner_up_to_date,
)
from playground.store import api as store

Obj = dict[str, Any]
NEW_IMAGE = "nginx:1.28"


def stateful_set(
    name: str = "web",
    *,
    replicas: int = 3,
    image: str = "nginx:1.27",
    policy: str | None = None,
    claims: bool = True,
    strategy: Obj | None = None,
    min_ready_seconds: int = 0,
    retention: Obj | None = None,
    history_limit: int | None = None,
    start: int | None = None,
) -> Obj:
    """A StatefulSet as the Kubernetes tutorial writes it: nginx behind the `web` Service, a
    1Gi `data` claim per pod mounted at /usr/share/nginx/html."""
    app = {"app": name}
    container: Obj = {"name": "nginx", "image": image, "ports": [{"containerPort": 80, "name": "web"}]}
    spec: Obj = {
        "serviceName": name,
        "replicas": replicas,
        "selector": {"matchLabels": dict(app)},
        "template": {"metadata": {"labels": dict(app)}, "spec": {"containers": [container]}},
    }
    if claims:
        container["volumeMounts"] = [{"name": "data", "mountPath": "/usr/share/nginx/html"}]
        spec["volumeClaimTemplates"] = [{
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        }]
    optional = {
        "podManagementPolicy": policy,
        "updateStrategy": strategy,
        "minReadySeconds": min_ready_seconds or None,
        "persistentVolumeClaimRetentionPolicy": retention,
        "revisionHistoryLimit": history_limit,
        "ordinals": {"start": start} if start is not None else None,
    }
    spec.update({k: v for k, v in optional.items() if v is not None})
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": spec}


def pods_by_name(cluster) -> dict[str, Obj]:
    return {p["metadata"]["name"]: p for p in cluster.list("Pod", namespace="default", label_selector="app=web")}


def running_and_ready(pod: Obj | None) -> bool:
    return pod is not None and pod["status"].get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def healthy(pod: Obj | None) -> bool:
    return running_and_ready(pod) and not pod["metadata"].get("deletionTimestamp")


def event_messages(cluster, name: str = "web") -> list[str]:
    events = [
        e for e in cluster.list("Event", namespace="default")
        if e["involvedObject"]["kind"] == "StatefulSet" and e["involvedObject"]["name"] == name
    ]
    return [e["message"] for e in sorted(events, key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))]


def step_through(cluster, seconds: float, check=lambda: None) -> int:
    """Run one reconcile at a time for `seconds` of simulated time (the clock jumping to the next
    timer whenever nothing is ready), checking an invariant after each; returns the steps taken."""
    runtime = cluster.controllers()
    deadline = cluster.now() + datetime.timedelta(seconds=seconds)
    steps = 0
    while cluster.now() < deadline and runtime.step():
        check()
        steps += 1
    return steps


def claim(cluster, name: str) -> Obj:
    return cluster.get("PersistentVolumeClaim", name, "default")


# --- ordered creation ----------------------------------------------------------------------------


def test_ordered_ready_creates_each_pod_only_once_the_one_before_is_running_and_ready(cluster):
    cluster.apply(stateful_set(replicas=3))
    seen_alone = []

    def each_pod_waits_for_its_predecessor():
        pods = pods_by_name(cluster)
        for ordinal in (1, 2):
            if f"web-{ordinal}" in pods:
                assert running_and_ready(pods.get(f"web-{ordinal - 1}")), sorted(pods)
        if set(pods) == {"web-0"}:
            seen_alone.append(running_and_ready(pods["web-0"]))

    step_through(cluster, 60, each_pod_waits_for_its_predecessor)

    assert False in seen_alone  # web-0 was there, not yet ready, with no web-1 beside it
    pods = pods_by_name(cluster)
    assert sorted(pods) == ["web-0", "web-1", "web-2"] and all(map(running_and_ready, pods.values()))
    assert event_messages(cluster) == [
        "create Claim data-web-0 Pod web-0 in StatefulSet web success",
        "create Pod web-0 in StatefulSet web successful",
        "create Claim data-web-1 Pod web-1 in StatefulSet web success",
        "create Pod web-1 in StatefulSet web successful",
        "create Claim data-web-2 Pod web-2 in StatefulSet web success",
        "create Pod web-2 in StatefulSet web successful",
    ]
    assert set(cluster.event_reasons("StatefulSet", "web")) == {"SuccessfulCreate"}


def test_with_min_ready_seconds_the_next_pod_waits_until_the_one_before_is_available(cluster):
    cluster.apply(stateful_set(replicas=2, min_ready_seconds=10))
    created_at: dict[str, datetime.datetime] = {}

    def note_creations():
        for name in pods_by_name(cluster):
            created_at.setdefault(name, cluster.now())

    step_through(cluster, 60, note_creations)

    web_0 = cluster.get("Pod", "web-0", "default")
    ready = next(c for c in web_0["status"]["conditions"] if c["type"] == "Ready")
    ready_at = store.parse_timestamp(ready["lastTransitionTime"])
    assert (created_at["web-1"] - ready_at).total_seconds() >= 10
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert (status["readyReplicas"], status["availableReplicas"]) == (2, 2)


def test_parallel_creates_every_pod_in_one_pass(cluster):
    cluster.apply(stateful_set(replicas=3, policy="Parallel"))

    cluster.reconcile(StatefulSetController, "default/web")

    assert sorted(pods_by_name(cluster)) == ["web-0", "web-1", "web-2"]
    assert {c["metadata"]["name"] for c in cluster.list("PersistentVolumeClaim", namespace="default")} == {
        "data-web-0", "data-web-1", "data-web-2"}


def test_ordered_ready_creates_only_the_first_pod_in_one_pass(cluster):
    cluster.apply(stateful_set(replicas=3))

    cluster.reconcile(StatefulSetController, "default/web")
    cluster.reconcile(StatefulSetController, "default/web")

    assert sorted(pods_by_name(cluster)) == ["web-0"]


def test_a_pod_has_its_stable_identity(cluster):
    cluster.apply(stateful_set(replicas=2))
    cluster.advance(60)

    set_ = cluster.get("StatefulSet", "web", "default")
    pod = cluster.get("Pod", "web-1", "default")
    revision = set_["status"]["updateRevision"]
    assert pod["metadata"]["labels"] == {
        "app": "web",
        "statefulset.kubernetes.io/pod-name": "web-1",
        "apps.kubernetes.io/pod-index": "1",
        "controller-revision-hash": revision,
    }
    assert pod["metadata"]["generateName"] == "web-"
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "web")
    [ref] = pod["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("StatefulSet", "web", set_["metadata"]["uid"], True)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-1"}} in pod["spec"]["volumes"]


def test_ordinals_start_names_the_first_pod(cluster):
    cluster.apply(stateful_set(replicas=2, start=5, claims=False))
    cluster.advance(60)

    assert sorted(pods_by_name(cluster)) == ["web-5", "web-6"]
    assert cluster.get("Pod", "web-5", "default")["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "5"


# --- claims -------------------------------------------------------------------------------------------


def test_each_pod_claim_is_created_before_the_pod(cluster):
    before = cluster.resource_version()
    cluster.apply(stateful_set(replicas=2))
    cluster.advance(60)

    added = [
        e.object["metadata"]["name"] for e in cluster.changes_since(before)
        if e.type == "ADDED" and e.object["kind"] in ("Pod", "PersistentVolumeClaim")
    ]
    assert added == ["data-web-0", "web-0", "data-web-1", "web-1"]
    data_web_0 = claim(cluster, "data-web-0")
    assert data_web_0["metadata"]["labels"] == {"app": "web"}
    assert data_web_0["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "ownerReferences" not in data_web_0["metadata"]  # Retain, Retain: nobody deletes it


def test_scaling_3_to_1_deletes_web_2_then_web_1_one_at_a_time(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)
    claims_before = {n: claim(cluster, n)["metadata"]["uid"] for n in ("data-web-0", "data-web-1", "data-web-2")}
    messages_before = len(event_messages(cluster))

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})

    def web_1_goes_only_once_web_2_is_gone():
        pods = pods_by_name(cluster)
        if "web-1" in pods and pods["web-1"]["metadata"].get("deletionTimestamp"):
            assert "web-2" not in pods
        assert healthy(pods.get("web-0"))

    step_through(cluster, 60, web_1_goes_only_once_web_2_is_gone)

    assert sorted(pods_by_name(cluster)) == ["web-0"]
    assert event_messages(cluster)[messages_before:] == [
        "delete Pod web-2 in StatefulSet web successful",
        "delete Pod web-1 in StatefulSet web successful",
    ]
    # Retain: the claims outlive the pods scaled away
    assert {n: claim(cluster, n)["metadata"]["uid"] for n in claims_before} == claims_before


def test_scaling_back_up_reattaches_the_retained_claims(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)
    uid = claim(cluster, "data-web-2")["metadata"]["uid"]
    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})
    cluster.advance(60)

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 3}})
    cluster.advance(60)

    web_2 = cluster.get("Pod", "web-2", "default")
    assert running_and_ready(web_2)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-2"}} in web_2["spec"]["volumes"]
    assert claim(cluster, "data-web-2")["metadata"]["uid"] == uid
    assert "create Claim data-web-2 Pod web-2 in StatefulSet web success" not in event_messages(cluster)[6:]


def test_parallel_scale_down_deletes_all_at_once(cluster):
    cluster.apply(stateful_set(replicas=3, policy="Parallel"))
    cluster.advance(60)
    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})

    cluster.reconcile(StatefulSetController, "default/web")

    pods = pods_by_name(cluster)
    assert pods["web-1"]["metadata"].get("deletionTimestamp") and pods["web-2"]["metadata"].get("deletionTimestamp")


def test_a_deleted_pod_comes_back_with_the_same_name_and_claim(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)
    old = cluster.get("Pod", "web-1", "default")
    claim_uid = claim(cluster, "data-web-1")["metadata"]["uid"]

    cluster.delete("Pod", "web-1", "default")
    cluster.advance(60)

    new = cluster.get("Pod", "web-1", "default")
    assert new["metadata"]["uid"] != old["metadata"]["uid"] and running_and_ready(new)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-1"}} in new["spec"]["volumes"]
    assert claim(cluster, "data-web-1")["metadata"]["uid"] == claim_uid
    assert len(cluster.list("PersistentVolumeClaim", namespace="default")) == 3


def test_a_failed_pod_is_deleted_and_recreated_with_the_same_name(cluster):
    cluster.apply(stateful_set(replicas=2, claims=False))
    cluster.advance(60)
    old = cluster.get("Pod", "web-1", "default")
    cluster.update_status({**old, "status": {**old["status"], "phase": "Failed"}})

    cluster.reconcile(StatefulSetController, "default/web")

    # A pod with no container left running is deleted at once, or is on its way
    gone = cluster.list("Pod", namespace="default", field_selector="metadata.name=web-1")
    assert gone == [] or gone[0]["metadata"].get("deletionTimestamp")
    assert event_messages(cluster)[-1] == "delete Pod web-1 in StatefulSet web successful"
    cluster.advance(60)
    new = cluster.get("Pod", "web-1", "default")
    assert new["metadata"]["uid"] != old["metadata"]["uid"] and running_and_ready(new)


def test_when_deleted_delete_makes_the_set_own_its_claims(cluster):
    cluster.apply(stateful_set(replicas=2, retention={"whenDeleted": "Delete", "whenScaled": "Retain"}))
    cluster.advance(60)
    set_ = cluster.get("StatefulSet", "web", "default")

    [ref] = claim(cluster, "data-web-0")["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["uid"], ref["controller"]) == ("StatefulSet", set_["metadata"]["uid"], True)

    cluster.delete("StatefulSet", "web", "default")
    cluster.advance(60)
    assert cluster.list("PersistentVolumeClaim", namespace="default") == []


def test_when_scaled_delete_removes_the_claims_of_pods_scaled_away(cluster):
    cluster.apply(stateful_set(replicas=3, retention={"whenDeleted": "Retain", "whenScaled": "Delete"}))
    cluster.advance(60)
    assert "ownerReferences" not in claim(cluster, "data-web-2")["metadata"]

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})
    cluster.advance(60)

    assert [c["metadata"]["name"] for c in cluster.list("PersistentVolumeClaim", namespace="default")] == ["data-web-0"]
    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 2}})
    cluster.advance(60)
    assert running_and_ready(cluster.get("Pod", "web-1", "default"))
    assert "ownerReferences" not in claim(cluster, "data-web-1")["metadata"]  # a fresh claim


# --- updates ------------------------------------------------------------------------------------------


def test_a_rolling_update_replaces_web_2_then_web_1_then_web_0_one_at_a_time(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)
    old_revision = cluster.get("StatefulSet", "web", "default")["status"]["currentRevision"]
    messages_before = len(event_messages(cluster))

    cluster.apply(stateful_set(replicas=3, image=NEW_IMAGE))

    def at_most_one_pod_down():
        pods = pods_by_name(cluster)
        assert sum(healthy(pods.get(f"web-{i}")) for i in range(3)) >= 2

    step_through(cluster, 120, at_most_one_pod_down)

    assert [m for m in event_messages(cluster)[messages_before:] if m.startswith("delete")] == [
        "delete Pod web-2 in StatefulSet web successful",
        "delete Pod web-1 in StatefulSet web successful",
        "delete Pod web-0 in StatefulSet web successful",
    ]
    pods = pods_by_name(cluster)
    assert {p["spec"]["containers"][0]["image"] for p in pods.values()} == {NEW_IMAGE}
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert status["currentRevision"] == status["updateRevision"] != old_revision
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in pods.values()} == {status["updateRevision"]}
    assert (status["currentReplicas"], status["updatedReplicas"], status["readyReplicas"]) == (3, 3, 3)


def test_partition_2_updates_only_web_2(cluster):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    cluster.apply(stateful_set(replicas=3, strategy=strategy))
    cluster.advance(60)

    cluster.apply(stateful_set(replicas=3, strategy=strategy, image=NEW_IMAGE))
    cluster.advance(120)

    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods_by_name(cluster).items()}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.27", "web-2": NEW_IMAGE}
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert status["currentRevision"] != status["updateRevision"]
    assert (status["currentReplicas"], status["updatedReplicas"], status["readyReplicas"]) == (2, 1, 3)

    # Below the partition a recreated pod keeps the current revision
    cluster.delete("Pod", "web-0", "default")
    cluster.advance(60)
    web_0 = cluster.get("Pod", "web-0", "default")
    assert web_0["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert web_0["metadata"]["labels"]["controller-revision-hash"] == status["currentRevision"]


def test_lowering_the_partition_to_0_finishes_the_update(cluster):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    cluster.apply(stateful_set(replicas=3, strategy=strategy))
    cluster.advance(60)
    cluster.apply(stateful_set(replicas=3, strategy=strategy, image=NEW_IMAGE))
    cluster.advance(120)

    cluster.patch("StatefulSet", "web", "default", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    cluster.advance(120)

    assert {p["spec"]["containers"][0]["image"] for p in pods_by_name(cluster).values()} == {NEW_IMAGE}
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["currentReplicas"] == 3


def test_on_delete_replaces_only_the_pods_someone_deletes(cluster):
    cluster.apply(stateful_set(replicas=3, strategy={"type": "OnDelete"}))
    cluster.advance(60)
    uids = {n: p["metadata"]["uid"] for n, p in pods_by_name(cluster).items()}

    cluster.apply(stateful_set(replicas=3, strategy={"type": "OnDelete"}, image=NEW_IMAGE))
    cluster.advance(120)
    assert {n: p["metadata"]["uid"] for n, p in pods_by_name(cluster).items()} == uids

    cluster.delete("Pod", "web-1", "default")
    cluster.advance(60)

    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods_by_name(cluster).items()}
    assert images == {"web-0": "nginx:1.27", "web-1": NEW_IMAGE, "web-2": "nginx:1.27"}
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (2, 1)
    assert status["currentRevision"] != status["updateRevision"]


# --- status and revisions -------------------------------------------------------------------------------


def test_the_status_counts_the_replicas_and_names_the_revision(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)

    set_ = cluster.get("StatefulSet", "web", "default")
    [revision] = cluster.list("ControllerRevision", namespace="default")
    assert set_["status"] == {
        "observedGeneration": 1,
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": 3,
        "currentRevision": revision["metadata"]["name"],
        "updateRevision": revision["metadata"]["name"],
        "collisionCount": 0,
    }
    hash_ = revision["metadata"]["labels"]["controller.kubernetes.io/hash"]
    assert revision["metadata"]["name"] == f"web-{hash_}"
    assert revision["apiVersion"] == "apps/v1" and revision["revision"] == 1
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert revision["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert revision["metadata"]["ownerReferences"][0]["uid"] == set_["metadata"]["uid"]


def test_the_status_follows_the_pods_while_they_start(cluster):
    cluster.apply(stateful_set(replicas=2))
    cluster.reconcile(StatefulSetController, "default/web")

    status = cluster.get("StatefulSet", "web", "default")["status"]

    # web-0 is created in this pass, so this pass's status does not count it yet
    assert (status["replicas"], status["availableReplicas"]) == (0, 0)
    cluster.reconcile(StatefulSetController, "default/web")
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert (status["replicas"], status.get("readyReplicas", 0), status["currentReplicas"]) == (1, 0, 1)


def test_rolling_back_renumbers_the_old_revision_instead_of_making_a_new_one(cluster):
    cluster.apply(stateful_set(replicas=2))
    cluster.advance(60)
    first = cluster.get("StatefulSet", "web", "default")["status"]["currentRevision"]
    cluster.apply(stateful_set(replicas=2, image=NEW_IMAGE))
    cluster.advance(120)

    cluster.apply(stateful_set(replicas=2))
    cluster.advance(120)

    revisions = {r["metadata"]["name"]: r["revision"] for r in cluster.list("ControllerRevision", namespace="default")}
    assert len(revisions) == 2 and revisions[first] == 3
    assert cluster.get("StatefulSet", "web", "default")["status"]["currentRevision"] == first


def test_revision_history_limit_deletes_the_oldest_revisions(cluster):
    cluster.apply(stateful_set(replicas=1, history_limit=1, claims=False))
    cluster.advance(60)
    for image in ("nginx:1.28", "nginx:1.26", "nginx:1.25"):
        cluster.apply(stateful_set(replicas=1, history_limit=1, claims=False, image=image))
        cluster.advance(60)

    revisions = sorted(r["revision"] for r in cluster.list("ControllerRevision", namespace="default"))
    assert revisions == [3, 4]  # the live one and one more


def test_a_settled_stateful_set_writes_nothing(cluster):
    cluster.apply(stateful_set(replicas=3))
    cluster.advance(60)
    before = cluster.resource_version()

    cluster.reconcile(StatefulSetController, "default/web")

    assert cluster.changes_since(before) == []


# --- rules, without a database ---------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("web-0", ("web", 0)),
    ("my-web-12", ("my-web", 12)),
    ("web", ("", -1)),
    ("web-x", ("", -1)),
    ("web-99999999999", ("web", -1)),  # beyond int32: no ordinal
])
def test_parent_name_and_ordinal_come_from_the_pod_name(name, expected):
    assert get_parent_name_and_ordinal({"metadata": {"name": name}}) == expected


def test_the_revision_hash_changes_with_the_collision_count():
    data = {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "a", "image": "b"}]}}}}

    assert hash_controller_revision(data, 0) == hash_controller_revision(data, 0)
    assert hash_controller_revision(data, 0) != hash_controller_revision(data, 1)


def _set(replicas: int, when_deleted: str, when_scaled: str) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "uid": "set-uid"},
        "spec": {
            "replicas": replicas,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": when_deleted, "whenScaled": when_scaled},
        },
    }


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-2", "namespace": "default", "uid": "pod-uid"}}


@pytest.mark.parametrize("when_deleted, when_scaled, replicas, owners", [
    ("Retain", "Retain", 3, []),
    ("Retain", "Retain", 1, []),
    ("Delete", "Retain", 3, ["set-uid"]),
    ("Delete", "Retain", 1, ["set-uid"]),
    ("Retain", "Delete", 3, []),
    ("Retain", "Delete", 1, ["pod-uid"]),
    ("Delete", "Delete", 3, ["set-uid"]),
    ("Delete", "Delete", 1, ["pod-uid"]),
])
def test_the_retention_policy_decides_who_owns_a_claim(when_deleted, when_scaled, replicas, owners):
    set_ = _set(replicas, when_deleted, when_scaled)
    bare = {"metadata": {"name": "data-web-2", "ownerReferences": []}}

    refs = claim_owner_references(bare, set_, POD)

    assert [r["uid"] for r in refs] == owners and all(r["controller"] for r in refs)
    owned = {"metadata": {"name": "data-web-2", "ownerReferences": refs}}
    assert is_claim_owner_up_to_date(owned, set_, POD)
    assert is_claim_owner_up_to_date(bare, set_, POD) == (owners == [])


def test_a_claim_owned_by_an_earlier_pod_of_that_name_is_left_alone():
    set_ = _set(1, "Retain", "Delete")
    stale = {"apiVersion": "v1", "kind": "Pod", "name": "web-2", "uid": "old-pod-uid", "controller": True}

    assert is_claim_owner_up_to_date({"metadata": {"ownerReferences": [stale]}}, set_, POD)
