"""Simulated programs: what a container "runs", read from its command/args and its image's defaults.

Pod spec (command, args, env) + image defaults (ENTRYPOINT, CMD) → `parse_program` → `Program`,
which the simulated kubelet (`playground.sim.pod_workers`) asks, at t seconds after the container
started: has it exited, with which code; which log lines has it written; does it answer on a port
(for httpGet / tcpSocket / grpc probes); does a file exist (for `exec: cat /tmp/healthy` probes);
how much memory does it use (to be OOMKilled above its limit).

The argv is built the way the container runtime builds it (docker/containerd): `command`
replaces the image's ENTRYPOINT and drops its CMD, `args` replaces CMD. What a learner can write:

- `sleep 30`, `sleep infinity`, `exit 3`, `true`, `false`, `echo hello`, `printf`, `date`,
  `hostname`, `env`, `printenv NAME`, `touch FILE`, `rm FILE`, `cat FILE`, `test -f FILE`;
- `sh -c "echo start; sleep 5 && exit 1"`: `;`, `&&`, `||`, `&`, `if/then/else/fi`,
  `for x in a b; do ...; done`, `while true; do echo tick; sleep 5; done`, variables
  (`i=0`, `i=$((i+1))`, `$i`, `${NAME}`, `$(date)`, `$(hostname)`), `trap "exit 0" TERM`;
- servers: `nginx` (port 80), `redis-server` (6379), `httpd-foreground` (80),
  `python -m http.server [PORT]` (8000), `nc -lk -p PORT`, agnhost (`liveness`: /healthz
  answers 200 for 10 s then 500, like the Kubernetes docs' example; `netexec`, `serve-hostname`),
  goproxy (8080), http-echo (5678); any command the playground does not know is taken to be the
  image's own server: it runs forever and answers on every port;
- a memory hog, as in the Kubernetes docs' "Assign Memory Resources" exercise:
  `stress --vm 1 --vm-bytes 250M --vm-hang 1 [--timeout 60s]` holds 250 MiB one second after it
  starts; above the container's memory limit the kubelet reports it OOMKilled (exit code 137).

The shell is playground.shell's, shared with the image builder's RUN: `ProgramShell` here gives
its commands their effects on the program's timeline. A shell loop without `sleep` is throttled
to one pass per simulated second. A program that does not handle SIGTERM (a shell script,
`sleep`, which as PID 1 ignores it) is only stopped by SIGKILL at the end of the grace period,
exit code 137, exactly as on a real cluster.
"""
from __future__ import annotations

import dataclasses
import datetime
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, cast

from django.conf import settings

from playground.images import catalog
from playground.shell import syntax
from playground.shell.budget import Budget, BudgetExceeded
from playground.shell.interpreter import BUILTINS, Shell, Stop
from playground.shell.syntax import Node, ShellSyntaxError, parse, redirections

FOREVER = math.inf
MIN_LOOP_PERIOD = 1.0  # seconds: a loop with no sleep in it
STRESS_RAMP_SECONDS = 1.0  # stress reaches its --vm-bytes this long after it starts
SIGKILL_EXIT_CODE = 137
COMMAND_NOT_FOUND = 127
SHELLS = {"sh", "bash", "ash", "dash", "zsh", "busybox"}
WRAPPERS = {"docker-entrypoint.sh", "tini", "dumb-init", "exec", "nohup", "env"}


class ImageDefaults(TypedDict, total=False):
    """An image config's ENTRYPOINT and CMD (as `docker inspect` shows them)."""

    entrypoint: list[str]
    cmd: list[str]
    ports: list[int]  # EXPOSE


class _KnownImages(Mapping[str, ImageDefaults]):
    """repository → what its latest tag runs when the pod gives no command, read from the image
    catalog (playground.images.catalog: the images' configs, as their Dockerfiles set them)."""

    def __getitem__(self, repository: str) -> ImageDefaults:
        config = catalog.config_for(repository)
        if config is None:
            raise KeyError(repository)
        return cast(ImageDefaults, config.defaults())

    def __iter__(self) -> Iterator[str]:
        return iter(catalog.repositories())

    def __len__(self) -> int:
        return len(catalog.repositories())


KNOWN_IMAGES: Mapping[str, ImageDefaults] = _KnownImages()


