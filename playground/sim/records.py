"""What the simulated kubelet knows of each pod it runs: its sandbox, each container's runs,
back-off and probe counters, and the Events and log lines a sync produces.

The pod workers (pod_workers.py) read and update a `PodRecord` on every sync; the kubelet keeps
it in memory and saves it as JSON (checkpoint.py), as a node keeps its containers' state on disk
(the runtime's containers and the kubelet's checkpoints), so a playground that restarts finds
its containers still running. Faults injected from the pages are noted here (`inject_fault`)
and played out by the next sync. Pure data: nothing here touches the database.

The names avoid the CRI's: a `ContainerRecord` is what the kubelet and containerd together know
of one container of the pod (kubecontainer.Status in pkg/kubelet/container/runtime.go), not
the container runtime itself.
"""
from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

PROBE_KINDS = ("startup", "liveness", "readiness")
# Event types and reasons (pkg/kubelet/events/event.go)
NORMAL, WARNING = "Normal", "Warning"
PULLING, PULLED, FAILED, BACK_OFF = "Pulling", "Pulled", "Failed", "BackOff"
CREATED, STARTED, KILLING, UNHEALTHY = "Created", "Started", "Killing", "Unhealthy"
ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"
SANDBOX_CHANGED, FAILED_CREATE_POD_SANDBOX = "SandboxChanged", "FailedCreatePodSandBox"
FAILED_MOUNT = "FailedMount"
DEADLINE_EXCEEDED = "DeadlineExceeded"
FAULTS = ("crash", "fail-liveness", "fail-readiness", "fail-startup", "heal", "kill-sandbox")
# The prober keeps only each probe's latest result (prober/results); the pod page draws a
# timeline, so the record keeps a few more, bounded: the checkpoint is rewritten on every pass
MAX_RECENT_PROBES = 24  # per container: runs of equal results, each one entry
MAX_RECENT_RUNS = 12  # per container: its latest runs, how each ended and the back-off after it
MAX_PROBE_OUTPUT = 160


class KubeletEvent(NamedTuple):
    """An Event the kubelet records: `field_path` is `spec.containers{web}` ("" for the pod);
    the kubelet (kubelet.py) writes it through its EventRecorder."""

    type: str
    reason: str
    message: str
    field_path: str
    at: datetime.datetime


class LogLine(NamedTuple):
    at: datetime.datetime
    text: str
    restart_count: int  # which run of the container wrote it (`kubectl logs --previous`)


@dataclass(slots=True)
class ContainerRecord:
    """One container of the pod as the kubelet and the runtime know it. Times are POSIX seconds.

    The field names are the saved JSON's (checkpoint.py): renaming one forgets it on restart.
    """

    name: str
    init: bool = False
    phase: str = "waiting"  # waiting | pulling | running | terminated | backoff
    instances: int = 0  # containers created so far; restartCount is instances - 1
    container_id: str = ""
    image: str = ""  # the spec's image this run was created with
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
    post_start: dict[str, Any] | None = None  # ends, ok: the postStart hook this run is still in
    stop: dict[str, Any] | None = None  # at, deadline, reason (liveness | startup | changed | delete | deadline | sandbox)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: bool = False
    readiness: bool = False
    log_cursor: float = -1.0  # seconds since start of this run, already handed out
    log_flushed_at: float = -math.inf
    faults: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] | None = None  # computed when this run was created (config.py), kept until the next
    recent_probes: list[dict[str, Any]] = field(default_factory=list)  # note_probe: kind, ok, from, to, count, run, output
    recent_runs: list[dict[str, Any]] = field(default_factory=list)  # note_start / note_exit / note_back_off

    @property
    def restart_count(self) -> int:
        return max(self.instances - 1, 0)

    @property
    def field_path(self) -> str:
        """The Event's involvedObject.fieldPath for this container."""
        return f"spec.{'initContainers' if self.init else 'containers'}{{{self.name}}}"


