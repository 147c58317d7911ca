"""The exec socket checks the token as every API request does: a Status on the error stream,
and nothing runs."""
from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from playground.apiserver import tokens
from playground.asgi import application

PATH = "/clusters/default/api/v1/namespaces/default/pods/web/exec?command=env&stdout=true"


@pytest.fixture
def cluster(transactional_db, cluster):  # the consumer reads from its own thread: committed rows only
    return cluster


def outcome(headers: list[tuple[bytes, bytes]], subprotocols=("v5.channel.k8s.io",)) -> tuple[bool, dict | None]:
    async def run():
        communicator = WebsocketCommunicator(application, PATH, headers=headers, subprotocols=list(subprotocols))
        connected, _ = await communicator.connect()
        if not connected:
            return False, None
        message = await communicator.receive_from(timeout=10)
        await communicator.disconnect()
        return True, message

    connected, message = async_to_sync(run)()
    if message is None:
        return connected, None
    assert message[0] == 3  # the error stream
    return connected, json.loads(message[1:])


def test_without_a_token_the_exec_is_unauthorized(cluster):
    assert outcome([]) == (True, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": "Unauthorized", "reason": "Unauthorized", "code": 401})


def test_another_clusters_token_is_forbidden(cluster, make_cluster):
    make_cluster("team-b")
    secret = tokens.issue("team-b")

    _, status = outcome([(b"authorization", f"Bearer {secret}".encode())])

    assert (status["code"], status["reason"]) == (403, "Forbidden")


def test_a_missing_pod_is_not_found(cluster):
    secret = tokens.issue("default")

    _, status = outcome([(b"authorization", f"Bearer {secret}".encode())])

    assert (status["code"], status["message"]) == (404, 'pods "web" not found')


def test_a_client_without_the_v5_protocol_is_turned_away(cluster):
    assert outcome([], subprotocols=("v4.channel.k8s.io",)) == (False, None)
