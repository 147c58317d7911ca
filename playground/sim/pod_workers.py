"""The simulated kubelet's pod workers: a pure, time-driven sync of one pod up to now.

The kubelet (kubelet.py, one agent per node) calls `sync_pod(pod, record, now=..., node=...,
helper=...)` for each pod bound to its node, writes the returned `status` through the store's
status path, records the `events`, appends the `logs`, keeps the new `state` and calls again at
`wake_at` (or when the pod changes). Nothing here touches the database, threads or the wall
clock: everything that happens between the last sync and `now` is replayed in order, at the
simulated moment it happens, so a late call gives the same answer as a punctual one. What the
kubelet knows of the cluster reaches the sync through a `RuntimeHelper` (pod_sync.py).

At each moment the worker asks, in the kubelet's order: which containers have exited and the
probes due (kuberuntime_manager.py, prober.py), then either the termination of a pod being
deleted or the sandbox and the containers to start (kuberuntime_manager.py, with
image_manager.py and backoff.py), and the phase (status_manager.py); at the end the status.

Follows kubernetes/kubernetes pkg/kubelet/pod_workers.go (one worker per pod: SyncPod while the
pod runs, SyncTerminatingPod once it is deleted — SIGTERM, then SIGKILL at the end of the grace
period — and the final status write that lets the pod go, `can_delete`, once every container has
stopped; a finished pod's sandbox is torn down and nothing restarts in it) and active_deadline.go
(a pod active longer than spec.activeDeadlineSeconds is Failed, DeadlineExceeded, and its
containers are killed); sidecars are stopped after every other container (terminationOrdering).
"""
from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import kuberuntime_manager, lifecycle, prober
from .pod_sync import PodSync, RuntimeHelper, when
from .records import DEADLINE_EXCEEDED, KILLING, NORMAL, ContainerRecord, KubeletEvent, LogLine, PodRecord, Sandbox
from .status_manager import TERMINAL_PHASES, get_phase, pod_status

LOG_FLUSH_SECONDS = 1.0  # how often a chatty container's new log lines are handed out
MAX_STEPS = 100_000  # a guard: a sync never replays more moments than this


@dataclass
class SyncResult:
    status: dict[str, Any]
    state: PodRecord
    events: list[KubeletEvent] = field(default_factory=list)
    logs: dict[str, list[LogLine]] = field(default_factory=dict)
    wake_at: datetime.datetime | None = None
    # nothing due but probe runs that can only pass again: an instant clock need not jump to them
    wake_in_background: bool = False
    can_delete: bool = False
    pulled_images: list[str] = field(default_factory=list)  # to add to node.status.images

    @property
    def sandbox(self) -> Sandbox:
        return self.state.sandbox


def sync_pod(pod: Mapping[str, Any], state: PodRecord | Mapping[str, Any] | None, *, now: datetime.datetime,
             node: Mapping[str, Any], helper: RuntimeHelper, used_ips: Collection[str] = (),
             ip_after: str | None = None) -> SyncResult:
    """Everything the kubelet does for `pod` up to `now`, and the status it reports then.

    `used_ips` are the pod IPs already taken on the node and `ip_after` the last one handed out
    there. The input state is not modified: the new one is `result.state`.
    """
    record = copy.deepcopy(state) if isinstance(state, PodRecord) else PodRecord.from_json(state)
    sync = PodSync(pod, record, node=node, helper=helper, used_ips=used_ips, ip_after=ip_after)
    return run(sync, now.timestamp())


# --- the loop --------------------------------------------------------------------------------------


def run(sync: PodSync, now: float) -> SyncResult:
    state = sync.state
    if state.last_sync is None:
        state.start_time = now
        state.last_sync = now
    for name in sync.init_names + sync.app_names:
        state.containers.setdefault(name, ContainerRecord(name=name, init=name in sync.init_names))
    moment = min(state.last_sync, now)
    step(sync, moment)  # faults injected at the last sync's moment
    for _ in range(MAX_STEPS):
        due = next_due(sync, moment)
        if due is None or due > now:
            break
        moment = due
        step(sync, moment)
    step(sync, now)
    state.last_sync = now
    status = pod_status(sync, now)
    wake = next_due(sync, now)
    return SyncResult(status=status, state=state, events=sync.events, logs=sync.logs,
                      wake_at=when(wake) if wake is not None else None,
                      wake_in_background=wake is not None and next_due(sync, now, foreground=True) is None,
                      can_delete=can_delete(sync), pulled_images=sync.newly_pulled)


