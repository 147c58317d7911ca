"""One sync of one pod in progress, shared by the kubelet's components, and what the kubelet
gives it (`RuntimeHelper`).

A pod worker (pod_workers.py) makes a `PodSync` for the pod, its `PodRecord` (records.py) and the
node, then replays the moments up to now; the runtime manager (kuberuntime_manager.py), the
image manager (image_manager.py), the prober (prober.py) and the status manager
(status_manager.py) each read and update the same record through it, and add to its Events and
log lines. Nothing here touches the database, threads or the wall clock.

`RuntimeHelper` is what the kubelet provides to a pod's sync, as kubecontainer.RuntimeHelper
(pkg/kubelet/container/helpers.go) and the kubelet's managers do for kuberuntime: how long a pull
takes on this node, the container's program, its environment (GenerateRunContainerOptions), the
missing ConfigMap or Secret that keeps it from being created, a volume that cannot be mounted
(the volume manager's WaitForAttachAndMount), the files an exec probe finds. `StandaloneHelper`
is one with no cluster behind it, for the pure tests.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from playground.store.quantity import parse_quantity

from .config import expand_command
from .programs import Program, parse_program
from .records import ContainerRecord, KubeletEvent, LogLine, PodRecord

DEFAULT_GRACE_PERIOD = 30
SIGTERM_EXIT_SECONDS = 1.0  # how long a program that handles SIGTERM takes to exit
RELIST_SECONDS = 1.0  # plegRelistPeriod: how soon the kubelet notices a container exit or a failed pull
SYNC_RETRY_SECONDS = 10.0  # a pod worker retries a failed sync (sandbox, container config, image) after this


class RuntimeHelper(Protocol):
    """What the kubelet gives one pod's sync; every answer is about that pod on its node."""

    def pull_seconds(self, image: str) -> float | None:
        """How long pulling `image` takes on this node; None: the registry has no such image."""

    def image_size(self, image: str) -> int | None:
        """The image's size for the Pulled message; None: a guess from a table will do."""

    def program(self, container: Mapping[str, Any], record: ContainerRecord) -> Program:
        """What this run of the container runs (its command, args, image defaults and env)."""

    def container_config_error(self, container: Mapping[str, Any]) -> str | None:
        """Why the container cannot be created yet (a missing ConfigMap or Secret), or None."""

    def container_env(self, container: Mapping[str, Any], pod_ip: str) -> dict[str, str] | None:
        """The environment of a run being created (config.py); None: leave it unset."""

    def volume_mount_error(self) -> str | None:
        """The FailedMount message while a volume of the pod cannot be set up (volumes.py)."""

    def container_files(self, container: str, at: float) -> Collection[str]:
        """The paths an exec probe finds in the container besides the program's own."""


@dataclass
class StandaloneHelper:
    """A RuntimeHelper with no cluster behind it: pulls take `pull_seconds_of(image)`, programs
    come from the pod spec and the built-in images, nothing is missing and nothing is mounted."""

    pull_seconds_of: Callable[[str], float | None]
    hostname: str = ""
    programs: dict[tuple[str, int], Program] = field(default_factory=dict)

    def pull_seconds(self, image: str) -> float | None:
        return self.pull_seconds_of(image)

    def image_size(self, image: str) -> int | None:
        return None

    def program(self, container: Mapping[str, Any], record: ContainerRecord) -> Program:
        key = (record.name, record.instances)  # each run has its own environment
        if key not in self.programs:
            spec = expand_command(dict(container), record.env) if record.env is not None else container
            self.programs[key] = parse_program(spec, None, env=record.env, hostname=self.hostname)
        return self.programs[key]

    def container_config_error(self, container: Mapping[str, Any]) -> str | None:
        return None

    def container_env(self, container: Mapping[str, Any], pod_ip: str) -> dict[str, str] | None:
        return None

    def volume_mount_error(self) -> str | None:
        return None

    def container_files(self, container: str, at: float) -> Collection[str]:
        return ()


