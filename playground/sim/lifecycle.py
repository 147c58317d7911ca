"""The simulated kubelet's pod lifecycle: a pure, time-driven state machine for one pod.

A kubelet worker (one per node) calls `sync_pod(pod, state, now=..., node=..., ...)` for each pod
bound to its node, writes the returned `status` through the store's status path, records the
`events`, appends the `logs`, stores the new `state` and calls again at `wake_at` (or when the
pod changes). Nothing here touches the database, threads or the wall clock: everything that
happens between the last sync and `now` is replayed in order, at the simulated moment it
happens, so a late call gives the same answer as a punctual one.

It follows kubernetes/kubernetes pkg/kubelet:
- kuberuntime/kuberuntime_manager.go computePodActions / SyncPod: the pause sandbox first (with
  the pod IP from the node's podCIDR), init containers one at a time in order, then the app
  containers one after the other, each one pulling its image (images/image_manager.go: pull
  policies, "already present on machine", ErrImagePull → ImagePullBackOff with back-off) then
  created and started; restartPolicy Always / OnFailure / Never;
- kuberuntime doBackOff + client-go flowcontrol.Backoff as kubelet.go configures it: the first
  restart is immediate, then 10 s doubling up to 300 s (MaxContainerBackOff), measured from the
  container's finishedAt; a container that ran more than 600 s resets it (HasExpiredFunc);
- prober/worker.go: initialDelaySeconds, periodSeconds, failureThreshold, successThreshold;
  startup probes gate liveness and readiness; a liveness or startup failure kills the container
  ("Container web failed liveness probe, will be restarted") and it restarts on this node, in
  the same sandbox, with the same pod IP;
- kubelet_pods.go generateAPIPodStatus / getPhase and status/generate.go: phase, conditions
  (PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled), container
  states; status_manager.go: lastTransitionTime only moves when a condition's status does;
- graceful termination: SIGTERM, then SIGKILL at the end of the grace period; `can_delete` once
  every container has stopped (the kubelet's final status write that lets the pod go).

The exits are noticed one PLEG relist later (1 s), which is when a crashed container is
restarted or put in CrashLoopBackOff; a failed pull shows ErrImagePull until that relist and
ImagePullBackOff after it.
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import ipaddress
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from playground.sim.config import expand_command
from playground.sim.programs import ImageDefaults, Program, parse_program
from playground.store.quantity import parse_quantity

SANDBOX_SECONDS = 1.0  # RunPodSandbox: the pause container and the pod's network
RELIST_SECONDS = 1.0  # plegRelistPeriod: how soon the kubelet notices a container exit
PULL_FAILURE_SECONDS = 1.0  # how long a registry takes to answer "not found"
SIGTERM_EXIT_SECONDS = 1.0  # how long a program that handles SIGTERM takes to exit
SYNC_RETRY_SECONDS = 10.0  # a pod worker retries a failed sync (sandbox, container config) after this
BACKOFF_PERIOD = 10.0  # backOffPeriod (kubelet.go): the first back-off
MAX_CONTAINER_BACKOFF = 300.0  # MaxContainerBackOff
MAX_IMAGE_BACKOFF = 300.0  # MaxImageBackOff
BACKOFF_RESET_SECONDS = 600.0  # kubelet.go HasExpiredFunc / flowcontrol's 2 × max: ran this long, start over
MINIMUM_GRACE_PERIOD = 2  # kuberuntime minimumGracePeriodInSeconds
DEFAULT_GRACE_PERIOD = 30
MAX_STEPS = 100_000  # a guard: a sync never replays more moments than this

# Event reasons (pkg/kubelet/events/event.go)
PULLING, PULLED, FAILED, BACK_OFF = "Pulling", "Pulled", "Failed", "BackOff"
CREATED, STARTED, KILLING, UNHEALTHY = "Created", "Started", "Killing", "Unhealthy"
ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"
SANDBOX_CHANGED, FAILED_CREATE_POD_SANDBOX = "SandboxChanged", "FailedCreatePodSandBox"
FAILED_MOUNT = "FailedMount"
MOUNT_RETRY_INITIAL = 0.5  # nestedpendingoperations initialDurationBeforeRetry
MOUNT_RETRY_MAX = 122.0  # maxDurationBeforeRetry: 2m2s
NORMAL, WARNING = "Normal", "Warning"

# Waiting reasons (kuberuntime and images errors, kubelet_pods.go)
CONTAINER_CREATING, POD_INITIALIZING = "ContainerCreating", "PodInitializing"
ERR_IMAGE_PULL, IMAGE_PULL_BACK_OFF, CRASH_LOOP_BACK_OFF = "ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"

TERMINAL_PHASES = ("Succeeded", "Failed")
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
PROBE_KINDS = ("startup", "liveness", "readiness")

# Rough compressed sizes of well-known images, for the Pulled message (bytes)
IMAGE_SIZES = {"nginx": 72_000_000, "busybox": 2_160_000, "alpine": 3_650_000, "redis": 45_000_000,
               "httpd": 58_000_000, "python": 370_000_000, "ubuntu": 29_000_000, "debian": 49_000_000,
               "agnhost": 52_000_000, "pause": 320_000}


class KubeletEvent(NamedTuple):
    """An Event the kubelet records: `field_path` is `spec.containers{web}` ("" for the pod)."""

    type: str
    reason: str
    message: str
    field_path: str
    at: datetime.datetime


class LogLine(NamedTuple):
    at: datetime.datetime
    text: str
    restart_count: int  # which run of the container wrote it (`kubectl logs --previous`)


# --- the kubelet's memory of a pod ----------------------------------------------------------------


@dataclass
class ContainerRuntime:
    """One container of the pod as the kubelet and the runtime know it. Times are POSIX seconds."""

    name: str
    init: bool = False
    phase: str = "waiting"  # waiting | pulling | running | terminated | backoff
    instances: int = 0  # containers created so far; restartCount is instances - 1
    container_id: str = ""
    image_id: str = ""
    started_at: float | None = None
    sandbox_attempt: int = 0
    not_before: float = 0.0  # the kubelet does not act on this container before then
    waiting_reason: str = ""
    waiting_message: str = ""
    term: dict[str, Any] | None = None  # the latest terminated run: exitCode, reason, startedAt, finishedAt, containerID
    prev_term: dict[str, Any] | None = None  # the one before it
    pull_ends: float | None = None
    pull_ok: bool = True
    pull_started: float | None = None
    backoff: float | None = None  # crash-loop back-off (flowcontrol entry)
    backoff_updated: float | None = None
    backoff_event_for: float | None = None
    pull_backoff: float | None = None
    pull_backoff_updated: float | None = None
    pull_error: str = ""
    stop: dict[str, Any] | None = None  # at, deadline, reason (liveness | startup | delete)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: bool = False
    readiness: bool = False
    log_cursor: float = -1.0  # seconds since start of this run, already handed out
    log_flushed_at: float = -math.inf
    faults: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] | None = None  # computed when this run was created (config.py), kept until the next

    @property
    def restart_count(self) -> int:
        return max(self.instances - 1, 0)


@dataclass
class Sandbox:
    """The pod sandbox (pause container + network namespace); the UI shows it as the pod's first box."""

    state: str = "none"  # none | creating | ready | failed | stopped
    id: str = ""
    attempt: int = 0
    ready_at: float | None = None
    ip: str = ""
    message: str = ""
    mount_backoff: float | None = None  # volumes that failed to mount: the volume manager's retry delay


