"""The console's socket: a command's output streamed back with its exit code, one command at a
time and not too many, Ctrl-C stopping one that waits, Tab answered; a cluster that does not
exist, or a message that is no command, refused. Commands that wait run on the console's own
threads, bounded per server: pages and quick commands answer however many consoles wait."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import override_settings

from playground.asgi import application
from playground.store import api as store
from playground.store import clock
from playground.store.demo import create_demo_cluster
from playground.web.consumers import NOT_FOUND_CLOSE
from tests.factories import deployment

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = [(b"origin", b"http://127.0.0.1")]
PATH = "/ws/clusters/default/console/"


async def until_exit(socket: WebsocketCommunicator) -> tuple[list[tuple[str, str]], int]:
    lines = []
    while True:
        message = json.loads(await socket.receive_from(timeout=10))
        if message["type"] == "exit":
            return lines, message["code"]
        lines.append((message["stream"], message["text"]))


def conversation(*messages: dict, path: str = PATH) -> list:
    async def talk() -> list:
        socket = WebsocketCommunicator(application, path, headers=ORIGIN)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        answers = []
        for message in messages:
            await socket.send_to(text_data=json.dumps(message) if isinstance(message, dict) else message)
            if isinstance(message, dict) and message.get("type") == "complete":
                answers.append(json.loads(await socket.receive_from(timeout=10)))
            else:
                answers.append(await until_exit(socket))
        await socket.disconnect()
        return answers

    return async_to_sync(talk)()


@pytest.mark.django_db(transaction=True)
def test_a_command_streams_its_output_and_exit_code():
    create_demo_cluster("default")

    [(lines, code), (errors, failed)] = conversation({"type": "run", "text": "kubectl get nodes"},
                                                    {"type": "run", "text": "kubectl get pod nope"})

    assert code == 0 and lines[0][0] == "out" and "playground-control-plane" in lines[0][1]
    assert failed == 1 and errors == [("err", 'Error from server (NotFound): pods "nope" not found')]


@pytest.mark.django_db(transaction=True)
def test_a_heredoc_applies_a_manifest():
    create_demo_cluster("default")

    [(lines, code)] = conversation({"type": "run", "text": (
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: typed}\nEOF")})

    assert (lines, code) == ([("out", "configmap/typed created")], 0)
    assert store.get("default", "ConfigMap", "typed", "default")


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_stops_a_rollout_status_that_waits():
    create_demo_cluster("default")
    clock.set_mode("default", "paused")  # nothing moves: the rollout never finishes on its own
    store.create("default", deployment("web", replicas=2))

    async def talk() -> tuple[list, int]:
        socket = WebsocketCommunicator(application, PATH, headers=ORIGIN)
        await socket.connect(timeout=5)
        await socket.send_to(text_data=json.dumps({"type": "run", "text": "kubectl rollout status deployment/web"}))
        first = json.loads(await socket.receive_from(timeout=10))
        await socket.send_to(text_data=json.dumps({"type": "interrupt"}))
        rest = await until_exit(socket)
        await socket.disconnect()
        return [first, *rest[0]], rest[1]

    lines, code = async_to_sync(talk)()

    assert lines[0]["text"].startswith("Waiting for deployment") and code == 0


@pytest.mark.django_db(transaction=True)
def test_tab_is_answered_with_completions():
    create_demo_cluster("default")

    [answer] = conversation({"type": "complete", "text": "kubectl get nod"})

    assert answer == {"type": "completions", "items": ["nodes"]}


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_commands_is_slowed_and_a_message_that_is_no_command_refused():
    create_demo_cluster("default")

    answers = conversation(*[{"type": "run", "text": "kubectl get ns"}] * 12, "not json")

    refused = [lines for lines, code in answers if lines == [("err", "error: too many commands at once: wait a moment")]]
    assert 1 <= len(refused) <= 3
    assert answers[-1] == ([("err", "error: the console understood nothing of that message")], 1)


@pytest.mark.django_db(transaction=True)
def test_a_cluster_that_does_not_exist_is_closed_as_not_found():
    async def talk():
        socket = WebsocketCommunicator(application, "/ws/clusters/nope/console/", headers=ORIGIN)
        await socket.connect(timeout=5)
        said = json.loads(await socket.receive_from(timeout=5))
        closed = await socket.receive_output(timeout=5)
        return said, closed

    said, closed = async_to_sync(talk)()

    assert said["text"] == 'cluster "nope" not found' and closed == {"type": "websocket.close", "code": NOT_FOUND_CLOSE}


@pytest.mark.django_db(transaction=True)
def test_get_watch_streams_each_change_until_ctrl_c():
    create_demo_cluster("default")
    store.create("default", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "first", "namespace": "default"}})
    rows = len(store.list("default", "ConfigMap", namespace="default"))

    async def talk() -> tuple[list, int]:
        socket = WebsocketCommunicator(application, PATH, headers=ORIGIN)
        await socket.connect(timeout=5)
        try:
            await socket.send_to(text_data=json.dumps({"type": "run", "text": "kubectl get configmaps -w"}))
            header = json.loads(await socket.receive_from(timeout=10))
            for _ in range(rows):  # the table
                await socket.receive_from(timeout=10)
            await database_sync_to_async(store.create)("default", {
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "zz-late", "namespace": "default"}})
            change = json.loads(await socket.receive_from(timeout=10))
            await socket.send_to(text_data=json.dumps({"type": "interrupt"}))
            rest = await until_exit(socket)
            await socket.disconnect()
        except BaseException:
            await socket.disconnect()  # the page goes: the watch stops rather than outlive the test
            raise
        return [header, change, *rest[0]], rest[1]

    lines, code = async_to_sync(talk)()

    assert lines[0]["text"].split() == ["NAME", "DATA", "AGE"]
    assert lines[1]["text"].split()[:2] == ["zz-late", "0"] and code == 0
    assert lines[2:] == []  # nothing after Ctrl-C but the exit


@pytest.mark.django_db(transaction=True)
def test_kubectl_edit_tells_the_page_to_open_the_editor_on_the_object():
    create_demo_cluster("default")
    store.create("default", deployment("web", replicas=2))

    async def talk() -> list[dict]:
        socket = WebsocketCommunicator(application, PATH, headers=ORIGIN)
        await socket.connect(timeout=5)
        await socket.send_to(text_data=json.dumps({"type": "run", "text": "kubectl edit deployment/web"}))
        frames = [json.loads(await socket.receive_from(timeout=10)) for _ in range(2)]
        await socket.disconnect()
        return frames

    opened, done = async_to_sync(talk)()

    assert opened == {"type": "edit", "url": "/clusters/default/edit/Deployment/default/web/",
                      "reference": "deployment.apps/web",
                      "text": "deployment.apps/web: opened in the editor. Change the form or the YAML, then Apply; "
                              "Close comes back here."}
    assert done == {"type": "exit", "code": 0}


async def open_console() -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, PATH, headers=ORIGIN)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


async def send(socket: WebsocketCommunicator, text: str) -> dict:
    """Run a command; its first frame (a waiting command's first line)."""
    await socket.send_to(text_data=json.dumps({"type": "run", "text": text}))
    return json.loads(await socket.receive_from(timeout=10))


async def stop(socket: WebsocketCommunicator) -> None:
    await socket.send_to(text_data=json.dumps({"type": "interrupt"}))
    await socket.disconnect(timeout=10)


SHARED_THREADS = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default pool, which sync_to_async shares


@pytest.mark.django_db(transaction=True)
def test_more_waiting_consoles_than_the_shared_threads_leave_pages_and_quick_commands_answering():
    create_demo_cluster("default")
    waiting_consoles = SHARED_THREADS + 2

    async def talk() -> tuple[list[dict], tuple, dict, int, str]:
        waiting = [await open_console() for _ in range(waiting_consoles)]
        try:
            firsts = [await send(socket, "kubectl get nodes -w") for socket in waiting]
            other = await open_console()
            quick = await until_exit(await send_run(other, "kubectl get namespaces"))
            await other.send_to(text_data=json.dumps({"type": "complete", "text": "kubectl get nod"}))
            completed = json.loads(await other.receive_from(timeout=10))
            await other.disconnect()
            page = HttpCommunicator(application, "GET", "/clusters/default/", headers=[(b"host", b"127.0.0.1")])
            answer = await page.get_response(timeout=10)
            shared = await sync_to_async(lambda: "free", thread_sensitive=False)()  # as the API's watches use it
        finally:
            for socket in waiting:
                await stop(socket)
        return firsts, quick, completed, answer["status"], shared

    with override_settings(PLAYGROUND_CONSOLE_THREADS=waiting_consoles + 4, PLAYGROUND_CONSOLE_WAITING=waiting_consoles):
        firsts, (lines, code), completed, status, shared = async_to_sync(talk)()

    assert all(first["text"].split()[:2] == ["NAME", "STATUS"] for first in firsts)  # every one is waiting
    assert code == 0 and "kube-system" in "\n".join(text for _, text in lines)
    assert completed == {"type": "completions", "items": ["nodes"]}
    assert status == 200 and shared == "free"


async def send_run(socket: WebsocketCommunicator, text: str) -> WebsocketCommunicator:
    await socket.send_to(text_data=json.dumps({"type": "run", "text": text}))
    return socket


@pytest.mark.django_db(transaction=True)
def test_a_waiting_command_past_the_bound_is_refused_at_once_and_a_closed_socket_gives_its_place_back():
    create_demo_cluster("default")

    async def talk() -> tuple:
        first, second = await open_console(), await open_console()
        try:
            await send(first, "kubectl get nodes -w")
            refused = await until_exit(await send_run(second, "kubectl logs -f nope"))
            quick = await until_exit(await send_run(second, "kubectl get nodes"))
            await first.disconnect(timeout=10)  # the page goes: its watch stops and gives its place back
            accepted = await send(second, "kubectl get nodes -w")
        finally:
            await stop(second)
        return refused, quick[1], accepted

    with override_settings(PLAYGROUND_CONSOLE_WAITING=1):
        (refused, refused_code), quick_code, accepted = async_to_sync(talk)()

    assert refused_code == 1 and refused[0][1].startswith(
        "error: the server's limit of commands that wait for changes (get -w, logs -f, rollout status, delete) is reached "
        "(1 at once, PLAYGROUND_CONSOLE_WAITING)")
    assert quick_code == 0
    assert accepted["text"].split()[:2] == ["NAME", "STATUS"]


def test_a_waiting_bound_that_leaves_quick_commands_no_thread_is_refused_at_start():
    env = {**os.environ, "PLAYGROUND_CONSOLE_THREADS": "4", "PLAYGROUND_CONSOLE_WAITING": "4"}

    started = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env={
        **env, "DJANGO_SETTINGS_MODULE": "playground.settings"}, capture_output=True, text=True, cwd=ROOT)

    assert started.returncode != 0
    assert "PLAYGROUND_CONSOLE_WAITING (4) must be at least 0 and less than PLAYGROUND_CONSOLE_THREADS (4)" in started.stderr
