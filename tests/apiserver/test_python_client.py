"""The official Python client (`kubernetes`) against a live playground, with nothing but the
kubeconfig `manage.py kubeconfig` writes."""
from __future__ import annotations

import json

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="pip install -r requirements-dev.txt")
from kubernetes import client, config, utils, watch  # noqa: E402


@pytest.fixture(scope="session")
def api_client(live):
    return config.new_client_from_config(str(live.kubeconfig()))


def test_list_create_scale_watch_and_logs(api_client):
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    labels = {"app": "py"}
    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="py"),
        spec=client.V1DeploymentSpec(
            replicas=1, selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]))))

    created = apps.create_namespaced_deployment("default", deployment)
    scale = apps.patch_namespaced_deployment_scale("py", "default", {"spec": {"replicas": 2}})
    running = set()
    for event in watch.Watch().stream(core.list_namespaced_pod, "default", label_selector="app=py", timeout_seconds=60):
        if event["object"].status.phase == "Running":
            running.add(event["object"].metadata.name)
        if len(running) == 2:
            break
    pods = core.list_namespaced_pod("default", label_selector="app=py").items
    log = core.read_namespaced_pod_log(pods[0].metadata.name, "default")

    assert created.metadata.uid
    assert scale.spec.replicas == 2
    assert sorted(p.metadata.name for p in pods) == sorted(running)
    assert "Configuration complete; ready for start up" in log


def test_create_from_yaml_and_not_found_as_an_api_exception(api_client, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n")

    [[created]] = utils.create_from_yaml(api_client, str(manifest))

    assert created.data == {"a": "b"}
    with pytest.raises(client.ApiException) as error:
        client.CoreV1Api(api_client).read_namespaced_config_map("nope", "default")
    assert error.value.status == 404
    assert '"reason":"NotFound"' in error.value.body


def test_delete_collection_by_label_answers_what_it_deleted(api_client):
    core = client.CoreV1Api(api_client)
    for name, tier in (("col-a", "front"), ("col-b", "front"), ("col-c", "back")):
        core.create_namespaced_config_map("default", {"metadata": {"name": name, "labels": {"tier": tier, "col": "y"}}})

    dry = core.delete_collection_namespaced_config_map("default", label_selector="tier=front", dry_run="All")
    kept = core.list_namespaced_config_map("default", label_selector="col=y").items
    # Typed as a Status, but a real server answers the List of what it deleted: read it raw
    answer = core.delete_collection_namespaced_config_map("default", label_selector="tier=front",
                                                          _preload_content=False)
    left = core.list_namespaced_config_map("default", label_selector="col=y").items

    assert dry.kind == "ConfigMapList" and len(kept) == 3
    listed = json.loads(answer.data)
    assert (listed["kind"], sorted(item["metadata"]["name"] for item in listed["items"])) == (
        "ConfigMapList", ["col-a", "col-b"])
    assert [cm.metadata.name for cm in left] == ["col-c"]
    core.delete_namespaced_config_map("col-c", "default")


def test_status_read_patch_and_replace_write_only_the_status(api_client):
    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": "py-status"}})

    read = core.read_namespace_status("py-status")
    read.metadata.labels = {"ignored": "yes"}  # only the status is the subresource's to write
    read.status.conditions = [client.V1NamespaceCondition(type="NamespaceContentRemaining", status="False",
                                                          reason="ContentRemoved")]
    replaced = core.replace_namespace_status("py-status", read)
    patched = core.patch_namespace_status("py-status", {"metadata": {"labels": {"also": "ignored"}},
                                                        "status": {"conditions": None}})
    on_object = core.patch_namespace("py-status", {"status": {"phase": "Terminating"}})

    assert [c.type for c in replaced.status.conditions] == ["NamespaceContentRemaining"]
    assert "ignored" not in (replaced.metadata.labels or {})
    assert patched.status.conditions is None and "also" not in (patched.metadata.labels or {})
    assert on_object.status.phase == "Active"  # the object's own PATCH keeps its status
    core.delete_namespace("py-status")


def test_delete_options_in_the_body_grace_period_and_propagation(api_client, live):
    apps, core = client.AppsV1Api(api_client), client.CoreV1Api(api_client)
    labels = {"app": "py-orphan"}
    apps.create_namespaced_replica_set("default", client.V1ReplicaSet(
        metadata=client.V1ObjectMeta(name="py-orphan"),
        spec=client.V1ReplicaSetSpec(replicas=1, selector=client.V1LabelSelector(match_labels=labels), template=(
            client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(
                containers=[client.V1Container(name="web", image="nginx:1.27")]))))))
    pod = next(event["object"] for event in watch.Watch().stream(
        core.list_namespaced_pod, "default", label_selector="app=py-orphan", timeout_seconds=60))

    apps.delete_namespaced_replica_set("py-orphan", "default", body=client.V1DeleteOptions(propagation_policy="Orphan"))
    # The garbage collector takes the owner off its pods, then the orphan finalizer off the set
    orphan = next(event["object"] for event in watch.Watch().stream(
        core.list_namespaced_pod, "default", label_selector="app=py-orphan", timeout_seconds=60)
        if not event["object"].metadata.owner_references)
    # Paused, the kubelet cannot finish the graceful termination before the forced delete
    live.manage("clock", "pause")
    try:
        marked = core.delete_namespaced_pod(pod.metadata.name, "default", grace_period_seconds=30)
        core.delete_namespaced_pod(pod.metadata.name, "default", grace_period_seconds=0)
        with pytest.raises(client.ApiException) as gone:
            core.read_namespaced_pod(pod.metadata.name, "default")
    finally:
        live.manage("clock", "instant")

    assert not orphan.metadata.owner_references
    assert marked.metadata.deletion_grace_period_seconds == 30 and marked.metadata.deletion_timestamp
    assert gone.value.status == 404
