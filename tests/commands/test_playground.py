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