class PodSync:
    """The pod, the kubelet's record of it and what one sync has produced so far."""

    def __init__(self, pod: Mapping[str, Any], state: PodRecord, *, node: Mapping[str, Any], helper: RuntimeHelper,
                 used_ips: Collection[str], ip_after: str | None) -> None:
        self.pod, self.state, self.node, self.helper = pod, state, node, helper
        self.spec: Mapping[str, Any] = pod.get("spec", {})
        self.metadata: Mapping[str, Any] = pod.get("metadata", {})
        self.used_ips = set(used_ips)
        self.ip_after = ip_after  # host-local IPAM's last reserved address on this node
        self.events: list[KubeletEvent] = []
        self.logs: dict[str, list[LogLine]] = {}
        self.newly_pulled: list[str] = []  # to add to node.status.images
        self.moment: float | None = None  # the moment being replayed
        self.specs = {c["name"]: c for c in self.spec.get("initContainers") or []}
        self.specs.update({c["name"]: c for c in self.spec.get("containers") or []})
        self.init_names = [c["name"] for c in self.spec.get("initContainers") or []]
        self.app_names = [c["name"] for c in self.spec.get("containers") or []]
        # restartable init containers (sidecars): restartPolicy Always on an init container
        self.sidecar_names = {c["name"] for c in self.spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"}

    def records(self) -> list[ContainerRecord]:
        return [self.state.containers[name] for name in self.init_names + self.app_names]

    def event(self, type_: str, reason: str, message: str, field_path: str, at: float) -> None:
        self.events.append(KubeletEvent(type_, reason, message, field_path, when(at)))

    def wait(self, record: ContainerRecord, reason: str, message: str, *, not_before: float) -> None:
        record.phase = "waiting"
        record.waiting_reason, record.waiting_message, record.not_before = reason, message, not_before

    def program(self, record: ContainerRecord) -> Program:
        return self.helper.program(self.specs[record.name], record)

    def is_sidecar(self, record: ContainerRecord) -> bool:
        return record.init and record.name in self.sidecar_names

    def restart_policy(self, record: ContainerRecord) -> str:
        """A sidecar's own restartPolicy (Always) wins over the pod's."""
        return "Always" if self.is_sidecar(record) else self.spec.get("restartPolicy", "Always")

    def init_done(self, record: ContainerRecord) -> bool:
        """An init container that succeeded in the current sandbox."""
        return (record.phase == "terminated" and record.term is not None and record.term["exitCode"] == 0
                and record.sandbox_attempt == self.state.sandbox.attempt)

    def host_ip(self) -> str:
        for address in self.node.get("status", {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return address.get("address", "")
        return ""

    # Deletion ------------------------------------------------------------------------------------

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

    # When a run ends (what the runtime will report) ----------------------------------------------

    def exit_of(self, record: ContainerRecord) -> tuple[float, int, str] | None:
        """When this run of the container ends, with which exit code and reason."""
        if record.started_at is None:
            return None
        start = record.started_at
        program = self.program(record)
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
            ends.append(stop_end(record.stop, program))
        return min(ends, key=lambda end: end[0]) if ends else None

    def memory_limit(self, name: str) -> int | None:
        limit = ((self.specs[name].get("resources") or {}).get("limits") or {}).get("memory")
        if limit is None:
            return None
        try:
            return int(parse_quantity(limit))
        except ValueError:
            return None


def stop_end(stop: Mapping[str, Any], program: Program) -> tuple[float, int, str]:
    """A container being stopped: SIGTERM, then SIGKILL (137) at the end of the grace period."""
    if program.handles_sigterm and program.sigterm_exit_code is not None:
        code = program.sigterm_exit_code
        return (min(stop["at"] + SIGTERM_EXIT_SECONDS, stop["deadline"]), code, "Completed" if code == 0 else "Error")
    return (stop["deadline"], 137, "Error")


def resolve_port(container: Mapping[str, Any], port: Any) -> int:
    """A probe's or a hook's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared.get("containerPort", 0))
    return 0


# --- formatting as the kubelet does ----------------------------------------------------------------


def when(moment: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)


def rfc3339(moment: float | None) -> str | None:
    if moment is None:
        return None
    return when(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


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
