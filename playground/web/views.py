"""Pages: the cluster picture (nodes and their pods, live), one Deployment (its revisions and
pods, live, with kubectl's scale / set image / rollout buttons), one Pod (its sandbox, containers,
events and logs, live), every object as kubectl lists it, and the clock controls. Views are thin:
they read the store and render partials."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from playground.api import kubectl
from playground.api.printers import row, table
from playground.sim import logs as sim_logs
from playground.sim import memory as sim_memory
from playground.store import api as store
from playground.store import clock as cluster_clock
from playground.store.errors import BadRequest, NotFound, StoreError
from playground.store.kinds import KINDS

from .picture import cluster_picture, deployment_picture

DEFAULT_CLUSTER = "default"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:cluster", cluster=DEFAULT_CLUSTER)


@require_GET
def cluster_view(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        context = cluster_context(cluster)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/cluster.html#nodes" if request.htmx else "web/cluster.html"
    return render(request, template, context)


def cluster_context(cluster: str) -> dict[str, Any]:
    """What the cluster page shows; the websocket consumer renders the same."""
    now = store.now(cluster)
    picture = cluster_picture(
        store.list(cluster, "Node"), store.list(cluster, "Pod"), now=now, replica_sets=store.list(cluster, "ReplicaSet")
    )
    return {"cluster": cluster, "picture": picture, "clock": clock_context(cluster)}


def clock_context(cluster: str) -> dict[str, Any]:
    state = cluster_clock.read(cluster)
    return {"time": state.now().strftime("%H:%M:%S"), "mode": state.mode, "speed": f"{state.speed:g}"}


@require_POST
def clock_view(request: HttpRequest, cluster: str) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "pause":
            cluster_clock.set_mode(cluster, "paused")
        elif action in ("run", "run10"):
            cluster_clock.set_mode(cluster, "running", speed=10.0 if action == "run10" else 1.0)
        elif action == "step" and cluster_clock.read(cluster).mode == "paused":
            cluster_clock.request_step(cluster)  # the controller manager runs one reconcile
        elif action == "advance":
            cluster_clock.advance(cluster, 10)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    if not request.htmx:
        return redirect("web:cluster", cluster=cluster)
    return render(request, "web/cluster.html#clock", {"cluster": cluster, "clock": clock_context(cluster)})


@require_GET
def objects_view(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        sections = [(k, store.list(cluster, k.kind)) for k in KINDS.values() if k.kind != "Event"]
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    now = store.now(cluster)
    tables = [
        {"kind": k, "text": table(objects, now=now, with_namespace=k.namespaced)}
        for k, objects in sections
        if objects
    ]
    return render(
        request, "web/objects.html", {"cluster": cluster, "clusters": store.cluster_names(), "tables": tables}
    )


# --- one Deployment -------------------------------------------------------------------------------


@require_GET
def deployment_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    try:
        context = deployment_page_context(cluster, namespace, name)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/deployment.html#live" if request.htmx else "web/deployment.html"
    return render(request, template, context)


def deployment_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the Deployment page shows; the websocket consumer renders the same."""
    deployment = store.get(cluster, "Deployment", name, namespace)
    replica_sets = store.list(cluster, "ReplicaSet", namespace=namespace)
    pods = store.list(cluster, "Pod", namespace=namespace)
    picture = deployment_picture(deployment, replica_sets, pods, now=store.now(cluster))
    return {"cluster": cluster, "namespace": namespace, "name": name, "deployment": picture}


def deployment_page_context(cluster: str, namespace: str, name: str, **forms: Any) -> dict[str, Any]:
    """The whole page: the live part, the clock, and the scale and set-image forms (as submitted
    when `forms` says so, else filled from the Deployment)."""
    context = deployment_context(cluster, namespace, name)
    containers = context["deployment"]["containers"]
    first = containers[0] if containers else {"name": "", "image": ""}
    defaults = {"replicas": context["deployment"]["replicas"], "container": first["name"], "image": first["image"]}
    return {**context, "clock": clock_context(cluster), "form": {**defaults, **forms}, "errors": {}, "done": {}}


