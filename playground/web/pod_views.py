"""The Pod page: its pause container holding the shared namespaces, each container with its
state, environment, usage and log tail, and the fault buttons (delete, crash, fail a probe) that
run the same code as the command line.

store → pod_context → templates/web/pod.html (whole page) or #live (htmx, websocket frame).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground.kubectl import verbs
from playground.sim import checkpoint, faults
from playground.sim import logs as sim_logs
from playground.sim import usage as sim_usage
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound
from playground.store.tables import cells

from . import picture
from .views import clock_context, object_action


LOG_TAIL = 50


@require_GET
def pod_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    try:
        context = pod_context(cluster, namespace, name)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/pod.html#live" if request.htmx else "web/pod.html"
    return render(request, template, {**context, "clock": clock_context(cluster)})


def pod_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the Pod page shows; the websocket consumer renders the same: the
    pod's phase and conditions, its sandbox (the pause container) then its containers, its events
    and the tail of each container's log."""
    pod = store.get(cluster, "Pod", name, namespace)
    now = store.now(cluster)
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status", {})
    _, ready, phrase, restarts, age = cells(pod, now=now)[:5]
    saved = checkpoint.load(cluster, [meta["uid"]]).get(meta["uid"])
    sandbox = saved[0].sandbox if saved else None
    statuses = {s["name"]: s for s in status.get("initContainerStatuses", []) + status.get("containerStatuses", [])}
    secrets = picture.secret_values(s for s in store.list(cluster, "Secret", namespace=namespace)
                                    if any(picture.references(pod, "Secret", s["metadata"]["name"])))
    containers = [
        container_box(cluster, pod, c, statuses.get(c["name"]), init=init, secrets=secrets)
        for init, key in ((True, "initContainers"), (False, "containers"))
        for c in spec.get(key) or []
    ]
    events = [e for e in store.list(cluster, "Event", namespace=namespace) if e.get("involvedObject", {}).get("uid") == meta["uid"]]
    events.sort(key=lambda e: (e.get("lastTimestamp") or e.get("firstTimestamp") or "", e["metadata"]["name"]))
    return {
        "cluster": cluster,
        "namespace": namespace,
        "name": name,
        "owner": picture.owner_link(cluster, pod),
        "node_url": picture.object_url(cluster, "Node", spec["nodeName"]) if spec.get("nodeName") else "",
        "pod": {
            "phase": status.get("phase", "Pending"),
            "status": phrase,
            "ready": ready,
            "restarts": restarts,
            "age": age,
            "ip": status.get("podIP", ""),
            "node": spec.get("nodeName", ""),
            "host_ip": status.get("hostIP", ""),
            "qos": status.get("qosClass", ""),
            "conditions": status.get("conditions", []),
            "terminating": bool(meta.get("deletionTimestamp")),
        },
        "sandbox": {
            "state": sandbox.state if sandbox else "none",
            "ip": (sandbox.ip if sandbox else "") or status.get("podIP", ""),
            "id": sandbox.id if sandbox else "",
            "message": sandbox.message if sandbox else "",
            "namespaces": pause_namespaces(spec),
        },
        "containers": containers,
        "log_tail": LOG_TAIL,
        "events": [
            {
                "type": e.get("type", ""),
                "reason": e.get("reason", ""),
                "message": picture.mask(e.get("message", ""), secrets),
                "count": e.get("count", 1),
                "last_seen": e.get("lastTimestamp") or e.get("firstTimestamp") or "",
                "from": e.get("source", {}).get("component", ""),
            }
            for e in events
        ],
    }


