"""The official Python client (`kubernetes`) against a live playground, with nothing but the
kubeconfig `manage.py kubeconfig` writes."""
from __future__ import annotations

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
