"""The Kubernetes API through Django's test client: the documents and answers kubectl and the
Python client rely on, each as the real API server words it."""
from __future__ import annotations

import json
import stat

import pytest
from django.core.management import call_command

from playground.apiserver import tokens
from playground.apiserver.models import Token
from playground.apiserver.request_info import RequestInfo, request_info
from playground.store import api as store
from playground.store import clusters

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture
def api(cluster, client):
    """`api(method, path, body=None, **headers)` on the default cluster with a valid token."""
    secret = tokens.issue("default")

    def request(method: str, path: str, body=None, *, token: str = secret, content_type="application/json", **headers):
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        return client.generic(method, f"/clusters/default/{path}", data or "", content_type=content_type,
                              HTTP_AUTHORIZATION=f"Bearer {token}", **headers)

    return request


@pytest.mark.parametrize("path, method, expected", [
    ("api/v1/pods", "GET", RequestInfo("list", "", "v1", "pods")),
    ("api/v1/namespaces/default/pods/web", "GET", RequestInfo("get", "", "v1", "pods", "default", "web")),
    ("api/v1/namespaces/default/pods/web/log", "GET", RequestInfo("get", "", "v1", "pods", "default", "web", "log")),
    ("api/v1/namespaces/default", "GET", RequestInfo("get", "", "v1", "namespaces", "default", "default")),
    ("api/v1/namespaces/team/status", "PUT", RequestInfo("update", "", "v1", "namespaces", "team", "team", "status")),
    ("apis/apps/v1/namespaces/default/deployments", "DELETE",
     RequestInfo("deletecollection", "apps", "v1", "deployments", "default")),
    ("apis/apps/v1/namespaces/default/deployments/web/scale", "PATCH",
     RequestInfo("patch", "apps", "v1", "deployments", "default", "web", "scale")),
    ("api/v1", "GET", None),
    ("apis/apps/v1", "GET", None),
])
def test_a_path_is_read_as_the_api_server_reads_it(path, method, expected):
    assert request_info(path, method) == expected


def test_no_token_is_401_and_another_clusters_token_403(api, make_cluster):
    make_cluster("team-b")
    other = tokens.issue("team-b")

    unauthorized = api("GET", "api/v1/pods", token="made-up")
    forbidden = api("GET", "api/v1/pods", token=other)

    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                   "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert forbidden.status_code == 403
    assert forbidden.json()["reason"] == "Forbidden"
    assert "team-b" in forbidden.json()["message"]


def test_tokens_are_kept_hashed_and_go_with_their_cluster(make_cluster, db):
    make_cluster("team-b")
    secret = tokens.issue("team-b")

    assert not Token.objects.filter(digest__contains=secret).exists()
    assert tokens.authenticate(f"Bearer {secret}").cluster.name == "team-b"
    clusters.delete("team-b")
    assert tokens.authenticate(f"Bearer {secret}") is None


