"""The workshop benchmark (issue 18): a room of attendees, each in a real browser page on a cluster
of their own, all applying a Deployment and then rolling it out at once.

For each mode, the servers run as a workshop runs them, in processes of their own over a fresh
database: embedded (`manage.py playground`: daphne and the controllers in one process, SQLite, the
in-memory channel layer) and scale-out (`playground --no-controllers` and two `runcontrollers`
workers over PostgreSQL and Redis). A child process of this command, on the same database,
creates the workshop with the workshops package and drives Debian's Chromium with Playwright: one
browser context per attendee (their own cookies), which opens the join link, types the code and a
name, and lands on the cluster the join made them (a kind cluster, `ws-…`). Each page then types
into the console's socket, as an attendee types at the page's console:

    kubectl apply -f - <<EOF   (a Deployment of --replicas nginx:1.27)
    kubectl set image deployment/web web=nginx:1.28   (once every cluster has converged)

and a MutationObserver in the page stamps, on the page's wall clock (performance.timeOrigin +
performance.now(), the same machine's clock as the child's), when the command was sent, when the
console answered (the write committed), when the first tile of the new ReplicaSet's pods showed,
and when the page showed every replica Running and ready with no other pod of the Deployment left.
Meanwhile the child reads each Deployment's status from the store until it is complete (as
`kubectl rollout status` judges it). Clusters keep the clock a workshop gives them (running, 1×):
pulls, starts and readiness take the simulated seconds they take.

The attendees' browsers would run on their own machines; here they share the server's 2 cores,
so from the first command on the browser and its renderers yield the cores to the servers: in a
cgroup of their own with a small cpu.shares where cgroup v1's cpu controller is writable, else
at the lowest priority (nice 19); the output says which. The figures say how many pages were
really open (one renderer each; if the machine's memory runs short, fewer pages are opened and
the output says so).

Pages that do not fit in the machine's memory (Chromium takes about 130 MB for each attendee's
page, and each attendee is a browser context of their own) are replaced by attendees who join
over HTTP and open the two sockets their page would open, its live updates and its console: the
server does the same work for them; the page figures come from the real pages only.

Figures: the time from the last command sent to every Deployment complete (in the store, and in
the pages); command → console answered, → first tile of the change, → page converged; and the
issue's "write to DOM": each new pod's commit → its tile in the page, the commit stamped by a
process of its own reading the change log every few milliseconds (p50 / p95 / max across pages
and pods); the same for the attendees without a page, to the frame that brings the tile over
their socket (the server's part alone: the renderers above wait for what CPU the servers leave
them, where a real room's run on the attendees' own machines), and their command → the first pod
it led to committed (the workers' part of command → first tile); the CPU seconds each server
process, and PostgreSQL's processes, used during each phase (what the phase cost, which a busy
machine stretches less than its wall time); the peak RSS of each server process (VmHWM) and of
the whole Chromium.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--renderer-process-limit=8"]
WORKSHOP = "bench"
EMBEDDED, SCALE_OUT = "embedded", "scale-out"
WORKERS = 2  # runcontrollers processes in the scale-out mode
# In each phase, after the room's commands: a few attendees' commands alone, ALONE_SECONDS apart
ALONE, ALONE_COMMANDS, ALONE_SECONDS = "alone", 5, 2.0
SERVER_START_SECONDS = 180
# A browser renderer needs this much free memory: below it no more pages are opened, and the
# output says how many fitted (never a figure for pages that were not there)
MIN_AVAILABLE_MB = 1_500
IMAGES = ("nginx:1.27", "nginx:1.28")
BROWSER_NICE = 19
CPU_CGROUP = Path("/sys/fs/cgroup/cpu")  # cgroup v1's cpu controller, where it is mounted
BROWSER_SHARES = 64  # the browser's cgroup's cpu.shares, against 1024 for each process outside it
JOIN_BATCH = 10  # attendees joining at once
TAIL_SECONDS = 0.005  # how often the change log is read for the pods' commits
RENICE_SECONDS = 1.0

# `--small`, as CI runs it: both modes, three attendees, one of them without a page
SMALL = {"attendees": 3, "pages": 2, "timeout": 120}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--attendees", type=int, default=200, help="attendees, each with a cluster and a page")
    parser.add_argument("--pages", type=int, default=0,
                        help="at most this many attendees get a real page (0: as many as the memory holds); the"
                             " others join over HTTP and open their page's sockets without a page")
    parser.add_argument("--replicas", type=int, default=5, help="the Deployment each attendee applies")
    parser.add_argument("--modes", default=f"{EMBEDDED},{SCALE_OUT}", help=f"{EMBEDDED}, {SCALE_OUT} or both, comma-separated (the default)")
    parser.add_argument("--database-url", default=os.environ.get("PLAYGROUND_BENCH_DATABASE_URL",
                                                                "postgres://postgres@127.0.0.1:5432/playground_bench_workshop"),
                        help=f"{SCALE_OUT}: a PostgreSQL database this benchmark drops and creates afresh")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help=f"{SCALE_OUT}: the channel layer's Redis")
    parser.add_argument("--timeout", type=int, default=600, help="seconds each phase may take before the run fails")
    parser.add_argument("--child", default="", help="(internal) run one mode in this process")


def main(write: Callable[[str], Any], *, attendees: int, pages: int, replicas: int, modes: str, database_url: str,
         redis_url: str, timeout: int, child: str) -> None:
    options = {"attendees": attendees, "pages": pages, "replicas": replicas, "timeout": timeout}
    if child:
        run(write, mode=child, **options)
        return
    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in (EMBEDDED, SCALE_OUT)]
    if unknown or not chosen:
        raise SystemExit(f"--modes: {', '.join(unknown) or '(none)'} is not {EMBEDDED} or {SCALE_OUT}")
    for mode in chosen:
        with tempfile.TemporaryDirectory(prefix=f"playground-bench-workshop-{mode}-") as data:
            env = mode_environment(mode, data, database_url=database_url, redis_url=redis_url)
            if mode == SCALE_OUT:
                fresh_database(database_url)
            run_child(write, mode, env, options)


def mode_environment(mode: str, data: str, *, database_url: str, redis_url: str) -> dict[str, str]:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": data}
    for name in ("DATABASE_URL", "REDIS_URL", "PLAYGROUND_SQLITE_PATH"):
        env.pop(name, None)  # the embedded mode: SQLite in the data folder, the in-memory layer
    if mode == SCALE_OUT:
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
    return env


def fresh_database(url: str) -> None:
    """The scale-out database dropped and created again: every run starts from nothing."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"--database-url {url}: names no database")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        raise SystemExit(f"{SCALE_OUT}: no PostgreSQL at {maintenance} ({e}); --modes {EMBEDDED} runs without it") from None


