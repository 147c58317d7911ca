"""`python manage.py playground` on a fresh data folder: migrates, creates the demo cluster,
serves it, and stops cleanly on Ctrl-C (SIGINT), and on SIGTERM even in the middle of a build."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
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
    yield from serve(tmp_path)


def serve(data_dir: Path, **limits: str):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), **limits}
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


def test_a_busy_server_stops_within_a_second_of_ctrl_c_and_keeps_what_it_committed(playground, tmp_path):
    process, port = playground
    process.stdout.readline()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the server's own database: SQLite in its data folder, as the fixture's
    manage = lambda *args: subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,  # noqa: E731
                                          check=True, capture_output=True, text=True).stdout
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    manage("scale", "deployment", "nginx", "--replicas=150")  # the controllers are busy when Ctrl-C comes
    for path in ("/clusters/default/", "/clusters/default/objects/", "/clusters/default/deployments/default/nginx/"):
        fetch(f"http://127.0.0.1:{port}{path}")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/static/playground.css", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        encoding = response.headers["Content-Encoding"]  # collected at start, each file with its gzipped twin

    asked = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    took = time.monotonic() - asked

    # 0.3 s measured (3.0 s before, 5.5 s after a long run: the interpreter's last garbage collection over the caches);
    # the bound leaves room for a machine shared with other test runs
    assert took < 2.0, f"stopped {took:.1f} s after Ctrl-C"
    assert process.returncode == 0 and "Traceback" not in rest
    assert "replicas: 150" in manage("get", "deployment", "nginx", "-o", "yaml")
    assert encoding == "gzip"


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


# Requests no page makes, sent as they are (no client normalises them): (method, path, headers, status)
WEBSOCKET = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://127.0.0.1"}
HOSTILE_REQUESTS = [
    ("/static/..%2F..", {}, 400),
    ("/static/..%2F..%2Fplayground%2Fsettings.py", {}, 400),
    ("/static/%2e%2e/%2e%2e/etc/passwd", {}, 400),
    ("/ws/nope/", WEBSOCKET, 403),
    ("/ws/clusters/../../etc/", WEBSOCKET, 403),
    ("/ws/clusters/default/", WEBSOCKET, 101),
]


def test_hostile_requests_are_refused_and_the_server_stays_up(playground):
    process, port = playground
    process.stdout.readline()

    statuses = [raw_status(port, path, headers) for path, headers, _ in HOSTILE_REQUESTS]
    page = fetch(f"http://127.0.0.1:{port}/static/playground.css")
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)

    assert statuses == [status for _, _, status in HOSTILE_REQUESTS]
    assert page  # still serving
    assert "Traceback" not in rest and "ERROR" not in rest


def raw_status(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


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


def send_headers(port: int, headers: str, path: str = UPLOAD) -> str:
    """Send a POST's headers only and read the answer: what the server says before any body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
        return s.makefile("rb").read().decode()


@pytest.mark.parametrize("expect", ["", "Expect: 100-continue\r\n"], ids=["plain", "expect-100-continue"])
def test_a_body_declared_over_every_limit_is_answered_413_before_it_is_sent(small_limits, expect):
    _, port = small_limits

    answer = send_headers(port, f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 600000000\r\n{expect}")

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert "100 Continue" not in answer
    assert "content-security-policy: default-src 'none'" in answer and "x-content-type-options: nosniff" in answer
    assert ("The request carries 600,000,000 bytes, more than this page takes: an image archive may have at most "
            "100,000,000 bytes (PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES). Nothing was read or stored.") in answer


def test_a_manifest_declared_over_every_limit_is_refused_naming_the_manifest_limit(small_limits):
    _, port = small_limits

    answer = send_headers(port, "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 600000000\r\n",
                          path="/clusters/default/upload/?from=elsewhere")

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert "a manifest may have at most 100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES)" in answer


def test_a_manifest_declared_over_its_own_limit_is_refused_before_it_is_sent(small_limits):
    # under the image archive's limit, it was written to disk whole before Django refused it "unread"
    _, port = small_limits

    answer = send_headers(port, "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 50000000\r\n"
                          "Expect: 100-continue\r\n", path="/clusters/default/upload/")

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert "100 Continue" not in answer
    assert ("The request carries 50,000,000 bytes, more than this page takes: a manifest may have at most "
            "100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES). Nothing was read or stored.") in answer


def test_an_api_body_declared_over_every_limit_is_refused_with_a_status_kubectl_reads(small_limits):
    _, port = small_limits

    answer = send_headers(port, "Content-Type: application/json\r\nContent-Length: 600000000\r\n",
                          path="/clusters/default/api/v1/namespaces/default/configmaps")

    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert "Content-Type: application/json" in head
    assert json.loads(body)["reason"] == "RequestEntityTooLarge"


def send_chunked(port: int, path: str, size: int) -> str:
    """POST `size` bytes without a length, as far as the server reads, and its answer."""
    chunk = b"\0" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(size // len(chunk)):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection once it had answered
        return s.makefile("rb").read().decode()


def test_a_body_sent_without_a_length_is_cut_where_it_passes_every_limit(small_limits):
    _, port = small_limits

    answer = send_chunked(port, UPLOAD, 2 * LARGEST)

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert f"more than {LARGEST:,} bytes" in answer


def test_a_manifest_sent_without_a_length_is_cut_where_it_passes_its_own_limit(small_limits):
    # it was read on to the image archive's limit, 500 times the manifest's
    _, port = small_limits

    answer = send_chunked(port, "/clusters/default/upload/", 2 * LARGEST)

    assert answer.startswith("HTTP/1.1 413 Payload Too Large\r\n")
    assert f"more than {3 * 1024 * 1024:,} bytes" in answer  # a form may carry the API's largest body
    assert "a manifest may have at most 100,000 bytes (PLAYGROUND_MAX_MANIFEST_BYTES)" in answer


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
        posting = threading.Thread(target=post_form, args=(port, "/clusters/default/images/build/",
                                                           {"dockerfile": ENDLESS_BUILD, "tag": "endless:1"}), daemon=True)
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


def post_form(port: int, path: str, fields: dict[str, str]) -> None:
    """Open the page at `path` and send its form with `fields`, as a browser would."""
    url = f"http://127.0.0.1:{port}{path}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    form = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
    try:
        opener.open(url, data=body.encode(), timeout=120)
    except OSError:
        pass  # the server went away mid-request: what these tests do to it


# About 100,000 of the smallest objects: minutes of checking and storing
MANY_OBJECTS = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile-{n}\n" for n in range(100_000))


def test_sigterm_stops_the_server_in_the_middle_of_an_upload_and_nothing_is_stored(playground, tmp_path):
    process, port = playground
    process.stdout.readline()  # listening
    posting = threading.Thread(target=post_form, args=(port, "/clusters/default/upload/", {"manifest": MANY_OBJECTS}),
                               daemon=True)
    busy_from = cpu_seconds(process.pid)
    posting.start()
    wait_until(lambda: cpu_seconds(process.pid) > busy_from + 2)  # the upload is being checked

    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)  # not the minutes the upload would take

    assert process.returncode == 0
    assert "Stopped." in rest
    assert "hostile-" not in manage(tmp_path, "get", "configmaps", "-o", "name")


def manage(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout


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