def scale(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    try:
        replicas = int(data.get("replicas", ""))
    except ValueError:
        raise kubectl.KubectlError("replicas must be a whole number, e.g. 5") from None
    return kubectl.scale(cluster, "Deployment", name, namespace, replicas)


def set_image(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return kubectl.set_image(cluster, "Deployment", name, namespace, {data.get("container", ""): data.get("image", "").strip()})


def pause(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return kubectl.set_paused(cluster, name, namespace, paused=True)


def resume(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return kubectl.set_paused(cluster, name, namespace, paused=False)


def restart(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return kubectl.restart(cluster, name, namespace)


def undo(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return kubectl.undo(cluster, name, namespace)


DEPLOYMENT_ACTIONS: dict[str, Callable[[str, str, str, QueryDict], str]] = {
    "scale": scale,
    "image": set_image,
    "pause": pause,
    "resume": resume,
    "restart": restart,
    "undo": undo,
}


@require_POST
def deployment_action(request: HttpRequest, cluster: str, namespace: str, name: str, action: str) -> HttpResponse:
    """A button of the Deployment page. Without JavaScript: a redirect back to the page, or the
    page with the error beside the form (422). With htmx: the live part and the forms, swapped
    out of band, the error or kubectl's message beside the form."""
    if action not in DEPLOYMENT_ACTIONS:
        raise Http404(f"no such action: {action}")
    error = done = ""
    try:
        done = DEPLOYMENT_ACTIONS[action](cluster, namespace, name, request.POST)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    except StoreError as e:
        error = e.message
    except kubectl.KubectlError as e:
        error = str(e)
    if not error and not request.htmx:
        return redirect("web:deployment", cluster=cluster, namespace=namespace, name=name)
    forms = {k: request.POST.get(k, "") for k in ("replicas", "container", "image") if k in request.POST} if error else {}
    try:
        context = deployment_page_context(cluster, namespace, name, **forms)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    form = "toggle" if action in ("pause", "resume") else action  # one form, labelled by the state
    context["errors" if error else "done"] = {form: error or done}
    status = 422 if error else 200
    if not request.htmx:
        return render(request, "web/deployment.html", context, status=status)
    fragments = ("live", "scale-form", "image-form")
    html = "".join(render_to_string(f"web/deployment.html#{f}", context, request=request) for f in fragments)
    return HttpResponse(html, status=status)


# --- one Pod --------------------------------------------------------------------------------------

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
    _, ready, phrase, restarts, age = row(pod, now=now)[:5]
    runtime = sim_memory.load(cluster, [meta["uid"]]).get(meta["uid"])
    sandbox = runtime[0].sandbox if runtime else None
    statuses = {s["name"]: s for s in status.get("initContainerStatuses", []) + status.get("containerStatuses", [])}
    containers = [
        container_box(cluster, pod, c, statuses.get(c["name"]), init=init)
        for init, key in ((True, "initContainers"), (False, "containers"))
        for c in spec.get(key) or []
    ]
    events = [e for e in store.list(cluster, "Event", namespace=namespace) if e.get("involvedObject", {}).get("uid") == meta["uid"]]
    events.sort(key=lambda e: (e.get("lastTimestamp") or e.get("firstTimestamp") or "", e["metadata"]["name"]))
    return {
        "cluster": cluster,
        "namespace": namespace,
        "name": name,
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
                "message": e.get("message", ""),
                "count": e.get("count", 1),
                "last_seen": e.get("lastTimestamp") or e.get("firstTimestamp") or "",
                "from": e.get("source", {}).get("component", ""),
            }
            for e in events
        ],
    }


def container_box(cluster: str, pod: dict[str, Any], container: dict[str, Any], status: dict[str, Any] | None, *,
                  init: bool) -> dict[str, Any]:
    status = status or {}
    try:
        logs, logs_error = sim_logs.read(cluster, pod, container["name"], tail=LOG_TAIL), ""
    except BadRequest as e:
        logs, logs_error = [], e.message
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