@dataclass
class PodRuntime:
    """The kubelet's private, JSON-serialisable memory of one pod (`to_json` / `from_json`)."""

    last_sync: float | None = None
    start_time: float | None = None
    sandbox: Sandbox = field(default_factory=Sandbox)
    containers: dict[str, ContainerRuntime] = field(default_factory=dict)
    pulled_images: list[str] = field(default_factory=list)
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    phase: str = "Pending"
    deletion_started: float | None = None
    sandbox_kill_at: float | None = None
    volumes: dict[str, Any] = field(default_factory=dict)  # the kubelet's volume state (volumes.py), opaque here

    def to_json(self) -> dict[str, Any]:
        """A shallow view for json.dumps (dataclasses.asdict deep-copies every value: it was the
        kubelet's biggest cost after a pass)."""
        return {
            **vars(self),
            "sandbox": vars(self.sandbox),
            "containers": {name: vars(container) for name, container in self.containers.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PodRuntime:
        if not data:
            return cls()
        values = dict(data)
        values["sandbox"] = Sandbox(**values.get("sandbox", {}))
        values["containers"] = {name: ContainerRuntime(**c) for name, c in values.get("containers", {}).items()}
        return cls(**values)


@dataclass
class SyncResult:
    status: dict[str, Any]
    state: PodRuntime
    events: list[KubeletEvent] = field(default_factory=list)
    logs: dict[str, list[LogLine]] = field(default_factory=dict)
    wake_at: datetime.datetime | None = None
    can_delete: bool = False
    pulled_images: list[str] = field(default_factory=list)  # to add to node.status.images

    @property
    def sandbox(self) -> Sandbox:
        return self.state.sandbox


# --- faults injected from the UI ------------------------------------------------------------------

FAULTS = ("crash", "fail-liveness", "fail-readiness", "fail-startup", "heal", "kill-sandbox")


def inject_fault(state: PodRuntime, container: str | None, fault: str, *, at: datetime.datetime,
                 exit_code: int = 1) -> None:
    """Make something go wrong at `at` (applied by the next sync): crash a running container
    with `exit_code`, make one of its probes fail from now on (`heal` undoes it), or kill the
    pod sandbox. Mutates `state`."""
    moment = at.timestamp()
    if fault == "kill-sandbox":
        state.sandbox_kill_at = moment
        return
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
    record = state.containers.get(container or "")
    if record is None:
        raise KeyError(f"no container {container!r} in this pod")
    if fault == "crash":
        record.faults["crash_at"], record.faults["exit_code"] = moment, exit_code
    elif fault == "heal":
        for kind in PROBE_KINDS:
            record.faults.pop(kind, None)
    else:
        record.faults[fault.removeprefix("fail-")] = moment


# --- helpers the runner also needs ----------------------------------------------------------------


def allocate_ip(pod_cidr: str, used_ips: Collection[str], *, after: str | None = None) -> str | None:
    """A free pod address of a node's podCIDR (x.x.x.1 is the node's gateway), None when full.
    As the host-local IPAM plugin does, the search starts after the last address handed out
    (`after`) and wraps around, so a pod recreated on a node gets a new address."""
    try:
        network = ipaddress.ip_network(pod_cidr, strict=False)
    except ValueError:
        return None
    used = set(used_ips)
    first, count = int(network.network_address) + 2, network.num_addresses - 3  # .1 is the gateway; no broadcast
    if count <= 0:
        return None
    try:
        start = int(ipaddress.ip_address(after)) + 1 - first if after else 0
    except ValueError:
        start = 0
    if not 0 <= start < count:
        start = 0
    for offset in range(count):  # walked as integers: building a /24's 253 strings per pod cost more than the pod
        address = str(ipaddress.ip_address(first + (start + offset) % count))
        if address not in used:
            return address
    return None


def normalize_image(image: str) -> str:
    """What containerd reports: `nginx:1.27` → `docker.io/library/nginx:1.27`."""
    name, digest = (image.split("@", 1) + [""])[:2]
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}" if rest else f"docker.io/library/{name}"
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        name += ":latest"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    normalized = normalize_image(image)
    repository = normalized.split("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    return f"{repository}@sha256:{hashlib.sha256(normalized.encode()).hexdigest()}"


def go_duration(seconds: float) -> str:
    """time.Duration.String() of a duration truncated to milliseconds: 500ms, 2.1s, 1m5s."""
    millis = int(seconds * 1000 + 1e-6)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def format_pod(pod: Mapping[str, Any]) -> str:
    """pkg/kubelet/util/format.Pod: name_namespace(uid)."""
    metadata = pod.get("metadata", {})
    return f"{metadata.get('name', '')}_{metadata.get('namespace', 'default')}({metadata.get('uid', '')})"


def rfc3339(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(moment: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)


# --- the sync ------------------------------------------------------------------------------------


def sync_pod(pod: Mapping[str, Any], state: PodRuntime | Mapping[str, Any] | None, *, now: datetime.datetime,
             node: Mapping[str, Any], image_pull_seconds: Callable[[str], float | None],
             used_ips: Collection[str] = (), image_size_bytes: Callable[[str], int | None] | None = None,
             image_defaults: Callable[[str], ImageDefaults | None] | None = None,
             container_config_error: Callable[[Mapping[str, Any]], str | None] | None = None,
             log_flush_seconds: float = 1.0, ip_after: str | None = None,
             container_env: Callable[[Mapping[str, Any], str], dict[str, str]] | None = None,
             volume_mount_error: Callable[[], str | None] | None = None,
             container_files: Callable[[str, float], Collection[str]] | None = None) -> SyncResult:
    """Everything the kubelet does for `pod` up to `now`, and the status it reports then.

    `image_pull_seconds(image)` is how long pulling takes on this node (None: no such image);
    `used_ips` the pod IPs already taken on the node; `image_defaults(image)` an image's
    ENTRYPOINT/CMD (None: the built-in table of `programs`); `container_config_error(container)`
    a message when the container's env/volumes name a missing ConfigMap or Secret;
    `container_env(container, pod IP)` its environment, computed when each run is created (config.py);
    `volume_mount_error()` the FailedMount message while a volume cannot be set up (volumes.py);
    `container_files(container name, at)` the paths an exec probe sees besides the program's own.
    The input state is not modified: the new one is `result.state`.
    """
    runtime = copy.deepcopy(state) if isinstance(state, PodRuntime) else PodRuntime.from_json(state)
    sync = _Sync(pod, runtime, node=node, image_pull_seconds=image_pull_seconds, used_ips=used_ips, ip_after=ip_after,
                 image_size_bytes=image_size_bytes, image_defaults=image_defaults,
                 container_config_error=container_config_error, log_flush_seconds=log_flush_seconds)
    sync.container_env, sync.volume_mount_error, sync.container_files = container_env, volume_mount_error, container_files
    return sync.run(now.timestamp())


class _Sync:
    def __init__(self, pod: Mapping[str, Any], state: PodRuntime, *, node: Mapping[str, Any],
                 image_pull_seconds: Callable[[str], float | None], used_ips: Collection[str], ip_after: str | None,
                 image_size_bytes: Callable[[str], int | None] | None,
                 image_defaults: Callable[[str], ImageDefaults | None] | None,
                 container_config_error: Callable[[Mapping[str, Any]], str | None] | None,
                 log_flush_seconds: float) -> None:
        self.pod, self.state, self.node = pod, state, node
        self.spec: Mapping[str, Any] = pod.get("spec", {})
        self.metadata: Mapping[str, Any] = pod.get("metadata", {})
        self.image_pull_seconds = image_pull_seconds
        self.used_ips = set(used_ips)
        self.ip_after = ip_after
        self.image_size_bytes = image_size_bytes
        self.image_defaults = image_defaults
        self.container_config_error = container_config_error
        self.log_flush_seconds = log_flush_seconds
        self.container_env: Callable[[Mapping[str, Any], str], dict[str, str]] | None = None
        self.volume_mount_error: Callable[[], str | None] | None = None
        self.container_files: Callable[[str, float], Collection[str]] | None = None
        self.events: list[KubeletEvent] = []
        self.moment: float | None = None  # the moment being replayed
        self.logs: dict[str, list[LogLine]] = {}
        self.newly_pulled: list[str] = []
        self.programs: dict[str, Program] = {}
        self.specs = {c["name"]: c for c in self.spec.get("initContainers") or []}
        self.specs.update({c["name"]: c for c in self.spec.get("containers") or []})
        self.init_names = [c["name"] for c in self.spec.get("initContainers") or []]
        self.app_names = [c["name"] for c in self.spec.get("containers") or []]

    # The loop ----------------------------------------------------------------------------------

    def run(self, now: float) -> SyncResult:
        state = self.state
        if state.last_sync is None:
            state.start_time = now
            state.last_sync = now
        for name in self.init_names + self.app_names:
            state.containers.setdefault(name, ContainerRuntime(name=name, init=name in self.init_names))
        moment = min(state.last_sync, now)
        self.step(moment)  # faults injected at the last sync's moment
        for _ in range(MAX_STEPS):
            due = self.next_due(moment)
            if due is None or due > now:
                break
            moment = due
            self.step(moment)
        self.step(now)
        state.last_sync = now
        status = self.status(now)
        wake = self.next_due(now)
        return SyncResult(status=status, state=state, events=self.events, logs=self.logs,
                          wake_at=_when(wake) if wake is not None else None, can_delete=self.can_delete(),
                          pulled_images=self.newly_pulled)

    def step(self, t: float) -> None:
        """Everything due at or before t, in the kubelet's order."""
        self.moment = t
        if self.state.phase in TERMINAL_PHASES and not self.deleting:
            return  # a finished pod: nothing runs, nothing restarts
        self.apply_faults(t)
        for _ in range(4):  # settle: a container started at t may exit at t, and so on
            before = self.fingerprint()
            for record in self.records():
                self.observe_exit(record, t)
            self.run_probes(t)
            for record in self.records():
                self.observe_exit(record, t)  # a probe kill that completes by t
            if self.deleting:
                self.terminate(t)
            else:
                self.sync_sandbox(t)
                if self.state.sandbox.state == "ready":
                    self.start_containers(t)
                self.state.phase = self.phase()
                if self.state.phase in TERMINAL_PHASES:
                    self.state.sandbox.state = "stopped"  # the kubelet tears down a finished pod's sandbox
            if self.fingerprint() == before:
                break
        self.flush_all_logs(t)

    def fingerprint(self) -> tuple[Any, ...]:
        return (self.state.phase, self.state.sandbox.state,
                tuple((r.phase, r.instances, r.not_before) for r in self.state.containers.values()))

    def next_due(self, after: float) -> float | None:
        """The next moment after `after` when something can change."""
        candidates: list[float] = []
        state = self.state
        terminal = state.phase in TERMINAL_PHASES and not self.deleting
        if state.sandbox.state in ("creating", "failed") and state.sandbox.ready_at is not None and not terminal:
            candidates.append(state.sandbox.ready_at)
        if state.sandbox_kill_at is not None:
            candidates.append(state.sandbox_kill_at)
        requested = self.deletion_requested_at()
        if requested is not None:
            candidates.append(requested)
        for record in self.records():
            candidates.extend(self.record_due(record, terminal))
        found = [c for c in candidates if c > after + 1e-9 and c != math.inf]
        return min(found) if found else None

    def record_due(self, record: ContainerRuntime, terminal: bool) -> list[float]:
        due: list[float] = []
        if record.phase == "running":
            exit_time = self.exit_of(record)
            if exit_time is not None:
                due.append(exit_time[0])
            due.extend(p["next"] for p in record.probes.values() if p.get("next") is not None)
            program = self.program(record.name)
            next_line = program.next_log_after(record.log_cursor)
            if next_line is not None and record.started_at is not None:
                due.append(max(record.started_at + next_line, record.log_flushed_at + self.log_flush_seconds))
        elif record.phase == "pulling" and record.pull_ends is not None:
            due.append(record.pull_ends)
        elif not terminal and not self.deleting and record.phase in ("waiting", "terminated", "backoff"):
            if self.wants_start(record):
                due.append(record.not_before)
        return due

    # Sandbox ---------------------------------------------------------------------------------------

    def sync_sandbox(self, t: float) -> None:
        sandbox = self.state.sandbox
        if sandbox.state in ("none", "stopped") or (sandbox.state == "failed" and t >= (sandbox.ready_at or 0)):
            if sandbox.state == "stopped" and self.spec.get("restartPolicy") == "Never":
                return  # computePodActions: a Never pod's dead sandbox is not re-created
            self.create_sandbox(t)
        if sandbox.state == "creating" and sandbox.ready_at is not None and t >= sandbox.ready_at:
            sandbox.state = "ready"

    def create_sandbox(self, t: float) -> None:
        sandbox = self.state.sandbox
        if self.volume_mount_error is not None and self.mount_failed(t):
            return
        uid = self.metadata.get("uid", "")
        sandbox_id = hashlib.sha256(f"{uid}/sandbox/{sandbox.attempt}".encode()).hexdigest()
        pod_cidr = self.node.get("spec", {}).get("podCIDR") or ""
        previous = {sandbox.ip} if sandbox.ip else set()
        if self.spec.get("hostNetwork"):
            ip = self.host_ip() or None  # the node's own network namespace: its address
        else:
            ip = allocate_ip(pod_cidr, self.used_ips | previous, after=self.ip_after) if pod_cidr else None
        if ip is None:
            sandbox.state, sandbox.ready_at = "failed", t + SYNC_RETRY_SECONDS
            ranges = f"{pod_cidr}" if pod_cidr else "no podCIDR on node"
            sandbox.message = (f'rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox_id}": '
                               f'plugin type="ptp" failed (add): failed to allocate for range 0: '
                               f"no IP addresses available in range set: {ranges}")
            self.event(WARNING, FAILED_CREATE_POD_SANDBOX, f"Failed to create pod sandbox: {sandbox.message}", "", t)
            return
        sandbox.id, sandbox.ip, sandbox.message = sandbox_id, ip, ""
        sandbox.state, sandbox.ready_at = "creating", t + SANDBOX_SECONDS

    def mount_failed(self, t: float) -> bool:
        """WaitForAttachAndMount: no sandbox while a volume cannot be set up; the volume manager
        retries with exponential back-off (nestedpendingoperations: 500 ms doubling to 2m2s)."""
        sandbox = self.state.sandbox
        assert self.volume_mount_error is not None
        problem = self.volume_mount_error()
        if not problem:
            sandbox.mount_backoff = None
            return False
        delay = MOUNT_RETRY_INITIAL if sandbox.mount_backoff is None else min(sandbox.mount_backoff * 2, MOUNT_RETRY_MAX)
        sandbox.mount_backoff = delay
        sandbox.state, sandbox.ready_at, sandbox.message = "failed", t + delay, problem
        self.event(WARNING, FAILED_MOUNT, problem, "", t)
        return True

    # Starting containers (computePodActions + SyncPod) ---------------------------------------------

    def start_containers(self, t: float) -> None:
        for record in self.records():
            if record.phase == "pulling":
                if record.pull_ends is not None and record.pull_ends <= t:
                    self.finish_pull(record, record.pull_ends)
                if record.phase == "pulling":
                    return  # SyncPod starts containers one after the other
        if not self.start_init_containers(t):
            return
        for name in self.app_names:
            record = self.state.containers[name]
            if self.wants_start(record) and t >= record.not_before:
                self.start_or_back_off(record, t)
                if record.phase == "pulling":
                    return

    def start_init_containers(self, t: float) -> bool:
        """Runs the next init container; True once they have all succeeded."""
        for name in self.init_names:
            record = self.state.containers[name]
            if self.init_done(record):
                continue
            if record.phase in ("running", "pulling"):
                return False
            if self.wants_start(record) and t >= record.not_before:
                self.start_or_back_off(record, t)
            return False
        return True

    def init_done(self, record: ContainerRuntime) -> bool:
        return (record.phase == "terminated" and record.term is not None and record.term["exitCode"] == 0
                and record.sandbox_attempt == self.state.sandbox.attempt)

    def wants_start(self, record: ContainerRuntime) -> bool:
        """Whether computePodActions would (re)start this container."""
        if record.phase in ("waiting", "backoff"):
            return True
        if record.phase != "terminated" or record.term is None:
            return False
        if record.sandbox_attempt != self.state.sandbox.attempt:
            return self.spec.get("restartPolicy") != "Never"
        policy = self.spec.get("restartPolicy", "Always")
        if record.init:
            return record.term["exitCode"] != 0 and policy != "Never"
        return policy == "Always" or (policy == "OnFailure" and record.term["exitCode"] != 0)

    def start_or_back_off(self, record: ContainerRuntime, t: float) -> None:
        if record.phase in ("terminated", "backoff") and record.sandbox_attempt == self.state.sandbox.attempt:
            self.restart_after_exit(record, t, reference=record.term["finishedAt"] if record.term else None)
        else:
            self.begin_start(record, t)

    def restart_after_exit(self, record: ContainerRuntime, t: float, *, reference: float | None) -> None:
        """doBackOff: still inside the back-off since the last exit → CrashLoopBackOff; else start."""
        if reference is not None and self.in_backoff(record, reference, t):
            assert record.backoff is not None and record.term is not None
            record.phase = "backoff"
            record.not_before = record.term["finishedAt"] + record.backoff
            record.waiting_reason = CRASH_LOOP_BACK_OFF
            record.waiting_message = (f"back-off {go_duration(record.backoff)} restarting failed "
                                      f"container={record.name} pod={format_pod(self.pod)}")
            if record.backoff_event_for != record.term["finishedAt"]:
                record.backoff_event_for = record.term["finishedAt"]
                message = f"Back-off restarting failed container {record.name} in pod {format_pod(self.pod)}"
                self.event(WARNING, BACK_OFF, message, self.field_path(record), t)
            return
        if reference is not None:
            self.next_backoff(record, reference, t)
        self.begin_start(record, t)

    def in_backoff(self, record: ContainerRuntime, reference: float, t: float) -> bool:
        """flowcontrol.Backoff.IsInBackOffSince(key, finishedAt)."""
        if record.backoff is None or record.backoff_updated is None:
            return False
        if reference - record.backoff_updated > BACKOFF_RESET_SECONDS:
            return False
        return t - reference < record.backoff - 1e-9

    def next_backoff(self, record: ContainerRuntime, reference: float, t: float) -> None:
        """flowcontrol.Backoff.Next(key, finishedAt): 10 s, then doubling up to 300 s."""
        expired = record.backoff_updated is not None and reference - record.backoff_updated > BACKOFF_RESET_SECONDS
        if record.backoff is None or expired:
            record.backoff = BACKOFF_PERIOD
        else:
            record.backoff = min(record.backoff * 2, MAX_CONTAINER_BACKOFF)
        record.backoff_updated = t

    # Images ------------------------------------------------------------------------------------------

    def begin_start(self, record: ContainerRuntime, t: float) -> None:
        """EnsureImageExists, then create and start."""
        spec = self.specs[record.name]
        image = spec.get("image", "")
        policy = spec.get("imagePullPolicy") or "IfNotPresent"
        present = self.image_present(image)
        path = self.field_path(record)
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            self.wait(record, ERR_IMAGE_NEVER_PULL, message, not_before=math.inf)
            self.event(WARNING, ERR_IMAGE_NEVER_PULL, message, path, t)
            self.event(WARNING, FAILED, f"Error: {ERR_IMAGE_NEVER_PULL}", path, t)
            return
        if policy != "Always" and present:
            self.event(NORMAL, PULLED, f'Container image "{image}" already present on machine', path, t)
            self.create_and_start(record, t)
            return
        if record.pull_backoff_updated is not None and record.pull_backoff is not None \
                and t - record.pull_backoff_updated < record.pull_backoff - 1e-9:
            message = f'Back-off pulling image "{image}"'
            self.wait(record, IMAGE_PULL_BACK_OFF, f"{message}: {ERR_IMAGE_PULL}: {record.pull_error}",
                      not_before=record.pull_backoff_updated + record.pull_backoff)
            self.event(NORMAL, BACK_OFF, message, path, t)
            self.event(WARNING, FAILED, f"Error: {IMAGE_PULL_BACK_OFF}", path, t)
            return
        self.event(NORMAL, PULLING, f'Pulling image "{image}"', path, t)
        seconds = self.image_pull_seconds(image)
        record.phase, record.pull_started = "pulling", t
        record.pull_ok = seconds is not None
        record.pull_ends = t + (seconds if seconds is not None else PULL_FAILURE_SECONDS)

    def finish_pull(self, record: ContainerRuntime, t: float) -> None:
        image = self.specs[record.name].get("image", "")
        path = self.field_path(record)
        started = record.pull_started if record.pull_started is not None else t
        record.pull_ends = None
        if not record.pull_ok:
            reference = normalize_image(image)
            record.pull_error = (f'failed to pull and unpack image "{reference}": failed to resolve reference '
                                 f'"{reference}": {reference}: not found')
            self.event(WARNING, FAILED, f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
                       f"{record.pull_error}", path, t)
            self.event(WARNING, FAILED, f"Error: {ERR_IMAGE_PULL}", path, t)
            self.next_pull_backoff(record, t)
            self.wait(record, ERR_IMAGE_PULL, record.pull_error, not_before=t + RELIST_SECONDS)
            return
        duration = go_duration(round(t - started, 6))
        size = self.image_size(image)
        self.event(NORMAL, PULLED, f'Successfully pulled image "{image}" in {duration} ({duration} including waiting). '
                   f"Image size: {size} bytes.", path, t)
        normalized = normalize_image(image)
        if normalized not in self.state.pulled_images:
            self.state.pulled_images.append(normalized)
            self.newly_pulled.append(normalized)
        self.create_and_start(record, t)

    def next_pull_backoff(self, record: ContainerRuntime, t: float) -> None:
        expired = record.pull_backoff_updated is not None and t - record.pull_backoff_updated > 2 * MAX_IMAGE_BACKOFF
        if record.pull_backoff is None or expired:
            record.pull_backoff = BACKOFF_PERIOD
        else:
            record.pull_backoff = min(record.pull_backoff * 2, MAX_IMAGE_BACKOFF)
        record.pull_backoff_updated = t

    def image_present(self, image: str) -> bool:
        normalized = normalize_image(image)
        if normalized in self.state.pulled_images:
            return True
        for entry in self.node.get("status", {}).get("images") or []:
            if any(normalize_image(name) == normalized for name in entry.get("names") or []):
                return True
        return False

    def image_size(self, image: str) -> int:
        size = self.image_size_bytes(image) if self.image_size_bytes is not None else None
        if size is not None:
            return size
        repository = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
        if repository in IMAGE_SIZES:
            return IMAGE_SIZES[repository]
        return 10_000_000 + int(hashlib.sha256(image.encode()).hexdigest()[:6], 16) * 4

    def wait(self, record: ContainerRuntime, reason: str, message: str, *, not_before: float) -> None:
        record.phase = "waiting"
        record.waiting_reason, record.waiting_message, record.not_before = reason, message, not_before

    # Running ------------------------------------------------------------------------------------------

    def create_and_start(self, record: ContainerRuntime, t: float) -> None:
        spec = self.specs[record.name]
        path = self.field_path(record)
        if self.container_config_error is not None:
            problem = self.container_config_error(spec)
            if problem:
                self.event(WARNING, FAILED, f"Error: {problem}", path, t)
                self.wait(record, CREATE_CONTAINER_CONFIG_ERROR, problem, not_before=t + SYNC_RETRY_SECONDS)
                return
        if self.container_env is not None:
            record.env = self.container_env(spec, self.state.sandbox.ip)  # fixed for this run: a ConfigMap change waits for a restart
        record.instances += 1
        uid = self.metadata.get("uid", "")
        digest = hashlib.sha256(f"{uid}/{record.name}/{record.instances}".encode()).hexdigest()
        record.container_id = f"containerd://{digest}"
        record.image_id = image_id(spec.get("image", ""))
        record.phase, record.started_at, record.stop = "running", t, None
        record.sandbox_attempt = self.state.sandbox.attempt
        record.waiting_reason = record.waiting_message = ""
        record.log_cursor, record.log_flushed_at = -1.0, -math.inf
        if record.faults.get("crash_at", t) < t:
            del record.faults["crash_at"]
        self.event(NORMAL, CREATED, f"Created container: {record.name}", path, t)
        self.event(NORMAL, STARTED, f"Started container {record.name}", path, t)
        self.schedule_probes(record, t)

    def exit_of(self, record: ContainerRuntime) -> tuple[float, int, str] | None:
        """When this run of the container ends, with which exit code and reason."""
        if record.started_at is None:
            return None
        start = record.started_at
        program = self.program(record.name)
        ends: list[tuple[float, int, str]] = []
        if program.exit_after is not None and program.exit_code is not None:
            ends.append((start + program.exit_after, program.exit_code, "Completed" if program.exit_code == 0 else "Error"))
        oom = program.oom_at(self.memory_limit(record.name))
        if oom is not None:
            ends.append((start + oom, 137, "OOMKilled"))
        crash_at = record.faults.get("crash_at")
        if crash_at is not None and crash_at >= start:  # a crash injected before this run began is stale
            code = int(record.faults.get("exit_code", 1))
            ends.append((crash_at, code, "Completed" if code == 0 else "Error"))
        if record.stop is not None:
            ends.append(self.stop_end(record, program))
        return min(ends, key=lambda end: end[0]) if ends else None

    def stop_end(self, record: ContainerRuntime, program: Program) -> tuple[float, int, str]:
        stop = record.stop
        assert stop is not None
        if program.handles_sigterm and program.sigterm_exit_code is not None:
            code = program.sigterm_exit_code
            return (min(stop["at"] + SIGTERM_EXIT_SECONDS, stop["deadline"]), code, "Completed" if code == 0 else "Error")
        return (stop["deadline"], 137, "Error")

    def observe_exit(self, record: ContainerRuntime, t: float) -> None:
        if record.phase != "running":
            return
        end = self.exit_of(record)
        if end is None or end[0] > t:
            return
        finished, code, reason = end
        self.flush_logs(record, finished)
        record.prev_term = record.term
        record.term = {"exitCode": code, "reason": reason, "startedAt": record.started_at, "finishedAt": finished,
                       "containerID": record.container_id}
        stop_reason = record.stop["reason"] if record.stop else None
        record.phase, record.stop, record.readiness, record.started = "terminated", None, False, False
        for probe in record.probes.values():
            probe["next"] = None
        record.faults.pop("crash_at", None)
        record.not_before = finished + RELIST_SECONDS
        if stop_reason in ("liveness", "startup") and self.spec.get("restartPolicy") != "Never" and not self.deleting:
            # SyncPod kills and starts again in the same pass; doBackOff looks at the run before
            previous = record.prev_term["finishedAt"] if record.prev_term else None
            self.restart_after_exit(record, finished, reference=previous)

    def memory_limit(self, name: str) -> int | None:
        limit = ((self.specs[name].get("resources") or {}).get("limits") or {}).get("memory")
        if limit is None:
            return None
        try:
            return int(parse_quantity(limit))
        except ValueError:
            return None

    def program(self, name: str) -> Program:
        record = self.state.containers.get(name)
        key = f"{name}/{record.instances if record else 0}"  # each run has its own environment
        if key not in self.programs:
            spec = self.specs[name]
            env = record.env if record is not None else None
            if env is not None:
                spec = expand_command(dict(spec), env)
            defaults = self.image_defaults(spec.get("image", "")) if self.image_defaults is not None else None
            self.programs[key] = parse_program(spec, defaults, env=env, hostname=self.metadata.get("name", ""))
        return self.programs[key]

    # Probes (prober/worker.go) ----------------------------------------------------------------------

    def schedule_probes(self, record: ContainerRuntime, t: float) -> None:
        spec = self.specs[record.name]
        record.probes = {}
        for kind in PROBE_KINDS:
            if spec.get(f"{kind}Probe") and not record.init:  # validation forbids probes on init containers
                record.probes[kind] = {"successes": 0, "failures": 0, "next": None}
        record.started = "startup" not in record.probes
        record.readiness = False
        if "startup" in record.probes:
            record.probes["startup"]["next"] = t + self.probe_spec(record, "startup").get("initialDelaySeconds", 0)
        else:
            self.schedule_after_startup(record, t)

    def schedule_after_startup(self, record: ContainerRuntime, t: float) -> None:
        assert record.started_at is not None
        for kind in ("liveness", "readiness"):
            if kind in record.probes:
                delay = self.probe_spec(record, kind).get("initialDelaySeconds", 0)
                record.probes[kind]["next"] = max(record.started_at + delay, t)

    def probe_spec(self, record: ContainerRuntime, kind: str) -> Mapping[str, Any]:
        return self.specs[record.name].get(f"{kind}Probe") or {}

    def run_probes(self, t: float) -> None:
        for record in self.records():
            for kind in PROBE_KINDS:
                probe = record.probes.get(kind)
                while record.phase == "running" and record.stop is None and probe and probe["next"] is not None \
                        and probe["next"] <= t:
                    at = probe["next"]
                    end = self.exit_of(record)
                    if end is not None and end[0] <= at:
                        break  # the container exits before this probe
                    probe["next"] = at + self.probe_spec(record, kind).get("periodSeconds", 10)
                    self.probe_once(record, kind, at)

    def probe_once(self, record: ContainerRuntime, kind: str, at: float) -> None:
        spec = self.probe_spec(record, kind)
        probe = record.probes[kind]
        success, output = self.probe_result(record, kind, spec, at)
        if success:
            probe["successes"], probe["failures"] = probe["successes"] + 1, 0
        else:
            probe["successes"], probe["failures"] = 0, probe["failures"] + 1
            self.event(WARNING, UNHEALTHY, f"{kind.capitalize()} probe failed: {output}", self.field_path(record), at)
        if success and probe["successes"] >= spec.get("successThreshold", 1):
            if kind == "startup" and not record.started:
                record.started = True
                probe["next"] = None
                self.schedule_after_startup(record, at)
            elif kind == "readiness":
                record.readiness = True
        if not success and probe["failures"] >= spec.get("failureThreshold", 3):
            if kind == "readiness":
                record.readiness = False
            else:
                self.kill_for_probe(record, kind, at)

    def kill_for_probe(self, record: ContainerRuntime, kind: str, at: float) -> None:
        message = f"Container {record.name} failed {kind} probe"
        if self.spec.get("restartPolicy") != "Never":
            message += ", will be restarted"
        self.event(NORMAL, KILLING, message, self.field_path(record), at)
        grace = self.probe_spec(record, kind).get("terminationGracePeriodSeconds")
        if grace is None:
            grace = self.spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_PERIOD)
        record.stop = {"at": at, "deadline": at + max(grace, MINIMUM_GRACE_PERIOD), "reason": kind}

    def probe_result(self, record: ContainerRuntime, kind: str, spec: Mapping[str, Any], at: float) -> tuple[bool, str]:
        program = self.program(record.name)
        assert record.started_at is not None
        since = at - record.started_at
        failing = record.faults.get(kind)
        ip = self.state.sandbox.ip
        if "exec" in spec:
            if failing is not None and failing <= at:
                return False, "probe failure injected from the playground"
            extra = self.container_files(record.name, at) if self.container_files is not None else ()
            code, output = program.exec((spec["exec"] or {}).get("command") or [], since, files=extra)
            return code == 0, output
        handler = spec.get("httpGet") or spec.get("tcpSocket") or spec.get("grpc") or {}
        port = self.resolve_port(record, handler.get("port"))
        if "httpGet" in spec:
            path = handler.get("path", "/")
            url = f"{handler.get('scheme', 'HTTP').lower()}://{handler.get('host') or ip}:{port}{path}"
            code = program.http_status(port, path, since)
            if code is not None and failing is not None and failing <= at:
                code = 500
            if code is None:
                return False, f'Get "{url}": dial tcp {ip}:{port}: connect: connection refused'
            if code == 0:
                return False, f'Get "{url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response'
            if 200 <= code < 400:
                return True, ""
            return False, f"HTTP probe failed with statuscode: {code}"
        answers = program.answers_on(port, since) and not (failing is not None and failing <= at)
        if "grpc" in spec:
            return answers, "" if answers else f'timeout: failed to connect service "{ip}:{port}" within 1s'
        return answers, "" if answers else f"dial tcp {ip}:{port}: connect: connection refused"

    def resolve_port(self, record: ContainerRuntime, port: Any) -> int:
        if isinstance(port, int):
            return port
        if isinstance(port, str) and port.isdigit():
            return int(port)
        for declared in self.specs[record.name].get("ports") or []:
            if declared.get("name") == port:
                return int(declared.get("containerPort", 0))
        return 0

    # Faults and termination ------------------------------------------------------------------------

    def apply_faults(self, t: float) -> None:
        state = self.state
        if state.sandbox_kill_at is None or state.sandbox_kill_at > t:
            return
        at, state.sandbox_kill_at = state.sandbox_kill_at, None
        if state.sandbox.state != "ready" or self.deleting:
            return
        self.event(NORMAL, SANDBOX_CHANGED, "Pod sandbox changed, it will be killed and re-created.", "", at)
        for record in self.records():
            if record.phase == "running":
                record.stop = {"at": at, "deadline": at, "reason": "sandbox"}  # killed with the sandbox
                self.observe_exit(record, at)
            if record.phase == "pulling":
                record.phase, record.pull_ends = "waiting", None
            record.not_before = at
        state.sandbox.state = "stopped"
        state.sandbox.attempt += 1

    @property
    def deleting(self) -> bool:
        """Marked for deletion, as of the moment being replayed: a sync that catches up on time
        before the delete must not stop the containers early."""
        requested = self.deletion_requested_at()
        return requested is not None and (self.moment is None or self.moment >= requested - 1e-9)

    def deletion_requested_at(self) -> float | None:
        """When the delete came: deletionTimestamp is that moment plus the grace period."""
        stamp = self.metadata.get("deletionTimestamp")
        if not stamp:
            return None
        deadline = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        return deadline.timestamp() - self.grace_period()

    def grace_period(self) -> float:
        grace = self.metadata.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = self.spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_PERIOD)
        return float(grace)

    def terminate(self, t: float) -> None:
        state = self.state
        if state.deletion_started is None:
            state.deletion_started = t
            deadline = t + self.grace_period()
            for record in self.records():
                if record.phase == "running":
                    self.event(NORMAL, KILLING, f"Stopping container {record.name}", self.field_path(record), t)
                    record.stop = {"at": t, "deadline": min(deadline, (record.stop or {}).get("deadline", deadline)),
                                   "reason": "delete"}
                elif record.phase == "pulling":
                    record.phase, record.pull_ends = "waiting", None
        if not any(record.phase == "running" for record in self.records()):
            state.sandbox.state = "stopped" if state.sandbox.state != "none" else "none"
            state.phase = self.phase(terminal=True)

    def can_delete(self) -> bool:
        return self.deleting and self.state.deletion_started is not None and \
            not any(record.phase == "running" for record in self.records())

    # Logs --------------------------------------------------------------------------------------------

    def flush_all_logs(self, t: float) -> None:
        for record in self.records():
            if record.phase == "running":
                self.flush_logs(record, t)

    def flush_logs(self, record: ContainerRuntime, t: float) -> None:
        if record.started_at is None:
            return
        upto = t - record.started_at
        if upto <= record.log_cursor:
            return
        program = self.program(record.name)
        lines = program.logs(upto, since=record.log_cursor, started_at=_when(record.started_at))
        if lines:
            out = self.logs.setdefault(record.name, [])
            out.extend(LogLine(_when(record.started_at + at), text, record.restart_count) for at, text in lines)
            record.log_flushed_at = t
        record.log_cursor = upto

    # Status (generateAPIPodStatus) -------------------------------------------------------------------

    def phase(self, *, terminal: bool = False) -> str:
        """kubelet_pods.go getPhase; a terminal phase never changes again.

        `terminal` is podIsTerminal: the pod is being deleted and all its containers stopped.
        """
        if self.state.phase in TERMINAL_PHASES:
            return self.state.phase
        policy = self.spec.get("restartPolicy", "Always")
        pending_init = failed_init = 0
        for name in self.init_names:
            record = self.state.containers[name]
            if record.phase == "terminated" and record.term is not None:
                failed_init += record.term["exitCode"] != 0
            elif record.phase != "running" and record.term is not None:
                failed_init += record.term["exitCode"] != 0  # waiting to restart after a failure
            else:
                pending_init += 1
        running = waiting = stopped = succeeded = 0
        for name in self.app_names:
            record = self.state.containers[name]
            if record.phase == "running":
                running += 1
            elif record.phase == "terminated" and record.term is not None:
                stopped += 1
                succeeded += record.term["exitCode"] == 0
            elif record.term is not None:
                stopped += 1  # waiting to restart: its last run counts as stopped, never as succeeded
            else:
                waiting += 1
        phase = self.phase_from_counts(policy, terminal, pending_init, failed_init, running, waiting, stopped, succeeded)
        if terminal and phase not in TERMINAL_PHASES:
            return "Failed"  # a deleted pod whose containers never all ran
        return phase

    @staticmethod
    def phase_from_counts(policy: str, terminal: bool, pending_init: int, failed_init: int, running: int,
                          waiting: int, stopped: int, succeeded: int) -> str:
        if failed_init and policy == "Never":
            return "Failed"
        if (pending_init and not terminal) or waiting:
            return "Pending"
        if running:
            return "Running"
        if stopped:
            if terminal:
                return "Succeeded" if stopped == succeeded else "Failed"
            if policy == "Always":
                return "Running"  # all containers are restarting
            if stopped == succeeded:
                return "Succeeded"
            return "Failed" if policy == "Never" else "Running"
        return "Pending"

    def status(self, t: float) -> dict[str, Any]:
        state = self.state
        old = self.pod.get("status") or {}
        statuses = [self.container_status(state.containers[n], t) for n in self.app_names]
        init_statuses = [self.container_status(state.containers[n], t) for n in self.init_names]
        status: dict[str, Any] = {"phase": state.phase}
        status["conditions"] = self.conditions(old, statuses, init_statuses, t)
        host_ip = self.host_ip()
        if host_ip:
            status["hostIP"], status["hostIPs"] = host_ip, [{"ip": host_ip}]
        if state.sandbox.ip and state.sandbox.state in ("ready", "stopped"):
            status["podIP"], status["podIPs"] = state.sandbox.ip, [{"ip": state.sandbox.ip}]
        status["startTime"] = rfc3339(state.start_time)
        if init_statuses:
            status["initContainerStatuses"] = init_statuses
        status["containerStatuses"] = statuses
        status["qosClass"] = qos_class(self.spec)
        return status

    def container_status(self, record: ContainerRuntime, t: float) -> dict[str, Any]:
        spec = self.specs[record.name]
        default_reason = POD_INITIALIZING if self.init_names else CONTAINER_CREATING
        last: dict[str, Any] = {}
        if record.phase == "running":
            state = {"running": {"startedAt": rfc3339(record.started_at)}}
            last = _terminated(record.term) if record.term else {}
        elif record.phase == "terminated" or (record.phase == "pulling" and record.term is not None):
            state = _terminated(record.term)
            last = _terminated(record.prev_term) if record.prev_term else {}
        else:
            reason = record.waiting_reason or default_reason
            waiting = {"reason": reason}
            if record.waiting_message:
                waiting["message"] = record.waiting_message
            state = {"waiting": waiting}
            last = _terminated(record.term) if record.term else {}
        created = record.instances > 0
        status: dict[str, Any] = {
            "name": record.name,
            "state": state,
            "lastState": last,
            "ready": self.container_ready(record),
            "restartCount": record.restart_count,
            "image": normalize_image(spec.get("image", "")) if created else spec.get("image", ""),
            "imageID": record.image_id if created else "",
        }
        if created:
            status["containerID"] = record.container_id
        status["started"] = record.phase == "running" and record.started
        return status

    def container_ready(self, record: ContainerRuntime) -> bool:
        if record.init:
            return self.init_done(record)  # a completed init container reports ready
        if record.phase != "running" or not record.started:
            return False
        return record.readiness if "readiness" in record.probes else True

    def conditions(self, old: Mapping[str, Any], statuses: list[dict[str, Any]], init_statuses: list[dict[str, Any]],
                   t: float) -> list[dict[str, Any]]:
        phase = self.state.phase
        sandbox_ready = self.state.sandbox.state == "ready" and phase not in TERMINAL_PHASES
        wanted: dict[str, tuple[str, str, str]] = {"PodReadyToStartContainers": ("True" if sandbox_ready else "False", "", "")}
        incomplete = [s["name"] for s in init_statuses if not (s["state"].get("terminated", {}).get("exitCode") == 0)]
        any_started = any(self.state.containers[n].instances > 0 for n in self.app_names)
        if phase == "Succeeded":
            wanted["Initialized"] = ("True", "PodCompleted", "")
        elif incomplete and not any_started:
            wanted["Initialized"] = ("False", "ContainersNotInitialized",
                                     f"containers with incomplete status: [{' '.join(incomplete)}]")
        else:
            wanted["Initialized"] = ("True", "", "")
        unready = [s["name"] for s in statuses if not s["ready"]]
        if phase in TERMINAL_PHASES:
            reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
            ready: tuple[str, str, str] = ("False", reason, "")
        elif unready:
            ready = ("False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
        else:
            ready = ("True", "", "")
        wanted["ContainersReady"] = ready
        wanted["Ready"] = self.readiness_gates(old, ready)
        return self.merge_conditions(old, wanted, t)

    def readiness_gates(self, old: Mapping[str, Any], ready: tuple[str, str, str]) -> tuple[str, str, str]:
        if ready[0] != "True":
            return ready
        existing = {c.get("type"): c for c in old.get("conditions") or []}
        for gate in self.spec.get("readinessGates") or []:
            condition = existing.get(gate.get("conditionType"))
            if condition is None:
                return ("False", "ReadinessGatesNotReady",
                        f"corresponding condition of pod readiness gate \"{gate.get('conditionType')}\" does not exist.")
            if condition.get("status") != "True":
                return ("False", "ReadinessGatesNotReady",
                        f"the status of pod readiness gate \"{gate.get('conditionType')}\" is not \"True\", "
                        f"but {condition.get('status')}")
        return ready

    def merge_conditions(self, old: Mapping[str, Any], wanted: dict[str, tuple[str, str, str]],
                         t: float) -> list[dict[str, Any]]:
        """status_manager: lastTransitionTime stays unless the condition's status changes."""
        previous = {c.get("type"): c for c in old.get("conditions") or []}
        result = []
        for kind in KUBELET_CONDITIONS:
            status, reason, message = wanted[kind]
            before = self.state.conditions.get(kind) or previous.get(kind)
            moment = before["lastTransitionTime"] if before and before.get("status") == status else rfc3339(t)
            condition: dict[str, Any] = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": moment}
            if reason:
                condition["reason"] = reason
            if message:
                condition["message"] = message
            self.state.conditions[kind] = {"status": status, "lastTransitionTime": moment}
            result.append(condition)
        others = [c for c in old.get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
        if not any(c.get("type") == "PodScheduled" for c in others):
            since = rfc3339(self.state.start_time)
            others.insert(0, {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": since})
        return result + others

    def host_ip(self) -> str:
        for address in self.node.get("status", {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return address.get("address", "")
        return ""

    # Small helpers -----------------------------------------------------------------------------------

    def records(self) -> list[ContainerRuntime]:
        return [self.state.containers[name] for name in self.init_names + self.app_names]

    def field_path(self, record: ContainerRuntime) -> str:
        return f"spec.{'initContainers' if record.init else 'containers'}{{{record.name}}}"

    def event(self, type_: str, reason: str, message: str, field_path: str, at: float) -> None:
        self.events.append(KubeletEvent(type_, reason, message, field_path, _when(at)))


def _terminated(term: Mapping[str, Any] | None) -> dict[str, Any]:
    if not term:
        return {}
    return {"terminated": {"exitCode": term["exitCode"], "reason": term["reason"],
                           "startedAt": rfc3339(term["startedAt"]), "finishedAt": rfc3339(term["finishedAt"]),
                           "containerID": term["containerID"]}}


def qos_class(spec: Mapping[str, Any]) -> str:
    """pkg/apis/core/v1/helper/qos GetPodQOS, for cpu and memory."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests_seen = limits_seen = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        requests_seen |= any(k in requests for k in ("cpu", "memory"))
        limits_seen |= any(k in limits for k in ("cpu", "memory"))
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    if not requests_seen and not limits_seen:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