# --- what a program does, on a timeline ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    """Something listening: `ports` None answers on every port."""

    name: str
    ports: frozenset[int] | None
    http: bool = True
    healthy_for: float = FOREVER  # agnhost liveness: /healthz answers 500 after this

    def answers_on(self, port: int) -> bool:
        return self.ports is None or port in self.ports


@dataclass(frozen=True, slots=True)
class Var:
    """A loop variable in a log line: `value` in the first pass, `+delta` each further pass."""

    value: int
    delta: int


@dataclass(frozen=True, slots=True)
class Clock:
    """`$(date)` in a log line: rendered with the simulated time it is written at."""


Text = tuple[Any, ...]  # str | Var | Clock parts


@dataclass(frozen=True, slots=True)
class Action:
    at: float  # seconds since the program started (or since the loop pass started)
    kind: str  # "log" | "file" | "rmfile" | "serve" | "memory"
    value: Any


class Written(str):
    """A "file" action's path that also carries what a redirection wrote there (`echo x > f`,
    `>>` appends): a str, so whatever reads the path of a "file" action reads it unchanged."""

    text: Text
    append: bool

    def __new__(cls, path: str, text: Text, *, append: bool) -> Written:
        written = super().__new__(cls, path)
        written.text, written.append = text, append
        return written

    def content(self, iteration: int) -> str:
        return render(self.text, iteration, None)


