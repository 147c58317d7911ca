"""A container's resource usage against its cgroup limits, for the Pod page.

Pod page → `container_usage(cluster, namespace, pod, container)` → the kubelet's memory of the
container (when this run started) + its simulated program (programs.py: memory_bytes over time,
and whether it is busy) → what `kubectl top` and the container's cgroup (v2) would show: memory
now against `memory.max`, CPU against `cpu.max` (`<quota> <period>`) and `cpu.weight`, and
OOMKilled when the program went over its limit.

The cgroup figures follow the kubelet and runc: pkg/kubelet/cm/helpers_linux.go (MilliCPUToQuota
with the 100 ms CFS period, MilliCPUToShares with 2 shares at least) and runc's
libcontainer/cgroups ConvertCPUSharesToCgroupV2Value (shares 2..262144 mapped onto weights
1..10000); a container without a memory limit has `memory.max` "max", without a CPU limit
`cpu.max` "max 100000".
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from playground.store import api as store
from playground.store import clock
from playground.store.errors import BadRequest
from playground.store.quantity import parse_quantity

from . import checkpoint
from .config import expand_command
from .programs import Program, parse_program
from .records import ContainerRecord

Obj = dict[str, Any]
CPU_PERIOD_US = 100_000  # QuotaPeriod: the CFS period the kubelet uses
MIN_QUOTA_US = 1_000  # MinQuotaPeriod
MIN_SHARES, MAX_SHARES, SHARES_PER_CPU = 2, 262_144, 1_024
IDLE_MILLICORES = 1  # a sleeping program still wakes up now and then
BUSY_MILLICORES = 1_000  # a server answering, a shell loop: one core when unthrottled (capped at the limit)
BASE_MEMORY_BYTES = {"server": 8 * 2**20, "shell": 600 * 2**10}  # what the process holds before it allocates


@dataclass(frozen=True)
class CgroupView:
    memory_max: str  # "134217728" or "max"
    cpu_max: str  # "25000 100000" or "max 100000"
    cpu_weight: int
    memory_min: str = "0"


@dataclass(frozen=True)
class ContainerUsage:
    name: str
    running: bool
    memory_bytes: int
    cpu_millicores: int
    memory_request: int | None
    memory_limit: int | None
    cpu_request_millicores: int | None
    cpu_limit_millicores: int | None
    cgroup: CgroupView
    oom_killed: bool  # its last run ended OOMKilled
    restart_count: int

    @property
    def memory_percent_of_limit(self) -> float | None:
        return 100.0 * self.memory_bytes / self.memory_limit if self.memory_limit else None


# --- the cgroup arithmetic -------------------------------------------------------------------------


def milli_cpu_to_quota(milli_cpu: int, period: int = CPU_PERIOD_US) -> int:
    """MilliCPUToQuota: the CFS quota in microseconds per period (at least 1 ms)."""
    if milli_cpu == 0:
        return 0
    return max(milli_cpu * period // 1000, MIN_QUOTA_US)


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """MilliCPUToShares: cgroup v1 cpu.shares (2 when no request, as for BestEffort)."""
    if milli_cpu == 0:
        return MIN_SHARES
    return min(max(milli_cpu * SHARES_PER_CPU // 1000, MIN_SHARES), MAX_SHARES)


def shares_to_weight(shares: int) -> int:
    """runc's ConvertCPUSharesToCgroupV2Value: 2..262144 onto 1..10000."""
    if shares == 0:
        return 0
    return 1 + ((shares - 2) * 9999) // 262_142


def cgroup_view(container: Obj) -> CgroupView:
    requests, limits = _resources(container)
    memory_limit = _bytes(limits.get("memory"))
    cpu_limit = _millicores(limits.get("cpu"))
    cpu_request = _millicores(requests.get("cpu"))
    if cpu_request is None and cpu_limit is not None:
        cpu_request = cpu_limit  # the API server defaults requests to limits
    cpu_max = f"{milli_cpu_to_quota(cpu_limit)} {CPU_PERIOD_US}" if cpu_limit else f"max {CPU_PERIOD_US}"
    return CgroupView(
        memory_max=str(memory_limit) if memory_limit is not None else "max",
        cpu_max=cpu_max,
        cpu_weight=shares_to_weight(milli_cpu_to_shares(cpu_request or 0)),
    )