@dataclass(slots=True)
class Sandbox:
    """The pod sandbox (pause container + network namespace); the UI shows it as the pod's first box."""

    state: str = "none"  # none | creating | ready | failed | stopped
    id: str = ""
    attempt: int = 0
    ready_at: float | None = None
    ip: str = ""
    message: str = ""
    mount_backoff: float | None = None  # volumes that failed to mount: the volume manager's retry delay


@dataclass(slots=True)
class PodRecord:
    """The kubelet's private, JSON-serialisable record of one pod (`to_json` / `from_json`)."""

    last_sync: float | None = None
    start_time: float | None = None
    sandbox: Sandbox = field(default_factory=Sandbox)
    containers: dict[str, ContainerRecord] = field(default_factory=dict)
    pulled_images: list[str] = field(default_factory=list)
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    phase: str = "Pending"
    reason: str = ""  # status.reason/message the kubelet set with a phase (DeadlineExceeded)
    message: str = ""
    deletion_started: float | None = None
    sandbox_kill_at: float | None = None
    volumes: dict[str, Any] = field(default_factory=dict)  # the kubelet's volume state (volumes.py), opaque here

    def to_json(self) -> dict[str, Any]:
        """A shallow view for json.dumps (dataclasses.asdict deep-copies every value: it was the
        kubelet's biggest cost after a pass)."""
        return {
            **fields_of(self),
            "sandbox": fields_of(self.sandbox),
            "containers": {name: fields_of(container) for name, container in self.containers.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PodRecord:
        if not data:
            return cls()
        values = known_fields(cls, data)
        values["sandbox"] = Sandbox(**known_fields(Sandbox, values.get("sandbox") or {}))
        values["containers"] = {name: ContainerRecord(**known_fields(ContainerRecord, c))
                                for name, c in (values.get("containers") or {}).items()}
        return cls(**values)


def fields_of(record: PodRecord | Sandbox | ContainerRecord) -> dict[str, Any]:
    """A record's fields by name, in their declared order (the saved JSON's)."""
    return {name: getattr(record, name) for name in record.__slots__}


def known_fields(record_class: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The saved fields this code knows: a state saved by newer code (a worker of the next
    version, during a rolling upgrade) loads without the fields it added, as a protobuf reader
    skips unknown fields; one it lacks takes its default."""
    return {name: value for name, value in data.items() if name in record_class.__slots__}


def inject_fault(state: PodRecord, container: str | None, fault: str, *, at: datetime.datetime,
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


# --- what the pod page's health timeline reads ----------------------------------------------------


def note_probe(record: ContainerRecord, kind: str, at: float, *, ok: bool, output: str) -> None:
    """One probe result. Equal results in a row of the same run make one entry (`from`, `to`,
    `count`): a healthy container's hours of passes cost one entry, not thousands."""
    output = output[:MAX_PROBE_OUTPUT]
    last = next((p for p in reversed(record.recent_probes) if p["kind"] == kind), None)
    if last is not None and (last["ok"], last["run"], last["output"]) == (ok, record.instances, output):
        last["to"], last["count"] = at, last["count"] + 1
        return
    record.recent_probes.append({"kind": kind, "ok": ok, "from": at, "to": at, "count": 1,
                                 "run": record.instances, "output": output})
    del record.recent_probes[:-MAX_RECENT_PROBES]


def note_start(record: ContainerRecord, at: float) -> None:
    record.recent_runs.append({"run": record.instances, "startedAt": at})
    del record.recent_runs[:-MAX_RECENT_RUNS]


def note_exit(record: ContainerRecord, term: Mapping[str, Any], *, killed_by: str | None) -> None:
    """How the latest run ended; `killed_by` is why the kubelet stopped it (liveness, startup, ...)."""
    if record.recent_runs and "finishedAt" not in record.recent_runs[-1]:
        record.recent_runs[-1].update({"finishedAt": term["finishedAt"], "exitCode": term["exitCode"],
                                       "reason": term["reason"], "killedBy": killed_by or ""})


def note_back_off(record: ContainerRecord, until: float) -> None:
    """The latest run is followed by a CrashLoopBackOff wait: no restart before `until`."""
    if record.recent_runs and "finishedAt" in record.recent_runs[-1]:
        record.recent_runs[-1]["backOffUntil"] = until