@dataclass(frozen=True, slots=True)
class Loop:
    """`while true; do BODY; done` from `start` on: BODY's actions repeat every `period`."""

    start: float
    period: float
    body: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Program:
    """The simulated process of one container, as a pure function of time since it started."""

    argv: tuple[str, ...]
    actions: tuple[Action, ...] = ()
    loop: Loop | None = None
    exit_after: float | None = None  # None: runs until stopped
    exit_code: int | None = None
    sigterm_exit_code: int | None = None  # None: ignores SIGTERM, only SIGKILL stops it
    hostname: str = ""
    env: tuple[tuple[str, str], ...] = ()  # what an exec probe sees too: it runs inside the container

    # Lifecycle ---------------------------------------------------------------------------------

    def exited(self, t: float) -> int | None:
        """The exit code if the program has exited by t seconds, else None."""
        if self.exit_after is not None and t >= self.exit_after:
            return self.exit_code
        return None

    @property
    def handles_sigterm(self) -> bool:
        return self.sigterm_exit_code is not None

    # Logs --------------------------------------------------------------------------------------

    def logs(self, until: float, *, since: float = -1.0, started_at: datetime.datetime | None = None) -> list[tuple[float, str]]:
        """(seconds since start, line) for every line written in (since, until]."""
        until = min(until, self.exit_after) if self.exit_after is not None else until
        lines: list[tuple[float, str]] = []
        for at, text, iteration in self._actions_between("log", since, until):
            moment = started_at + datetime.timedelta(seconds=at) if started_at else None
            for line in render(text, iteration, moment).split("\n"):
                lines.append((at, line))
        return lines

    def next_log_after(self, t: float) -> float | None:
        """When the next line after t is written (None: no more lines)."""
        candidates = [a.at for a in self.actions if a.kind == "log" and a.at > t]
        if self.loop is not None and any(a.kind == "log" for a in self.loop.body):
            candidates.append(self._next_loop_time(t, "log"))
        found = [c for c in candidates if self.exit_after is None or c <= self.exit_after]
        return min(found) if found else None

    # Network and files -------------------------------------------------------------------------

    def server_at(self, t: float) -> Server | None:
        """The server listening at t, if any (the last one started)."""
        servers = [value for at, value, _ in self._actions_between("serve", -1.0, t)]
        if not servers or self.exited(t) is not None:
            return None
        return servers[-1]

    def answers_on(self, port: int, t: float) -> bool:
        server = self.server_at(t)
        return server is not None and server.answers_on(port)

    def http_status(self, port: int, path: str, t: float) -> int | None:
        """The HTTP status a GET would get at t, None when the connection is refused."""
        server = self.server_at(t)
        if server is None or not server.answers_on(port):
            return None
        if not server.http:
            return 0  # not HTTP at all: a malformed response
        started = min(at for at, value, _ in self._actions_between("serve", -1.0, t) if value == server)
        if server.name == "agnhost-liveness":
            return 200 if t - started < server.healthy_for else 500
        if server.name in ("nginx", "httpd") and path not in ("/", "/index.html", ""):
            return 404
        return 200

    def next_server_change(self, t: float) -> float | None:
        """When what answers on the network next changes after t: a server starting (loops
        included), agnhost's /healthz turning to 500, the program exiting; None: never."""
        found = [a.at for a in self.actions if a.kind == "serve" and a.at > t]
        if self.loop is not None and any(a.kind == "serve" for a in self.loop.body):
            found.append(self._next_loop_time(t, "serve"))
        server = self.server_at(t)
        if server is not None and server.healthy_for != FOREVER:
            started = min(at for at, value, _ in self._actions_between("serve", -1.0, t) if value == server)
            if started + server.healthy_for > t:
                found.append(started + server.healthy_for)
        if self.exit_after is not None and self.exit_after > t:
            found.append(self.exit_after)
        return min(found) if found else None

    def file_exists(self, path: str, t: float) -> bool:
        exists = False
        for kind, at_path in self._file_ops_until(t):
            if at_path == path:
                exists = kind == "file"
        return exists

    # Memory ------------------------------------------------------------------------------------

    def memory_bytes(self, t: float) -> int:
        used = [value for _, value, _ in self._actions_between("memory", -1.0, t)]
        return used[-1] if used and self.exited(t) is None else 0

    def oom_at(self, limit_bytes: int | None) -> float | None:
        """When the program first uses more than `limit_bytes` (None: never, or no limit)."""
        if limit_bytes is None:
            return None
        for action in self.actions:
            if action.kind == "memory" and action.value > limit_bytes:
                if self.exit_after is None or action.at < self.exit_after:
                    return action.at
        return None

    # Exec probes -------------------------------------------------------------------------------

    def exec(self, argv: Iterable[str], t: float, *, files: Iterable[str] = ()) -> tuple[int, str]:
        """Run a command inside the container at t (an exec probe): (exit code, output).
        `files`: what else the container's filesystem holds (its image, volumes, files written
        from the page), besides what the program itself wrote."""
        argv = list(argv)
        paths = {path for _, path in self._file_ops_until(t)}
        files = {path for path in paths if self.file_exists(path, t)} | set(files)
        shell = ProgramShell(env=dict(self.env), hostname=self.hostname, files=files, probe_target=(self, t))
        try:
            shell.run_argv(argv)
        except BudgetExceeded as exceeded:
            return SIGKILL_EXIT_CODE, f"sh: stopped by the playground: {exceeded}"
        if shell.forever:
            return 1, f'command "{" ".join(argv)}" timed out'
        output = "\n".join(render(text, 0, None) for _, _, text in shell.logged()).strip()
        return shell.status, output

    # Internals ---------------------------------------------------------------------------------

    def _actions_between(self, kind: str, since: float, until: float) -> list[tuple[float, Any, int]]:
        found = [(a.at, a.value, 0) for a in self.actions if a.kind == kind and since < a.at <= until]
        loop = self.loop
        if loop is None or until < loop.start:
            return found
        body = [a for a in loop.body if a.kind == kind]
        if not body:
            return found
        first = max(0, math.floor((since - loop.start) / loop.period))
        last = math.floor((until - loop.start) / loop.period)
        for iteration in range(first, last + 1):
            base = loop.start + iteration * loop.period
            found.extend((base + a.at, a.value, iteration) for a in body if since < base + a.at <= until)
        return found

    def _next_loop_time(self, t: float, kind: str) -> float:
        loop = self.loop
        assert loop is not None
        offsets = sorted(a.at for a in loop.body if a.kind == kind)
        iteration = max(0, math.floor((t - loop.start) / loop.period))
        while True:
            base = loop.start + iteration * loop.period
            for offset in offsets:
                if base + offset > t:
                    return base + offset
            iteration += 1

    def _file_ops_until(self, t: float) -> list[tuple[str, str]]:
        ops = [(a.at, a.kind, a.value) for a in self.actions if a.kind in ("file", "rmfile") and a.at <= t]
        loop = self.loop
        if loop is not None and t >= loop.start and any(a.kind in ("file", "rmfile") for a in loop.body):
            iteration = math.floor((t - loop.start) / loop.period)
            for previous in (iteration - 1, iteration):
                if previous < 0:
                    continue
                base = loop.start + previous * loop.period
                ops.extend((base + a.at, a.kind, a.value) for a in loop.body if a.kind in ("file", "rmfile") and base + a.at <= t)
        return [(kind, path) for _, kind, path in sorted(ops, key=lambda op: op[0])]


