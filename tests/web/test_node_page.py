"""The Node page: what it offers against what its pods ask for, its conditions, taints, labels,
Lease heartbeat, pods and image cache; the cordon / uncordon / drain / stop / start buttons, which
do what `python manage.py node` does; and the websocket that keeps it current."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from playground.images import registry
from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import pod, replica_set
from tests.web.live import HTMX, XSS_ANNOTATION, assert_escaped, frame_after, section

PAGE = "/clusters/default/nodes/{}/"
WORKER = "playground-worker"


def requesting(name: str, cpu: str, memory: str, *, limit_cpu: str | None = None) -> dict:
    obj = pod(name, node=WORKER)
    resources = {"requests": {"cpu": cpu, "memory": memory}}
    if limit_cpu:
        resources["limits"] = {"cpu": limit_cpu}
    obj["spec"]["containers"][0]["resources"] = resources
    return obj


def test_the_page_adds_up_what_its_pods_request_against_what_it_offers(cluster, client):
    cluster.create(requesting("a", "500m", "256Mi", limit_cpu="1"))
    cluster.create(requesting("b", "1", "1Gi"))

    page = client.get(PAGE.format(WORKER)).content.decode()

    resources = section(page, "resources")
    cpu = resources.split('data-resource="cpu"')[1].split("</tr>")[0]
    assert "<td>4</td><td>4</td>" in cpu  # capacity, allocatable
    assert "1500m (37%)" in cpu and "1 (25%)" in cpu  # requests, limits
    memory = resources.split('data-resource="memory"')[1].split("</tr>")[0]
    assert "1280Mi (15%)" in memory
    assert "2 (1%)" in resources.split('data-resource="pods"')[1].split("</tr>")[0]


def test_the_page_shows_conditions_labels_heartbeat_and_pods(cluster, client):
    cluster.create(pod("web", node=WORKER))
    cluster.advance(30)

    page = client.get(PAGE.format(WORKER)).content.decode()

    assert "<td>Ready</td><td>True</td><td>KubeletReady</td>" in section(page, "conditions")
    assert f"<dt>kubernetes.io/hostname</dt><dd>{WORKER}</dd>" in page
    heartbeat = section(page, "heartbeat")
    assert f"<dd>{WORKER}</dd>" in heartbeat and "expired" not in heartbeat
    assert 'href="/clusters/default/pods/default/web/"' in section(page, "pods")


def test_the_control_plane_shows_its_taint(cluster, client):
    page = client.get(PAGE.format("playground-control-plane")).content.decode()

    assert "<code>node-role.kubernetes.io/control-plane:NoSchedule</code>" in page


def test_the_image_cache_lists_pulled_images_and_the_layers_they_share(cluster, client):
    cluster.create(pod("web", node=WORKER, image="nginx:1.27"))
    cluster.create(pod("cache", node=WORKER, image="redis:7.4"))
    cluster.advance(60)

    page = client.get(PAGE.format(WORKER)).content.decode()

    images = section(page, "images")
    assert "nginx:1.27" in images and "redis:7.4" in images
    assert 'class="layer shared"' in images  # both start from debian:bookworm-slim
    assert "Shared layers, stored once on this node" in page


def test_the_image_cache_shows_the_layers_of_an_image_built_on_the_cluster(cluster, client):
    built = registry.build(cluster.name, 'FROM busybox:1.36\nRUN echo hi > /hello\nCMD ["sleep", "3600"]\n',
                           tag="myapp:1").image
    cluster.create(pod("app", node=WORKER, image="myapp:1"))
    cluster.advance(60)

    page = client.get(PAGE.format(WORKER)).content.decode()

    row = section(page, "images").split("myapp:1", 1)[1].split("</tr>")[0]
    assert "unknown to the catalog" not in row
    assert all(layer.digest in row for layer in built.layers)  # its own RUN layer too, found on its cluster


def test_cordon_marks_the_node_unschedulable_as_kubectl_cordon(cluster, client):
    response = client.post(PAGE.format(WORKER) + "cordon/")

    assert response.status_code == 302 and response["Location"] == PAGE.format(WORKER)
    assert cluster.get("Node", WORKER)["spec"]["unschedulable"] is True
    assert "no: cordoned" in client.get(PAGE.format(WORKER)).content.decode()

    client.post(PAGE.format(WORKER) + "uncordon/")

    assert not cluster.get("Node", WORKER)["spec"].get("unschedulable")


def test_drain_evicts_the_pods_a_controller_replaces_elsewhere(cluster, client):
    cluster.apply(replica_set("web", replicas=4))
    cluster.settle()
    cluster.advance(30)

    html = client.post(PAGE.format(WORKER) + "drain/", headers=HTMX).content.decode()
    cluster.settle()
    cluster.advance(60)

    assert "evicted" in html and f"node/{WORKER} drained" in html
    live = [p for p in cluster.list("Pod", namespace="default") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 4 and all(p["spec"]["nodeName"] == "playground-worker2" for p in live)


def test_drain_refuses_a_pod_no_controller_would_replace_unless_forced(cluster, client):
    cluster.create(pod("lonely", node=WORKER))

    response = client.post(PAGE.format(WORKER) + "drain/")

    assert response.status_code == 422
    assert "cannot delete Pods that declare no controller (use --force to override): default/lonely" in response.content.decode()
    assert cluster.get("Pod", "lonely", "default")["metadata"].get("deletionTimestamp") is None

    client.post(PAGE.format(WORKER) + "drain/", {"force": "on"})

    assert cluster.get("Pod", "lonely", "default")["metadata"].get("deletionTimestamp")


def test_stop_switches_the_kubelet_off_and_the_node_goes_not_ready(cluster, client):
    cluster.advance(10)  # the kubelet holds its Lease
    client.post(PAGE.format(WORKER) + "stop/")
    cluster.advance(60)

    page = client.get(PAGE.format(WORKER)).content.decode()

    assert 'data-field="kubelet">stopped<' in page
    assert "expired: the node lifecycle controller" in page
    assert 'data-field="ready">Unknown<' in page
    client.post(PAGE.format(WORKER) + "start/")
    assert 'data-field="kubelet">running<' in client.get(PAGE.format(WORKER)).content.decode()


def test_a_button_post_without_its_csrf_token_is_refused(cluster):
    response = Client(enforce_csrf_checks=True).post(PAGE.format(WORKER) + "cordon/")

    assert response.status_code == 403
    assert not cluster.get("Node", WORKER)["spec"].get("unschedulable")


def test_an_unknown_action_is_not_found(cluster, client):
    assert client.post(PAGE.format(WORKER) + "explode/").status_code == 404


def test_a_missing_node_is_not_found(cluster, client):
    response = client.get(PAGE.format("nope"))

    assert response.status_code == 404
    assert "nodes &quot;nope&quot; not found" in response.content.decode()


def test_hostile_annotations_are_escaped(cluster, client):
    store.patch("default", "Node", WORKER, "", {"metadata": {"annotations": {"note": XSS_ANNOTATION}}}, patch_type="merge")

    assert_escaped(client.get(PAGE.format(WORKER)).content.decode())


def test_each_node_of_the_cluster_page_links_to_its_page(cluster, client):
    page = client.get("/clusters/default/").content.decode()

    assert f'<a class="node-link" href="{PAGE.format(WORKER)}">{WORKER}</a>' in page


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_node_again_when_it_is_cordoned():
    create_demo_cluster("default")

    frame = frame_after("/ws" + PAGE.format(WORKER),
                        lambda: store.patch("default", "Node", WORKER, "", {"spec": {"unschedulable": True}}, patch_type="merge"))

    assert 'id="node-live"' in frame and 'hx-swap-oob="true"' in frame
    assert "no: cordoned" in frame


def test_the_image_cache_says_its_sizes_are_compressed_and_prints_small_layers_in_kilobytes(cluster, client):
    cluster.create(pod("web", node=WORKER, image="nginx:1.27"))
    cluster.advance(60)

    page = client.get(PAGE.format(WORKER)).content.decode()

    images = section(page, "images")
    assert "PULLED (compressed)" in images and "UNPACKED" in images
    row = images.split("nginx:1.27", 1)[1].split("</tr>")[0]
    assert "0.0 MB" not in row
    assert re.search(r"[0-9.]+ (kB|B)</code>", row)  # nginx's small config layers, 1.6 kB and less


def test_the_cluster_pages_add_a_worker_joins_a_node_that_comes_up_ready(cluster, client):
    page = client.get("/clusters/default/").content.decode()

    response = client.post("/clusters/default/join-node/")
    cluster.advance(2)

    assert 'action="/clusters/default/join-node/"' in page and "Add a worker node" in page
    assert response.status_code == 302 and response["Location"] == "/clusters/default/"
    joined = cluster.get("Node", "playground-worker3")
    assert joined["spec"]["podCIDR"] == "10.244.3.0/24"
    assert "10.244.3.0/24" in client.get(PAGE.format("playground-worker3")).content.decode()
    assert client.post("/clusters/nope/join-node/").status_code == 404