def test_aggregated_discovery_is_chosen_by_the_accept_header_and_cached_by_etag(api):
    aggregated = api("GET", "apis", HTTP_ACCEPT=AGGREGATED + ",application/json")
    legacy = api("GET", "apis", HTTP_ACCEPT="application/json")
    again = api("GET", "apis", HTTP_ACCEPT=AGGREGATED, HTTP_IF_NONE_MATCH=aggregated["ETag"])

    assert aggregated["Content-Type"] == AGGREGATED
    apps = next(item for item in aggregated.json()["items"] if item["metadata"]["name"] == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments["responseKind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert deployments["categories"] == ["all"]
    assert {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]} in deployments["subresources"]
    assert legacy.json()["kind"] == "APIGroupList"
    assert legacy["Vary"] == "Accept"
    # kubectl's HTTP cache takes a 304's headers into the cached answer: they must still say "aggregated"
    assert again.status_code == 304
    assert again["Content-Type"] == AGGREGATED


def test_a_resource_list_names_every_kind_of_its_group_version(api):
    core = api("GET", "api/v1").json()

    names = {r["name"] for r in core["resources"]}
    assert core["groupVersion"] == "v1"
    assert {"pods", "pods/status", "services", "namespaces", "nodes", "configmaps", "secrets", "events"} <= names
    assert next(r for r in core["resources"] if r["name"] == "namespaces")["verbs"] == [
        "create", "delete", "get", "list", "patch", "update", "watch"]


def test_a_table_has_the_servers_columns_typed_cells_and_the_rows_metadata(api, cluster):
    cluster.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "labels": {"app": "web"}},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})

    table = api("GET", "apis/apps/v1/namespaces/default/replicasets", HTTP_ACCEPT=TABLE).json()

    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0),
        ("Age", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)]
    [row] = table["rows"]
    assert row["cells"][:2] == ["web", 2]
    assert row["cells"][5:] == ["nginx", "nginx:1.27", "app=web"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["labels"] == {"app": "web"}
    assert int(table["metadata"]["resourceVersion"]) >= int(row["object"]["metadata"]["resourceVersion"])


def test_an_invalid_object_is_422_with_a_cause_per_field(api):
    response = api("POST", "apis/apps/v1/namespaces/default/deployments",
                   {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad"},
                    "spec": {"replicas": -1, "selector": {"matchLabels": {"app": "x"}},
                             "template": {"metadata": {"labels": {"app": "x"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})

    status = response.json()
    assert response.status_code == 422
    assert status["reason"] == "Invalid"
    assert status["message"].startswith('Deployment.apps "bad" is invalid: spec.replicas: Invalid value: -1')
    assert {"reason": "FieldValueInvalid", "field": "spec.replicas"}.items() <= status["details"]["causes"][0].items()
    assert api("GET", "apis/apps/v1/namespaces/default/deployments/bad").status_code == 404


def test_an_object_sent_to_another_namespace_is_refused(api):
    response = api("POST", "api/v1/namespaces/default/configmaps",
                   {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}})

    assert response.status_code == 400
    assert response.json()["message"] == \
        "the namespace of the provided object does not match the namespace sent on the request"


def test_a_stale_update_is_a_conflict(api):
    created = api("POST", "api/v1/namespaces/default/configmaps",
                  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "1"}}).json()
    api("PATCH", "api/v1/namespaces/default/configmaps/cm", {"data": {"a": "2"}},
        content_type="application/merge-patch+json")

    stale = api("PUT", "api/v1/namespaces/default/configmaps/cm", {**created, "data": {"a": "3"}})

    assert stale.status_code == 409
    assert stale.json()["reason"] == "Conflict"
    assert api("GET", "api/v1/namespaces/default/configmaps/cm").json()["data"] == {"a": "2"}


def test_deleting_a_pod_with_a_grace_period_answers_the_marked_pod(api, cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                   "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    cluster.settle()

    marked = api("DELETE", "api/v1/namespaces/default/pods/p", {"kind": "DeleteOptions", "gracePeriodSeconds": 30})
    gone = api("DELETE", "api/v1/namespaces/default/configmaps/kube-root-ca.crt")

    assert marked.status_code == 200
    assert marked.json()["metadata"]["deletionGracePeriodSeconds"] == 30
    assert gone.json()["status"] == "Success"
    assert gone.json()["details"]["name"] == "kube-root-ca.crt"


def test_an_unknown_patch_type_is_415(api):
    response = api("PATCH", "api/v1/namespaces/default/configmaps/x", "{}", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["reason"] == "UnsupportedMediaType"


def test_kubeconfig_writes_a_private_file_with_the_authority_and_a_working_token(cluster, tmp_path, settings):
    settings.PLAYGROUND_TLS_DIR = tmp_path / "tls"
    path = tmp_path / "config"

    call_command("kubeconfig", "--server", "https://127.0.0.1:6443", "-n", "kube-system", "-o", str(path))

    import yaml
    config = yaml.safe_load(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443/clusters/default"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"]
    assert config["contexts"][0]["context"]["namespace"] == "kube-system"
    assert tokens.authenticate("Bearer " + config["users"][0]["user"]["token"]).cluster.name == "default"


def test_deletecollection_deletes_what_the_selector_picks(api, cluster):
    for name, tier in (("a", "front"), ("b", "front"), ("c", "back")):
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"tier": tier}}})

    answer = api("DELETE", "api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront")

    assert answer.status_code == 200
    assert sorted(item["metadata"]["name"] for item in answer.json()["items"]) == ["a", "b"]
    assert [cm["metadata"]["name"] for cm in cluster.list("ConfigMap", namespace="default", label_selector="tier")] == ["c"]


