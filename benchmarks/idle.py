"""Idle clusters (issue 18): what N running clusters that nobody uses cost a server.

Makes `--clusters` kind clusters (three nodes, kube-system, settled over two simulated minutes
with the clock driven, then running at 1×) on a fresh SQLite database, starts the
embedded playground on them (`python manage.py playground`: the web server and the controller
manager in one process) with nothing looking at any of them, lets them settle for `--warmup`
real seconds, then for `--seconds` counts the store's writes (resourceVersions handed out) and the
server process's CPU time (user + system, from /proc). Run twice: the clusters never sleeping
(PLAYGROUND_IDLE_AFTER=0, as before issue 18) and falling asleep after `--idle-after` seconds.
`--watched` opens each cluster's page socket (/ws/clusters/NAME/) before the warm-up and reads its
frames throughout, as a room whose pages stay open while the instructor talks: what the open pages
cost on top (a cluster being looked at never falls asleep). `--root` runs the server from another
checkout (an older commit, for a side-by-side figure).
"""
from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "idle-"
SETTLE_SECONDS = 120  # simulated: kube-system pulled and started before the server runs, so only idling is measured
SMALL = {"clusters": 2, "warmup": 8.0, "seconds": 4.0, "idle_after": 3.0, "only": "asleep", "watched": True}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=60.0, help="real seconds before measuring")
    parser.add_argument("--seconds", type=float, default=60.0, help="real seconds measured")
    parser.add_argument("--idle-after", type=float, default=30.0, help="PLAYGROUND_IDLE_AFTER of the sleeping run")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose server runs")
    parser.add_argument("--only", choices=("awake", "asleep"), help="one of the two runs")
    parser.add_argument("--watched", action="store_true", help="each cluster's page open throughout (its socket)")


def main(write: Callable[[str], Any], *, clusters: int, warmup: float, seconds: float, idle_after: float,
         root: str, only: str | None, watched: bool) -> None:
    looking = "every kind cluster's page open" if watched else "nobody looking"
    write(f"idle benchmark: {clusters} kind clusters (+ default), {looking}; warm-up {warmup:g} s,"
          f" measured {seconds:g} s; server from {root}")
    runs = {"awake": 0.0, "asleep": idle_after}
    for name, after in runs.items():
        if only in (None, name):
            figures = measure(Path(root), clusters=clusters, warmup=warmup, seconds=seconds, idle_after=after,
                              watched=watched)
            label = "never asleep (PLAYGROUND_IDLE_AFTER=0)" if not after else f"PLAYGROUND_IDLE_AFTER={after:g}"
            frames = f"  {figures['frames_per_minute']:.1f} frames/min to the pages" if watched else ""
            write(f"  {label:40s} {figures['writes_per_minute']:8.1f} writes/min"
                  f" ({figures['writes_per_minute'] / (clusters + 1):.1f} a cluster)"
                  f"  CPU {figures['cpu_percent']:5.1f}% of a core{frames}")


def measure(root: Path, *, clusters: int, warmup: float, seconds: float, idle_after: float,
            watched: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="playground-bench-idle-") as data:
        env = {**os.environ, "PLAYGROUND_DATA_DIR": data, "PLAYGROUND_IDLE_AFTER": f"{idle_after:g}"}
        for name in ("DATABASE_URL", "REDIS_URL", "PLAYGROUND_SQLITE_PATH"):
            env.pop(name, None)  # the embedded mode: SQLite and the in-memory layer
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=root, env=env, check=True)
        make = ("from playground.sim.kind import create_kind_cluster\n"
                "from playground.components import COMPONENTS\n"
                "from playground.runtime.cluster import ClusterRuntime\n"
                "from playground.store import clock\n"
                f"for n in range({clusters}):\n"
                f"    name = '{PREFIX}%d' % n\n"
                "    create_kind_cluster(name)\n"
                "    clock.set_mode(name, 'paused')\n"
                "    ClusterRuntime(name, COMPONENTS).advance(SETTLE_SECONDS)\n"
                "    clock.set_mode(name, 'running', speed=1.0)\n").replace("SETTLE_SECONDS", str(SETTLE_SECONDS))
        subprocess.run([*manage, "shell", "-c", make], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        command = [*manage, "playground", "--port", str(port), "--api-port", str(free_port())]
        with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as server:
            pages = Pages(port, [f"{PREFIX}{n}" for n in range(clusters)] if watched else [])
            try:
                time.sleep(warmup)  # a benchmark of real time: the server runs on the wall clock
                database = Path(data) / "playground.sqlite3"
                writes, cpu, frames, began = resource_version(database), cpu_seconds(server.pid), pages.frames, time.monotonic()
                time.sleep(seconds)
                elapsed = time.monotonic() - began
                return {"writes_per_minute": (resource_version(database) - writes) * 60 / elapsed,
                        "cpu_percent": 100 * (cpu_seconds(server.pid) - cpu) / elapsed,
                        "frames_per_minute": (pages.frames - frames) * 60 / elapsed}
            finally:
                pages.close()
                server.terminate()
                server.wait(timeout=30)


class Pages:
    """The cluster pages' sockets, each read on a thread of its own (websocket-client answers
    daphne's pings while it reads), counting the frames the server sends them."""

    def __init__(self, port: int, clusters: list[str]) -> None:
        import websocket

        self.sockets = []
        for cluster in clusters:
            for _ in range(100):  # the server is still starting
                try:
                    self.sockets.append(websocket.create_connection(
                        f"ws://127.0.0.1:{port}/ws/clusters/{cluster}/", origin=f"http://127.0.0.1:{port}", timeout=30))
                    break
                except (ConnectionRefusedError, websocket.WebSocketException):
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"the page of {cluster} could not connect")
        self.counts = [0] * len(self.sockets)  # frames, one count per socket: each written by its own reader
        for n, page in enumerate(self.sockets):
            page.settimeout(None)  # an idle page may hear nothing for minutes
            threading.Thread(target=self.read, args=(n, page), daemon=True).start()

    @property
    def frames(self) -> int:
        return sum(self.counts)

    def read(self, n: int, page: Any) -> None:  # noqa: ANN401 - a websocket-client connection
        import websocket

        try:
            while page.recv():
                self.counts[n] += 1
        except (websocket.WebSocketException, OSError):
            pass  # closed

    def close(self) -> None:
        for page in self.sockets:
            page.close()


def resource_version(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute("SELECT COALESCE(SUM(resource_version), 0) FROM store_cluster").fetchone()[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
