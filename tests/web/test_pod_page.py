"""The Pod page: the pod's phase, conditions, IP and node; its containers drawn as what they are
(the pause container holding the network namespace first, then init and app containers with their
states and the namespaces they share); its events and each container's last log lines; and the
websocket that keeps it current."""
from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import api as store
from playground.store import changelog
from playground.store.demo import create_demo_cluster
from playground.web import consumers
from tests.factories import pod

PAGE = "/clusters/default/pods/default/{}/"
HTMX = {"HX-Request": "true"}


def busybox(name: str, script: str) -> dict:
    obj = pod(name, image="busybox:1.36")
    obj["spec"]["containers"][0]["command"] = ["sh", "-c", script]
    return obj


def box(page: str, container: str) -> str:
    return page.split(f'aria-label="container {container}"')[1].split("</article>")[0]


def namespaces(page: str) -> str:
    """The picture of the pod: its pause container holding the shared namespaces."""
    return page.split('class="pod-namespaces"')[1].split("</figure>")[0]


def member(page: str, container: str) -> str:
    return namespaces(page).split(f'data-container="{container}"')[1].split("</g>")[0]


def test_a_running_pod_shows_its_sandbox_container_events_and_logs(cluster, client):
    cluster.create(busybox("hello", "echo hello; sleep 3600"))
    cluster.advance(30)
    running = cluster.get("Pod", "hello", "default")
    ip = running["status"]["podIP"]

    page = client.get(PAGE.format("hello")).content.decode()

    node = running["spec"]["nodeName"]
    assert f'data-field="ip">{ip}<' in page and f'data-field="node"><a href="/clusters/default/nodes/{node}/">{node}</a>' in page
    assert 'data-field="phase">Running<' in page
    assert "<td>Ready</td><td>True</td>" in page
    picture = namespaces(page)
    assert picture.index('data-container="pause"') < picture.index('data-container="main"')
    assert f"net · {ip}</text>" in picture and "sandbox: ready" in member(page, "pause")
    main = box(page, "main")
    assert "busybox:1.36" in main and 'data-field="state">Running since ' in main
    assert 'data-field="ready">true<' in main and 'data-field="restartCount">0<' in main
    assert '<pre class="logs">hello\n</pre>' in main
    events = page.split('class="conditions events"')[1].split("</table>")[0]
    for reason in ("Scheduled", "Pulled", "Created", "Started"):
        assert f"<td>{reason}</td>" in events


def test_a_crashing_pod_shows_crash_loop_back_off_and_its_restarts(cluster, client):
    cluster.create(busybox("crash", "exit 1"))
    cluster.advance(30)
    restarts = cluster.get("Pod", "crash", "default")["status"]["containerStatuses"][0]["restartCount"]

    page = client.get(PAGE.format("crash")).content.decode()

    main = box(page, "main")
    assert restarts >= 1
    assert 'data-field="state">Waiting: CrashLoopBackOff' in main
    assert f'data-field="restartCount">{restarts}<' in main
    assert 'data-field="lastState">Terminated: Error (exit code 1)' in main
    assert 'data-field="status">CrashLoopBackOff<' in page
    assert "<td>BackOff</td>" in page


def test_a_pod_not_started_yet_shows_why_its_logs_are_missing(cluster, client):
    cluster.create(pod("waiting"))

    page = client.get(PAGE.format("waiting")).content.decode()

    assert 'data-field="node">not scheduled' in page
    assert "sandbox: none" in member(page, "pause")
    assert "is waiting to start: ContainerCreating" in box(page, "main")


def test_init_containers_come_before_the_app_containers(cluster, client):
    obj = busybox("two", "sleep 3600")
    obj["spec"]["initContainers"] = [{"name": "setup", "image": "busybox:1.36", "command": ["sh", "-c", "echo ready"]}]
    cluster.create(obj)
    cluster.advance(30)

    page = client.get(PAGE.format("two")).content.decode()

    assert page.index('"container setup"') < page.index('"container main"')
    picture = namespaces(page)
    assert picture.index('data-container="pause"') < picture.index('data-container="setup"') < picture.index('data-container="main"')
    assert '<g class="member completed" data-container="setup">' in picture  # done, not failed
    assert "Completed (exit 0)</text>" in member(page, "setup")
    assert "Terminated: Completed (exit code 0)" in box(page, "setup")