def container_box(cluster: str, pod: dict[str, Any], container: dict[str, Any], status: dict[str, Any] | None, *,
                  init: bool, secrets: list[str]) -> dict[str, Any]:
    """One container as the page draws it; any value of a Secret the pod uses is masked in its
    environment and logs (`secrets`: those values, from picture.secret_values)."""
    status = status or {}
    try:
        logs, logs_error = sim_logs.read(cluster, pod, container["name"], tail=LOG_TAIL), ""
    except BadRequest as e:
        logs, logs_error = [], e.message
    logs = [picture.mask(line, secrets) for line in logs]
    resources = container.get("resources") or {}
    return {
        "name": container["name"],
        "init": init,
        "image": container.get("image", ""),
        "state": container_state(status.get("state") or {"waiting": {"reason": "ContainerCreating"}}),
        "last_state": container_state(status.get("lastState") or {}),
        "ready": bool(status.get("ready")),
        "restart_count": status.get("restartCount", 0),
        "requests": resources.get("requests") or {},
        "limits": resources.get("limits") or {},
        "namespaces": container_namespaces(pod["spec"]),
        "probes": [kind for kind in ("liveness", "readiness") if container.get(f"{kind}Probe")],
        "env": container_env(container, secrets),
        "usage": container_usage(cluster, pod, container, status),
        "logs": logs,
        "logs_error": logs_error,
    }


def container_state(state: dict[str, Any]) -> dict[str, Any] | None:
    """A container state as one word and its details: waiting (reason), running (since) or
    terminated (reason and exit code)."""
    if "running" in state:
        return {"kind": "running", "text": f"Running since {state['running'].get('startedAt', '')}"}
    if "terminated" in state:
        t = state["terminated"]
        return {"kind": "terminated", "text": f"Terminated: {t.get('reason', '')} (exit code {t.get('exitCode', '')})",
                "detail": f"{t.get('startedAt', '')} → {t.get('finishedAt', '')}"}
    if "waiting" in state:
        w = state["waiting"]
        return {"kind": "waiting", "text": f"Waiting: {w.get('reason', '')}", "detail": w.get("message", "")}
    return None


def pause_namespaces(spec: dict[str, Any]) -> list[dict[str, str]]:
    """The Linux namespaces of the pause container: it holds the pod's net, ipc and uts."""
    return [
        {"name": "pid", "holder": "the node's" if spec.get("hostPID") else "own"},
        {"name": "mnt", "holder": "own"},
        {"name": "net", "holder": "the node's" if spec.get("hostNetwork") else "own: holds the network namespace"},
        {"name": "ipc", "holder": "the node's" if spec.get("hostIPC") else "own"},
        {"name": "uts", "holder": "the node's" if spec.get("hostNetwork") else "own"},
    ]


def container_namespaces(spec: dict[str, Any]) -> list[dict[str, str]]:
    """The Linux namespaces of an app or init container: its own pid (unless the pod shares
    its process namespace) and mnt; net, ipc and uts shared with the pause container."""
    shared = "shared with pause"
    return [
        {"name": "pid", "holder": "the node's" if spec.get("hostPID") else shared if spec.get("shareProcessNamespace") else "own"},
        {"name": "mnt", "holder": "own"},
        {"name": "net", "holder": "the node's" if spec.get("hostNetwork") else shared},
        {"name": "ipc", "holder": "the node's" if spec.get("hostIPC") else shared},
        {"name": "uts", "holder": "the node's" if spec.get("hostNetwork") else shared},
    ]


def container_env(container: dict[str, Any], secrets: list[str]) -> list[dict[str, str]]:
    """The container's env and envFrom as written: literal values (any Secret value in them
    masked), and where each valueFrom comes from; a Secret's value itself is never shown."""
    lines = []
    for env in container.get("env") or []:
        source = env.get("valueFrom") or {}
        if "value" in env or not source:
            lines.append({"name": env["name"], "value": picture.mask(str(env.get("value", "")), secrets)})
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            lines.append({"name": env["name"], "value": picture.MASK, "source": f"Secret {ref.get('name', '')} key {ref.get('key', '')}"})
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            lines.append({"name": env["name"], "source": f"ConfigMap {ref.get('name', '')} key {ref.get('key', '')}"})
        else:
            field = source.get("fieldRef", {}).get("fieldPath") or source.get("resourceFieldRef", {}).get("resource", "")
            lines.append({"name": env["name"], "source": f"the Downward API: {field}"})
    for source in container.get("envFrom") or []:
        kind, ref = ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else ("Secret", source.get("secretRef") or {})
        lines.append({"name": f"{source.get('prefix', '')}*", "source": f"every key of {kind} {ref.get('name', '')}"})
    return lines


