"""`python manage.py playground` on a fresh data folder: migrates, creates the demo cluster,
serves it, and stops cleanly on Ctrl-C (SIGINT)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from playground.management.commands.playground import beyond_loopback, open_to_network_warning

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def playground(tmp_path):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data folder
    process = subprocess.Popen(
        [sys.executable, "manage.py", "playground", "--port", str(port), "--api-port", str(free_port())],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def test_it_serves_the_demo_cluster_and_stops_on_ctrl_c(playground, tmp_path):
    process, port = playground

    first_line = process.stdout.readline()  # printed once the server listens
    assert first_line.startswith(f"Kubernetes Playground: http://127.0.0.1:{port}/")
    assert "3 nodes" in first_line
    page = fetch(f"http://127.0.0.1:{port}/")
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)

    assert "playground-worker2" in page
    assert (tmp_path / "playground.sqlite3").exists()
    assert (tmp_path / "secret_key").exists()
    assert process.returncode == 0
    assert "Stopped." in rest
    assert "Traceback" not in rest


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.mark.parametrize(("host", "beyond"), [
    ("127.0.0.1", False), ("127.0.0.2", False), ("::1", False), ("[::1]", False), ("localhost", False),
    ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("playground.example", True),
])
def test_a_host_beyond_loopback_is_told_apart(host, beyond):
    assert beyond_loopback(host) is beyond


def test_opening_to_the_network_warns_and_says_how_to_make_an_account():
    warning = open_to_network_warning("0.0.0.0", accounts=0)

    assert warning.startswith("WARNING: --host 0.0.0.0 opens the playground to the network")
    assert "every request must sign in" in warning
    assert "ALLOWED_HOSTS" in warning
    assert "python manage.py createadmin" in warning
    assert "createadmin" not in open_to_network_warning("0.0.0.0", accounts=1)


def test_on_every_address_it_warns_and_even_this_machine_signs_in(tmp_path):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "playground", "--host", "0.0.0.0", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        warning = [process.stdout.readline() for _ in range(4)]
        process.stdout.readline()  # printed once the server listens
        page = fetch(f"http://127.0.0.1:{port}/clusters/default/")  # as a reverse proxy on this machine would
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)

    assert warning[0].startswith("WARNING: --host 0.0.0.0 opens the playground to the network")
    assert "python manage.py createadmin" in warning[3]
    assert 'aria-label="sign in"' in page and "playground-worker2" not in page


def test_an_unknown_sign_in_setting_stops_the_playground_with_its_name(tmp_path):
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path), "PLAYGROUND_SIGN_IN": "off"}

    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert 'PLAYGROUND_SIGN_IN is "auto" or "required", not "off"' in result.stderr