def test_a_body_past_the_limit_is_413_and_stores_nothing(api, settings):
    settings.PLAYGROUND_API_MAX_BODY_BYTES = 1000
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": "x" * 2000}}

    answer = api("POST", "api/v1/namespaces/default/configmaps", big)

    assert answer.status_code == 413
    assert answer.json()["message"] == "Request entity too large: limit is 1000 (PLAYGROUND_API_MAX_BODY_BYTES)"
    assert api("GET", "api/v1/namespaces/default/configmaps/big").status_code == 404


def test_dry_run_creates_nothing_and_a_bad_dry_run_is_refused(api):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry"}}

    answered = api("POST", "api/v1/namespaces/default/configmaps?dryRun=All", cm)
    refused = api("POST", "api/v1/namespaces/default/configmaps?dryRun=Yes", cm)

    assert answered.status_code == 201
    assert answered.json()["metadata"]["name"] == "dry"
    assert refused.status_code == 400
    assert api("GET", "api/v1/namespaces/default/configmaps/dry").status_code == 404


def test_from_another_machine_the_token_is_the_sign_in(api, client):
    by_token = api("GET", "api/v1/namespaces/default/pods", REMOTE_ADDR="10.0.0.5")
    without = client.get("/clusters/default/api/v1/namespaces/default/pods", REMOTE_ADDR="10.0.0.5")

    assert by_token.status_code == 200
    assert without.status_code == 401  # a Status kubectl understands, not the pages' sign-in redirect


def test_a_body_declared_past_every_limit_is_a_413_status_before_it_is_read(api, settings):
    settings.PLAYGROUND_API_MAX_BODY_BYTES = 1000

    answer = api("POST", "api/v1/namespaces/default/configmaps", "x" * 5000)

    assert answer.status_code == 413
    assert answer.json()["reason"] == "RequestEntityTooLarge"


def test_a_protobuf_body_that_is_not_one_is_a_bad_request(api):
    answer = api("POST", "api/v1/namespaces/default/configmaps", "k8s\x00\x0a\xff",
                 content_type="application/vnd.kubernetes.protobuf")

    assert answer.status_code == 400
    assert answer.json()["message"].startswith("the request body is not a ConfigMap in protobuf: ")


def test_a_list_comes_in_chunks_with_the_api_servers_continue_token(api, cluster):
    with cluster.batch() as batch:
        for n in range(7):
            batch.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{n}", "namespace": "default"}})

    names, token, pages = [], "", 0
    while True:
        answer = api("GET", f"api/v1/namespaces/default/configmaps?limit=3&continue={token}").json()
        names += [item["metadata"]["name"] for item in answer["items"]]
        pages += 1
        token = answer["metadata"].get("continue", "")
        if not token:
            break
    first = api("GET", "api/v1/namespaces/default/configmaps?limit=3").json()["metadata"]
    table = api("GET", "api/v1/namespaces/default/configmaps?limit=3", HTTP_ACCEPT=TABLE).json()

    assert [n for n in names if n.startswith("cm-")] == [f"cm-{n}" for n in range(7)]
    assert len(names) == len(set(names)) and pages == -(-len(names) // 3)
    assert first["remainingItemCount"] == len(names) - 3
    assert table["metadata"]["continue"] and len(table["rows"]) == 3
    assert api("GET", "api/v1/namespaces/default/configmaps?limit=3&continue=nope").json()["message"].startswith(
        "continue key is not valid")


@pytest.mark.parametrize("content_type, body", [
    ("application/merge-patch+json", "null"),
    ("application/strategic-merge-patch+json", "[1, 2]"),
    ("application/json-patch+json", '{"op": "add"}'),
    ("application/merge-patch+json", "{not json"),
])
def test_a_patch_of_the_wrong_shape_is_a_bad_request(api, content_type, body):
    api("POST", "api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p"}})

    answer = api("PATCH", "api/v1/namespaces/default/configmaps/p", body, content_type=content_type)

    assert answer.status_code == 400
    assert answer.json()["reason"] == "BadRequest"