def step(sync: PodSync, t: float) -> None:
    """Everything due at or before t, in the kubelet's order."""
    sync.moment = t
    if sync.state.phase not in TERMINAL_PHASES and not sync.deleting and past_active_deadline(sync, t):
        fail_past_active_deadline(sync, t)
    if sync.state.phase in TERMINAL_PHASES and not sync.deleting:
        stop_finished_pod(sync, t)  # a finished pod: nothing runs, nothing restarts
        return
    kuberuntime_manager.kill_sandbox_if_asked(sync, t)
    for _ in range(4):  # settle: a container started at t may exit at t, and so on
        before = fingerprint(sync)
        for record in sync.records():
            kuberuntime_manager.observe_exit(sync, record, t)
        prober.run_probes(sync, t)
        for record in sync.records():
            kuberuntime_manager.observe_exit(sync, record, t)  # a probe kill that completes by t
        if sync.deleting:
            terminate(sync, t)
        else:
            kuberuntime_manager.sync_sandbox(sync, t)
            if sync.state.sandbox.state == "ready":
                kuberuntime_manager.start_containers(sync, t)
            if sync.sidecar_names and kuberuntime_manager.app_containers_done(sync):
                kill_sidecars_last(sync, t, reason="finished", since=t)
            sync.state.phase = get_phase(sync)
            if sync.state.phase in TERMINAL_PHASES:
                sync.state.sandbox.state = "stopped"  # the kubelet tears down a finished pod's sandbox
        if fingerprint(sync) == before:
            break
    kuberuntime_manager.flush_all_logs(sync, t)


def fingerprint(sync: PodSync) -> tuple[Any, ...]:
    return (sync.state.phase, sync.state.sandbox.state,
            tuple((r.phase, r.instances, r.not_before) for r in sync.state.containers.values()))


def next_due(sync: PodSync, after: float, *, foreground: bool = False) -> float | None:
    """The next moment after `after` when something can change; `foreground`: leaving out the
    probe runs that can only pass again (prober.repeats_its_pass)."""
    candidates: list[float] = []
    state = sync.state
    terminal = state.phase in TERMINAL_PHASES and not sync.deleting
    if state.sandbox.state in ("creating", "failed") and state.sandbox.ready_at is not None and not terminal:
        candidates.append(state.sandbox.ready_at)
    if state.sandbox_kill_at is not None:
        candidates.append(state.sandbox_kill_at)
    requested = sync.deletion_requested_at()
    if requested is not None:
        candidates.append(requested)
    deadline = active_deadline(sync)
    if deadline is not None and not terminal:
        candidates.append(deadline)
    for record in sync.records():
        candidates.extend(record_due(sync, record, terminal, foreground=foreground))
    found = [c for c in candidates if c > after + 1e-9 and c != math.inf]
    return min(found) if found else None


def record_due(sync: PodSync, record: ContainerRecord, terminal: bool, *, foreground: bool = False) -> list[float]:
    due: list[float] = []
    if record.phase == "running":
        exit_time = sync.exit_of(record)
        if exit_time is not None:
            due.append(exit_time[0])
        due.extend(p["next"] for kind, p in record.probes.items() if p.get("next") is not None
                   and not (foreground and prober.repeats_its_pass(sync, record, kind)))
        if record.post_start is not None:
            due.append(record.post_start["ends"])
        program = sync.program(record)
        next_line = program.next_log_after(record.log_cursor)
        if next_line is not None and record.started_at is not None:
            due.append(max(record.started_at + next_line, record.log_flushed_at + LOG_FLUSH_SECONDS))
    elif record.phase == "pulling" and record.pull_ends is not None:
        due.append(record.pull_ends)
    elif not terminal and not sync.deleting and record.phase in ("waiting", "terminated", "backoff"):
        if kuberuntime_manager.wants_start(sync, record):
            due.append(record.not_before)
    return due


