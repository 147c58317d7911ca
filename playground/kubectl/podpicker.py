"""The pod `kubectl logs TYPE/NAME` and `kubectl exec TYPE/NAME` pick for a workload or Service:
the pods its selector selects, sorted by kubectl's rules, the first one; with none yet, a watch
until --pod-running-timeout for one to appear (kubectl polymorphichelpers: logsforobject.go,
helpers.go GetFirstPod and SelectorsForObject; util/podutils: ByLogging, ActivePods)."""
from __future__ import annotations

import re
import time
from typing import Any, Callable

from playground.store import api as store
from playground.store import changelog
from playground.store.selectors import label_selector_string

from .args import resolve_kinds
from .errors import KubectlError

Obj = dict[str, Any]

# SelectorsForObject: these kinds carry a LabelSelector; a ReplicationController and a Service a map
_LABEL_SELECTOR = {"ReplicaSet", "StatefulSet", "DaemonSet", "Deployment", "Job"}
_MAP_SELECTOR = {"ReplicationController", "Service"}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 0.001, "s": 1, "m": 60, "h": 3600}


def is_workload(argument: str) -> bool:
    """`deployment/web` names something to pick a pod of; `web-1` and `pod/web-1` a pod."""
    type_, slash, _ = argument.partition("/")
    try:
        return bool(slash) and resolve_kinds(type_)[0].kind != "Pod"
    except KubectlError:
        return False  # the command itself says the type is unknown


def pod_for(cluster: str, argument: str, namespace: str, *, for_logs: bool, timeout: float,
            cancelled: Callable[[], bool]) -> tuple[Obj, int]:
    """The pod `argument` names or the one kubectl picks of its workload, and how many there were."""
    type_, slash, name = argument.partition("/")
    if not slash:
        return store.get(cluster, "Pod", argument, namespace), 1
    kind = resolve_kinds(type_)[0]
    obj = store.get(cluster, kind.kind, name, namespace)
    if kind.kind == "Pod":
        return obj, 1
    selector = _selector(obj, kind.kind, kind.api_version, for_logs=for_logs)
    pods = _sorted(store.list(cluster, "Pod", namespace=namespace, label_selector=selector), for_logs=for_logs)
    if not pods:
        pods = _sorted(_wait_for_pods(cluster, namespace, selector, timeout, cancelled), for_logs=for_logs)
    return pods[0], len(pods)


def _selector(obj: Obj, kind: str, api_version: str, *, for_logs: bool) -> str:
    spec = obj.get("spec") or {}
    if kind in _LABEL_SELECTOR:
        return label_selector_string(spec.get("selector")) or ""
    if kind == "Service" and not spec.get("selector"):
        reason = f"invalid service '{obj['metadata']['name']}': Service is defined without a selector"
    elif kind in _MAP_SELECTOR:
        return ",".join(f"{key}={value}" for key, value in sorted(spec["selector"].items()))
    else:
        reason = f"selector for *{api_version.rpartition('/')[2]}.{kind} not implemented"
    go_type = f"*{api_version.rpartition('/')[2]}.{kind}"
    raise KubectlError(f"cannot get the logs from {go_type}: {reason}" if for_logs
                       else f"cannot attach to {go_type}: {reason}")


def _wait_for_pods(cluster: str, namespace: str, selector: str, timeout: float,
                   cancelled: Callable[[], bool]) -> list[Obj]:
    """GetPodList's watch: the first pod added or changed that the selector selects, within `timeout`.
    (kubectl itself then indexes the empty list it listed first and panics; here the pods are listed again.)"""
    since, deadline = changelog.cluster_resource_version(cluster), time.monotonic() + timeout
    while time.monotonic() < deadline and not cancelled():
        for event in changelog.watch(cluster, since, kind="Pod", namespace=namespace,
                                     timeout=min(1.0, max(deadline - time.monotonic(), 0.001))):
            since = event.resource_version
            pods = store.list(cluster, "Pod", namespace=namespace, label_selector=selector)
            if pods:
                return pods
    raise KubectlError("timed out waiting for the condition")


def _sorted(pods: list[Obj], *, for_logs: bool) -> list[Obj]:
    """ByLogging for logs; sort.Reverse(ActivePods) for exec. They agree but for restarts:
    logs prefers the pod that restarted most, exec the one that restarted least."""
    def key(pod: Obj) -> tuple:
        status = pod.get("status") or {}
        ready_since = _ready_since(status)
        restarts = max((s.get("restartCount", 0) for s in status.get("containerStatuses") or []), default=0)
        created = pod["metadata"].get("creationTimestamp") or ""
        phase = status.get("phase", "")
        return (not (pod.get("spec") or {}).get("nodeName"),
                # logs: Running (and Succeeded, Failed), Unknown, Pending; exec: Running, Unknown, the rest
                {"Unknown": 1, "Pending": 2}.get(phase, 0) if for_logs else {"Running": 0, "Unknown": 1}.get(phase, 2),
                ready_since is None,
                (ready_since is None, ready_since or ""),  # ready longest first
                -restarts if for_logs else restarts,
                (not created, created))  # older first, no timestamp last
    return sorted(pods, key=key)


def _ready_since(status: Obj) -> str | None:
    return next((c.get("lastTransitionTime") or "" for c in status.get("conditions") or []
                 if c.get("type") == "Ready" and c.get("status") == "True"), None)


def duration(text: str, *, flag: str = "--pod-running-timeout") -> float:
    """A Go duration such as 20s, 1m0s, 500ms or -5s (time.ParseDuration), in seconds."""
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.removeprefix("+"))
    if body == "0":
        return 0.0
    parts = _DURATION.findall(body)
    if not parts or "".join(number + unit for number, unit in parts) != body:
        raise KubectlError(f'invalid argument "{text}" for "{flag}" flag: time: invalid duration "{text}"')
    return sign * sum(float(number) * _UNITS[unit] for number, unit in parts)