def test_a_missing_pod_is_not_found(cluster, client):
    response = client.get(PAGE.format("nope"))

    assert response.status_code == 404
    assert "pods &quot;nope&quot; not found" in response.content.decode()


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    cluster.create(pod("web"))

    html = client.get(PAGE.format("web"), headers=HTMX).content.decode()

    assert html.lstrip().startswith('<section id="pod-live"') and "<html" not in html


def test_user_strings_are_escaped_on_the_pod_page(cluster, client):
    cluster.create(busybox("loud", "echo '<script>alert(1)</script>'; sleep 3600"))
    cluster.advance(30)

    page = client.get(PAGE.format("loud")).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_each_pod_tile_links_to_its_pod_page(cluster, client):
    cluster.create(pod("web", node="playground-worker"))

    page = client.get("/clusters/default/").content.decode()

    assert f'<a class="name" href="{PAGE.format("web")}">web</a>' in page


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_pod_again_when_it_changes():
    create_demo_cluster("default")
    store.create("default", pod("web"))

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, "/ws" + PAGE.format("web"), headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(store.patch)("default", "Pod", "web", "default",
                                         {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}})
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = async_to_sync(conversation)()

    assert 'id="pod-live"' in frame and 'hx-swap-oob="true"' in frame
    assert "<code>nginx:1.28</code>" in frame


def new_image(image: str) -> dict:
    return {"spec": {"containers": [{"name": "main", "image": image}]}}


async def first_frame(since: str) -> str:
    """What the page's socket, opened as static/live.js opens it (`?since=` the version the page
    shows), sends first."""
    socket = WebsocketCommunicator(application, f"/ws{PAGE.format('web')}?since={since}",
                                   headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await socket.connect()
    assert connected
    frame = await socket.receive_from(timeout=30)
    await socket.disconnect()
    return frame


@pytest.mark.django_db(transaction=True)
def test_a_change_between_the_page_and_its_socket_is_drawn_at_once(client):
    """The pod changes while the page's scripts load, and nothing changes after: the socket,
    resuming from the version the page was drawn at, brings the change at once."""
    create_demo_cluster("default")
    store.create("default", pod("web"))
    page = client.get(PAGE.format("web")).content.decode()
    shown = re.search(r'id="live-version" hidden data-resource-version="(\d+)"', page).group(1)
    store.patch("default", "Pod", "web", "default", new_image("nginx:1.28"))

    frame = async_to_sync(first_frame)(shown)

    assert "<code>nginx:1.28</code>" in frame
    # and the page now shows the newer version, which the next reconnect resumes from
    assert f'data-resource-version="{changelog.cluster_resource_version("default")}"' in frame


@pytest.mark.django_db(transaction=True)
def test_a_change_while_the_socket_takes_its_baseline_is_drawn(monkeypatch):
    """A socket that missed nothing takes what it draws now as what the page shows; a change
    committed just before that drawing is in it though the page lacks it, so it draws again."""
    create_demo_cluster("default")
    store.create("default", pod("web"))
    shown = changelog.cluster_resource_version("default")
    looked = consumers.LiveConsumer.changed_since
    patched: list[bool] = []

    def changed_after_the_first_look(self: consumers.LiveConsumer, version: int) -> bool:
        missed = looked(self, version)
        if not patched:
            patched.append(True)
            store.patch("default", "Pod", "web", "default", new_image("nginx:1.28"))
        return missed

    monkeypatch.setattr(consumers.LiveConsumer, "changed_since", changed_after_the_first_look)

    frame = async_to_sync(first_frame)(str(shown))

    assert "<code>nginx:1.28</code>" in frame


# --- fault buttons, cgroup usage, links ------------------------------------------------------------


def served(name: str, **probes: dict) -> dict:
    """An nginx pod with the probes given (liveness=..., readiness=...)."""
    obj = pod(name)
    obj["spec"]["containers"][0].update({f"{kind}Probe": probe for kind, probe in probes.items()})
    return obj


HTTP_PROBE = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "failureThreshold": 1}


def test_the_delete_button_deletes_the_pod_as_kubectl_delete(cluster, client):
    cluster.create(pod("web"))
    cluster.advance(30)

    response = client.post(PAGE.format("web") + "delete/", headers=HTMX)

    assert response.status_code == 200 and 'pod &quot;web&quot; deleted' in response.content.decode()
    assert cluster.get("Pod", "web", "default")["metadata"].get("deletionTimestamp")


