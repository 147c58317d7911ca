"""The Pod page: the pod drawn as its pause container holding the shared namespaces, its health
checks (pod_health.py) beside the fault buttons (delete, crash, fail a probe: the same code as the
command line), its volumes (pod_volumes.py), each container with its state, environment, usage
and log tail, and its events.

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
from playground.sim.records import PodRecord
from playground.sim import usage as sim_usage
from playground.store import api as store
from playground.store import changelog
from playground.store.errors import BadRequest, NotFound
from playground.store.tables import cells

from . import picture
from .pod_health import health_picture
from .pod_volumes import volumes_picture
from .views import clock_context, object_action


LOG_TAIL = 50


@require_GET
def pod_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    try:
        version = changelog.cluster_resource_version(cluster)  # first: the page shows at least this
        context = pod_context(cluster, namespace, name)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/pod.html#live" if request.htmx else "web/pod.html"
    return render(request, template, {**context, "clock": clock_context(cluster), "live_version": version})


def pod_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the Pod page shows; the websocket consumer renders the same: the
    pod's phase and conditions, its sandbox (the pause container) then its containers, its events
    and the tail of each container's log."""
    pod = store.get(cluster, "Pod", name, namespace)
    now = store.now(cluster)
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status", {})
    _, ready, phrase, restarts, age = cells(pod, now=now)[:5]
    saved = checkpoint.load(cluster, [meta["uid"]]).get(meta["uid"])
    state = saved[0] if saved else None
    sandbox = sandbox_box(state, status)
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
        "sandbox": sandbox,
        "namespaces": namespaces_picture(pod, sandbox, containers),
        "volumes": volumes_picture(cluster, pod, state),
        "health": health_picture(pod, state, now),
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


def sandbox_box(state: PodRecord | None, status: dict[str, Any]) -> dict[str, Any]:
    """The pod sandbox as the kubelet knows it: the pause container and the pod's network."""
    sandbox = state.sandbox if state else None
    return {
        "state": sandbox.state if sandbox else "none",
        "ip": (sandbox.ip if sandbox else "") or status.get("podIP", ""),
        "id": sandbox.id if sandbox else "",
        "message": sandbox.message if sandbox else "",
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
        return {"kind": "running", "text": f"Running since {state['running'].get('startedAt', '')}", "word": "Running"}
    if "terminated" in state:
        t = state["terminated"]
        return {"kind": "terminated", "text": f"Terminated: {t.get('reason', '')} (exit code {t.get('exitCode', '')})",
                "detail": f"{t.get('startedAt', '')} → {t.get('finishedAt', '')}",
                "word": f"{t.get('reason', '')} (exit {t.get('exitCode', '')})"}
    if "waiting" in state:
        w = state["waiting"]
        return {"kind": "waiting", "text": f"Waiting: {w.get('reason', '')}", "detail": w.get("message", ""),
                "word": w.get("reason", "")}
    return None


def shared_namespaces(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The Linux namespaces the pause container holds for every container of the pod: net, ipc
    and uts, and pid when the pod shares its process namespace (the node's own, with hostNetwork,
    hostIPC or hostPID: the kubelet's namespacesForPod)."""
    rows = [
        {"name": "net", "node": bool(spec.get("hostNetwork")), "what": "one IP and localhost, one set of ports"},
        {"name": "ipc", "node": bool(spec.get("hostIPC")), "what": "shared memory and message queues"},
        {"name": "uts", "node": bool(spec.get("hostNetwork")), "what": "one hostname"},
    ]
    if spec.get("shareProcessNamespace") or spec.get("hostPID"):
        rows.append({"name": "pid", "node": bool(spec.get("hostPID")), "what": "each sees the others' processes"})
    return rows


def own_namespaces(spec: dict[str, Any]) -> list[str]:
    """What each container keeps to itself: its mount namespace (its own root filesystem) and,
    unless the pod shares it, its process namespace (its program is PID 1)."""
    return ["mnt"] if spec.get("shareProcessNamespace") or spec.get("hostPID") else ["pid", "mnt"]


COLUMN, LABELS, BOX_TOP, BOX_HEIGHT, BUS_GAP = 240, 190, 44, 80, 30  # the namespace picture's geometry
MAX_BOX_TEXT = 26
SHOWN_SCALE = 1.25  # drawn a quarter larger than its units: read from the back of a room, shrunk only to fit


def namespaces_picture(pod: dict[str, Any], sandbox: dict[str, Any], containers: list[dict[str, Any]]) -> dict[str, Any]:
    """The pod drawn as its pause container holding the shared namespaces: each a line the pause
    container and every container join (a dot where one joins), each container's own namespaces
    written in its box. Positions in the SVG's units."""
    spec = pod["spec"]
    shared = shared_namespaces(spec)
    own = "own: " + ", ".join(own_namespaces(spec))
    members = [{"name": "pause", "kind": f"sandbox {sandbox['state']}", "badge": "sandbox",
                "lines": [f"sandbox: {sandbox['state']}", "holds " + ", ".join(n["name"] for n in shared)]}]
    members += [{"name": c["name"], "kind": _box_kind(c), "badge": "init" if c["init"] else "",
                 "lines": [_short((c["state"] or {}).get("word", "")), own]} for c in containers]
    for index, member in enumerate(members):
        left = LABELS + index * COLUMN
        member.update(x=left + 10, width=COLUMN - 20, centre=left + COLUMN // 2, short=_short(member["name"]))
    bus_top = BOX_TOP + BOX_HEIGHT + 34
    buses = [{**n, "y": bus_top + i * BUS_GAP, "label": _bus_label(n, sandbox["ip"])} for i, n in enumerate(shared)]
    width = LABELS + len(members) * COLUMN + 10
    return {
        "width": width, "shown_width": round(width * SHOWN_SCALE), "height": buses[-1]["y"] + 24,
        "labels": LABELS, "box_top": BOX_TOP, "box_bottom": BOX_TOP + BOX_HEIGHT, "box_height": BOX_HEIGHT,
        "line_end": members[-1]["centre"] + 24, "last_bus": buses[-1]["y"], "members": members, "buses": buses,
        "title": f"Pod {pod['metadata']['name']}" + (f" · IP {sandbox['ip']}" if sandbox["ip"] else ""),
        "own": own_namespaces(spec),
    }


def _bus_label(namespace: dict[str, Any], ip: str) -> str:
    if namespace["node"]:
        return f"{namespace['name']}: the node's"
    return f"net · {ip}" if namespace["name"] == "net" and ip else namespace["name"]


def _box_kind(container: dict[str, Any]) -> str:
    """The box's colour: an init container that completed is done, not failed."""
    state = container["state"] or {}
    if state.get("kind") == "terminated" and state.get("word", "").startswith("Completed"):
        return "completed"
    return state.get("kind", "") + (" ready" if container["ready"] else "")


def _short(text: str) -> str:
    return text if len(text) <= MAX_BOX_TEXT else text[:MAX_BOX_TEXT - 1] + "…"


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