def run_child(write: Callable[[str], Any], mode: str, env: dict[str, str], options: dict[str, int]) -> None:
    command = [sys.executable, "manage.py", "bench", "workshop", f"--child={mode}",
               *(f"--{key}={value}" for key, value in options.items())]
    env = {**env, "PYTHONUNBUFFERED": "1"}  # each line as it comes: a 200-attendee run takes many minutes
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as process:
        # Terminated, the run ends its child too, which stops its servers and browser (else they run on)
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        for line in process.stdout:
            write(line.rstrip("\n"))
    if process.returncode:
        raise SystemExit(f"the {mode} run failed ({process.returncode})")


# --- the child: the servers, the room, the pages ---------------------------------------------------


def run(write: Callable[[str], Any], *, mode: str, attendees: int, pages: int, replicas: int, timeout: int) -> None:
    from playground.workshops import rooms

    # Terminated, the run still stops its servers and browser and removes its cgroup (the finally blocks)
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    servers = Servers(mode)
    try:
        started = time.monotonic()
        url = servers.start()
        write(f"workshop benchmark, {mode} ({servers.describe()}): servers up in {time.monotonic() - started:.1f} s")
        workshop = rooms.create(WORKSHOP, seats=attendees, lessons=[])
        room = Room(write, url=url, code=workshop.code, replicas=replicas, timeout=timeout)
        try:
            room.join(attendees, pages=pages or attendees)
            room.wait_for_kube_system()
            apply = servers.counting_cpu(lambda: room.phase(1, manifest(replicas, IMAGES[0]), image=IMAGES[0]),
                                         beside=room.cpu_seconds)
            update = servers.counting_cpu(lambda: room.phase(2, f"kubectl set image deployment/web web={IMAGES[1]}",
                                                            image=IMAGES[1]), beside=room.cpu_seconds)
            memory = room.chromium_mb()
        finally:
            room.close()
        report(write, room=room, phases={"apply": apply, "rolling update": update}, servers=servers.peaks(),
               chromium_mb=memory)
    except BaseException:
        servers.write_tails(write)  # what the servers said last: a failed run's why is often there
        raise
    finally:
        servers.stop()


def manifest(replicas: int, image: str) -> str:
    return f"""kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: {image}
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
EOF"""


