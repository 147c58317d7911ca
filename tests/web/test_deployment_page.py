"""The Deployment page: what it wants, what it has, its revisions side by side with their pods,
the buttons kubectl has (scale, set image, rollout pause/resume/restart/undo), and the websocket
that keeps it current."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import api as store
from playground.store import clock
from playground.store.demo import create_demo_cluster
from tests.factories import config_map, deployment

PAGE = "/clusters/default/deployments/default/nginx/"
HTMX = {"HX-Request": "true"}


def rolled_out(cluster, obj=None):
    if obj is not None:
        cluster.apply(obj)
    cluster.settle()
    cluster.advance(30)


def revision(page: str, number: int) -> str:
    return page.split(f'aria-label="revision {number}"')[1].split("</article>")[0]


def test_the_page_shows_what_the_deployment_wants_and_has(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=3))

    page = client.get(PAGE).content.decode()

    wants = page.split('aria-label="wants"')[1].split("</article>")[0]
    assert "<dd>3</dd>" in wants and "RollingUpdate" in wants
    assert "25% → 1" in wants and "25% → 0" in wants
    assert "at most 4 pods, at least 3 available during a rollout" in wants
    has = page.split('aria-label="has"')[1].split("</article>")[0]
    for counter, value in (("replicas", 3), ("updated", 3), ("ready", 3), ("available", 3), ("unavailable", 0)):
        assert f'data-counter="{counter}">{value}<' in has
    assert "<td>Available</td><td>True</td><td>MinimumReplicasAvailable</td>" in has
    assert "NewReplicaSetAvailable" in has


def test_the_bounds_round_surge_up_and_unavailable_down(cluster, client):
    obj = deployment("nginx", replicas=10)
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    cluster.apply(obj)

    page = client.get(PAGE).content.decode()

    assert "25% → 3" in page and "25% → 2" in page
    assert "at most 13 pods, at least 8 available during a rollout" in page


def test_a_recreate_deployment_has_no_pods_available_during_a_rollout(cluster, client):
    obj = deployment("nginx", replicas=2)
    obj["spec"]["strategy"] = {"type": "Recreate"}
    cluster.apply(obj)

    page = client.get(PAGE).content.decode()

    assert "Recreate" in page and "maxSurge" not in page
    assert "at most 2 pods, at least 0 available during a rollout" in page


def test_each_revision_shows_its_hash_image_counts_and_pods(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=3))
    [rs] = cluster.list("ReplicaSet", namespace="default")
    pods = cluster.list("Pod", namespace="default")

    first = revision(client.get(PAGE).content.decode(), 1)

    assert rs["metadata"]["labels"]["pod-template-hash"] in first
    assert "nginx:1.27" in first and "desired 3 · current 3 · ready 3" in first
    assert first.count('<li class="pod ready"') == 3
    assert all(p["metadata"]["name"] in first for p in pods)


def test_set_image_makes_a_new_revision_shown_first_and_the_old_one_drains(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=3))

    response = client.post(PAGE + "image/", {"container": "nginx", "image": "nginx:1.28"})
    rolled_out(cluster)

    assert response.status_code == 302 and response["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert page.index('aria-label="revision 2"') < page.index('aria-label="revision 1"')
    assert "nginx:1.28" in revision(page, 2) and "desired 3 · current 3 · ready 3" in revision(page, 2)
    assert "desired 0 · current 0 · ready 0" in revision(page, 1)
    history = page.split('class="history">')[1].split("</pre>")[0]
    assert history.split() == ["REVISION", "CHANGE-CAUSE", "1", "&lt;none&gt;", "2", "&lt;none&gt;"]


def test_scale_patches_the_replicas_as_kubectl_scale_does(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))

    response = client.post(PAGE + "scale/", {"replicas": "5"})

    assert response.status_code == 302
    assert cluster.get("Deployment", "nginx", "default")["spec"]["replicas"] == 5


def test_a_store_error_is_shown_beside_its_form_with_422(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))

    response = client.post(PAGE + "scale/", {"replicas": "-1"})

    assert response.status_code == 422
    form = response.content.decode().split('id="scale-form"')[1].split("</form>")[0]
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in form
    assert 'value="-1"' in form  # what was typed stays
    assert "Traceback" not in response.content.decode()
    assert cluster.get("Deployment", "nginx", "default")["spec"]["replicas"] == 3


def test_with_htmx_a_button_answers_with_its_fragments_out_of_band(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))

    failed = client.post(PAGE + "scale/", {"replicas": "many"}, headers=HTMX)
    scaled = client.post(PAGE + "scale/", {"replicas": "4"}, headers=HTMX)

    assert failed.status_code == 422
    assert "replicas must be a whole number" in failed.content.decode()
    assert "<html" not in failed.content.decode()
    assert scaled.status_code == 200
    html = scaled.content.decode()
    assert 'id="deployment-live" class="deployment" hx-swap-oob="true"' in html
    assert 'id="scale-form"' in html and "deployment.apps/nginx scaled" in html


def test_set_image_of_an_unknown_container_is_refused(cluster, client):
    cluster.apply(deployment("nginx"))

    response = client.post(PAGE + "image/", {"container": "sidecar", "image": "busybox"})

    assert response.status_code == 422
    assert "unable to find container named &quot;sidecar&quot;" in response.content.decode()


def test_pause_and_resume_as_kubectl_rollout_does(cluster, client):
    cluster.apply(deployment("nginx"))

    client.post(PAGE + "pause/")
    paused_page = client.get(PAGE).content.decode()
    again = client.post(PAGE + "pause/")

    assert cluster.get("Deployment", "nginx", "default")["spec"]["paused"] is True
    assert "Resume rollout" in paused_page and "Pause rollout" not in paused_page
    assert again.status_code == 422 and "deployments.apps &quot;nginx&quot; is already paused" in again.content.decode()
    restart = client.post(PAGE + "restart/")
    assert restart.status_code == 422 and "can&#x27;t restart paused deployment" in restart.content.decode()
    client.post(PAGE + "resume/")
    assert "paused" not in cluster.get("Deployment", "nginx", "default")["spec"]


def test_restart_annotates_the_template_so_a_new_revision_rolls_out(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=2))

    client.post(PAGE + "restart/")
    rolled_out(cluster)

    template = cluster.get("Deployment", "nginx", "default")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert "desired 2 · current 2 · ready 2" in revision(client.get(PAGE).content.decode(), 2)


def test_undo_goes_back_to_the_previous_revision(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=2))
    nothing_to_undo = client.post(PAGE + "undo/")
    client.post(PAGE + "image/", {"container": "nginx", "image": "nginx:1.28"})
    rolled_out(cluster)

    client.post(PAGE + "undo/")
    rolled_out(cluster)

    assert nothing_to_undo.status_code == 422
    assert "no rollout history found for deployment &quot;nginx&quot;" in nothing_to_undo.content.decode()
    assert cluster.get("Deployment", "nginx", "default")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    page = client.get(PAGE).content.decode()
    assert "nginx:1.27" in revision(page, 3) and "desired 2 · current 2 · ready 2" in revision(page, 3)


def test_buttons_need_their_csrf_token(cluster):
    from django.test import Client

    cluster.apply(deployment("nginx"))

    response = Client(enforce_csrf_checks=True).post(PAGE + "scale/", {"replicas": "9"})

    assert response.status_code == 403
    assert cluster.get("Deployment", "nginx", "default")["spec"]["replicas"] == 3


def test_an_unknown_deployment_or_action_is_not_found(cluster, client):
    cluster.apply(deployment("nginx"))

    assert client.get("/clusters/default/deployments/default/nope/").status_code == 404
    assert client.post("/clusters/default/deployments/default/nope/scale/", {"replicas": "1"}).status_code == 404
    assert client.post(PAGE + "explode/").status_code == 404


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    cluster.apply(deployment("nginx"))

    html = client.get(PAGE, headers=HTMX).content.decode()

    assert html.lstrip().startswith('<div id="rollout-buttons"') and "<html" not in html
    assert '<section id="deployment-live"' in html and "Pause rollout" in html


def test_user_strings_are_escaped_on_the_deployment_page(cluster, client):
    obj = deployment("nginx", image="nginx:<b>bold</b>")
    obj["metadata"]["annotations"] = {"kubernetes.io/change-cause": "<script>alert(1)</script>"}
    rolled_out(cluster, obj)

    page = client.get(PAGE).content.decode()

    assert "<b>bold</b>" not in page and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_cluster_page_links_a_deployments_pods_to_its_page(cluster, client):
    rolled_out(cluster, deployment("nginx", replicas=1))

    page = client.get("/clusters/default/").content.decode()

    assert f'<a class="name" href="{PAGE}">nginx-' in page


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_deployment_again_when_it_changes_and_only_then():
    create_demo_cluster("default")
    clock.set_mode("default", "paused")  # a running clock's time is drawn too, and may tick meanwhile
    store.apply("default", deployment("nginx", replicas=3))

    async def conversation() -> tuple[str, bool]:
        socket = WebsocketCommunicator(application, "/ws" + PAGE, headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(store.patch)("default", "Deployment", "nginx", "default", {"spec": {"replicas": 7}},
                                         patch_type="merge")
        frame = await socket.receive_from(timeout=5)
        await sync_to_async(store.create)("default", config_map("unrelated"))  # nothing drawn changes
        quiet = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return frame, quiet

    frame, quiet = async_to_sync(conversation)()

    assert 'id="deployment-live"' in frame and 'hx-swap-oob="true"' in frame
    assert "<dt>replicas</dt><dd>7</dd>" in frame
    assert quiet


@pytest.mark.django_db(transaction=True)
def test_the_socket_says_so_when_the_deployment_is_deleted():
    create_demo_cluster("default")
    store.apply("default", deployment("nginx"))

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, "/ws" + PAGE, headers=[(b"origin", b"http://127.0.0.1")])
        await socket.connect()
        await sync_to_async(store.delete)("default", "Deployment", "nginx", "default")
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    assert "deployments.apps &quot;nginx&quot; not found" in async_to_sync(conversation)()