def render(text: Text, iteration: int, moment: datetime.datetime | None) -> str:
    parts = []
    for part in text:
        if isinstance(part, Var):
            parts.append(str(part.value + iteration * part.delta))
        elif isinstance(part, Clock):
            parts.append(_busybox_date(moment))
        else:
            parts.append(str(part))
    return "".join(parts)


def _busybox_date(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone(datetime.timezone.utc)
    return f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S} UTC {moment.year}"


# --- building a program ------------------------------------------------------------------------


def image_defaults_for(image: str, *, cluster: str | None = None) -> ImageDefaults | None:
    """The ENTRYPOINT/CMD/ports of the image's config (the catalog's, or with a cluster an image
    built there); None for images the playground does not know."""
    config = catalog.config_for(image, cluster=cluster)
    return cast(ImageDefaults, config.defaults()) if config is not None else None


def container_argv(container: Mapping[str, Any], image_defaults: ImageDefaults | None) -> list[str]:
    """The process argv, as the runtime builds it from the pod spec and the image config."""
    defaults = image_defaults or {}
    command = list(container.get("command") or [])
    args = container.get("args")
    if command:
        return command + list(args or [])
    entrypoint = list(defaults.get("entrypoint") or [])
    return entrypoint + list(args if args else defaults.get("cmd") or [])


def parse_program(container: Mapping[str, Any], image_defaults: ImageDefaults | None = None, *,
                  env: Mapping[str, str] | None = None, hostname: str = "") -> Program:
    """The program a container runs. `image_defaults` None looks the image up in KNOWN_IMAGES;
    an unknown image with no command is a server that runs forever."""
    if image_defaults is None:
        image_defaults = image_defaults_for(str(container.get("image") or ""))
    argv = container_argv(container, image_defaults)
    variables = dict(_literal_env(container) if env is None else env)
    variables.setdefault("HOSTNAME", hostname)
    env_pairs = tuple(pair if pair[0] == "HOSTNAME" else shared(pair) for pair in variables.items())  # HOSTNAME: the pod's own
    if not argv:
        return Program(argv=(), actions=(Action(0.0, "serve", Server("app", None)),), sigterm_exit_code=0, hostname=hostname,
                       env=env_pairs)
    shell = ProgramShell(env=dict(variables), hostname=hostname, files=set())
    try:
        shell.run_argv(argv)
    except BudgetExceeded as exceeded:
        shell.killed(exceeded)
    program = shell.program(shared(tuple(argv)))
    return dataclasses.replace(program, actions=shared(program.actions), loop=shared(program.loop), env=env_pairs)


SHARED_PARTS = 4096  # distinct program parts remembered for sharing; past it, the table starts over
_shared_parts: dict[Any, Any] = {}
_NOT_SHARED = object()
Part = TypeVar("Part")


def shared(part: Part) -> Part:
    """One object for equal immutable parts of programs. The kubelet keeps the program of each
    container's run; the replicas of one template run the same actions with the same environment
    but for their HOSTNAME, so each would otherwise hold a copy of them (about 1 KB a pod)."""
    try:
        found = _shared_parts.get(part, _NOT_SHARED)
    except TypeError:  # an unhashable value somewhere inside: kept as it is
        return part
    if found is not _NOT_SHARED:
        return found
    if len(_shared_parts) >= SHARED_PARTS:
        _shared_parts.clear()  # what was shared stays shared; parts seen from now on share again
    _shared_parts[part] = part
    return part


def program_budget() -> Budget:
    """What one container's script may spend while the kubelet reads it (PLAYGROUND_PROGRAM_*)."""
    return Budget(prefix="PLAYGROUND_PROGRAM", max_steps=settings.PLAYGROUND_PROGRAM_MAX_STEPS,
                  max_expansion=settings.PLAYGROUND_PROGRAM_MAX_EXPANSION, cpu_seconds=settings.PLAYGROUND_PROGRAM_CPU_SECONDS)


