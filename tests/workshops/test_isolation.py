"""An attendee reaches only their own clusters: every way in is tried with a second attendee's
session (pages, forms, the editor, the kubeconfig, an API token, the live sockets, the console),
and the instructor's view of an attendee's cluster is read-only. Without a workshop nothing
changes: the loopback visitor reaches every cluster (the rest of the suite)."""
from __future__ import annotations

import json

import pytest
import yaml
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from playground.asgi import application
from playground.store import api as store
from playground.store import clock, clusters
from tests.factories import deployment

ORIGIN = [(b"origin", b"http://127.0.0.1")]
# A socket reads its session in a thread of its own: the test's writes must be committed
SOCKETS = pytest.mark.django_db(transaction=True)


def pages_of(cluster: str) -> list[str]:
    return [f"/clusters/{cluster}/", f"/clusters/{cluster}/objects/", f"/clusters/{cluster}/events/",
            f"/clusters/{cluster}/nodes/playground-worker/", f"/clusters/{cluster}/new/",
            f"/clusters/{cluster}/namespaces/default/", f"/clusters/{cluster}/images/"]


def forms_of(cluster: str) -> list[tuple[str, dict]]:
    return [(f"/clusters/{cluster}/editor/", {"action": "apply", "yaml": "kind: Namespace\napiVersion: v1\nmetadata: {name: x}"}),
            (f"/clusters/{cluster}/nodes/playground-worker/cordon/", {}),
            (f"/clusters/{cluster}/clock/", {"action": "pause"}),
            (f"/clusters/{cluster}/kubeconfig/", {})]


def socket_opens(browser: Client, path: str) -> bool:
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode() if "sessionid" in browser.cookies else b""

    async def connect() -> bool:
        socket = WebsocketCommunicator(application, path, headers=[*ORIGIN, (b"cookie", cookie)])
        connected, _ = await socket.connect(timeout=5)
        if connected:
            await socket.disconnect()
        return connected

    return async_to_sync(connect)()


def test_an_attendee_opens_every_page_of_their_own_cluster(ana):
    for page in pages_of(ana.cluster):
        assert ana.get(page).status_code == 200, page


def test_another_attendees_pages_are_refused(ana, bo):
    for page in pages_of(ana.cluster):
        response = bo.get(page)
        assert response.status_code == 403, page
        assert "not yours" in response.content.decode()


@pytest.mark.parametrize("which", range(4))
def test_another_attendees_forms_change_nothing(ana, bo, which):
    path, data = forms_of(ana.cluster)[which]
    before = (store.list(ana.cluster, "Node"), clusters.object_counts(ana.cluster), clock.read(ana.cluster).mode)

    response = bo.post(path, data)

    assert response.status_code == 403
    assert (store.list(ana.cluster, "Node"), clusters.object_counts(ana.cluster), clock.read(ana.cluster).mode) == before


def test_an_attendee_cannot_list_the_servers_clusters(ana, bo):
    assert ana.get("/clusters/")["Location"] == f"/clusters/{ana.cluster}/"
    assert ana.get("/")["Location"] == f"/clusters/{ana.cluster}/"
    assert ana.get("/workshops/").status_code == 403


def test_an_attendees_own_kubeconfig_works_and_its_token_is_refused_on_another_cluster(ana, bo):
    config = yaml.safe_load(ana.post(f"/clusters/{ana.cluster}/kubeconfig/").content)
    token = {"HTTP_AUTHORIZATION": "Bearer " + config["users"][0]["user"]["token"]}
    api = Client()

    assert api.get(f"/clusters/{ana.cluster}/api/v1/nodes", **token).status_code == 200
    refused = api.get(f"/clusters/{bo.cluster}/api/v1/nodes", **token)
    assert refused.status_code == 403
    assert json.loads(refused.content)["reason"] == "Forbidden"


@SOCKETS
def test_sockets_open_on_ones_own_cluster_only(ana, bo):
    for rest in ("", "console/", "events/", "nodes/playground-worker/"):
        assert socket_opens(ana, f"/ws/clusters/{ana.cluster}/{rest}")
        assert not socket_opens(bo, f"/ws/clusters/{ana.cluster}/{rest}"), rest


@SOCKETS
def test_a_console_command_runs_on_ones_own_cluster(ana):
    cookie = f"sessionid={ana.cookies['sessionid'].value}".encode()

    async def run() -> list[str]:
        socket = WebsocketCommunicator(application, f"/ws/clusters/{ana.cluster}/console/", headers=[*ORIGIN, (b"cookie", cookie)])
        assert (await socket.connect(timeout=5))[0]
        await socket.send_to(text_data=json.dumps({"type": "run", "text": "kubectl get nodes"}))
        lines = []
        while (message := json.loads(await socket.receive_from(timeout=10)))["type"] != "exit":
            lines.append(message["text"])
        await socket.disconnect()
        return lines

    assert any("playground-worker2" in line for line in async_to_sync(run)())


def test_a_forged_binding_reaches_nothing(ana, workshop):
    forger = Client()
    session = forger.session
    session["workshop_attendee"] = ana.session["workshop_attendee"][:-2] + "xx"
    session.save()
    forger.cookies["sessionid"] = session.session_key

    assert forger.get(f"/clusters/{ana.cluster}/").status_code == 403


@SOCKETS
def test_the_instructor_sees_an_attendees_cluster_but_changes_nothing(ana, instructor):
    store.apply(ana.cluster, deployment("web", replicas=2))

    assert instructor.get(f"/clusters/{ana.cluster}/").status_code == 200
    assert "Read-only" in instructor.get(f"/clusters/{ana.cluster}/").content.decode()
    for path, data in forms_of(ana.cluster):
        assert instructor.post(path, data).status_code == 403, path
    assert instructor.post(f"/clusters/{ana.cluster}/deployments/default/web/scale/", {"replicas": "9"}).status_code == 403
    assert store.get(ana.cluster, "Deployment", "web", "default")["spec"]["replicas"] == 2
    assert instructor.get(f"/clusters/{ana.cluster}/new/").status_code == 403
    assert socket_opens(instructor, f"/ws/clusters/{ana.cluster}/")
    assert not socket_opens(instructor, f"/ws/clusters/{ana.cluster}/console/")


@SOCKETS
def test_without_a_workshop_the_loopback_visitor_reaches_every_cluster(cluster, client):
    assert client.get("/clusters/default/").status_code == 200
    assert client.post("/clusters/default/nodes/playground-worker/cordon/").status_code in (200, 302)
    assert socket_opens(client, "/ws/clusters/default/console/")