def container_usage(cluster: str, pod: dict[str, Any], container: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    """The container's cgroup limits (memory.max, cpu.max, cpu.weight) against its simulated
    usage (sim/usage.py), and OOMKilled when its memory went over the limit and the kernel
    killed it."""
    states = [status.get("state") or {}, status.get("lastState") or {}]
    oom = any((s.get("terminated") or {}).get("reason") == "OOMKilled" for s in states)
    meta = pod["metadata"]
    if container["name"] not in [c["name"] for c in pod["spec"].get("containers") or []]:
        return {"rows": [], "oom_killed": oom}  # an init container: done before the app containers run
    try:
        now = sim_usage.container_usage(cluster, meta.get("namespace", ""), meta["name"], container["name"])
    except (NotFound, BadRequest):
        return {"rows": [], "oom_killed": oom}
    memory_percent = now.memory_percent_of_limit
    cpu_percent = 100.0 * now.cpu_millicores / now.cpu_limit_millicores if now.cpu_limit_millicores else None
    return {
        "rows": [
            {"name": "memory", "cgroup": f"memory.max {now.cgroup.memory_max}", "used": f"{now.memory_bytes / 2**20:.1f}Mi",
             "limit": container_limit(container, "memory"), "percent": None if memory_percent is None else int(memory_percent)},
            {"name": "cpu", "cgroup": f"cpu.max {now.cgroup.cpu_max}, cpu.weight {now.cgroup.cpu_weight}",
             "used": f"{now.cpu_millicores}m", "limit": container_limit(container, "cpu"),
             "percent": None if cpu_percent is None else int(cpu_percent)},
        ],
        "running": now.running,
        "oom_killed": oom or now.oom_killed,
    }


def container_limit(container: dict[str, Any], resource: str) -> str:
    return ((container.get("resources") or {}).get("limits") or {}).get(resource) or "none"


def pod_delete(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return verbs.delete(cluster, "Pod", name, namespace)


def pod_crash(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    container = data.get("container", "")
    faults.crash_container(cluster, namespace, name, container)
    return f"container {container} crashed"


def pod_fail_probe(probe: str, *, failing: bool) -> Callable[[str, str, str, QueryDict], str]:
    def act(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
        container = data.get("container", "")
        faults.fail_probe(cluster, namespace, name, container, probe=probe, failing=failing)
        return f"{probe} probe of {container} {'failing' if failing else 'passing again'}"

    return act


POD_ACTIONS: dict[str, Callable[[str, str, str, QueryDict], str]] = {
    "delete": pod_delete,
    "crash": pod_crash,
    "fail-liveness": pod_fail_probe("liveness", failing=True),
    "heal-liveness": pod_fail_probe("liveness", failing=False),
    "fail-readiness": pod_fail_probe("readiness", failing=True),
    "heal-readiness": pod_fail_probe("readiness", failing=False),
}


@require_POST
def pod_action(request: HttpRequest, cluster: str, namespace: str, name: str, action: str) -> HttpResponse:
    """A fault button of the Pod page: delete the pod as `kubectl delete pod` does, crash a
    container, or make one of its probes fail. Back to the page (or, with htmx, its live part)
    with kubectl's message or the error."""
    if action not in POD_ACTIONS:
        raise Http404(f"no such action: {action}")
    return object_action(request, cluster, lambda: POD_ACTIONS[action](cluster, namespace, name, request.POST),
                         page=lambda: pod_context(cluster, namespace, name), template="web/pod.html",
                         url=picture.object_url(cluster, "Pod", name, namespace))


