"""Sockets no page opens: a URL with no route is refused at the handshake (not a server error),
and a socket to a cluster or object that does not exist says "not found" and is closed with
NOT_FOUND_CLOSE (htmx does not reconnect after it) instead of staying open doing nothing. A page
open while its object is deleted keeps its socket and shows the object is gone."""
from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.store import api as store
from playground.store.demo import create_demo_cluster
from playground.web.consumers import NOT_FOUND_CLOSE
from tests.factories import pod

ORIGIN = [(b"origin", b"http://127.0.0.1")]

# Paths that match no socket route: the handshake is refused
NO_ROUTE = [
    "/ws/nope/",
    "/ws/clusters/../../etc/",
    "/ws/clusters/default/../../../etc/passwd",
    "/ws/",
    "/ws/clusters/",
    "/ws/clusters/default/pods/default/",
    "/ws/clusters/default/pods/default/web/extra/",
    "/ws/clusters/default/widgets/default/web/",
    "/ws/clusters/not a slug/",
    "/ws/clusters/%2e%2e/%2e%2e/",
    "/ws/clusters/default/pods/default/" + "x" * 10_000 + "/extra/",
    "/",
]

# Sockets to what does not exist: (path, what the one frame says, or None for no frame)
MISSING = [
    ("/ws/clusters/default/pods/default/nope/", "pods &quot;nope&quot; not found"),
    ("/ws/clusters/default/deployments/default/nope/", "deployments.apps &quot;nope&quot; not found"),
    ("/ws/clusters/default/replicasets/default/nope/", "replicasets.apps &quot;nope&quot; not found"),
    ("/ws/clusters/default/statefulsets/default/nope/", "statefulsets.apps &quot;nope&quot; not found"),
    ("/ws/clusters/default/daemonsets/default/nope/", "daemonsets.apps &quot;nope&quot; not found"),
    ("/ws/clusters/default/services/default/nope/", "services &quot;nope&quot; not found"),
    ("/ws/clusters/default/configmaps/default/nope/", "configmaps &quot;nope&quot; not found"),
    ("/ws/clusters/default/secrets/default/nope/", "secrets &quot;nope&quot; not found"),
    ("/ws/clusters/default/pods/no-such-namespace/web/", "pods &quot;web&quot; not found"),
    ("/ws/clusters/default/nodes/nope/", "nodes &quot;nope&quot; not found"),
    ("/ws/clusters/default/namespaces/nope/", "namespaces &quot;nope&quot; not found"),
    ("/ws/clusters/nope/pods/default/web/", "cluster &quot;nope&quot; not found"),
    ("/ws/clusters/nope/", None),
    ("/ws/clusters/nope/events/", None),
    ("/ws/clusters/nope/dns/", None),
    ("/ws/clusters/nope/loop/?kind=Deployment&name=web", None),
]


async def handshake(path: str) -> tuple[bool, list[dict]]:
    """Whether the socket was accepted, and every message the server sent before it closed."""
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await socket.connect(timeout=5)
    messages = []
    while connected and not await socket.receive_nothing(timeout=0.2):
        message = await socket.receive_output(timeout=1)
        messages.append(message)
        if message["type"] == "websocket.close":
            break
    await socket.disconnect()
    return connected, messages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", NO_ROUTE)
def test_a_socket_no_page_opens_is_refused_at_the_handshake(path, caplog):
    create_demo_cluster("default")

    with caplog.at_level(logging.WARNING):
        connected, _ = async_to_sync(handshake)(path)

    assert connected is False
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "said"), MISSING)
def test_a_socket_to_what_does_not_exist_says_so_and_is_closed(path, said, caplog):
    create_demo_cluster("default")

    with caplog.at_level(logging.WARNING):
        connected, messages = async_to_sync(handshake)(path)

    assert connected is True  # accepted only to say "not found": a refused handshake is retried
    *frames, closed = messages
    assert closed == {"type": "websocket.close", "code": NOT_FOUND_CLOSE}
    if said is None:
        assert frames == []
    else:
        [frame] = frames
        assert said in frame["text"] and 'hx-swap-oob="true"' in frame["text"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.django_db(transaction=True)
def test_a_pod_page_open_while_its_pod_is_deleted_and_made_again_stays_live():
    create_demo_cluster("default")
    store.create("default", pod("web-0", node="playground-worker"))

    async def conversation() -> tuple[str, str]:
        socket = WebsocketCommunicator(application, "/ws/clusters/default/pods/default/web-0/", headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(store.delete)("default", "Pod", "web-0", "default", grace_period_seconds=0)
        gone = await socket.receive_from(timeout=5)
        # As a StatefulSet makes its pod again under the same name
        await sync_to_async(store.create)("default", pod("web-0", node="playground-worker2"))
        back = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return gone, back

    gone, back = async_to_sync(conversation)()

    assert "pods &quot;web-0&quot; not found" in gone
    # (the page may still say a volume's ConfigMap is not found: nothing runs the controllers here)
    assert "playground-worker2" in back and "pods &quot;web-0&quot; not found" not in back
