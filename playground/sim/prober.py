"""The kubelet's prober: startup, liveness and readiness probes of the running containers.

The runtime manager (kuberuntime_manager.py) calls `schedule_probes` when it starts a container;
the pod worker (pod_workers.py) calls `run_probes` at each moment it replays, which runs every
probe due by then against the container's program (programs.py: does it answer on that port,
with which HTTP status, does that command succeed). A readiness result feeds the Ready
condition (status_manager.py); a liveness or startup failure asks for the container to be
killed (`record.stop`), which the runtime manager then plays out and restarts it.

Follows kubernetes/kubernetes pkg/kubelet/prober: prober_manager.go (a worker per container and
probe kind; startup probes gate liveness and readiness), worker.go (initialDelaySeconds,
periodSeconds, failureThreshold, successThreshold; "Container web failed liveness probe, will
be restarted"; the probe's own terminationGracePeriodSeconds) and prober.go (the exec, httpGet,
tcpSocket and grpc handlers and their failure messages).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lifecycle import MINIMUM_GRACE_PERIOD, kill_container
from .pod_sync import DEFAULT_GRACE_PERIOD, PodSync, resolve_port
from .records import KILLING, NORMAL, PROBE_KINDS, UNHEALTHY, WARNING, ContainerRecord, note_probe


def schedule_probes(sync: PodSync, record: ContainerRecord, t: float) -> None:
    """A new run of the container: its probe workers start over."""
    spec = sync.specs[record.name]
    record.probes = {}
    for kind in PROBE_KINDS:
        if spec.get(f"{kind}Probe") and (not record.init or sync.is_sidecar(record)):  # only sidecars among init containers
            record.probes[kind] = {"successes": 0, "failures": 0, "next": None}
    record.started = "startup" not in record.probes
    record.readiness = False
    if "startup" in record.probes:
        record.probes["startup"]["next"] = t + probe_spec(sync, record, "startup").get("initialDelaySeconds", 0)
    else:
        schedule_after_startup(sync, record, t)


def schedule_after_startup(sync: PodSync, record: ContainerRecord, t: float) -> None:
    assert record.started_at is not None
    for kind in ("liveness", "readiness"):
        if kind in record.probes:
            delay = probe_spec(sync, record, kind).get("initialDelaySeconds", 0)
            record.probes[kind]["next"] = max(record.started_at + delay, t)


def probe_spec(sync: PodSync, record: ContainerRecord, kind: str) -> Mapping[str, Any]:
    return sync.specs[record.name].get(f"{kind}Probe") or {}


def run_probes(sync: PodSync, t: float) -> None:
    """Every probe due by t, in order, while its container runs and is not being stopped."""
    for record in sync.records():
        for kind in PROBE_KINDS:
            probe = record.probes.get(kind)
            while record.phase == "running" and record.stop is None and probe and probe["next"] is not None \
                    and probe["next"] <= t:
                at = probe["next"]
                end = sync.exit_of(record)
                if end is not None and end[0] <= at:
                    break  # the container exits before this probe
                probe["next"] = at + probe_spec(sync, record, kind).get("periodSeconds", 10)
                probe_once(sync, record, kind, at)


def probe_once(sync: PodSync, record: ContainerRecord, kind: str, at: float) -> None:
    """worker.go doProbe: count the result against the thresholds and act on them."""
    spec = probe_spec(sync, record, kind)
    probe = record.probes[kind]
    success, output = probe_result(sync, record, kind, spec, at)
    note_probe(record, kind, at, ok=success, output="" if success else output)
    if success:
        probe["successes"], probe["failures"] = probe["successes"] + 1, 0
    else:
        probe["successes"], probe["failures"] = 0, probe["failures"] + 1
        sync.event(WARNING, UNHEALTHY, f"{kind.capitalize()} probe failed: {output}", record.field_path, at)
    if success and probe["successes"] >= spec.get("successThreshold", 1):
        if kind == "startup" and not record.started:
            record.started = True
            probe["next"] = None
            schedule_after_startup(sync, record, at)
        elif kind == "readiness":
            record.readiness = True
    if not success and probe["failures"] >= spec.get("failureThreshold", 3):
        if kind == "readiness":
            record.readiness = False
        else:
            kill_for_probe(sync, record, kind, at)


def repeats_its_pass(sync: PodSync, record: ContainerRecord, kind: str) -> bool:
    """Whether the probe's next runs can only pass again, changing nothing: it passed last (no
    failure counted, its threshold met), no fault waits for it, and what answers on the network
    stays as it was since that run. Not an exec probe: its command reads the container's files,
    which `kubectl exec` and the page change without the kubelet's knowing."""
    spec = probe_spec(sync, record, kind)
    probe = record.probes[kind]
    if "exec" in spec or kind in record.faults or probe["next"] is None or probe["failures"] \
            or probe["successes"] < spec.get("successThreshold", 1):
        return False
    assert record.started_at is not None
    last_run = probe["next"] - spec.get("periodSeconds", 10)
    return sync.program(record).next_server_change(last_run - record.started_at) is None


def kill_for_probe(sync: PodSync, record: ContainerRecord, kind: str, at: float) -> None:
    message = f"Container {record.name} failed {kind} probe"
    if sync.restart_policy(record) != "Never":  # a sidecar is restarted whatever the pod's policy
        message += ", will be restarted"
    sync.event(NORMAL, KILLING, message, record.field_path, at)
    grace = probe_spec(sync, record, kind).get("terminationGracePeriodSeconds")
    if grace is None:
        grace = sync.spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_PERIOD)
    kill_container(sync, record, at, grace=max(grace, MINIMUM_GRACE_PERIOD), reason=kind)


def probe_result(sync: PodSync, record: ContainerRecord, kind: str, spec: Mapping[str, Any],
                 at: float) -> tuple[bool, str]:
    """prober.go runProbe: the handler's answer and, on failure, the message Kubernetes prints."""
    program = sync.program(record)
    assert record.started_at is not None
    since = at - record.started_at
    failing = record.faults.get(kind)
    ip = sync.state.sandbox.ip
    if "exec" in spec:
        if failing is not None and failing <= at:
            return False, "probe failure injected from the playground"
        extra = sync.helper.container_files(record.name, at)
        code, output = program.exec((spec["exec"] or {}).get("command") or [], since, files=extra)
        return code == 0, output
    handler = spec.get("httpGet") or spec.get("tcpSocket") or spec.get("grpc") or {}
    port = resolve_port(sync.specs[record.name], handler.get("port"))
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
