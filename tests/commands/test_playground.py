"""`python manage.py playground` on a fresh data folder: migrates, creates the demo cluster,
serves it, and stops cleanly on Ctrl-C (SIGINT), and on SIGTERM even in the middle of a build."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
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
        [sys.executable, "manage.py", "playground", "--port", str(port)],
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


# A build that runs for minutes without a limit: /usr copied and removed 30,000 times
ENDLESS_BUILD = "FROM alpine:3.20\nRUN " + " && ".join(["cp -r /usr /u && rm -rf /u"] * 30_000) + "\n"


def test_sigterm_stops_the_server_in_the_middle_of_a_build(tmp_path):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path), "PLAYGROUND_BUILD_CPU_SECONDS": "3600",
           "PLAYGROUND_BUILD_MAX_STEPS": str(10**9), "PLAYGROUND_BUILD_MAX_FILES": str(10**9)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "manage.py", "playground", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        process.stdout.readline()  # listening
        posting = threading.Thread(target=post_build, args=(port, ENDLESS_BUILD), daemon=True)
        busy_from = cpu_seconds(process.pid)
        posting.start()
        wait_until(lambda: cpu_seconds(process.pid) > busy_from + 2)  # the build is running

        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)  # not the time the build would take

        assert process.returncode == 0
        assert "Stopped." in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def post_build(port: int, dockerfile: str) -> None:
    url = f"http://127.0.0.1:{port}/clusters/default/images/build/"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    form = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "dockerfile": dockerfile, "tag": "endless:1"})
    try:
        opener.open(url, data=body.encode(), timeout=120)
    except OSError:
        pass  # the server went away mid-build: what this test does to it


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(condition, *, attempts: int = 6000) -> None:
    """Poll a condition another process makes true (at most about a minute)."""
    for _ in range(attempts):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the condition never held")
