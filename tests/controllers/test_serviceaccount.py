"""ServiceAccounts for pods: every namespace gets a `default` account and the cluster's CA
bundle from the controllers; a new pod must name an account that exists (the ServiceAccount
admission plugin), and gets the `kube-api-access-xxxxx` volume unless automounting is off."""
from __future__ import annotations

import pytest

from playground.store.errors import Forbidden
from tests.factories import deployment, namespace, pod

TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def service_account(name: str, namespace: str = "default", **fields) -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}, **fields}


def test_a_new_namespace_gets_a_default_service_account_and_the_root_ca(cluster):
    cluster.create(namespace("team-a"))
    cluster.settle()

    assert cluster.get("ServiceAccount", "default", "team-a")
    root_ca = cluster.get("ConfigMap", "kube-root-ca.crt", "team-a")
    assert root_ca["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    assert "kube-apiserver" in root_ca["metadata"]["annotations"]["kubernetes.io/description"]


def test_the_controllers_put_back_a_deleted_account_and_an_edited_ca_bundle(cluster):
    cluster.settle()
    original = cluster.get("ConfigMap", "kube-root-ca.crt", "default")["data"]
    cluster.delete("ServiceAccount", "default", "default")
    cluster.patch("ConfigMap", "kube-root-ca.crt", "default", {"data": {"ca.crt": "mine"}})
    cluster.settle()

    assert cluster.get("ServiceAccount", "default", "default")
    assert cluster.get("ConfigMap", "kube-root-ca.crt", "default")["data"] == original


def test_a_pod_in_a_namespace_without_its_account_is_forbidden(cluster):
    cluster.create(namespace("team-a"))  # the serviceaccounts controller has not run yet

    with pytest.raises(Forbidden) as refused:
        cluster.create(pod("web", namespace="team-a"))

    assert refused.value.message == (
        'pods "web" is forbidden: error looking up service account team-a/default: serviceaccount "default" not found'
    )
    assert cluster.list("Pod", namespace="team-a") == []


def test_a_pod_gets_the_kube_api_access_volume_mounted_read_only_in_every_container(cluster):
    obj = pod("web")
    obj["spec"]["initContainers"] = [{"name": "init", "image": "busybox:1.36", "command": ["true"]}]
    created = cluster.create(obj)

    [volume] = created["spec"]["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == len("kube-api-access-") + 5
    assert [s.popitem()[0] for s in volume["projected"]["sources"]] == ["serviceAccountToken", "configMap", "downwardAPI"]
    for container in created["spec"]["containers"] + created["spec"]["initContainers"]:
        assert {"mountPath": TOKEN_PATH, "name": volume["name"], "readOnly": True} in container["volumeMounts"]


def test_automounting_is_off_when_the_pod_or_else_its_account_says_so(cluster):
    cluster.create(service_account("quiet", automountServiceAccountToken=False))
    quiet = pod("quiet")
    quiet["spec"]["serviceAccountName"] = "quiet"
    insists = pod("insists")
    insists["spec"].update(serviceAccountName="quiet", automountServiceAccountToken=True)
    refuses = pod("refuses")
    refuses["spec"]["automountServiceAccountToken"] = False

    assert "volumes" not in cluster.create(quiet)["spec"]
    assert cluster.create(insists)["spec"]["volumes"][0]["name"].startswith("kube-api-access-")
    assert "volumes" not in cluster.create(refuses)["spec"]


def test_a_container_that_mounts_something_at_the_token_path_keeps_it(cluster):
    obj = pod("web")
    obj["spec"]["volumes"] = [{"name": "own", "emptyDir": {}}]
    obj["spec"]["containers"][0]["volumeMounts"] = [{"name": "own", "mountPath": TOKEN_PATH}]

    created = cluster.create(obj)

    assert created["spec"]["volumes"] == [{"name": "own", "emptyDir": {}}]
    assert created["spec"]["containers"][0]["volumeMounts"] == [{"name": "own", "mountPath": TOKEN_PATH}]


def test_a_deployment_naming_a_missing_account_waits_for_it_and_then_comes_up(cluster):
    web = deployment("web", replicas=2)
    web["spec"]["template"]["spec"]["serviceAccountName"] = "builder"
    cluster.apply(web)
    cluster.advance(10)

    [rs] = cluster.list("ReplicaSet", namespace="default")
    assert cluster.list("Pod", namespace="default") == []
    assert "FailedCreate" in cluster.event_reasons("ReplicaSet", rs["metadata"]["name"])

    cluster.create(service_account("builder"))
    cluster.advance(60)  # the ReplicaSet controller retries with back-off

    pods = cluster.list("Pod", namespace="default")
    assert len(pods) == 2 and {p["spec"]["serviceAccountName"] for p in pods} == {"builder"}


def test_a_replica_set_that_cannot_create_its_pods_says_so_in_a_replica_failure_condition(cluster):
    web = deployment("web", replicas=2)
    web["spec"]["template"]["spec"]["serviceAccountName"] = "builder"
    cluster.apply(web)
    cluster.advance(10)

    [rs] = cluster.list("ReplicaSet", namespace="default")
    [failure] = [c for c in rs["status"]["conditions"] if c["type"] == "ReplicaFailure"]
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert 'serviceaccount "builder" not found' in failure["message"]
    d = cluster.get("Deployment", "web", "default")
    assert "ReplicaFailure" in {c["type"] for c in d["status"]["conditions"]}  # the Deployment passes it on

    cluster.create(service_account("builder"))
    cluster.advance(60)

    [rs] = cluster.list("ReplicaSet", namespace="default")
    assert "ReplicaFailure" not in {c["type"] for c in rs["status"].get("conditions", [])}
