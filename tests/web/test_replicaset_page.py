"""The ReplicaSet page: desired, current, ready and available; the Deployment that owns it; its
pods as tiles; conditions and events; and the websocket that keeps it current."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import deployment, replica_set
from tests.web.live import HTMX, XSS_ANNOTATION, XSS_SCRIPT, assert_escaped, frame_after, section


def page_of(rs: dict) -> str:
    return f"/clusters/default/replicasets/default/{rs['metadata']['name']}/"


def test_the_page_shows_the_counts_the_owner_and_the_pods(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.settle()
    cluster.advance(30)
    [rs] = cluster.list("ReplicaSet", namespace="default")

    page = client.get(page_of(rs)).content.decode()

    for counter in ("desired", "current", "ready", "available"):
        assert f'data-counter="{counter}">3<' in page
    assert 'Deployment <a href="/clusters/default/deployments/default/nginx/">nginx</a>' in section(page, "replicaset")
    pods = section(page, "pods")
    assert pods.count('class="pod ready"') == 3
    for pod in cluster.list("Pod", namespace="default"):
        assert f'href="/clusters/default/pods/default/{pod["metadata"]["name"]}/"' in pods
    events = section(page, "events")
    assert "<td>SuccessfulCreate</td>" in events


def test_a_replica_set_of_its_own_has_no_owner(cluster, client):
    cluster.apply(replica_set("web", replicas=1))

    page = client.get("/clusters/default/replicasets/default/web/").content.decode()

    assert 'data-field="owner">none<' in page


def test_a_missing_replica_set_is_not_found(cluster, client):
    response = client.get("/clusters/default/replicasets/default/nope/")

    assert response.status_code == 404
    assert "replicasets.apps &quot;nope&quot; not found" in response.content.decode()


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    cluster.apply(replica_set("web", replicas=1))

    html = client.get("/clusters/default/replicasets/default/web/", headers=HTMX).content.decode()

    assert html.lstrip().startswith('<section id="replicaset-live"') and "<html" not in html


def test_hostile_strings_are_escaped(cluster, client):
    obj = replica_set("web", replicas=1)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = f"nginx{XSS_SCRIPT}"
    obj["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    cluster.create(obj)

    page = client.get("/clusters/default/replicasets/default/web/").content.decode()

    assert_escaped(page)


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_replica_set_again_when_it_is_scaled():
    create_demo_cluster("default")
    store.create("default", replica_set("web", replicas=1))

    frame = frame_after("/ws/clusters/default/replicasets/default/web/",
                        lambda: store.patch("default", "ReplicaSet", "web", "default", {"spec": {"replicas": 4}}, patch_type="merge"))

    assert 'id="replicaset-live"' in frame and 'hx-swap-oob="true"' in frame
    assert 'data-counter="desired">4<' in frame
