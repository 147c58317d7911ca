"""The kubelet's runtime manager: the pod sandbox, then the containers, started, watched and
restarted in the order the kubelet does.

At each moment the pod worker (pod_workers.py) replays, it calls `observe_exit` for the
containers (a run whose program ended, was killed by a probe or is being stopped), then
`sync_sandbox` and `start_containers` (computePodActions + SyncPod). Images come from the image
manager (image_manager.py), probes start with each run (prober.py), restarts wait out the
back-off (backoff.py), and what a run's program prints becomes its log lines.

Follows kubernetes/kubernetes pkg/kubelet/kuberuntime: kuberuntime_manager.go computePodActions
and SyncPod (the pause sandbox first, with the pod IP from the node's podCIDR as the host-local
IPAM plugin hands it out; a Never pod's dead sandbox is not re-created; init containers one at a
time — a sidecar (restartPolicy Always) counts once started, keeps running and is restarted, and
is not restarted any more once the app containers are done —, then the app containers one after
the other; restartPolicy Always / OnFailure / Never; a
running container whose image changed is killed and started again, "definition changed"),
kuberuntime_container.go (startContainer: Created / Started, then the postStart hook the sync
waits for (lifecycle.py); a killed sandbox kills its containers, "SandboxChanged") and doBackOff (CrashLoopBackOff, "Back-off restarting failed
container"). A container exit is noticed one PLEG relist later (1 s). The volume manager's
WaitForAttachAndMount keeps the sandbox from being made while a volume cannot be set up
(FailedMount, retried 500 ms doubling to 2m2s as nestedpendingoperations does).
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Collection

from . import image_manager, lifecycle, prober
from .backoff import in_backoff, next_backoff
from .pod_sync import RELIST_SECONDS, SYNC_RETRY_SECONDS, PodSync, format_pod, go_duration, when
from .records import (
    BACK_OFF,
    CREATED,
    FAILED,
    FAILED_CREATE_POD_SANDBOX,
    FAILED_MOUNT,
    KILLING,
    NORMAL,
    SANDBOX_CHANGED,
    STARTED,
    WARNING,
    ContainerRecord,
    LogLine,
    note_back_off,
    note_exit,
    note_start,
)

SANDBOX_SECONDS = 1.0  # RunPodSandbox: the pause container and the pod's network
MOUNT_RETRY_INITIAL = 0.5  # nestedpendingoperations initialDurationBeforeRetry
MOUNT_RETRY_MAX = 122.0  # maxDurationBeforeRetry: 2m2s

# Waiting reasons (kuberuntime)
CRASH_LOOP_BACK_OFF, CREATE_CONTAINER_CONFIG_ERROR = "CrashLoopBackOff", "CreateContainerConfigError"


# --- the sandbox ---------------------------------------------------------------------------------


def sync_sandbox(sync: PodSync, t: float) -> None:
    sandbox = sync.state.sandbox
    if sandbox.state in ("none", "stopped") or (sandbox.state == "failed" and t >= (sandbox.ready_at or 0)):
        if sandbox.state == "stopped" and sync.spec.get("restartPolicy") == "Never":
            return  # computePodActions: a Never pod's dead sandbox is not re-created
        create_sandbox(sync, t)
    if sandbox.state == "creating" and sandbox.ready_at is not None and t >= sandbox.ready_at:
        sandbox.state = "ready"


def create_sandbox(sync: PodSync, t: float) -> None:
    sandbox = sync.state.sandbox
    if mount_failed(sync, t):
        return
    uid = sync.metadata.get("uid", "")
    sandbox_id = hashlib.sha256(f"{uid}/sandbox/{sandbox.attempt}".encode()).hexdigest()
    pod_cidr = sync.node.get("spec", {}).get("podCIDR") or ""
    previous = {sandbox.ip} if sandbox.ip else set()
    if sync.spec.get("hostNetwork"):
        ip = sync.host_ip() or None  # the node's own network namespace: its address
    else:
        ip = allocate_ip(pod_cidr, sync.used_ips | previous, after=sync.ip_after) if pod_cidr else None
    if ip is None:
        sandbox.state, sandbox.ready_at = "failed", t + SYNC_RETRY_SECONDS
        ranges = f"{pod_cidr}" if pod_cidr else "no podCIDR on node"
        sandbox.message = (f'rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox_id}": '
                           f'plugin type="ptp" failed (add): failed to allocate for range 0: '
                           f"no IP addresses available in range set: {ranges}")
        sync.event(WARNING, FAILED_CREATE_POD_SANDBOX, f"Failed to create pod sandbox: {sandbox.message}", "", t)
        return
    sandbox.id, sandbox.ip, sandbox.message = sandbox_id, ip, ""
    sandbox.state, sandbox.ready_at = "creating", t + SANDBOX_SECONDS


def mount_failed(sync: PodSync, t: float) -> bool:
    """WaitForAttachAndMount: no sandbox while a volume cannot be set up; the volume manager
    retries with exponential back-off (nestedpendingoperations: 500 ms doubling to 2m2s)."""
    sandbox = sync.state.sandbox
    problem = sync.helper.volume_mount_error()
    if not problem:
        sandbox.mount_backoff = None
        return False
    delay = MOUNT_RETRY_INITIAL if sandbox.mount_backoff is None else min(sandbox.mount_backoff * 2, MOUNT_RETRY_MAX)
    sandbox.mount_backoff = delay
    sandbox.state, sandbox.ready_at, sandbox.message = "failed", t + delay, problem
    sync.event(WARNING, FAILED_MOUNT, problem, "", t)
    return True


def kill_sandbox_if_asked(sync: PodSync, t: float) -> None:
    """A `kill-sandbox` fault due by t: the sandbox dies with its containers and is re-created."""
    state = sync.state
    if state.sandbox_kill_at is None or state.sandbox_kill_at > t:
        return
    at, state.sandbox_kill_at = state.sandbox_kill_at, None
    if state.sandbox.state != "ready" or sync.deleting:
        return
    sync.event(NORMAL, SANDBOX_CHANGED, "Pod sandbox changed, it will be killed and re-created.", "", at)
    for record in sync.records():
        if record.phase == "running":
            record.stop = {"at": at, "deadline": at, "reason": "sandbox"}  # killed with the sandbox
            observe_exit(sync, record, at)
        if record.phase == "pulling":
            record.phase, record.pull_ends = "waiting", None
        record.not_before = at
    state.sandbox.state = "stopped"
    state.sandbox.attempt += 1


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


# --- starting containers (computePodActions + SyncPod) -------------------------------------------


def start_containers(sync: PodSync, t: float) -> None:
    kill_changed_containers(sync, t)
    finish_post_start_hooks(sync, t)
    if any(record.post_start is not None for record in sync.records()):
        return  # startContainer waits for PostStart: SyncPod starts nothing else meanwhile
    for record in sync.records():
        if record.phase == "pulling":
            if record.pull_ends is not None and record.pull_ends <= t:
                pulled_at = record.pull_ends
                if image_manager.finish_pull(sync, record, pulled_at):
                    create_and_start(sync, record, pulled_at)
            if record.phase == "pulling" or record.post_start is not None:
                return  # SyncPod starts containers one after the other
    if not start_init_containers(sync, t):
        return
    for name in sync.app_names:
        record = sync.state.containers[name]
        if wants_start(sync, record) and t >= record.not_before:
            start_or_back_off(sync, record, t)
            if record.phase == "pulling" or record.post_start is not None:
                return


def kill_changed_containers(sync: PodSync, t: float) -> None:
    """computePodActions (containerChanged): a running app container whose image the spec no longer
    names is killed and started again with the new one, whatever the restartPolicy (the image is
    the one container field a pod update may change)."""
    for name in sync.app_names:
        record = sync.state.containers[name]
        if record.phase == "running" and record.stop is None and record.image \
                and record.image != sync.specs[name].get("image", ""):
            message = f"Container {name} definition changed, will be restarted"
            sync.event(NORMAL, KILLING, message, record.field_path, t)
            lifecycle.kill_container(sync, record, t, grace=sync.grace_period(), reason="changed")


def start_post_start_hook(sync: PodSync, record: ContainerRecord, t: float) -> None:
    """startContainer step 4: the container counts as running once its postStart returns."""
    action = lifecycle.handler(sync, record, "postStart")
    if action is not None:
        run = lifecycle.run_handler(sync, record, action, t)
        record.post_start = {"ends": t + run.seconds, "ok": run.ok}


def finish_post_start_hooks(sync: PodSync, t: float) -> None:
    """A postStart that has returned: a failure kills the container (restarted by its policy)."""
    for record in sync.records():
        hook = record.post_start
        if hook is None or hook["ends"] > t:
            continue
        record.post_start = None
        if not hook["ok"]:
            at, path = hook["ends"], record.field_path
            sync.event(WARNING, lifecycle.FAILED_POST_START_HOOK, "PostStartHook failed", path, at)
            sync.event(NORMAL, KILLING, "FailedPostStartHook", path, at)
            lifecycle.kill_container(sync, record, at, grace=sync.grace_period(), reason="post-start")


def start_init_containers(sync: PodSync, t: float) -> bool:
    """Runs the next init container; True once they have all succeeded (a sidecar: once it runs
    and has started)."""
    initialized = app_container_started_in_this_sandbox(sync)
    for name in sync.init_names:
        record = sync.state.containers[name]
        if sync.is_sidecar(record):
            if sidecar_started(record):
                continue
            if record.phase not in ("running", "pulling") and wants_start(sync, record) and t >= record.not_before:
                start_or_back_off(sync, record, t)
            if initialized:
                continue  # a sidecar restarting after initialization holds nothing back
            return False  # the next container starts once this one has started (the same moment, if at once)
        if sync.init_done(record):
            continue
        if record.phase in ("running", "pulling"):
            return False
        if wants_start(sync, record) and t >= record.not_before:
            start_or_back_off(sync, record, t)
        return False
    return True


def sidecar_started(record: ContainerRecord) -> bool:
    """computeInitContainerActions: a restartable init container counts as initialized once it
    runs and has started (its startup probe, if any, passed)."""
    return record.phase == "running" and record.stop is None and record.post_start is None and record.started


def app_container_started_in_this_sandbox(sync: PodSync) -> bool:
    sandbox = sync.state.sandbox.attempt
    return any(r.instances > 0 and r.sandbox_attempt == sandbox for r in (sync.state.containers[n] for n in sync.app_names))


def wants_start(sync: PodSync, record: ContainerRecord) -> bool:
    """Whether computePodActions would (re)start this container."""
    if sync.is_sidecar(record) and app_containers_done(sync):
        return False  # the pod is finishing: its sidecars are not restarted
    if record.phase in ("waiting", "backoff"):
        return True
    if record.phase != "terminated" or record.term is None:
        return False
    policy = sync.restart_policy(record)
    if record.sandbox_attempt != sync.state.sandbox.attempt:
        return policy != "Never"
    if record.init and not sync.is_sidecar(record):
        return record.term["exitCode"] != 0 and policy != "Never"
    return policy == "Always" or (policy == "OnFailure" and record.term["exitCode"] != 0)


def app_containers_done(sync: PodSync) -> bool:
    """Every app container has exited and none will be restarted (computePodActions KillPod)."""
    apps = [sync.state.containers[name] for name in sync.app_names]
    return all(r.phase == "terminated" and r.term is not None and not wants_start(sync, r) for r in apps)


def start_or_back_off(sync: PodSync, record: ContainerRecord, t: float) -> None:
    if record.phase in ("terminated", "backoff") and record.sandbox_attempt == sync.state.sandbox.attempt:
        restart_after_exit(sync, record, t, reference=record.term["finishedAt"] if record.term else None)
    else:
        start_container(sync, record, t)


def restart_after_exit(sync: PodSync, record: ContainerRecord, t: float, *, reference: float | None) -> None:
    """doBackOff: still inside the back-off since the last exit → CrashLoopBackOff; else start."""
    if reference is not None and in_backoff(record, reference, t):
        assert record.backoff is not None and record.term is not None
        record.phase = "backoff"
        record.not_before = record.term["finishedAt"] + record.backoff
        note_back_off(record, record.not_before)
        record.waiting_reason = CRASH_LOOP_BACK_OFF
        record.waiting_message = (f"back-off {go_duration(record.backoff)} restarting failed "
                                  f"container={record.name} pod={format_pod(sync.pod)}")
        if record.backoff_event_for != record.term["finishedAt"]:
            record.backoff_event_for = record.term["finishedAt"]
            message = f"Back-off restarting failed container {record.name} in pod {format_pod(sync.pod)}"
            sync.event(WARNING, BACK_OFF, message, record.field_path, t)
        return
    if reference is not None:
        next_backoff(record, reference, t)
    start_container(sync, record, t)


def start_container(sync: PodSync, record: ContainerRecord, t: float) -> None:
    """startContainer: EnsureImageExists, then create and start (now, or when the pull ends)."""
    if image_manager.ensure_image_exists(sync, record, t):
        create_and_start(sync, record, t)


def create_and_start(sync: PodSync, record: ContainerRecord, t: float) -> None:
    spec = sync.specs[record.name]
    path = record.field_path
    problem = sync.helper.container_config_error(spec)
    if problem:
        sync.event(WARNING, FAILED, f"Error: {problem}", path, t)
        sync.wait(record, CREATE_CONTAINER_CONFIG_ERROR, problem, not_before=t + SYNC_RETRY_SECONDS)
        return
    env = sync.helper.container_env(spec, sync.state.sandbox.ip)
    if env is not None:
        record.env = env  # fixed for this run: a ConfigMap change waits for a restart
    record.instances += 1
    uid = sync.metadata.get("uid", "")
    digest = hashlib.sha256(f"{uid}/{record.name}/{record.instances}".encode()).hexdigest()
    record.container_id = f"containerd://{digest}"
    record.image = spec.get("image", "")
    record.image_id = image_manager.image_id(record.image)
    record.phase, record.started_at, record.stop = "running", t, None
    note_start(record, t)
    record.sandbox_attempt = sync.state.sandbox.attempt
    record.waiting_reason = record.waiting_message = ""
    record.log_cursor, record.log_flushed_at = -1.0, -math.inf
    if record.faults.get("crash_at", t) < t:
        del record.faults["crash_at"]
    sync.event(NORMAL, CREATED, f"Created container: {record.name}", path, t)
    sync.event(NORMAL, STARTED, f"Started container {record.name}", path, t)
    prober.schedule_probes(sync, record, t)
    start_post_start_hook(sync, record, t)


# --- exits (PLEG) ---------------------------------------------------------------------------------


def observe_exit(sync: PodSync, record: ContainerRecord, t: float) -> None:
    """A run that ended by t becomes the container's last termination; a probe kill restarts it."""
    if record.phase != "running":
        return
    end = sync.exit_of(record)
    if end is None or end[0] > t:
        return
    finished, code, reason = end
    flush_logs(sync, record, finished)
    record.prev_term = record.term
    record.term = {"exitCode": code, "reason": reason, "startedAt": record.started_at, "finishedAt": finished,
                   "containerID": record.container_id}
    stop_reason = record.stop["reason"] if record.stop else None
    note_exit(record, record.term, killed_by=stop_reason)
    record.phase, record.stop, record.readiness, record.started = "terminated", None, False, False
    record.post_start = None
    for probe in record.probes.values():
        probe["next"] = None
    record.faults.pop("crash_at", None)
    record.not_before = finished + RELIST_SECONDS
    probe_kill = stop_reason in ("liveness", "startup") and sync.restart_policy(record) != "Never"
    if (probe_kill or stop_reason == "changed") and not sync.deleting:
        # SyncPod kills and starts again in the same pass; doBackOff looks at the run before
        previous = record.prev_term["finishedAt"] if record.prev_term else None
        restart_after_exit(sync, record, finished, reference=previous)


# --- logs -----------------------------------------------------------------------------------------


def flush_all_logs(sync: PodSync, t: float) -> None:
    for record in sync.records():
        if record.phase == "running":
            flush_logs(sync, record, t)


def flush_logs(sync: PodSync, record: ContainerRecord, t: float) -> None:
    """What the run's program printed up to t, as the runtime's log lines of this run."""
    if record.started_at is None:
        return
    upto = t - record.started_at
    if upto <= record.log_cursor:
        return
    program = sync.program(record)
    lines = program.logs(upto, since=record.log_cursor, started_at=when(record.started_at))
    if lines:
        out = sync.logs.setdefault(record.name, [])
        out.extend(LogLine(when(record.started_at + at), text, record.restart_count) for at, text in lines)
        record.log_flushed_at = t
    record.log_cursor = upto
