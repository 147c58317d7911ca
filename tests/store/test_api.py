"""The store's verbs, as a client of the API server sees them."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.store import api as store
from playground.store import changelog, clusters
from playground.store.errors import AlreadyExists, Conflict, Forbidden, Gone, Invalid, NotFound
from tests.factories import config_map, deployment, namespace, pod


def test_create_fills_in_what_the_api_server_sets(cluster):
    created = cluster.create(deployment("nginx"))

    meta = created["metadata"]
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["uid"])
    assert meta["resourceVersion"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["generation"] == 1
    assert meta["namespace"] == "default"
    assert created["status"] == {}


def test_create_applies_the_kubernetes_defaults(cluster):
    created = cluster.create(deployment("nginx", replicas=None))

    spec = created["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_what_is_stored_is_what_get_returns(cluster):
    created = cluster.create(config_map("settings"))

    assert cluster.get("ConfigMap", "settings", "default") == created


def test_generate_name_gets_five_random_characters(cluster):
    obj = pod("ignored")
    obj["metadata"] = {"generateName": "web-", "labels": {"app": "web"}}

    created = cluster.create(obj)

    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", created["metadata"]["name"])


def test_a_namespaced_object_needs_its_namespace(cluster):
    before = cluster.resource_version()

    with pytest.raises(NotFound, match='namespaces "shop" not found'):
        cluster.create(config_map("settings", namespace="shop"))

    assert cluster.changes_since(before) == []


def test_a_cluster_scoped_object_has_no_namespace(cluster):
    created = cluster.create({**namespace("shop"), "metadata": {"name": "shop", "namespace": "default"}})

    assert "namespace" not in created["metadata"]
    assert created["status"]["phase"] == "Active"


def test_a_second_object_with_the_same_name_already_exists(cluster):
    cluster.create(config_map("settings"))

    with pytest.raises(AlreadyExists, match='configmaps "settings" already exists'):
        cluster.create(config_map("settings"))


def test_a_name_its_creator_made_new_is_not_looked_up_first_and_is_still_refused_when_taken(cluster):
    """As the Event recorder creates Events: their names are unique by time and count."""
    cluster.create(config_map("settings"))

    with CaptureQueriesContext(connection) as queries, store.batch("default") as batch:
        batch.create(config_map("fresh"), new_name=True)
    with pytest.raises(AlreadyExists), store.batch("default") as batch:
        batch.create(config_map("settings"), new_name=True)

    assert cluster.get("ConfigMap", "fresh", "default")["metadata"]["name"] == "fresh"
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "'fresh'" in q["sql"]]


def test_an_invalid_object_is_not_stored(cluster):
    before = cluster.resource_version()

    with pytest.raises(Invalid) as error:
        cluster.create(deployment("nginx", replicas=-1))

    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in str(error.value)
    assert cluster.changes_since(before) == []
    assert cluster.list("Deployment") == []


def test_an_update_with_a_stale_resource_version_is_a_conflict(cluster):
    first = cluster.create(deployment("nginx"))
    second = cluster.get("Deployment", "nginx", "default")
    second["spec"]["replicas"] = 5
    cluster.update(second)
    first["spec"]["replicas"] = 7

    with pytest.raises(Conflict, match="the object has been modified"):
        cluster.update(first)

    assert cluster.get("Deployment", "nginx", "default")["spec"]["replicas"] == 5


def test_a_spec_change_bumps_the_generation_and_a_label_change_does_not(cluster):
    obj = cluster.create(deployment("nginx"))
    obj["metadata"]["labels"]["tier"] = "web"
    relabelled = cluster.update(obj)
    relabelled["spec"]["replicas"] = 4

    rescaled = cluster.update(relabelled)

    assert relabelled["metadata"]["generation"] == 1
    assert rescaled["metadata"]["generation"] == 2


def test_an_update_cannot_write_the_status(cluster):
    obj = cluster.create(deployment("nginx"))
    obj["status"] = {"replicas": 99}

    updated = cluster.update(obj)

    assert updated["status"] == {}


def test_a_status_update_changes_only_the_status(cluster):
    obj = cluster.create(deployment("nginx"))
    obj["spec"]["replicas"] = 10
    obj["status"] = {"replicas": 3, "readyReplicas": 3, "observedGeneration": 1}

    updated = cluster.update_status(obj)

    assert updated["status"]["readyReplicas"] == 3
    assert updated["spec"]["replicas"] == 3
    assert updated["metadata"]["generation"] == 1


def test_a_status_update_is_validated_where_it_writes(cluster):
    """The status path checks what it may change (the status; a Deployment's annotations), at
    the field, and stores nothing it refuses."""
    obj = cluster.create(deployment("nginx"))
    before = cluster.resource_version()

    with pytest.raises(Invalid) as bad_status:
        cluster.update_status({**obj, "status": {"replicas": "three"}})
    with pytest.raises(Invalid) as bad_annotation:
        cluster.update_status({**obj, "metadata": {**obj["metadata"], "annotations": {"note": 3}}})

    assert "status.replicas" in str(bad_status.value)
    assert "metadata.annotations.note" in str(bad_annotation.value)
    assert cluster.changes_since(before) == []


def test_an_update_that_changes_nothing_writes_nothing(cluster):
    obj = cluster.create(deployment("nginx"))
    before = cluster.resource_version()

    same = cluster.update(obj)

    assert same["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert cluster.changes_since(before) == []


def test_merge_patch_sets_and_removes_fields(cluster):
    cluster.create(config_map("settings", {"mode": "demo", "level": "1"}))

    patched = cluster.patch("ConfigMap", "settings", "default", {"data": {"mode": "live", "level": None}}, patch_type="merge")

    assert patched["data"] == {"mode": "live"}


def test_json_patch_replaces_a_field(cluster):
    cluster.create(deployment("nginx"))

    patched = cluster.patch(
        "Deployment", "nginx", "default", [{"op": "replace", "path": "/spec/replicas", "value": 6}], patch_type="json"
    )

    assert patched["spec"]["replicas"] == 6


def test_strategic_patch_changes_one_container_by_name(cluster):
    obj = deployment("nginx")
    obj["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    cluster.create(obj)

    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}}
    patched = cluster.patch("Deployment", "nginx", "default", patch)

    images = [c["image"] for c in patched["spec"]["template"]["spec"]["containers"]]
    assert images == ["nginx:1.28", "busybox:1.36"]


def test_deleting_a_deployment_removes_it_at_once(cluster):
    cluster.create(deployment("nginx"))
    before = cluster.resource_version()

    cluster.delete("Deployment", "nginx", "default")

    assert [e.type for e in cluster.changes_since(before)] == ["DELETED"]
    with pytest.raises(NotFound, match='deployments.apps "nginx" not found'):
        cluster.get("Deployment", "nginx", "default")


def test_a_pod_on_a_node_terminates_for_its_grace_period(cluster):
    cluster.create(pod("web", node="playground-worker"))

    marked = cluster.delete("Pod", "web", "default")

    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert marked["metadata"]["deletionTimestamp"] >= marked["metadata"]["creationTimestamp"]
    assert cluster.get("Pod", "web", "default")["metadata"]["deletionTimestamp"]


def test_a_terminating_pod_deleted_with_no_grace_period_is_gone(cluster):
    cluster.create(pod("web", node="playground-worker"))
    cluster.delete("Pod", "web", "default")

    cluster.delete("Pod", "web", "default", grace_period_seconds=0)

    assert cluster.list("Pod") == []


def test_an_unscheduled_pod_is_deleted_at_once(cluster):
    cluster.create(pod("web"))

    cluster.delete("Pod", "web", "default")

    assert cluster.list("Pod") == []


def test_an_object_with_finalizers_waits_until_they_are_removed(cluster):
    obj = config_map("settings")
    obj["metadata"]["finalizers"] = ["example.com/keep"]
    cluster.create(obj)
    marked = cluster.delete("ConfigMap", "settings", "default")
    assert marked["metadata"]["deletionTimestamp"]

    marked["metadata"]["finalizers"] = []
    cluster.update(marked)

    assert cluster.list("ConfigMap") == []


def test_foreground_deletion_adds_its_finalizer(cluster):
    cluster.create(deployment("nginx"))

    marked = cluster.delete("Deployment", "nginx", "default", propagation_policy="Foreground")

    assert marked["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert marked["metadata"]["deletionTimestamp"]


def test_a_terminating_namespace_takes_no_new_content(cluster):
    cluster.create(namespace("shop"))

    marked = cluster.delete("Namespace", "shop")

    assert marked["status"]["phase"] == "Terminating"
    with pytest.raises(Forbidden, match="because it is being terminated"):
        cluster.create(config_map("settings", namespace="shop"))


def test_list_filters_by_label_selector(cluster):
    cluster.create(pod("a", labels={"app": "web", "tier": "front"}))
    cluster.create(pod("b", labels={"app": "web", "tier": "back"}))
    cluster.create(pod("c", labels={"app": "db"}))

    def names(selector: str) -> list[str]:
        return [p["metadata"]["name"] for p in cluster.list("Pod", label_selector=selector)]

    assert names("app=web") == ["a", "b"]
    assert names("app!=web") == ["c"]
    assert names("tier in (front, middle)") == ["a"]
    assert names("app=web,tier notin (front)") == ["b"]
    assert names("!tier") == ["c"]
    assert names("tier") == ["a", "b"]


def test_list_filters_by_field_selector(cluster):
    cluster.create(pod("a", node="playground-worker"))
    cluster.create(pod("b", node="playground-worker2"))

    on_worker = cluster.list("Pod", field_selector="spec.nodeName=playground-worker")
    pending = cluster.list("Pod", field_selector="status.phase=Pending,metadata.name!=a")

    assert [p["metadata"]["name"] for p in on_worker] == ["a"]
    assert [p["metadata"]["name"] for p in pending] == ["b"]


def test_events_listed_by_reason_and_type_are_exactly_those(cluster):
    def event(name: str, reason: str, type_: str, message: str) -> dict:
        return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
                "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
                "reason": reason, "type": type_, "message": message}

    cluster.create(event("a", "BackOff", "Warning", "Back-off restarting failed container"))
    cluster.create(event("b", "Pulled", "Normal", 'reason "BackOff" in a message is not a reason'))
    cluster.create(event("c", "Back Off", "Warning", "a reason with a space, quoted in the stored JSON"))

    def names(selector: str) -> list[str]:
        return [e["metadata"]["name"] for e in cluster.list("Event", field_selector=selector)]

    assert names("reason=BackOff") == ["a"] and names("reason==BackOff,type=Warning") == ["a"]
    assert names("reason!=BackOff") == ["b", "c"] and names("type=Normal") == ["b"]


def test_list_is_per_namespace_or_across_all(cluster):
    cluster.create(namespace("shop"))
    cluster.create(config_map("a"))
    cluster.create(config_map("b", namespace="shop"))

    assert [c["metadata"]["name"] for c in cluster.list("ConfigMap", namespace="shop")] == ["b"]
    assert [c["metadata"]["name"] for c in cluster.list("ConfigMap")] == ["a", "b"]


def test_the_change_log_holds_every_change_once_in_order(cluster):
    before = cluster.resource_version()
    obj = cluster.create(config_map("settings"))
    obj["data"] = {"mode": "live"}
    cluster.update(obj)
    cluster.delete("ConfigMap", "settings", "default")

    events = cluster.changes_since(before)

    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert [e.resource_version for e in events] == [before + 1, before + 2, before + 3]
    assert [e.object["metadata"]["resourceVersion"] for e in events] == [str(before + n) for n in (1, 2, 3)]


def test_the_change_log_says_when_an_object_was_deleted_and_what_it_was(cluster):
    cluster.create(deployment("nginx", replicas=2))
    cluster.advance(90)
    cluster.delete("Deployment", "nginx", "default")
    deleted_at = store.timestamp(cluster.now())
    cluster.advance(30)
    cluster.create(deployment("nginx", replicas=5))  # the same name again: not the one deleted
    cluster.delete("Deployment", "nginx", "default")

    gone = changelog.last_deletion("default", "Deployment", "nginx", "default")

    assert gone is not None and gone.object["spec"]["replicas"] == 5 and gone.time > deleted_at
    assert changelog.last_deletion("default", "Deployment", "nginx", "kube-system") is None
    assert changelog.last_deletion("default", "Deployment", "never-was", "default") is None


def test_an_object_deleted_outright_keeps_the_time_it_went(cluster):
    cluster.create(config_map("settings"))
    cluster.advance(45)
    went = store.timestamp(cluster.now())

    cluster.delete("ConfigMap", "settings", "default")

    gone = changelog.last_deletion("default", "ConfigMap", "settings", "default")
    assert gone is not None and gone.time == went
    assert "deletionTimestamp" not in gone.object["metadata"]  # as the API server leaves it


def test_existing_says_which_named_objects_are_there(cluster):
    cluster.create(config_map("settings"))
    asked = [("ConfigMap", "default", "settings"), ("ConfigMap", "kube-system", "settings"),
             ("ConfigMap", "default", "gone"), ("Node", "", "playground-worker"), ("Node", "default", "playground-worker2")]

    assert store.existing("default", asked) == {("ConfigMap", "default", "settings"), ("Node", "", "playground-worker"),
                                                 ("Node", "", "playground-worker2")}  # a Node has no namespace


def test_a_watch_resumes_from_a_resource_version(cluster):
    cluster.create(config_map("a"))
    middle = cluster.resource_version()
    cluster.create(config_map("b"))

    events = list(changelog.watch("default", middle, kind="ConfigMap", timeout=0.01))

    assert [e.object["metadata"]["name"] for e in events] == ["b"]


def test_a_watch_from_before_the_compacted_log_is_gone(cluster):
    start = cluster.resource_version()
    for name in ("a", "b", "c"):
        cluster.create(config_map(name))

    changelog.compact("default", keep=1)

    with pytest.raises(Gone):
        cluster.changes_since(start)
    assert [e.object["metadata"]["name"] for e in cluster.changes_since(start + 2)] == ["c"]


def test_a_batch_commits_many_writes_at_once(cluster):
    before = cluster.resource_version()

    with store.batch("default") as batch:
        for n in range(5):
            batch.create(pod(f"web-{n}"))

    assert len(cluster.list("Pod")) == 5
    assert [e.resource_version for e in cluster.changes_since(before)] == list(range(before + 1, before + 6))


def test_a_failing_batch_stores_nothing(cluster):
    cluster.create(pod("web-3"))
    before = cluster.resource_version()

    with pytest.raises(AlreadyExists):
        with store.batch("default") as batch:
            for n in range(5):
                batch.create(pod(f"web-{n}"))

    assert cluster.changes_since(before) == []
    assert len(cluster.list("Pod")) == 1


def test_clusters_do_not_see_each_other(cluster, make_cluster):
    other = make_cluster("team-b")
    before = cluster.resource_version()
    cluster.create(config_map("settings"))

    assert other.list("ConfigMap") == []
    with pytest.raises(NotFound):
        other.get("ConfigMap", "settings", "default")
    assert [e.object["kind"] for e in other.changes_since(before) if e.object["kind"] == "ConfigMap"] == []
    assert [e.object["kind"] for e in cluster.changes_since(before)] == ["ConfigMap"]


def test_each_cluster_counts_its_own_resource_versions(cluster, make_cluster):
    other = make_cluster("team-b")
    before = other.resource_version()

    written = cluster.create(config_map("settings"))

    assert other.resource_version() == before
    assert cluster.resource_version() == int(written["metadata"]["resourceVersion"])


def test_a_cluster_made_again_under_its_name_begins_above_the_old_ones_versions(cluster, make_cluster):
    old = make_cluster("team-b")
    old.create(config_map("settings"))
    seen = old.resource_version()  # what an informer of the old cluster last saw

    clusters.delete("team-b")
    again = make_cluster("team-b")

    assert again.resource_version() > seen
    with pytest.raises(Gone):  # the old cluster's informer relists, it does not take the new one's objects as news
        again.changes_since(seen)


def test_a_reset_cluster_is_empty_and_old_watches_are_gone(cluster):
    before = cluster.resource_version()
    cluster.create(config_map("settings"))

    clusters.reset("default")

    assert cluster.list("ConfigMap") == []
    with pytest.raises(Gone):
        cluster.changes_since(before)


def test_a_deleted_cluster_is_gone_with_its_objects(cluster, make_cluster):
    make_cluster("team-b").create(config_map("settings"))

    clusters.delete("team-b")

    assert clusters.names() == ["default"]
    with pytest.raises(NotFound, match='cluster "team-b" not found'):
        store.list("team-b", "ConfigMap")


def test_the_change_log_is_trimmed_to_its_retention_window_as_writes_go_on(
    cluster, settings, django_capture_on_commit_callbacks
):
    settings.PLAYGROUND_CHANGE_LOG_RETENTION = 10
    start = cluster.resource_version()

    with django_capture_on_commit_callbacks(execute=True), store.batch("default") as batch:
        for n in range(changelog.COMPACT_EVERY):
            batch.create(config_map(f"c-{n}"))

    with pytest.raises(Gone):
        cluster.changes_since(start)
    assert len(cluster.changes_since(cluster.resource_version() - 10)) == 10


def test_a_generated_name_that_is_taken_is_generated_again(cluster, monkeypatch):
    names = iter(["bbbbb", "bbbbb", "ccccc"])
    monkeypatch.setattr(store.random, "choices", lambda alphabet, k: list(next(names)))
    obj = config_map("ignored")
    obj["metadata"] = {"generateName": "web-"}

    first = cluster.create(obj)
    second = cluster.create(obj)

    assert (first["metadata"]["name"], second["metadata"]["name"]) == ("web-bbbbb", "web-ccccc")


def test_a_claim_without_a_class_gets_the_default_storage_class(cluster):
    claim = {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    no_class = {**claim, "metadata": {"name": "static"}, "spec": {**claim["spec"], "storageClassName": ""}}

    assert cluster.create(claim)["spec"]["storageClassName"] == "standard"
    assert cluster.create(no_class)["spec"]["storageClassName"] == ""  # "" asks for no class at all


def test_a_cluster_resource_version_moves_only_with_its_own_writes(cluster, make_cluster):
    other = make_cluster("team-b")
    mine, theirs = changelog.cluster_resource_version("default"), changelog.cluster_resource_version("team-b")

    other.create(config_map("settings"))

    assert changelog.cluster_resource_version("default") == mine
    assert changelog.cluster_resource_version("team-b") > theirs
    states = changelog.cluster_states()
    assert states["default"].resource_version == mine
    assert states["team-b"].resource_version == changelog.cluster_resource_version("team-b")


def test_a_cluster_made_again_under_an_old_name_has_a_new_resource_version(make_cluster):
    make_cluster("team-b")
    first = changelog.cluster_resource_version("team-b")
    clusters.delete("team-b")

    make_cluster("team-b")

    assert changelog.cluster_resource_version("team-b") > first