def _resources(container: Obj) -> tuple[Obj, Obj]:
    resources = container.get("resources") or {}
    return resources.get("requests") or {}, resources.get("limits") or {}


def _bytes(value: Any) -> int | None:
    return int(math.ceil(parse_quantity(str(value)))) if value is not None else None


def _millicores(value: Any) -> int | None:
    return int(math.ceil(parse_quantity(str(value)) * 1000)) if value is not None else None


# --- usage now -----------------------------------------------------------------------------------


def usage_of(container: Obj, record: ContainerRecord | None, program: Program | None,
             now: datetime.datetime) -> ContainerUsage:
    """Pure: a container's usage at `now` from its kubelet record and its program."""
    requests, limits = _resources(container)
    cgroup = cgroup_view(container)
    running = record is not None and record.phase == "running" and record.started_at is not None
    memory_bytes = cpu = 0
    if running and program is not None and record is not None and record.started_at is not None:
        since = now.timestamp() - record.started_at
        memory_bytes = program.memory_bytes(since) + _base_memory(program)
        cpu = _cpu_millicores(program, since, _millicores(limits.get("cpu")))
    memory_limit = _bytes(limits.get("memory"))
    if memory_limit is not None:
        memory_bytes = min(memory_bytes, memory_limit)  # above it the kernel's OOM killer has stepped in
    term = (record.term or {}) if record is not None else {}
    return ContainerUsage(
        name=container["name"], running=running, memory_bytes=memory_bytes, cpu_millicores=cpu,
        memory_request=_bytes(requests.get("memory")), memory_limit=memory_limit,
        cpu_request_millicores=_millicores(requests.get("cpu")), cpu_limit_millicores=_millicores(limits.get("cpu")),
        cgroup=cgroup, oom_killed=term.get("reason") == "OOMKilled",
        restart_count=record.restart_count if record is not None else 0,
    )


def _base_memory(program: Program) -> int:
    serving = any(action.kind == "serve" for action in program.actions)
    return BASE_MEMORY_BYTES["server" if serving else "shell"]


def _cpu_millicores(program: Program, since: float, limit: int | None) -> int:
    """`stress --cpu N` keeps N cores busy (throttled to the limit by cpu.max); a server or a
    sleeping shell barely uses any."""
    argv = list(program.argv)
    hogs = 0
    if any(word.rsplit("/", 1)[-1] == "stress" for word in argv) and "--cpu" in argv:
        index = argv.index("--cpu")
        hogs = int(argv[index + 1]) if index + 1 < len(argv) and argv[index + 1].isdigit() else 1
    if hogs and program.exited(since) is None:
        used = hogs * BUSY_MILLICORES
    else:
        used = IDLE_MILLICORES
    return min(used, limit) if limit else used


def container_usage(cluster: str, namespace: str, pod: str, container: str) -> ContainerUsage:
    """What the Pod page shows for one container: usage now against its requests, limits and cgroup."""
    obj = store.get(cluster, "Pod", pod, namespace)
    spec = next((c for c in obj["spec"].get("containers") or [] if c["name"] == container), None)
    if spec is None:
        raise BadRequest(f"container {container} is not valid for pod {pod}")
    uid = obj["metadata"]["uid"]
    found = checkpoint.load(cluster, [uid]).get(uid)
    record = found[0].containers.get(container) if found else None
    program = None
    if record is not None:
        runnable = expand_command(spec, record.env) if record.env is not None else spec
        program = parse_program(runnable, None, env=record.env, hostname=obj["metadata"]["name"])
    return usage_of(spec, record, program, clock.now(cluster))
