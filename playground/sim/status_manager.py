"""The pod status the kubelet reports: phase, conditions, container statuses, IPs, QoS class.

The pod worker (pod_workers.py) asks `get_phase` after each replayed moment and `pod_status` at
the end of a sync; the kubelet (kubelet.py) writes that status through the store's status path
when it differs from what the pod shows.

Follows kubernetes/kubernetes pkg/kubelet: kubelet_pods.go generateAPIPodStatus and getPhase
(a terminal phase never changes again; pending init containers keep a pod Pending only until an
app container has started, container/helpers.go HasAnyRegularContainerStarted), convertToAPIContainerStatuses (state, lastState,
ready, started, restartCount, image and imageID as containerd names them), status/generate.go
(PodReadyToStartContainers, Initialized, Ready with readiness gates, ContainersReady; PodScheduled
kept as the scheduler wrote it) and status/status_manager.go (lastTransitionTime only moves when a
condition's status does).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playground.store.qos import qos_class

from .image_manager import normalize_image
from .pod_sync import PodSync, rfc3339
from .records import ContainerRecord

TERMINAL_PHASES = ("Succeeded", "Failed")
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
CONTAINER_CREATING, POD_INITIALIZING = "ContainerCreating", "PodInitializing"  # waiting reasons

Condition = tuple[str, str, str]  # status, reason, message


# --- phase (getPhase) ------------------------------------------------------------------------------


def get_phase(sync: PodSync, *, terminal: bool = False) -> str:
    """kubelet_pods.go getPhase; a terminal phase never changes again.

    `terminal` is podIsTerminal: the pod is being deleted and all its containers stopped.
    """
    if sync.state.phase in TERMINAL_PHASES:
        return sync.state.phase
    policy = sync.spec.get("restartPolicy", "Always")
    pending_init = failed_init = 0
    running = waiting = stopped = succeeded = 0
    for name in sync.init_names:
        record = sync.state.containers[name]
        if sync.is_sidecar(record):  # getPhase's loop over restartable init containers
            if record.phase == "running" and record.post_start is None:
                running += 1
                pending_init += not record.started
            elif record.term is None:
                pending_init, waiting = pending_init + 1, waiting + 1
            continue
        if record.phase == "terminated" and record.term is not None:
            failed_init += record.term["exitCode"] != 0
        elif record.phase != "running" and record.term is not None:
            failed_init += record.term["exitCode"] != 0  # waiting to restart after a failure
        else:
            pending_init += 1
    for name in sync.app_names:
        record = sync.state.containers[name]
        if record.phase == "running" and record.post_start is None:
            running += 1
        elif record.phase == "terminated" and record.term is not None:
            stopped += 1
            succeeded += record.term["exitCode"] == 0
        elif record.term is not None:
            stopped += 1  # waiting to restart: its last run counts as stopped, never as succeeded
        else:
            waiting += 1
    if has_any_regular_container_started(sync):
        pending_init = 0  # initialized once: init containers re-running in a new sandbox keep the pod's phase
    phase = phase_from_counts(policy, terminal, pending_init, failed_init, running, waiting, stopped, succeeded)
    if terminal and phase not in TERMINAL_PHASES:
        return "Failed"  # a deleted pod whose containers never all ran
    return phase


def has_any_regular_container_started(sync: PodSync) -> bool:
    """container/helpers.go HasAnyRegularContainerStarted: an app container whose state is running
    or terminated (what container_status reports for it)."""
    return any((record.phase == "running" and record.post_start is None)
               or (record.phase in ("terminated", "pulling") and record.term is not None)
               for record in (sync.state.containers[name] for name in sync.app_names))


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


# --- the status (generateAPIPodStatus) ------------------------------------------------------------


def pod_status(sync: PodSync, t: float) -> dict[str, Any]:
    state = sync.state
    old = sync.pod.get("status") or {}
    statuses = [container_status(sync, state.containers[n]) for n in sync.app_names]
    init_statuses = [container_status(sync, state.containers[n]) for n in sync.init_names]
    status: dict[str, Any] = {"phase": state.phase}
    reason, message = (state.reason, state.message) if state.reason else \
        (old.get("reason"), old.get("message")) if old.get("phase") == state.phase else (None, None)
    if reason:
        status["reason"] = reason  # kept while the phase stays, as generateAPIPodStatus does
    if message:
        status["message"] = message
    status["conditions"] = conditions(sync, old, statuses, init_statuses, t)
    host_ip = sync.host_ip()
    if host_ip:
        status["hostIP"], status["hostIPs"] = host_ip, [{"ip": host_ip}]
    if state.sandbox.ip and state.sandbox.state in ("ready", "stopped"):
        status["podIP"], status["podIPs"] = state.sandbox.ip, [{"ip": state.sandbox.ip}]
    status["startTime"] = rfc3339(state.start_time)
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    status["qosClass"] = qos_class(sync.spec)
    return status


def container_status(sync: PodSync, record: ContainerRecord) -> dict[str, Any]:
    """convertToAPIContainerStatuses for one container."""
    spec = sync.specs[record.name]
    default_reason = POD_INITIALIZING if sync.init_names else CONTAINER_CREATING
    last: dict[str, Any] = {}
    if record.phase == "running" and record.post_start is None:
        state = {"running": {"startedAt": rfc3339(record.started_at)}}
        last = terminated(record.term) if record.term else {}
    elif record.phase == "terminated" or (record.phase == "pulling" and record.term is not None):
        state = terminated(record.term)
        last = terminated(record.prev_term) if record.prev_term else {}
    else:
        reason = record.waiting_reason or default_reason
        waiting = {"reason": reason}
        if record.waiting_message:
            waiting["message"] = record.waiting_message
        state = {"waiting": waiting}
        last = terminated(record.term) if record.term else {}
    created = record.instances > 0
    status: dict[str, Any] = {
        "name": record.name,
        "state": state,
        "lastState": last,
        "ready": container_ready(sync, record),
        "restartCount": record.restart_count,
        # the image of the container the runtime has, until a changed one is started
        "image": normalize_image(record.image or spec.get("image", "")) if created else spec.get("image", ""),
        "imageID": record.image_id if created else "",
    }
    if created:
        status["containerID"] = record.container_id
    status["started"] = record.phase == "running" and record.post_start is None and record.started
    return status


def container_ready(sync: PodSync, record: ContainerRecord) -> bool:
    if record.init and not sync.is_sidecar(record):
        return sync.init_done(record)  # a completed init container reports ready
    if record.phase != "running" or record.post_start is not None or not record.started:
        return False  # the status a sync blocked in PostStart last wrote: not started yet
    return record.readiness if "readiness" in record.probes else True


def terminated(term: Mapping[str, Any] | None) -> dict[str, Any]:
    """A container state `terminated` from a run's record."""
    if not term:
        return {}
    return {"terminated": {"exitCode": term["exitCode"], "reason": term["reason"],
                           "startedAt": rfc3339(term["startedAt"]), "finishedAt": rfc3339(term["finishedAt"]),
                           "containerID": term["containerID"]}}


