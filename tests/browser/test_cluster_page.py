"""The cluster page in a real browser (Debian's Chromium, driven by Playwright): it draws the
nodes, and a Deployment applied from the command line appears on it without a reload."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.commands.test_playground import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# .ci/run installs Chromium and sets PLAYGROUND_BROWSER_TESTS=required: there, a missing browser fails
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("PLAYGROUND_BROWSER_TESTS") != "required",
    reason="no Chromium here (apt-get install chromium); .ci/run installs it",
)


@contextlib.contextmanager
def playground(data: Path, *options: str) -> Iterator[tuple[str, Callable[..., subprocess.CompletedProcess]]]:
    """`python manage.py playground OPTIONS` on its own data folder: its address, and `manage`
    to run any other command on the same data."""
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "playground", "--port", str(port), "--api-port", str(free_port()), *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    process.stdout.readline()  # printed once it listens
    manage = lambda *args: subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,  # noqa: E731
                                          capture_output=True, text=True)
    try:
        yield f"http://127.0.0.1:{port}", manage
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path):
    """The playground, with the clock on instant."""
    with playground(tmp_path) as (url, manage):
        manage("clock", "instant")
        yield url, manage


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser.new_page()
        browser.close()


def test_the_page_shows_the_nodes_and_a_deployment_arrives_live(server, page):
    url, manage = server
    page.goto(f"{url}/clusters/default/")
    for node in ("playground-control-plane", "playground-worker", "playground-worker2"):
        assert page.locator(f'article[aria-label="node {node}"]').is_visible()

    manage("apply", "-f", "examples/nginx-deployment.yaml")

    # No reload: the websocket brings the new pods, and they turn Ready
    page.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=15_000)
    assert page.locator("li.pod", has_text="nginx-").count() == 3
    worker_pods = page.locator('article[aria-label="node playground-worker"] li.pod', has_text="nginx-").count()
    worker2_pods = page.locator('article[aria-label="node playground-worker2"] li.pod', has_text="nginx-").count()
    assert worker_pods + worker2_pods == 3