def names_of(answer) -> list[str]:
    return [item["metadata"]["name"] for item in answer.json()["items"]]


def test_a_list_sees_every_write_made_before_it_by_any_writer(api, cluster):
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fresh", "namespace": "default",
                                                                        "labels": {"tier": "front"}}}
    assert "fresh" not in names_of(api("GET", "api/v1/namespaces/default/configmaps"))  # the cache is filled

    cluster.apply(config_map)  # the store's own write, as a controller or a page writes
    listed = api("GET", "api/v1/namespaces/default/configmaps?labelSelector=tier%3Dfront")
    by_field = api("GET", "api/v1/configmaps?fieldSelector=metadata.name%3Dfresh")
    at_zero = api("GET", "api/v1/namespaces/default/configmaps?resourceVersion=0")
    store.delete("default", "ConfigMap", "fresh", "default")
    after_delete = api("GET", "api/v1/namespaces/default/configmaps")

    assert names_of(listed) == names_of(by_field) == ["fresh"]
    assert "fresh" in names_of(at_zero)
    assert "fresh" not in names_of(after_delete)
    assert listed.json()["metadata"]["resourceVersion"] == listed.json()["items"][0]["metadata"]["resourceVersion"]


def test_a_list_at_version_0_is_whole_whatever_the_limit_as_the_watch_cache_answers_it(api, cluster):
    with cluster.batch() as batch:
        for n in range(4):
            batch.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{n}", "namespace": "default"}})

    whole = api("GET", "api/v1/namespaces/default/configmaps?limit=2&resourceVersion=0").json()

    assert len(whole["items"]) >= 4 and "continue" not in whole["metadata"]


@pytest.mark.parametrize("path", ["api/v1/configmaps", "api/v1/namespaces", "api/v1/namespaces/a/configmaps"])
def test_chunks_across_namespaces_or_of_a_cluster_scoped_kind_miss_and_repeat_nothing(api, cluster, path):
    # "a-b" sorts before "a/…" as a string but after "a" as a namespace: keys go by namespace, then name
    for namespace in ("a", "a-b", "b"):
        cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for n in range(3):
            cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{n}", "namespace": namespace}})
    whole = [(i["metadata"].get("namespace"), i["metadata"]["name"]) for i in api("GET", path).json()["items"]]

    chunked, token = [], ""
    while True:
        answer = api("GET", f"{path}?limit=2&continue={token}").json()
        chunked += [(i["metadata"].get("namespace"), i["metadata"]["name"]) for i in answer["items"]]
        if not (token := answer["metadata"].get("continue", "")):
            break

    assert chunked == whole and len(whole) >= 3


@pytest.mark.parametrize("method, content_type", [("PUT", "application/json"), ("PATCH", "application/merge-patch+json")])
def test_a_collection_takes_no_put_or_patch_405(api, method, content_type):
    answer = api(method, "api/v1/namespaces/default/configmaps", {"data": {}}, content_type=content_type)

    assert answer.status_code == 405
    assert answer.json()["reason"] == "MethodNotAllowed"
    assert answer.json()["message"] == "the server does not allow this method on the requested resource"
def test_a_scale_patch_is_no_conflict_with_a_status_written_meanwhile(api, cluster, monkeypatch):
    from playground.apiserver import resources
    from tests.factories import deployment

    cluster.apply(deployment("web", replicas=1))
    read = resources.store.get

    def read_then_a_controller_writes(*args, **kwargs):
        found = read(*args, **kwargs)
        cluster.update_status({**found, "status": {"observedGeneration": 1}})  # lands between the read and the patch
        return found

    monkeypatch.setattr(resources.store, "get", read_then_a_controller_writes)
    path = "apis/apps/v1/namespaces/default/deployments/web/scale"

    scaled = api("PATCH", path, {"spec": {"replicas": 3}}, content_type="application/merge-patch+json")
    stale = api("PATCH", path, {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 4}},
                content_type="application/merge-patch+json")

    assert scaled.status_code == 200 and json.loads(scaled.content)["spec"]["replicas"] == 3
    assert stale.status_code == 409  # a version the patch names is still a precondition
