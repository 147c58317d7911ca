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
    yield from serve(tmp_path)


def serve(data_dir: Path, **limits: str):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), **limits}
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


# --- bodies daphne must not take in whole --------------------------------------------------------------

LARGEST = 100_000_000 + 64 * 1024  # the image archive's limit and its form's envelope
UPLOAD = "/clusters/default/images/upload/"


@pytest.fixture(scope="module")
def small_limits(tmp_path_factory):
    """One server for the tests below, with small limits, serving once it has said so."""
    for process, port in serve(tmp_path_factory.mktemp("data"), PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES="100000000",
                               PLAYGROUND_MAX_MANIFEST_BYTES="100000"):
        process.stdout.readline()
        yield process, port


def send_headers(port: int, headers: str) -> str:
    """Send a POST's headers only and read the answer: what the server says before any body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
        return s.makefile("rb").read().decode()


@pytest.mark.parametrize("expect", ["", "Expect: 100-continue\r\n"], ids=["plain", "expect-100-continue"])
def test_a_body_declared_over_every_limit_is_answered_413_before_it_is_sent(small_limits, expect):
    _, port = small_limits

    answer = send_headers(port, f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 600000000\r\n{expect}")

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert "100 Continue" not in answer
    assert (f"The request carries 600,000,000 bytes, more than any page of the playground takes ({LARGEST:,} bytes). "
            "Nothing was read or stored.") in answer


def test_a_body_sent_without_a_length_is_cut_where_it_passes_every_limit(small_limits):
    _, port = small_limits
    chunk = b"\0" * 65536

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(2 * LARGEST // len(chunk)):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection once it had answered
        answer = s.makefile("rb").read().decode()

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert f"more than {LARGEST:,} bytes" in answer


def peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's peak memory from /proc")
def test_an_upload_within_the_limit_is_not_held_in_the_servers_memory(small_limits):
    # twisted parsed every multipart POST with the email parser (11 times the body in memory), and
    # daphne queued the whole body for the application at once (once more)
    process, port = small_limits
    fetch(f"http://127.0.0.1:{port}/clusters/default/images/")  # what the first request loads
    size = 80_000_000
    body = (b"--b\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"zeros.tar\"\r\n\r\n"
            + b"\0" * size + b"\r\n--b--\r\n")
    before = peak_rss_kib(process.pid)

    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        answer = s.makefile("rb").read().decode()

    assert answer.startswith("HTTP/1.1 403")  # read through to Django, which wants a CSRF token
    assert (peak_rss_kib(process.pid) - before) * 1024 < size / 16