def test_a_deleted_pod_of_a_replica_set_is_replaced(cluster, client):
    from tests.factories import replica_set

    cluster.apply(replica_set("web", replicas=1))
    cluster.settle()
    cluster.advance(30)
    [before] = cluster.list("Pod", namespace="default")

    client.post(PAGE.format(before["metadata"]["name"]) + "delete/")
    cluster.settle()
    cluster.advance(60)

    [after] = cluster.list("Pod", namespace="default")
    assert after["metadata"]["name"] != before["metadata"]["name"]


def test_a_fault_button_post_without_its_csrf_token_is_refused(cluster):
    from django.test import Client

    cluster.create(pod("web"))

    response = Client(enforce_csrf_checks=True).post(PAGE.format("web") + "delete/")

    assert response.status_code == 403
    assert not cluster.get("Pod", "web", "default")["metadata"].get("deletionTimestamp")


def test_crash_makes_the_container_exit_and_restart(cluster, client):
    cluster.create(busybox("steady", "sleep 3600"))
    cluster.advance(30)

    client.post(PAGE.format("steady") + "crash/", {"container": "main"})
    cluster.advance(30)

    status = cluster.get("Pod", "steady", "default")["status"]["containerStatuses"][0]
    assert status["restartCount"] == 1 and status["lastState"]["terminated"]["exitCode"] == 1
    assert 'data-field="restartCount">1<' in box(client.get(PAGE.format("steady")).content.decode(), "main")


def test_failing_readiness_takes_the_pod_out_of_ready_and_heal_brings_it_back(cluster, client):
    cluster.create(served("web", readiness=HTTP_PROBE))
    cluster.advance(30)

    client.post(PAGE.format("web") + "fail-readiness/", {"container": "main"})
    cluster.advance(20)
    not_ready = cluster.get("Pod", "web", "default")["status"]["containerStatuses"][0]["ready"]
    client.post(PAGE.format("web") + "heal-readiness/", {"container": "main"})
    cluster.advance(20)

    assert not_ready is False
    assert cluster.get("Pod", "web", "default")["status"]["containerStatuses"][0]["ready"] is True


def test_failing_liveness_restarts_the_container(cluster, client):
    cluster.create(served("web", liveness=HTTP_PROBE))
    cluster.advance(30)

    client.post(PAGE.format("web") + "fail-liveness/", {"container": "main"})
    cluster.advance(30)

    assert cluster.get("Pod", "web", "default")["status"]["containerStatuses"][0]["restartCount"] >= 1


def test_probe_buttons_show_only_for_the_probes_a_container_has(cluster, client):
    cluster.create(served("web", readiness=HTTP_PROBE))

    page = client.get(PAGE.format("web")).content.decode()

    assert "Fail readiness" in page and "Fail liveness" not in page and 'aria-label="Crash main"' in page


def test_a_fault_the_kubelet_refuses_is_shown_with_422(cluster, client):
    cluster.create(pod("web"))

    response = client.post(PAGE.format("web") + "fail-liveness/", {"container": "main"})

    assert response.status_code == 422
    assert "is not scheduled to a node yet" in response.content.decode()


def test_the_cgroup_shows_the_limit_and_an_oom_kill(cluster, client):
    obj = busybox("hog", "sleep 1")
    obj["spec"]["containers"][0]["command"] = ["stress", "--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
    obj["spec"]["containers"][0]["resources"] = {"limits": {"memory": "100Mi", "cpu": "500m"}}
    cluster.create(obj)
    cluster.advance(30)

    main = box(client.get(PAGE.format("hog")).content.decode(), "main")

    assert "memory.max 104857600" in main and "cpu.max 50000 100000" in main
    assert 'data-field="oom">OOMKilled' in main


def test_the_pod_page_links_its_node_and_its_owner(cluster, client):
    from tests.factories import replica_set

    cluster.apply(replica_set("web", replicas=1))
    cluster.settle()
    cluster.advance(30)
    [obj] = cluster.list("Pod", namespace="default")

    page = client.get(PAGE.format(obj["metadata"]["name"])).content.decode()

    node = obj["spec"]["nodeName"]
    assert f'data-field="node"><a href="/clusters/default/nodes/{node}/">{node}</a>' in page
    assert 'data-field="owner">ReplicaSet <a href="/clusters/default/replicasets/default/web/">web</a>' in page


def test_no_template_comment_leaks_into_the_page(cluster, client):
    cluster.create(pod("web"))

    page = client.get(PAGE.format("web")).content.decode()

    assert "{#" not in page and "#}" not in page
