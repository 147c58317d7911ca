"""The Namespace page (every object in it, grouped by kind, with kubectl's columns, each linking
to its page), the objects page's links, and the cluster page's namespace filter."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import config_map, deployment, namespace, pod
from tests.web.live import HTMX, XSS_ANNOTATION, assert_escaped, frame_after, section


def test_the_page_groups_the_namespace_objects_by_kind_with_kubectls_columns(cluster, client):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.apply(config_map("settings"))
    cluster.settle()

    page = client.get("/clusters/default/namespaces/default/").content.decode()

    deployments = section(page, "deployments")
    assert "NAME    READY   UP-TO-DATE   AVAILABLE   AGE" in deployments
    assert '<a href="/clusters/default/deployments/default/nginx/">nginx</a>' in deployments
    assert '<a href="/clusters/default/configmaps/default/settings/">settings</a>' in section(page, "configmaps")
    rs = cluster.list("ReplicaSet", namespace="default")[0]["metadata"]["name"]
    assert f'<a href="/clusters/default/replicasets/default/{rs}/">{rs}</a>' in section(page, "replicasets")
    assert '<a href="/clusters/default/services/default/kubernetes/">kubernetes</a>' in section(page, "services")
    assert 'data-field="phase">Active<' in page


def test_another_namespace_shows_only_its_own_objects(cluster, client):
    cluster.create(namespace("team-a"))
    cluster.settle()  # the serviceaccounts controller gives it its `default` ServiceAccount
    cluster.create(pod("mine", namespace="team-a"))
    cluster.create(pod("theirs"))

    page = client.get("/clusters/default/namespaces/team-a/").content.decode()

    assert '<a href="/clusters/default/pods/team-a/mine/">mine</a>' in page and "theirs" not in page


def test_a_missing_namespace_is_not_found(cluster, client):
    response = client.get("/clusters/default/namespaces/nope/")

    assert response.status_code == 404
    assert "namespaces &quot;nope&quot; not found" in response.content.decode()


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    html = client.get("/clusters/default/namespaces/default/", headers=HTMX).content.decode()

    assert html.lstrip().startswith('<section id="namespace-live"')


def test_hostile_strings_in_the_namespace_objects_are_escaped(cluster, client):
    obj = deployment("nginx")
    obj["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:<script>alert(1)</script>"
    cluster.create(obj)

    # kubectl's default columns show neither the image nor the annotation: nothing to draw, nothing let through
    assert_escaped(client.get("/clusters/default/namespaces/default/").content.decode(), shown=False)


def test_the_objects_page_links_every_object_to_its_page(cluster, client):
    cluster.apply(deployment("nginx", replicas=1))
    cluster.settle()

    page = client.get("/clusters/default/objects/").content.decode()

    assert '<a href="/clusters/default/nodes/playground-worker/">playground-worker</a>' in page
    assert '<a href="/clusters/default/namespaces/kube-system/">kube-system</a>' in page
    assert '<a href="/clusters/default/deployments/default/nginx/">nginx</a>' in page
    pod_name = cluster.list("Pod", namespace="default")[0]["metadata"]["name"]
    assert f'<a href="/clusters/default/pods/default/{pod_name}/">{pod_name}</a>' in page


def test_the_objects_page_filters_by_namespace(cluster, client):
    cluster.create(namespace("team-a"))
    cluster.settle()  # the serviceaccounts controller gives it its `default` ServiceAccount
    cluster.create(pod("mine", namespace="team-a"))
    cluster.create(pod("theirs"))

    page = client.get("/clusters/default/objects/?namespace=team-a").content.decode()

    assert "mine" in page and "theirs" not in page and "kubectl get pods -n team-a" in page


def test_the_cluster_page_filters_pods_by_namespace_and_keeps_the_filter_in_its_links(cluster, client):
    cluster.create(namespace("team-a"))
    cluster.settle()  # the serviceaccounts controller gives it its `default` ServiceAccount
    cluster.create(pod("mine", namespace="team-a", node="playground-worker"))
    cluster.create(pod("theirs", node="playground-worker"))

    page = client.get("/clusters/default/?namespace=team-a").content.decode()

    nodes = page.split('id="nodes"')[1]
    assert "mine" in nodes and "theirs" not in nodes
    assert 'href="/clusters/default/events/?namespace=team-a"' in page
    assert 'href="/clusters/default/objects/?namespace=team-a"' in page
    assert "<option selected>team-a</option>" in page
    assert 'ws-connect="/ws/clusters/default/?namespace=team-a"' in page


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_namespace_again_when_an_object_arrives():
    create_demo_cluster("default")

    frame = frame_after("/ws/clusters/default/namespaces/default/", lambda: store.create("default", config_map("arrived")))

    assert 'id="namespace-live"' in frame
    assert '<a href="/clusters/default/configmaps/default/arrived/">arrived</a>' in frame