class Servers:
    """The mode's server processes, started as an operator starts them, on free ports."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.logs: dict[str, list[str]] = {}

    def describe(self) -> str:
        if self.mode == EMBEDDED:
            return "one process: daphne and the controllers, SQLite, in-memory channel layer"
        return f"a web process and {WORKERS} runcontrollers workers, PostgreSQL and Redis"

    def start(self) -> str:
        from benchmarks.ui import free_port

        port, api_port = free_port(), free_port()
        web = ["playground", f"--port={port}", f"--api-port={api_port}"]
        if self.mode == SCALE_OUT:
            web.append("--no-controllers")
        started = [self.spawn("web", web, ready="Kubernetes Playground:")]
        if self.mode == SCALE_OUT:  # the workers start beside the web process, as honcho starts them
            started += [self.spawn(f"worker{n + 1}", ["runcontrollers"], ready="Controllers running as")
                        for n in range(WORKERS)]
        for wait in started:
            wait()
        return f"http://127.0.0.1:{port}"

    def spawn(self, name: str, args: list[str], *, ready: str) -> Callable[[], None]:
        """The process started; returns how to wait until it says it is ready."""
        process = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        self.processes[name], self.logs[name] = process, []
        seen = threading.Event()

        def follow() -> None:  # the pipe read to its end, so the server never blocks on a full one
            for line in process.stdout:
                self.logs[name].append(line.rstrip("\n"))
                if ready in line:
                    seen.set()

        threading.Thread(target=follow, name=f"follow-{name}", daemon=True).start()
        deadline = time.monotonic() + SERVER_START_SECONDS

        def wait() -> None:
            while not seen.wait(0.2):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: " + "\n".join(self.logs[name][-20:]))

        return wait

    def write_tails(self, write: Callable[[str], Any], lines: int = 40) -> None:
        for name, log in self.logs.items():
            write(f"--- the last {lines} lines of {name}'s output:")
            for line in log[-lines:]:
                write(f"  {line}")

    def counting_cpu(self, phase: Callable[[], dict[str, Any]], *,
                     beside: Callable[[], dict[str, float]]) -> dict[str, Any]:
        """The phase's figures, with the CPU seconds each server process and PostgreSQL (every
        postgres process of the machine) used meanwhile: the work a phase cost, which a loaded
        machine stretches far less than its wall time. And `beside` them, what the benchmark's own
        processes used of the same cores, and the whole machine's: a real room's browsers and
        clients are on the attendees' machines."""
        before, before_beside, machine, started = self.cpu_seconds(), beside(), machine_cpu_seconds(), time.monotonic()
        figures = phase()
        after, after_beside = self.cpu_seconds(), beside()
        return {**figures, "cpu": {name: after[name] - before.get(name, 0.0) for name in after},
                "cpu_beside": {name: after_beside[name] - before_beside.get(name, 0.0) for name in after_beside},
                "cpu_machine": machine_cpu_seconds() - machine,
                "cpu_capacity": (time.monotonic() - started) * (os.cpu_count() or 1)}

    def cpu_seconds(self) -> dict[str, float]:
        used = {name: cpu_seconds(process.pid) for name, process in self.processes.items()}
        if self.mode == SCALE_OUT:
            used["PostgreSQL"] = sum(cpu_seconds(pid) for pid in processes_named("postgres"))
        return used

    def peaks(self) -> dict[str, float]:
        """Each server process's peak resident memory so far (VmHWM), in MB."""
        return {name: peak_rss_mb(process.pid) for name, process in self.processes.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def machine_cpu_seconds() -> float:
    """CPU time every core of the machine spent busy so far (/proc/stat: all but idle and iowait)."""
    fields = [int(field) for field in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def processes_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile
    return found


def descendants(*roots: int) -> list[int]:
    """Every process below the `roots`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class BrowserShare:
    """The browser and its renderers yield the cores to the servers. The attendees' browsers run
    on their own machines; here 200 renderers woken by their frames would each weigh as much as
    the server. Where cgroup v1's cpu controller is writable they go into a group of their own
    with cpu.shares BROWSER_SHARES: CFS weighs the group as one task, so however many renderers
    there are, together they weigh 1/16 of one server thread. Elsewhere every thread of theirs
    runs at nice 19 (Linux's nice value is a thread's): a weight of 15 each, so 200 renderers
    still outweigh a server thread's 1024 three to one."""

    def __init__(self, root: Path = CPU_CGROUP) -> None:
        self.group = cpu_group(root / f"playground-bench-browser-{os.getpid()}")
        self.taken: set[int] = set()
        self.description = (
            f"in a cpu cgroup of their own ({self.group}), cpu.shares {BROWSER_SHARES} against 1024 for each server"
            if self.group is not None else f"at nice {BROWSER_NICE}, every thread (no writable cgroup v1 cpu controller)")

    def take(self, pids: list[int]) -> None:
        """The browser's processes moved to the group (their children are born in it), or reniced:
        again every RENICE_SECONDS, since Chromium sets its renderers' priorities itself."""
        for pid in pids:
            if self.group is None:
                renice(pid)
            elif pid not in self.taken:
                try:
                    (self.group / "cgroup.procs").write_text(str(pid))  # the whole process, every thread
                    self.taken.add(pid)
                except OSError:
                    continue  # gone meanwhile

    def close(self) -> None:
        """The group removed, once whatever is left in it is moved back to its parent."""
        if self.group is None:
            return
        for pid in (self.group / "cgroup.procs").read_text().split():
            try:
                (self.group.parent / "cgroup.procs").write_text(pid)
            except OSError:
                continue  # gone meanwhile
        self.group.rmdir()
        self.group = None


def cpu_group(path: Path) -> Path | None:
    """A new cpu cgroup with BROWSER_SHARES, or None where none can be made."""
    if not (path.parent / "cpu.shares").is_file():
        return None
    try:
        path.mkdir()
    except OSError:
        return None
    try:
        (path / "cpu.shares").write_text(str(BROWSER_SHARES))
    except OSError:
        path.rmdir()
        return None
    return path


def renice(pid: int) -> None:
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            if os.getpriority(os.PRIO_PROCESS, int(task.name)) != BROWSER_NICE:
                os.setpriority(os.PRIO_PROCESS, int(task.name), BROWSER_NICE)
        except OSError:
            continue


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


# --- in the pages ------------------------------------------------------------------------------------

# A page's console socket and its stamps: phase N's command sent, answered, the first tile of the
# change, and the page converged (every replica's tile ready, of the phase's ReplicaSet only)
PAGE_SETUP = """
(args) => new Promise((resolve, reject) => {
  const w = window.__bench = {phase: 0, t: {}, oldHash: null, out: [], shown: {}};
  const prefix = "pod/default/web-";
  const now = () => performance.timeOrigin + performance.now();
  const hashOf = (id) => { const rest = id.slice(prefix.length); return rest.slice(0, rest.lastIndexOf("-")); };
  const look = () => {
    const p = w.phase;
    if (!p || w.t[p + "converged"] !== undefined) return;
    const tiles = Array.from(document.querySelectorAll('li.pod[id^="' + prefix + '"]'));
    for (const t of tiles) if (w.shown[t.id] === undefined) w.shown[t.id] = now();
    const mine = tiles.filter((t) => hashOf(t.id) !== w.oldHash);
    if (mine.length && w.t[p + "first"] === undefined) w.t[p + "first"] = now();
    if (tiles.length === args.replicas && mine.length === tiles.length && tiles.every((t) => t.classList.contains("ready"))) {
      w.t[p + "converged"] = now();
      w.oldHash = hashOf(tiles[0].id);
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
  const socket = new WebSocket(`ws://${location.host}/ws/clusters/${args.cluster}/console/`);
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "output") w.out.push(m.text);
    if (m.type === "exit") { w.t[w.phase + "answered"] = now(); w.t[w.phase + "code"] = m.code; }
  };
  w.run = (phase, text) => { w.phase = phase; w.t[phase + "sent"] = now(); socket.send(JSON.stringify({type: "run", text})); look(); };
  socket.onopen = () => resolve(true);
  socket.onerror = () => reject(new Error("the console socket did not open"));
})
"""


class SocketAttendee:
    """An attendee whose page did not fit in the machine's memory: they join through the join form
    over HTTP and open the two sockets their cluster page opens — its live updates, read and
    dropped, and its console — so the server does for them the work it does for a page. No DOM:
    none of the page figures is theirs."""

    def __init__(self, *, url: str, code: str, name: str, timeout: int) -> None:
        import requests
        import websocket

        session = requests.Session()
        join = f"{url}/join/{WORKSHOP}/"
        session.get(join, timeout=timeout).raise_for_status()
        answer = session.post(join, data={"code": code, "name": name, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                              headers={"Referer": join}, timeout=timeout)
        answer.raise_for_status()
        self.cluster = answer.url.rstrip("/").rsplit("/", 1)[1]
        if not self.cluster.startswith("ws-"):
            raise RuntimeError(f"{name} did not join: landed on {answer.url}")
        sockets = url.replace("http", "ws", 1)
        cookie = "; ".join(f"{key}={value}" for key, value in session.cookies.items())
        self.live = websocket.create_connection(f"{sockets}/ws/clusters/{self.cluster}/", cookie=cookie, origin=url,
                                                timeout=timeout)
        self.console = websocket.create_connection(f"{sockets}/ws/clusters/{self.cluster}/console/", cookie=cookie,
                                                   origin=url, timeout=timeout)
        self.codes: dict[int, int] = {}
        self.sent_at: dict[int, float] = {}  # phase → when its command went (ms since the epoch)
        self.out: list[str] = []
        self.timeout = timeout
        self.said: queue.Queue[dict[str, Any]] = queue.Queue()  # what the console sent, as it came
        self.sent: dict[str, float] = {}  # tile id → when a frame with it first came (ms since the epoch)
        threading.Thread(target=listen, args=(self.live, stamper(self.sent)), name=f"live-{self.cluster}", daemon=True).start()
        threading.Thread(target=listen, args=(self.console, lambda text: self.said.put(json.loads(text))),
                         name=f"console-{self.cluster}", daemon=True).start()

    def run(self, phase: int, text: str) -> None:
        self.sent_at[phase] = time.time() * 1000
        self.console.send(json.dumps({"type": "run", "text": text}))
        while phase not in self.codes:
            message = self.said.get(timeout=self.timeout)
            if message["type"] == "output":
                self.out.append(message["text"])
            elif message["type"] == "exit":
                self.codes[phase] = message["code"]

    def close(self) -> None:
        self.live.close()
        self.console.close()


def listen(socket: Any, heard: Callable[[str], None]) -> None:
    """Read a socket as long as it is open, as a page reads its own, which answers the server's
    pings (daphne drops a socket whose ping goes unanswered: a console left unread between two
    phases was closed under it); each message is `heard`."""
    import websocket

    while True:
        try:
            text = socket.recv()
        except websocket.WebSocketTimeoutException:
            continue  # a quiet moment: go on listening
        except (websocket.WebSocketException, OSError):
            return  # closed
        if text:
            heard(text)


TILE = re.compile(r'id="(pod/default/web-[^"]+)"')


def stamper(sent: dict[str, float]) -> Callable[[str], None]:
    """What reads the live socket: when each of the Deployment's tiles first came in a frame, the
    server's part of write → DOM, which no starved renderer delays."""
    def stamp(frame: str) -> None:
        now = time.time() * 1000
        for tile in TILE.findall(frame):
            sent.setdefault(tile, now)
    return stamp


class CommitTail:
    """When each attendee's pod was committed: a process of its own (out of reach of this one's
    Playwright loop, at a higher priority than the servers where the machine allows it) reads the
    change log every TAIL_SECONDS and stamps each pod with the wall time it was first read — at most
    one read after its commit, so write → DOM errs short by at most the longest gap between reads,
    which the output prints."""

    def __init__(self) -> None:
        import multiprocessing

        self.committed: dict[tuple[str, str], float] = {}  # (cluster, pod) → ms since the epoch
        self.longest_gap = 0.0
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no Django connection shared
        self.stopping = context.Event()
        self.receiving, sending = context.Pipe(duplex=False)
        self.process = context.Process(target=tail_commits, args=(sending, self.stopping), name="commit-tail",
                                       daemon=True)
        self.process.start()
        sending.close()
        self.thread = threading.Thread(target=self.receive, name="commit-tail-reader", daemon=True)
        self.thread.start()

    def receive(self) -> None:
        try:
            while True:
                stamps, self.longest_gap = self.receiving.recv()
                for cluster, pod, read in stamps:
                    self.committed.setdefault((cluster, pod), read)
        except EOFError:
            return

    def stop(self) -> None:
        self.stopping.set()
        self.process.join(timeout=30)
        self.thread.join(timeout=30)


def tail_commits(sending: Any, stopping: Any) -> None:
    import django

    try:
        os.nice(-5)
    except OSError:
        pass  # not allowed here: the gap printed says what that cost
    django.setup()
    from django.db import connection

    from playground.store.models import Change, Cluster

    query = (f"SELECT k.name, c.name FROM {Change._meta.db_table} c JOIN {Cluster._meta.db_table} k ON k.id = c.cluster_id"
             " WHERE c.id > %s AND c.id <= %s AND c.kind = 'Pod' AND c.type = 'ADDED' AND c.namespace = 'default'")
    newest = f"SELECT COALESCE(MAX(id), 0) FROM {Change._meta.db_table}"
    longest_gap = 0.0
    with connection.cursor() as cursor:
        cursor.execute(newest)
        last_id, last_read = cursor.fetchone()[0], time.monotonic()
        while not stopping.wait(TAIL_SECONDS):
            cursor.execute(newest)
            read, upto = time.time() * 1000, cursor.fetchone()[0]
            now = time.monotonic()
            longest_gap, last_read = max(longest_gap, now - last_read), now
            if upto > last_id:  # committed by now: stamped with this moment
                cursor.execute(query, [last_id, upto])
                sending.send(([(cluster, pod, read) for cluster, pod in cursor.fetchall()], longest_gap))
                last_id = upto
        sending.send(([], longest_gap))
    connection.close()


class Room:
    """The attendees' browser: one context (one attendee's cookies) and one page each."""

    def __init__(self, write: Callable[[str], Any], *, url: str, code: str, replicas: int, timeout: int) -> None:
        from playwright.sync_api import sync_playwright

        self.write, self.url, self.code, self.replicas, self.timeout = write, url, code, replicas, timeout
        before = set(descendants(os.getpid()))  # the servers
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Playwright's driver and Chromium: the browser is they and whatever they start
        self.browser_roots = sorted(set(descendants(os.getpid())) - before)
        self.stopping, self.yielding = threading.Event(), threading.Event()
        self.yielder = threading.Thread(target=self.keep_yielding, name="yield", daemon=True)
        self.pages: list[Any] = []
        self.clusters: list[str] = []  # the pages' clusters, in their order
        self.sockets: list[SocketAttendee] = []  # the attendees whose pages did not fit
        self.asked = 0
        self.join_seconds = 0.0
        self.kube_system_seconds = 0.0
        self.store_thread = ThreadPoolExecutor(1, thread_name_prefix="bench-store")  # Django stays off Playwright's loop
        self.tail = CommitTail()
        self.share = BrowserShare()
        self.yielder.start()

    def browser_processes(self) -> list[int]:
        """Playwright's driver, Chromium and its renderers: never the servers, nor the commit tail."""
        return [*self.browser_roots, *descendants(*self.browser_roots)]

    def cpu_seconds(self) -> dict[str, float]:
        """The benchmark's own CPU so far: its process (the socket-only attendees' clients, the
        commit tail, the readiness reads), and the browser with its renderers."""
        return {"benchmark": cpu_seconds(os.getpid()) + cpu_seconds(self.tail.process.pid),
                "browser": sum(cpu_seconds(pid) for pid in set(self.browser_processes()))}

    def incomplete(self, namespace: str, name: str, **expected: Any) -> list[str]:
        """The clusters whose Deployment is not complete yet, read from the store: one query for
        the whole room ten times a second (a read per cluster was a quarter of the 2 cores at 200
        attendees, a load no real room puts on the server)."""
        def pending() -> list[str]:
            found = deployments(self.all_clusters(), namespace, name)
            return [c for c in self.all_clusters() if c not in found or not complete(found[c], **expected)]

        return self.store_thread.submit(pending).result()

    def all_clusters(self) -> list[str]:
        return self.clusters + [attendee.cluster for attendee in self.sockets]

    def keep_yielding(self) -> None:
        """Again every second once the measured phases begin: Chromium sets its renderers' and GPU
        process's priorities itself as pages come and go. (Not while the attendees join: starved by
        whatever else runs on the machine, yielding pages take minutes to load, and joining is not timed.)"""
        while not self.stopping.wait(RENICE_SECONDS):
            if self.yielding.is_set():
                self.share.take(self.browser_processes())

    def join(self, attendees: int, *, pages: int) -> None:
        """Each attendee opens the join link, types the code and a name, and lands on their cluster:
        JOIN_BATCH of them at a time, as a room arrives, each page loading while the next is typed in."""
        self.asked = attendees
        started = time.monotonic()
        for first in range(0, attendees, JOIN_BATCH):
            batch = []
            for n in range(first, min(attendees, first + JOIN_BATCH)):
                if n >= pages or available_mb() < MIN_AVAILABLE_MB:
                    self.join_by_sockets(range(n, attendees), why="asked for" if n >= pages else "fit")
                    break
                page = self.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(f"{self.url}/join/{WORKSHOP}/", wait_until="commit", timeout=self.timeout * 1000)
                batch.append((n, page))
            for n, page in batch:
                page.fill("input[name=code]", self.code, timeout=self.timeout * 1000)
                page.fill("input[name=name]", f"Attendee {n + 1:03d}")
                page.click("button[type=submit]")
            for _, page in batch:
                page.wait_for_url("**/clusters/ws-*/", wait_until="load", timeout=self.timeout * 1000)
                page.wait_for_function("() => document.getElementById('live-version') !== null",
                                       timeout=self.timeout * 1000)
                cluster = page.url.rstrip("/").rsplit("/", 1)[1]
                page.evaluate(PAGE_SETUP, {"cluster": cluster, "replicas": self.replicas})
                self.pages.append(page)
                self.clusters.append(cluster)
            if self.sockets:
                break
        self.join_seconds = time.monotonic() - started
        self.write(f"  {len(self.pages) + len(self.sockets)} attendees joined through the join page, each on a kind"
                   f" cluster of their own: {self.join_seconds:.1f} s")

    def join_by_sockets(self, numbers: range, *, why: str) -> None:
        self.write(f"  {numbers.start} of {self.asked} pages {why} ({available_mb():.0f} MB left on the machine):"
                   f" the other {len(numbers)} attendee(s) join over HTTP and open their page's two sockets without a page")
        with ThreadPoolExecutor(JOIN_BATCH, thread_name_prefix="join") as pool:
            self.sockets = list(pool.map(lambda n: SocketAttendee(url=self.url, code=self.code, name=f"Attendee {n + 1:03d}",
                                                                  timeout=self.timeout), numbers))

    def wait_for_kube_system(self) -> None:
        """Every cluster's CoreDNS available, as a fresh kind cluster is before anyone uses it."""
        started = time.monotonic()
        wait_until(lambda: self.incomplete("kube-system", "coredns"),
                   timeout=self.timeout, what="kube-system of every cluster")
        self.kube_system_seconds = time.monotonic() - started
        self.write(f"  every cluster's kube-system ready {self.kube_system_seconds:.1f} s after the last join")

    def phase(self, number: int, command: str, *, image: str) -> dict[str, Any]:
        """Every page sends `command` to its console; until every Deployment is complete in the
        store and every page shows it. Meanwhile a few attendees type a command alone."""
        self.yielding.set()
        self.share.take(self.browser_processes())
        began = time.time() * 1000
        consoles = ThreadPoolExecutor(max(1, len(self.sockets)), thread_name_prefix="console")
        answers = [consoles.submit(attendee.run, number, command) for attendee in self.sockets]
        for page in self.pages:
            page.evaluate("([n, text]) => window.__bench.run(n, text)", [number, command])
        last_sent = time.time() * 1000
        for answer in answers:  # an answer comes as the write commits: a refused command fails the phase now
            answer.result(timeout=self.timeout)
        wrong = [attendee for attendee in self.sockets if attendee.codes[number] != 0]
        if wrong:
            raise RuntimeError(f"phase {number}: {len(wrong)} consoles answered with an error: {wrong[0].out}")
        alone = consoles.submit(self.commands_alone, number, image=image)  # while the room's work is under way
        wait_until(lambda: self.incomplete("default", "web", image=image, replicas=self.replicas),
                   timeout=self.timeout, what=f"phase {number}: every Deployment complete")
        in_store = time.time() * 1000 - last_sent
        deadline = time.monotonic() + self.timeout
        stamps = []
        for page in self.pages:
            page.wait_for_function(f"() => window.__bench.t['{number}converged'] !== undefined",
                                   timeout=max(1.0, deadline - time.monotonic()) * 1000)
            stamps.append(page.evaluate(f"() => {{ const t = window.__bench.t; return {{sent: t['{number}sent'], "
                                        f"answered: t['{number}answered'], code: t['{number}code'], "
                                        f"first: t['{number}first'], converged: t['{number}converged']}}; }}"))
        alone_sent = alone.result(timeout=self.timeout)
        consoles.shutdown()
        failed = [s for s in stamps if s["code"] not in (0, None)]
        if failed:
            raise RuntimeError(f"phase {number}: {len(failed)} consoles answered with an error: "
                               f"{self.pages[stamps.index(failed[0])].evaluate('() => window.__bench.out')}")
        last_sent = max(last_sent, *(s["sent"] for s in stamps))
        written = self.since_commit([(cluster, page.evaluate("() => window.__bench.shown"))
                                     for cluster, page in zip(self.clusters, self.pages)], began)
        framed = self.since_commit([(attendee.cluster, dict(attendee.sent)) for attendee in self.sockets], began)
        taken_up = self.first_pod_committed([(attendee.cluster, attendee.sent_at[number]) for attendee in self.sockets])
        alone_taken_up = self.first_pod_committed(alone_sent, named=ALONE)
        return {
            "taken_up": spread(taken_up),
            "alone": spread(alone_taken_up),
            "alone_commands": len(alone_taken_up),
            "written": spread(written),
            "pods": len(written),
            "framed": spread(framed),
            "framed_pods": len(framed),
            "spread_s": (max(s["sent"] for s in stamps) - min(s["sent"] for s in stamps)) / 1000,
            "store_s": in_store / 1000,
            "pages_s": (max(s["converged"] for s in stamps) - last_sent) / 1000,
            "answered": spread([s["answered"] - s["sent"] for s in stamps if s["answered"] is not None]),
            "first": spread([s["first"] - s["sent"] for s in stamps]),
            "converged": spread([s["converged"] - s["sent"] for s in stamps]),
        }

    def first_pod_committed(self, commands: list[tuple[str, float]], *, named: str = "") -> list[float]:
        """For each (cluster, when its command went), the milliseconds to the first of its pods
        (whose name starts with `named`) committed after it: the workers' part of command →
        first tile, no page in it."""
        firsts: dict[str, list[float]] = collections.defaultdict(list)
        for (cluster, pod), committed in list(self.tail.committed.items()):  # the tail adds to it meanwhile
            if pod.startswith(named):
                firsts[cluster].append(committed)
        return [min(after) - sent for cluster, sent in commands if (after := [c for c in firsts[cluster] if c >= sent])]

    def commands_alone(self, number: int, *, image: str) -> list[tuple[str, float]]:
        """A few attendees without a page each type a command of their own, one after another,
        while the whole room's work goes on: (cluster, when it went) for each. Their first pod
        says whether one person's command waits on the other clusters' work. They wait until the
        room's commands were taken up (each cluster's first pod committed), as one person types
        while the others' rollouts go on: behind a burst of the whole room's commands, theirs
        is one more of the burst (the room's own figure)."""
        commands = [(attendee.cluster, attendee.sent_at[number]) for attendee in self.sockets]
        deadline = time.monotonic() + self.timeout
        while len(self.first_pod_committed(commands)) < len(commands) and time.monotonic() < deadline:
            time.sleep(0.1)
        sent = []
        for n, attendee in enumerate(self.sockets[:: max(1, len(self.sockets) // ALONE_COMMANDS)][:ALONE_COMMANDS]):
            if n:
                time.sleep(ALONE_SECONDS)
            attendee.run(100 * number + n, f"kubectl create deployment {ALONE}-{number} --image={image}")
            if attendee.codes[100 * number + n] != 0:
                raise RuntimeError(f"phase {number}: a command alone was answered with an error: {attendee.out}")
            sent.append((attendee.cluster, attendee.sent_at[100 * number + n]))
        return sent

    def since_commit(self, shown: list[tuple[str, dict[str, float]]], began: float) -> list[float]:
        """For each cluster's tiles (tile id → when shown), the milliseconds from its pod's commit."""
        return [
            at - committed
            for cluster, tiles in shown
            for tile, at in tiles.items()
            if (committed := self.tail.committed.get((cluster, tile.split("/", 2)[2]), 0)) >= began
        ]

    def chromium_mb(self) -> float:
        """The memory of the browser and its renderers, now (every page open): their proportional
        set sizes, so that the pages one renderer shares with another are counted once."""
        total = 0.0
        for pid in self.browser_processes():
            try:
                total += next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                              if line.startswith("Pss:")) / 1024
            except (OSError, StopIteration):
                continue
        return total

    def close(self) -> None:
        self.stopping.set()
        try:
            self.tail.stop()
            for attendee in self.sockets:
                attendee.close()
            self.browser.close()
            self.playwright.stop()
        finally:
            self.yielder.join(timeout=RENICE_SECONDS * 5)
            self.share.close()  # no cgroup left behind, whatever happened
        self.store_thread.shutdown()


def deployments(clusters: list[str], namespace: str, name: str) -> dict[str, dict[str, Any]]:
    """Each cluster's Deployment `namespace/name`, as stored, in one query."""
    from playground.store.models import StoredObject

    rows = StoredObject.objects.filter(cluster__name__in=clusters, kind="Deployment", namespace=namespace,
                                       name=name).values_list("cluster__name", "data")
    return {cluster: json.loads(data) for cluster, data in rows}


def complete(d: dict[str, Any], *, image: str | None = None, replicas: int | None = None) -> bool:
    """The Deployment's rollout complete, as `kubectl rollout status` judges it: observed, every
    replica updated and available, none of an old ReplicaSet left."""
    status, spec = d.get("status", {}), d["spec"]
    want = spec.get("replicas", 1) if replicas is None else replicas
    return (status.get("observedGeneration", 0) >= d["metadata"]["generation"]
            and status.get("updatedReplicas") == want == status.get("replicas") == status.get("availableReplicas")
            and (image is None or spec["template"]["spec"]["containers"][0]["image"] == image))


def wait_until(pending: Callable[[], list[str]], *, timeout: int, what: str) -> None:
    deadline = time.monotonic() + timeout
    while left := pending():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {len(left)} clusters not done after {timeout} s (first: {left[0]})")
        time.sleep(0.1)


def spread(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"p50": statistics.median(ordered), "p95": percentile(ordered, 0.95), "max": ordered[-1]}


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted samples (the one the other benchmarks print)."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def report(write: Callable[[str], Any], *, room: Room, phases: dict[str, dict[str, Any]], servers: dict[str, float],
           chromium_mb: float) -> None:
    pages = len(room.pages)
    short = f" (and {len(room.sockets)} attendee(s) with their page's sockets only)" if room.sockets else ""
    write(f"  {len(room.all_clusters())} clusters, {pages} real pages{short}, Deployment of {room.replicas} each")
    write(f"  the browser and its renderers, from the first command on: {room.share.description}")
    for name, f in phases.items():
        write(f"  {name}: {pages} consoles' commands sent over {f['spread_s']:.1f} s; from the last one to every "
              f"Deployment complete: {f['store_s']:.1f} s in the store, {f['pages_s']:.1f} s in the pages"
              f"   target < 30 s")
        rows = [("command → console answered (write committed)", "answered", ""),
                ("command → first tile of the change in the page", "first", ""),
                ("command → page shows every replica ready", "converged", ""),
                (f"pod committed → its tile in the page ({f['pods']} pods)", "written", "   target p95 < 500 ms")]
        if f["framed_pods"]:  # the attendees without a page: the server's part alone
            rows.insert(1, ("command → its first pod committed (no page)", "taken_up", ""))
            rows.insert(2, (f"a command alone, meanwhile ({f['alone_commands']}) → its first pod", "alone", ""))
            rows.append((f"pod committed → its frame on a socket ({f['framed_pods']} pods)", "framed", ""))
        for label, key, target in rows:
            s = f[key]
            write(f"    {label + ':':50} p50 {s['p50']:7.0f} ms  p95 {s['p95']:7.0f} ms  max {s['max']:7.0f} ms{target}")
        cpu = f["cpu"]
        write(f"    CPU used meanwhile: {sum(cpu.values()):.1f} s ("
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items()) + "); beside them "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in f["cpu_beside"].items())
              + f"; the machine's cores busy {f['cpu_machine']:.1f} s of {f['cpu_capacity']:.1f} s")
    write(f"  (the change log was read every {TAIL_SECONDS * 1000:.0f} ms for the commits: the longest gap between"
          f" reads, {room.tail.longest_gap * 1000:.0f} ms, bounds how much write → tile errs short)")
    for name, mb in servers.items():
        write(f"  peak memory, {name} process (VmHWM): {mb:.0f} MB")
    write(f"  Chromium with {pages} pages (PSS of the browser and its renderers): {chromium_mb:.0f} MB")
