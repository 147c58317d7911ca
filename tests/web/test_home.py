"""The home page lists the cluster's objects (the live UI comes with its own issue)."""
from __future__ import annotations

from tests.factories import deployment


def test_the_home_page_shows_the_default_cluster(cluster, client):
    response = client.get("/", follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    for node in ("playground-control-plane", "playground-worker", "playground-worker2"):
        assert f'aria-label="node {node}"' in page


def test_the_objects_page_lists_every_kind_as_kubectl_does(cluster, client):
    page = client.get("/clusters/default/objects/").content.decode()

    for namespace in ("default", "kube-system", "kube-public"):
        assert namespace in page
    assert "kubectl get namespaces" in page


def test_an_applied_deployment_appears_with_its_columns(cluster, client):
    cluster.apply(deployment("nginx"))

    page = client.get("/clusters/default/objects/").content.decode()

    assert "READY   UP-TO-DATE   AVAILABLE" in page
    assert "nginx" in page


def test_user_strings_are_escaped(cluster, client):
    obj = deployment("nginx")
    obj["metadata"]["annotations"] = {"note": "<script>alert(1)</script>"}
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:<b>bold</b>"
    cluster.create(obj)

    page = client.get("/clusters/default/objects/").content.decode()

    assert "<b>bold</b>" not in page


def test_an_unknown_cluster_is_not_found(cluster, client):
    response = client.get("/clusters/nope/")

    assert response.status_code == 404
    assert "cluster &quot;nope&quot; not found" in response.content.decode()