def _literal_env(container: Mapping[str, Any]) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in container.get("env") or [] if isinstance(e, dict) and "name" in e}


def parse_size(text: str) -> int:
    """stress's sizes: 250M, 1G, 512K, 100B or plain bytes (powers of 1024)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([bBkKmMgG]?)", text.strip())
    if match is None:
        raise ValueError(f"invalid size: {text}")
    factor = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match[2].lower()]
    return int(float(match[1]) * factor)


def parse_duration(text: str) -> float:
    """sleep's and stress's durations: 30, 1.5, 30s, 2m, 1h, infinity."""
    text = text.strip()
    if text in ("inf", "infinity"):
        return FOREVER
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd]?)", text)
    if match is None:
        raise ValueError(f"invalid time interval '{text}'")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


# --- sh -c, interpreted onto a timeline ---------------------------------------------------------


@dataclass
class ProgramShell(Shell):
    """The shared shell (playground.shell) whose commands write a timeline: log lines, files,
    sleeps, servers, memory, and the exit."""

    env: dict[str, Any]
    hostname: str
    files: set[str]
    probe_target: tuple[Program, float] | None = None  # set when running an exec probe
    t: float = 0.0
    status: int = 0
    actions: list[Action] = field(default_factory=list)
    loop: Loop | None = None
    end: float | None = None  # exit time, None while it runs (or forever)
    forever: bool = False
    sigterm_exit_code: int | None = None
    deltas: dict[str, int] = field(default_factory=dict)  # per loop pass, while in a loop body
    budget: Budget = field(default_factory=program_budget)  # shared with the shells of its loops

    def program(self, argv: tuple[str, ...]) -> Program:
        code = self.status if self.end is not None else None
        return Program(argv=argv, actions=tuple(self.actions), loop=self.loop, exit_after=self.end,
                       exit_code=code, sigterm_exit_code=self.sigterm_exit_code, hostname=self.hostname)

    def logged(self) -> list[tuple[float, str, Text]]:
        return [(a.at, a.kind, a.value) for a in self.actions if a.kind == "log"]

    # Running ------------------------------------------------------------------------------------

    def run_argv(self, argv: list[str]) -> None:
        try:
            self.simple_command(argv)
        except Stop:
            return
        if not self.forever:
            self.end = self.t

    def run_script(self, script: str) -> None:
        try:
            node = parse(script)
        except ShellSyntaxError:
            node = ("cmd", ["exit", "2"])  # an unbalanced quote: sh's syntax error, exit status 2
        self.execute(node)

    def exit(self, status: int) -> None:
        self.end = self.t
        super().exit(status)

    def killed(self, exceeded: BudgetExceeded) -> None:
        """Over its budget: the script is killed where it got to, as the kernel's OOM killer or a
        CPU limit would end it (SIGKILL, 137), and its log says why."""
        self.log((f"sh: stopped by the playground: {exceeded}",))
        self.status, self.end, self.forever, self.loop = SIGKILL_EXIT_CODE, self.t, False, None

    def background(self, node: Node) -> None:
        """`cmd &`: a server starts listening, the script goes on."""
        saved_t, saved_forever = self.t, self.forever
        try:
            self.execute(node)
        except Stop:
            pass
        self.t, self.forever, self.status = saved_t, saved_forever, 0

    def pipeline(self, nodes: list[Node]) -> None:
        """Only the last command's status and output matter: the others' output is piped, not logged."""
        self.execute(nodes[-1])

    def while_loop(self, condition: Node, body: Node, *, until: bool) -> None:
        self.execute(condition)
        if (self.status == 0) == until:
            self.status = 0
            return  # the condition fails at once: the body never runs
        trial = ProgramShell(env=dict(self.env), hostname=self.hostname, files=set(self.files), t=0.0,
                             probe_target=self.probe_target, budget=self.budget)
        try:
            trial.execute(body)
        except Stop:
            self.execute(body)  # the body exits (or never returns) in its first pass
            return
        before = {k: v for k, v in self.env.items() if isinstance(v, int)}
        deltas = {k: v - before[k] for k, v in trial.env.items() if isinstance(v, int) and k in before and v != before[k]}
        body_shell = ProgramShell(env=dict(self.env), hostname=self.hostname, files=set(self.files), deltas=deltas,
                                  probe_target=self.probe_target, budget=self.budget)
        body_shell.execute(body)
        if self.probe_target is not None:
            raise Stop  # an exec probe that loops forever: it never answers
        period = body_shell.t if body_shell.t > 0 else MIN_LOOP_PERIOD
        self.loop = Loop(start=self.t, period=period, body=tuple(body_shell.actions))
        self.forever = True
        raise Stop

    # Commands ------------------------------------------------------------------------------------

    def command(self, words: list[str]) -> None:
        words, redirect = redirections(words)
        if not words:
            self.status = 0
            return
        name = words[0].rsplit("/", 1)[-1]
        if name in WRAPPERS and name != "env" or (name == "env" and len(words) > 1):
            rest = [w for w in words[1:] if w != "--"]
            if rest:
                return self.simple_command(rest)
            self.status = 0
            return
        handler = self.handler(name)
        if handler is None:
            return self.cmd_unknown(name, words)
        if redirect is not None:
            return self.redirected(handler, words, redirect)
        handler(words)

    def handler(self, name: str) -> Callable[[list[str]], None] | None:
        """What runs `name`: a shared builtin, a shell, python, a command of this file, or None."""
        if name in BUILTINS:
            return lambda words: self.builtin(name, words[1:])
        if name in SHELLS:
            return self.cmd_sh
        if name.startswith("python"):
            return self.cmd_python
        return getattr(self, "cmd_" + name.replace("-", "_").replace(".", "_"), None)

    def redirected(self, handler: Callable[[list[str]], None], words: list[str], redirect: tuple[str, str]) -> None:
        """`echo ok > /tmp/healthy`: the output goes to the file (`>>` after what it holds), not to the log."""
        before = len(self.actions)
        handler(words)
        text: list[Any] = []
        for action in self.actions[before:]:
            if action.kind == "log":
                text.extend((*action.value, "\n"))  # a log action is one line of output
        self.actions[before:] = [a for a in self.actions[before:] if a.kind != "log"]
        self.add_file(Written(self.word(redirect[1]), tuple(text), append=redirect[0] == ">>"))

    def write(self, text: Text, *, newline: bool) -> None:
        """echo's and printf's output: a log line (printf's own last newline ends it)."""
        if not newline and text and isinstance(text[-1], str):
            text = (*text[:-1], text[-1].rstrip("\n"))
        self.log(text)

    def file_test(self, operator: str, path: str) -> bool:
        return operator == "-d" or path in self.files

    def log(self, text: Text) -> None:
        self.actions.append(Action(self.t, "log", text))

    def add_file(self, path: str) -> None:
        self.files.add(path)
        self.actions.append(Action(self.t, "file", path))

    def cmd_sh(self, words: list[str]) -> None:
        if "-c" in words:
            index = words.index("-c")
            if index + 1 < len(words):
                return self.run_script(words[index + 1])
        if len(words) == 1 or words[1:] == ["-"] or words[1].startswith("-"):
            self.status = 0  # an interactive shell without a terminal: stdin is empty, it exits
            return
        self.serve_forever("script", None)  # a script file from the image or a volume

    def cmd_sleep(self, words: list[str]) -> None:
        try:
            seconds = sum(parse_duration(self.word(w)) for w in words[1:])
        except ValueError as error:
            self.log((f"sleep: {error}",))
            self.status = 1
            return
        if seconds == FOREVER:
            self.serve_forever_without_server()
        self.t += seconds
        self.status = 0

    def cmd_date(self, words: list[str]) -> None:
        self.log((Clock(),))
        self.status = 0

    def cmd_hostname(self, words: list[str]) -> None:
        self.log((self.hostname,))
        self.status = 0

    def cmd_printenv(self, words: list[str]) -> None:
        if len(words) > 1:
            value = self.env.get(words[1])
            self.status = 0 if value is not None else 1
            if value is not None:
                self.log((str(value),))
            return
        self.cmd_env(words)

    def cmd_env(self, words: list[str]) -> None:
        for name, value in self.env.items():
            self.log((f"{name}={value}",))
        self.status = 0

    def cmd_touch(self, words: list[str]) -> None:
        for path in words[1:]:
            if not path.startswith("-"):
                self.add_file(self.word(path))
        self.status = 0

    def cmd_mkdir(self, words: list[str]) -> None:
        self.status = 0

    def cmd_rm(self, words: list[str]) -> None:
        for path in words[1:]:
            if not path.startswith("-"):
                path = self.word(path)
                self.files.discard(path)
                self.actions.append(Action(self.t, "rmfile", path))
        self.status = 0

    def cmd_cat(self, words: list[str]) -> None:
        self.status = 0
        for path in words[1:]:
            path = self.word(path)
            if path not in self.files:
                self.log((f"cat: can't open '{path}': No such file or directory",))
                self.status = 1

    def cmd_ls(self, words: list[str]) -> None:
        paths = [self.word(p) for p in words[1:] if not p.startswith("-")]
        missing = [p for p in paths if p not in self.files]
        for path in missing:
            self.log((f"ls: {path}: No such file or directory",))
        self.status = 1 if missing else 0

    def cmd_trap(self, words: list[str]) -> None:
        """`trap 'exit 0' TERM`: the script now ends on SIGTERM instead of ignoring it."""
        if len(words) >= 3 and any(s in ("TERM", "SIGTERM", "15") for s in words[2:]):
            match = re.search(r"exit\s+(\d+)", words[1])
            self.sigterm_exit_code = int(match[1]) if match else 143
        self.status = 0

    def cmd_tail(self, words: list[str]) -> None:
        if "-f" in words or "-F" in words:
            self.serve_forever_without_server()
        self.status = 0

    def cmd_stress(self, words: list[str]) -> None:
        options = syntax.options(words[1:])
        vm_bytes = parse_size(options.get("--vm-bytes", "256M")) if "--vm" in options or "--vm-bytes" in options else 0
        counts = [options.get(f"--{kind}", "0") for kind in ("cpu", "io", "vm", "hdd")]
        self.log((f"stress: info: [1] dispatching hogs: {counts[0]} cpu, {counts[1]} io, {counts[2]} vm, {counts[3]} hdd",))
        if vm_bytes:
            self.actions.append(Action(self.t + STRESS_RAMP_SECONDS, "memory", vm_bytes))
        timeout = options.get("--timeout") or options.get("-t")
        if timeout is None:
            self.serve_forever_without_server()
        seconds = parse_duration(timeout)
        self.t += seconds
        self.log((f"stress: info: [1] successful run completed in {int(seconds)}s",))
        self.status = 0

    # Servers -----------------------------------------------------------------------------------

    def cmd_nginx(self, words: list[str]) -> None:
        self.log(("/docker-entrypoint.sh: Configuration complete; ready for start up",))
        self.serve_forever("nginx", {80}, sigterm_exit_code=0)

    def cmd_httpd_foreground(self, words: list[str]) -> None:
        self.serve_forever("httpd", {80}, sigterm_exit_code=0)

    cmd_httpd = cmd_httpd_foreground

    def cmd_redis_server(self, words: list[str]) -> None:
        port = int(syntax.options(words[1:]).get("--port", "6379"))
        self.log(("1:M * Ready to accept connections tcp",))
        self.serve_forever("redis", {port}, http=False, sigterm_exit_code=0)

    def cmd_python(self, words: list[str]) -> None:
        if words[1:3] == ["-m", "http.server"]:
            port = int(words[3]) if len(words) > 3 and words[3].isdigit() else 8000
            self.serve_forever("python-http", {port}, sigterm_exit_code=143)
        if len(words) == 1:
            self.status = 0  # a REPL without a terminal reads EOF and exits
            return
        self.serve_forever(words[0], None, sigterm_exit_code=0)

    def cmd_nc(self, words: list[str]) -> None:
        options = syntax.options(words[1:])
        ports = [w for w in words[1:] if w.isdigit()]
        if "-l" in options or "-lk" in options or "-lp" in options:
            port = int(options.get("-p") or options.get("-lp") or (ports[-1] if ports else "0"))
            self.serve_forever("nc", {port}, http=False)
        self.status = 1

    def cmd_agnhost(self, words: list[str]) -> None:
        sub = words[1] if len(words) > 1 else "pause"
        options = syntax.options(words[2:])
        if sub == "liveness":
            self.serve_forever("agnhost-liveness", {8080}, healthy_for=10.0, sigterm_exit_code=2)
        if sub == "netexec":
            self.serve_forever("netexec", {int(options.get("--http-port", "8080"))}, sigterm_exit_code=2)
        if sub == "serve-hostname":
            self.serve_forever("serve-hostname", {int(options.get("--port", "9376"))}, sigterm_exit_code=2)
        self.serve_forever_without_server(sigterm_exit_code=0)

    def cmd_goproxy(self, words: list[str]) -> None:
        self.serve_forever("goproxy", {8080}, sigterm_exit_code=2)

    def cmd_http_echo(self, words: list[str]) -> None:
        listen = syntax.options(words[1:]).get("-listen", ":5678")
        self.serve_forever("http-echo", {int(listen.rsplit(":", 1)[-1])}, sigterm_exit_code=2)

    def cmd_pause(self, words: list[str]) -> None:
        self.serve_forever_without_server(sigterm_exit_code=0)

    def cmd_redis_cli(self, words: list[str]) -> None:
        ok = self.probe_target is not None and self.probe_target[0].answers_on(6379, self.probe_target[1])
        self.log(("PONG",) if ok else ("Could not connect to Redis at 127.0.0.1:6379: Connection refused",))
        self.status = 0 if ok else 1

    def cmd_curl(self, words: list[str]) -> None:
        self.http_client(words, "curl")

    def cmd_wget(self, words: list[str]) -> None:
        self.http_client(words, "wget")

    def http_client(self, words: list[str], name: str) -> None:
        url = next((w for w in words[1:] if "://" in w or w.startswith("localhost")), "")
        match = re.match(r"(?:https?://)?[^/:]+(?::(\d+))?(/.*)?", url)
        if self.probe_target is None or match is None:
            self.status = 0
            return
        port, path = int(match[1] or 80), match[2] or "/"
        status = self.probe_target[0].http_status(port, path, self.probe_target[1])
        if status is None:
            self.log((f"{name}: (7) Failed to connect to localhost port {port}: Connection refused",))
            self.status = 7 if name == "curl" else 4
        elif status >= 400 and ("-f" in words or "--fail" in words or name == "wget"):
            self.status = 22 if name == "curl" else 8
        else:
            self.status = 0

    def cmd_unknown(self, name: str, words: list[str]) -> None:
        if self.probe_target is not None:
            self.status = 0  # the image's own health command: healthy
            return
        self.serve_forever(name, None, sigterm_exit_code=0)

    def serve_forever(self, name: str, ports: set[int] | None, *, http: bool = True, healthy_for: float = FOREVER,
                      sigterm_exit_code: int | None = 0) -> None:
        frozen = frozenset(ports) if ports is not None else None
        self.actions.append(Action(self.t, "serve", Server(name, frozen, http=http, healthy_for=healthy_for)))
        self.serve_forever_without_server(sigterm_exit_code=sigterm_exit_code)

    def serve_forever_without_server(self, *, sigterm_exit_code: int | None = None) -> None:
        if sigterm_exit_code is not None and self.sigterm_exit_code is None:
            self.sigterm_exit_code = sigterm_exit_code
        self.forever = True
        raise Stop

    # Words ---------------------------------------------------------------------------------------

    def assign_value(self, value: str) -> Any:
        match = re.fullmatch(r"\$\(\((.*)\)\)", value)
        if match:
            return self.arithmetic(match[1])
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        return self.word(value)

    def word(self, word: str) -> str:
        return render(self.expand(word), 0, None)

    def substitution(self, command: str) -> Any:
        if command.startswith("date"):
            return Clock()
        if command == "hostname":
            return self.hostname
        return ""

    def variable(self, name: str) -> Any:
        if name == "?":
            return str(self.status)
        value = self.env.get(name, "")
        if isinstance(value, int) and self.deltas.get(name):
            return Var(value, self.deltas[name])
        return str(value)

    def assign(self, name: str, value: str) -> None:
        self.env[name] = self.assign_value(value)