# --- activeDeadlineSeconds (active_deadline.go) ------------------------------------------------------


def active_deadline(sync: PodSync) -> float | None:
    """When the pod has been active on the node for spec.activeDeadlineSeconds since its startTime."""
    seconds = sync.spec.get("activeDeadlineSeconds")
    if seconds is None or sync.state.start_time is None:
        return None
    return sync.state.start_time + float(seconds)


def past_active_deadline(sync: PodSync, t: float) -> bool:
    deadline = active_deadline(sync)
    return deadline is not None and t >= deadline


def fail_past_active_deadline(sync: PodSync, t: float) -> None:
    """activeDeadlineHandler.ShouldEvict: the pod is Failed with reason DeadlineExceeded (and the
    kubelet's Event), then, being terminal, its containers are killed within the grace period."""
    state = sync.state
    message = "Pod was active on the node longer than the specified deadline"
    sync.event(NORMAL, DEADLINE_EXCEEDED, message, "", t)
    state.phase, state.reason, state.message = "Failed", DEADLINE_EXCEEDED, message
    kill_containers(sync, t, reason="deadline")


def stop_finished_pod(sync: PodSync, t: float) -> None:
    """A terminal pod's containers still being killed stop; then its sandbox goes."""
    deadline = active_deadline(sync)
    kill_sidecars_last(sync, t, reason="deadline", since=deadline if deadline is not None else t)
    for record in sync.records():
        kuberuntime_manager.observe_exit(sync, record, t)
    kuberuntime_manager.flush_all_logs(sync, t)
    if not any(record.phase == "running" for record in sync.records()):
        sync.state.sandbox.state = "stopped" if sync.state.sandbox.state != "none" else "none"


# --- termination (SyncTerminatingPod) ---------------------------------------------------------------


def terminate(sync: PodSync, t: float) -> None:
    """The pod is being deleted: stop every running container within the grace period."""
    state = sync.state
    if state.deletion_started is None:
        state.deletion_started = t
        kill_containers(sync, t, reason="delete")
    kill_sidecars_last(sync, t, reason="delete", since=state.deletion_started)
    if not any(record.phase == "running" for record in sync.records()):
        state.sandbox.state = "stopped" if state.sandbox.state != "none" else "none"
        state.phase = get_phase(sync, terminal=True)


def kill_containers(sync: PodSync, t: float, *, reason: str) -> None:
    """killContainersWithSyncResult: every running container is killed (lifecycle.py: preStop,
    SIGTERM, SIGKILL at the end of the grace period)."""
    grace = sync.grace_period()
    for record in sync.records():
        if record.phase == "running" and not sync.is_sidecar(record):  # sidecars go last
            sync.event(NORMAL, KILLING, f"Stopping container {record.name}", record.field_path, t)
            if record.stop is None:
                lifecycle.kill_container(sync, record, t, grace=grace, reason=reason)
            else:  # already being stopped (its preStop may still run): the sooner SIGKILL wins
                record.stop = {**record.stop, "deadline": min(record.stop["deadline"], t + grace), "reason": reason}
        elif record.phase == "pulling":
            record.phase, record.pull_ends = "waiting", None


def kill_sidecars_last(sync: PodSync, t: float, *, reason: str, since: float) -> None:
    """terminationOrdering: the restartable init containers are stopped once every other container
    has exited, last one first, with what is left of the grace period (at least 2 s)."""
    if any(record.phase == "running" and not sync.is_sidecar(record) for record in sync.records()):
        return
    grace = max(sync.grace_period() - math.floor(t - since), lifecycle.MINIMUM_GRACE_PERIOD)
    for name in reversed(sync.init_names):
        record = sync.state.containers[name]
        if sync.is_sidecar(record) and record.phase == "running" and record.stop is None:
            sync.event(NORMAL, KILLING, f"Stopping container {record.name}", record.field_path, t)
            lifecycle.kill_container(sync, record, t, grace=grace, reason=reason)


def can_delete(sync: PodSync) -> bool:
    """The kubelet's final status write may let the pod go: deleted, and every container stopped."""
    return sync.deleting and sync.state.deletion_started is not None and \
        not any(record.phase == "running" for record in sync.records())
