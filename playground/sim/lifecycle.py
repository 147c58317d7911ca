"""Container lifecycle hooks: postStart once a container has started, preStop before it is stopped.

The runtime manager (kuberuntime_manager.py) runs postStart right after it starts a container
(`start_post_start_hook`) and acts on its end (`finish_post_start_hooks`); every kill of a running
container — a delete or an active deadline (pod_workers.py), a failed liveness or startup probe
(prober.py), a changed image or a failed postStart (kuberuntime_manager.py) — goes through
`kill_container`, which runs preStop first. A hook is played as one of the simulated programs
(programs.py): `exec` runs its command like a container's, `sleep` waits, `httpGet` asks the
container's program.

Follows kubernetes/kubernetes pkg/kubelet/lifecycle/handlers.go (HandlerRunner.Run: exec, httpGet
— any HTTP answer succeeds, only a failed connection fails —, sleep; anything else is an invalid
handler) and kuberuntime/kuberuntime_container.go: killContainer → executePreStopHook (waits at
most the grace period, the time it took is taken off the grace period, never leaving less than
minimumGracePeriodInSeconds; Warning FailedPreStopHook "PreStopHook failed"), startContainer step
4 (the sync waits for PostStart; on failure Warning FailedPostStartHook "PostStartHook failed" and
the container is killed with Killing "FailedPostStartHook").
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from .pod_sync import PodSync, resolve_port
from .programs import parse_program
from .records import WARNING, ContainerRecord

MINIMUM_GRACE_PERIOD = 2  # kuberuntime minimumGracePeriodInSeconds
FAILED_PRE_STOP_HOOK, FAILED_POST_START_HOOK = "FailedPreStopHook", "FailedPostStartHook"


class HookRun(NamedTuple):
    seconds: float  # how long the handler takes; math.inf: it never returns
    ok: bool


def handler(sync: PodSync, record: ContainerRecord, hook: str) -> Mapping[str, Any] | None:
    """The container's `lifecycle.postStart` or `lifecycle.preStop`, if it has one."""
    return (sync.specs[record.name].get("lifecycle") or {}).get(hook)


def run_handler(sync: PodSync, record: ContainerRecord, action: Mapping[str, Any], at: float) -> HookRun:
    """HandlerRunner.Run, played out: how long the handler takes and whether it succeeds."""
    if "exec" in action:
        command = (action["exec"] or {}).get("command") or []
        env = dict(sync.program(record).env)
        program = parse_program({"command": command}, {}, env=env, hostname=env.get("HOSTNAME", ""))
        if program.exit_after is None:
            return HookRun(math.inf, False)
        return HookRun(program.exit_after, program.exit_code == 0)
    if "httpGet" in action:
        get = action["httpGet"] or {}
        port = resolve_port(sync.specs[record.name], get.get("port"))
        since = at - (record.started_at if record.started_at is not None else at)
        return HookRun(0.0, sync.program(record).http_status(port, get.get("path", "/"), since) is not None)
    if "sleep" in action:
        return HookRun(float((action["sleep"] or {}).get("seconds", 0)), True)
    return HookRun(0.0, False)  # "invalid handler" (tcpSocket is accepted by validation, never run)


def kill_container(sync: PodSync, record: ContainerRecord, at: float, *, grace: float, reason: str) -> None:
    """killContainer from `at`: preStop first, for at most the grace period; then SIGTERM, and
    SIGKILL once what is left of the grace period has passed."""
    action = handler(sync, record, "preStop")
    if action is not None and grace > 0:
        run = run_handler(sync, record, action, at)
        took = min(run.seconds, grace)
        if not run.ok and run.seconds <= grace:
            sync.event(WARNING, FAILED_PRE_STOP_HOOK, "PreStopHook failed", record.field_path, at + took)
        at, grace = at + took, max(grace - math.floor(took), MINIMUM_GRACE_PERIOD)
    record.stop = {"at": at, "deadline": at + grace, "reason": reason}
