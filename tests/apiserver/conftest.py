"""A live playground for the real kubectl: `manage.py playground` on its own data folder and
ports, and `kubectl` run against it with a kubeconfig from `manage.py kubeconfig`."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.commands.test_playground import free_port

ROOT = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
# .ci/run makes sure kubectl is there and sets PLAYGROUND_KUBECTL_TESTS=required: there, a missing one fails
needs_kubectl = pytest.mark.skipif(
    not os.path.exists(KUBECTL) and os.environ.get("PLAYGROUND_KUBECTL_TESTS") != "required",
    reason="no kubectl here; .ci/run requires it",
)


@dataclass
class LiveServer:
    api: str  # https://127.0.0.1:PORT
    env: dict[str, str]
    home: Path

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=60)

    def kubeconfig(self, *args: str) -> Path:
        """A kubeconfig file with a new token (`args` as `manage.py kubeconfig` takes them)."""
        path = self.home / f"kubeconfig-{len(list(self.home.glob('kubeconfig-*')))}"
        result = self.manage("kubeconfig", "--server", self.api, "-o", str(path), *args)
        assert result.returncode == 0, result.stderr
        return path


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> LiveServer:
    data = tmp_path_factory.mktemp("playground")
    home = tmp_path_factory.mktemp("home")  # kubectl's discovery and HTTP caches live under $HOME/.kube
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data), "HOME": str(home)}
    env.pop("DATABASE_URL", None)
    env.pop("KUBECONFIG", None)
    api_port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "playground", "--port", str(free_port()), "--api-port", str(api_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    process.stdout.readline()  # printed once it listens
    server = LiveServer(f"https://127.0.0.1:{api_port}", env, home)
    server.manage("clock", "instant")  # the cluster does at once what it has to: no test waits on time
    yield server
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def kubectl(live):
    """`kubectl(*args)` with the default cluster's kubeconfig: (exit code, stdout, stderr)."""
    config = live.kubeconfig()

    def run(*args: str, config: Path = config, stdin: str | None = None,
            env: dict[str, str] | None = None) -> tuple[int, str, str]:
        result = subprocess.run([KUBECTL, *args], env={**live.env, "KUBECONFIG": str(config), **(env or {})}, input=stdin,
                                capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout, result.stderr

    run.config = config
    return run


@pytest.fixture
def kubectl_stream(live, kubectl):
    """`kubectl_stream(*args)`: a kubectl that keeps running (`get -w`, `logs -f`); its lines
    are read with `next_line()`, and it is stopped at the end of the test."""
    started = []

    def start(*args: str) -> Stream:
        process = subprocess.Popen([KUBECTL, *args], env={**live.env, "KUBECONFIG": str(kubectl.config)},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        return Stream(process)

    yield start
    for process in started:
        process.kill()
        process.wait()


@dataclass
class Stream:
    process: subprocess.Popen

    def lines_until(self, predicate, *, limit: int = 200) -> list[str]:
        """The lines kubectl printed, up to the first that `predicate` accepts (a watch that never
        prints it fails the test by its timeout, not by sleeping)."""
        seen = []
        for _ in range(limit):
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line.rstrip("\n"))
            if predicate(line):
                return seen
        raise AssertionError("kubectl never printed the line; it printed:\n" + "\n".join(seen))