# --- conditions (status/generate.go) --------------------------------------------------------------


def conditions(sync: PodSync, old: Mapping[str, Any], statuses: list[dict[str, Any]],
               init_statuses: list[dict[str, Any]], t: float) -> list[dict[str, Any]]:
    phase = sync.state.phase
    sandbox_ready = sync.state.sandbox.state == "ready" and phase not in TERMINAL_PHASES
    wanted: dict[str, Condition] = {"PodReadyToStartContainers": ("True" if sandbox_ready else "False", "", "")}
    incomplete = [s["name"] for s in init_statuses if not (s["state"].get("terminated", {}).get("exitCode") == 0
                                                           or (s["name"] in sync.sidecar_names and s["started"]))]
    any_started = any(sync.state.containers[n].instances > 0 for n in sync.app_names)
    if phase == "Succeeded":
        wanted["Initialized"] = ("True", "PodCompleted", "")
    elif incomplete and not any_started:
        wanted["Initialized"] = ("False", "ContainersNotInitialized",
                                 f"containers with incomplete status: [{' '.join(incomplete)}]")
    else:
        wanted["Initialized"] = ("True", "", "")
    sidecars = [s for s in init_statuses if s["name"] in sync.sidecar_names]  # counted first, as generate.go does
    unready = [s["name"] for s in sidecars + statuses if not s["ready"]]
    if phase in TERMINAL_PHASES:
        reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
        ready: Condition = ("False", reason, "")
    elif unready:
        ready = ("False", "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]")
    else:
        ready = ("True", "", "")
    wanted["ContainersReady"] = ready
    wanted["Ready"] = readiness_gates(sync.spec, old, ready)
    return merge_conditions(sync, old, wanted, t)


def readiness_gates(spec: Mapping[str, Any], old: Mapping[str, Any], ready: Condition) -> Condition:
    """Ready also waits for the conditions named in spec.readinessGates to be True."""
    if ready[0] != "True":
        return ready
    existing = {c.get("type"): c for c in old.get("conditions") or []}
    for gate in spec.get("readinessGates") or []:
        condition = existing.get(gate.get("conditionType"))
        if condition is None:
            return ("False", "ReadinessGatesNotReady",
                    f"corresponding condition of pod readiness gate \"{gate.get('conditionType')}\" does not exist.")
        if condition.get("status") != "True":
            return ("False", "ReadinessGatesNotReady",
                    f"the status of pod readiness gate \"{gate.get('conditionType')}\" is not \"True\", "
                    f"but {condition.get('status')}")
    return ready


def merge_conditions(sync: PodSync, old: Mapping[str, Any], wanted: dict[str, Condition],
                     t: float) -> list[dict[str, Any]]:
    """status_manager: lastTransitionTime stays unless the condition's status changes."""
    previous = {c.get("type"): c for c in old.get("conditions") or []}
    result = []
    for kind in KUBELET_CONDITIONS:
        status, reason, message = wanted[kind]
        before = sync.state.conditions.get(kind) or previous.get(kind)
        moment = before["lastTransitionTime"] if before and before.get("status") == status else rfc3339(t)
        condition: dict[str, Any] = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": moment}
        if reason:
            condition["reason"] = reason
        if message:
            condition["message"] = message
        sync.state.conditions[kind] = {"status": status, "lastTransitionTime": moment}
        result.append(condition)
    others = [c for c in old.get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
    if not any(c.get("type") == "PodScheduled" for c in others):
        since = rfc3339(sync.state.start_time)
        others.insert(0, {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": since})
    return result + others
