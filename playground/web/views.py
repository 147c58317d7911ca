"""Pages: the cluster picture (nodes and their pods, live, filtered by namespace), one object per
page (Deployment, ReplicaSet, Node, Namespace, Service, StatefulSet, DaemonSet, ConfigMap,
Secret; each live; the Pod page is pod_views.py), the Events timeline, a DNS lookup, every object as kubectl lists it (in pages
of kubectl's chunk size, with the API server's continue token), and the clock controls. Views
are thin: they read the store, build a context with a `*_context(cluster, ...)` function that
the page's websocket consumer (consumers.py) renders too, and render the page or, for htmx, its
live partial. Buttons POST (with CSRF) to the same code the command line
runs (playground.kubectl, playground.sim.faults).

store → *_context → templates/web/<page>.html (whole page) or #live (htmx, websocket frame).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from playground.images import catalog
from playground.kubectl import rollout, verbs
from playground.kubectl.errors import KubectlError
from playground.runtime import informer
from playground.sim import dns, faults, kind
from playground.sim.faults import KUBELET_STOPPED
from playground.store import api as store
from playground.store import clock as cluster_clock
from playground.store import changelog, chunking, clusters
from playground.store.api import LAST_APPLIED
from playground.store.errors import BadRequest, NotFound, StoreError
from playground.store.kinds import KINDS, Kind

from . import lesson_views, navigation, picture, stateful_picture
from .picture import cluster_picture, deployment_picture
from .sizes import human

PROJECTOR = "projector"  # the query parameter and the cookie that remembers it
PROJECTOR_REMEMBERED = 365 * 24 * 3600  # seconds: a workshop's laptop keeps it from one day to the next


@require_GET
def cluster_view(request: HttpRequest, cluster: str) -> HttpResponse:
    namespace = request.GET.get("namespace", "")
    try:
        context = cluster_context(cluster, namespace=namespace)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/cluster.html#nodes" if request.htmx else "web/cluster.html"
    projector = projector_mode(request)
    response = render(request, template, {**context, "namespaces": namespace_names(cluster), "projector": projector,
                                          "first_lesson": lesson_views.first_lesson_for(request),
                                          "projector_toggle": "?" + urlencode({**request.GET.dict(),
                                                                               "projector": int(not projector)})})
    if PROJECTOR in request.GET:  # remembered: the next visit to the cluster page opens as it was left
        response.set_cookie(PROJECTOR, "1" if projector else "0", max_age=PROJECTOR_REMEMBERED, samesite="Lax",
                            httponly=True)
    return response


def projector_mode(request: HttpRequest) -> bool:
    """Projector mode (large type, high contrast, the whole width) for the cluster page:
    `?projector=1` or `0` in the address, else as the cookie remembers it."""
    return request.GET.get(PROJECTOR, request.COOKIES.get(PROJECTOR, "0")) == "1"


# What cluster_context reads of the cluster, besides its clock: a commit of none of these (a node's
# Lease renewed, an Event) leaves the cluster page as it was
CLUSTER_PAGE_KINDS = frozenset({"Node", "Pod", "ReplicaSet", "ControllerRevision"})


def cluster_context(cluster: str, *, namespace: str = "", version: int | None = None,
                    clock: cluster_clock.ClockState | None = None) -> dict[str, Any]:
    """What the cluster page shows (only the pods of `namespace` when one is chosen); the
    websocket consumer renders the same (`version`: the cluster's, as it was told; `clock`: the
    clock as the socket knows it still is, read here if not given)."""
    objects = informer.shared(cluster, version=version)  # from memory: only what changed is read again
    version = objects.seen_version
    clock = clock or cluster_clock.read(cluster)  # once: the ages drawn and the clock shown agree
    pods = objects.list_sorted("Pod", namespace=namespace or None)
    picture_ = cluster_picture(
        objects.list_sorted("Node"), pods, now=clock.now(),
        replica_sets=objects.list_sorted("ReplicaSet", namespace=namespace or None),
        revisions=objects.list_sorted("ControllerRevision", namespace=namespace or None),
    )
    return {"cluster": cluster, "picture": picture_, "clock": clock_display(clock), "clock_state": clock, "namespace": namespace,
            "query": namespace_query(namespace), "resource_version": version}  # the socket resumes from it


def namespace_query(namespace: str) -> str:
    """The namespace filter as it is kept in links: `?namespace=NS`, or nothing."""
    return "?" + urlencode({"namespace": namespace}) if namespace else ""


def namespace_names(cluster: str) -> list[str]:
    return [n["metadata"]["name"] for n in store.list(cluster, "Namespace")]


def clock_context(cluster: str) -> dict[str, Any]:
    return clock_display(cluster_clock.read(cluster))


def clock_display(state: cluster_clock.ClockState) -> dict[str, Any]:
    """The clock as its partial draws it. `at` (simulated ms since the epoch) and `speed` let
    static/clock.js tick the shown time between frames while nothing else changes, and
    `holds_at` (ms; "" for a clock that is not running) is as far as it ticks: where the
    server's clock is held until its controller manager's next turn."""
    now = state.now()
    running = state.mode == "running"
    asleep = state.asleep()
    holds_at = state.holds_at()
    return {
        "time": now.strftime("%H:%M:%S"), "at": _ms(now), "mode": "asleep" if asleep else state.mode,
        "holds_at": _ms(holds_at) if holds_at is not None else "", "held": state.held(),
        "asleep": asleep, "idle": cluster_clock.idle_text(state.idle_seconds()) if asleep else "",
        "speed": f"{state.speed:g}", "speed_text": cluster_clock.speed_text(state.speed), "anchor": state.anchor,
        "speeds": [{"value": f"{s:g}", "text": cluster_clock.speed_text(s), "current": running and s == state.speed}
                   for s in cluster_clock.SPEEDS],
    }


def _ms(moment: datetime.datetime) -> int:
    """A simulated moment as the page's script reads it: ms since the epoch."""
    return round(moment.timestamp() * 1000)


@require_POST
def clock_view(request: HttpRequest, cluster: str) -> HttpResponse:
    """Pause, Step, a speed (runs the clock at it), Instant, +10 s; every open page of the
    cluster is told (clock.clock_changed → apps.tell_pages_of_clock)."""
    action, speed = request.POST.get("action", ""), request.POST.get("speed", "")
    try:
        if speed:
            cluster_clock.set_mode(cluster, "running", speed=_float(speed))
        elif action == "pause":
            cluster_clock.set_mode(cluster, "paused")
        elif action == "instant":
            cluster_clock.set_mode(cluster, "instant")
        elif action == "run":
            cluster_clock.set_mode(cluster, "running")
        elif action == "step" and cluster_clock.read(cluster).mode == "paused":
            cluster_clock.request_step(cluster)  # the controller manager runs one reconcile
        elif action == "advance":
            cluster_clock.advance(cluster, 10)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    except BadRequest as e:
        return HttpResponse(e.message, status=400, content_type="text/plain; charset=utf-8")
    if not request.htmx:
        return redirect(back_to(request, cluster))
    context = {"cluster": cluster, "clock": clock_context(cluster), "next": request.POST.get("next", "")}
    return render(request, "web/cluster.html#clock", context)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise BadRequest(f'clock speed "{text}" is not a number') from None


def back_to(request: HttpRequest, cluster: str) -> str:
    """The page a clock button was pressed on (a local path only), else the cluster page."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return f"/clusters/{cluster}/"


@require_GET
def objects_view(request: HttpRequest, cluster: str) -> HttpResponse:
    """Every object as `kubectl get` lists it, OBJECTS_PAGE rows a page, kind after kind; the
    Next link carries the continue token of where the page stopped."""
    namespace, resource = request.GET.get("namespace", ""), request.GET.get("kind", "")
    kinds = [k for k in KINDS.values() if k.kind != "Event" and (k.namespaced or not namespace)]
    if resource:  # one kind, by its resource as kubectl names it (the sidebar's links)
        kinds = [k for k in KINDS.values() if k.plural == resource and k.kind != "Event"]
        if not kinds:
            return render(request, "web/not_found.html", status=404,
                          context={"message": f'the server doesn\'t have a resource type "{resource}"'})
        namespace = namespace if kinds[0].namespaced else ""
    query = {key: value for key, value in (("namespace", namespace), ("kind", resource)) if value}
    try:
        sections, next_token = objects_page(cluster, kinds, namespace=namespace,
                                            continue_=request.GET.get("continue", ""))
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    except BadRequest as e:
        first = f"/clusters/{cluster}/objects/" + (f"?{urlencode(query)}" if query else "")
        return render(request, "web/bad_request.html", {"message": f"continue: {e.message}", "first_page": first},
                      status=400)
    now = store.now(cluster)
    tables = [
        {"kind": k, "lines": picture.linked_table(cluster, chunk.items, now=now,
                                                  with_namespace=k.namespaced and not namespace)}
        for k, chunk in sections
    ]
    context = {"cluster": cluster, "clusters": clusters.names(), "tables": tables, "namespace": namespace,
               "query": namespace_query(namespace), "page_query": f"?{urlencode(query)}" if query else "",
               "namespaces": namespace_names(cluster),
               "kind": kinds[0] if resource else None, "kind_title": navigation.plural_title(kinds[0].kind) if resource else "",
               "continued": "continue" in request.GET,
               "next": "?" + urlencode({**query, "continue": next_token}) if next_token else ""}
    return render(request, "web/objects.html", context)


OBJECTS_PAGE = chunking.DEFAULT_CHUNK_SIZE  # rows a page of objects shows, as kubectl's chunks


def objects_page(cluster: str, kinds: list[Kind], *, namespace: str, continue_: str,
                 limit: int = OBJECTS_PAGE) -> tuple[list[tuple[Kind, store.ListChunk]], str]:
    """Up to `limit` objects of the kinds in turn (kubectl get with many types), each kind in key
    order, and the token of the page after. The token is the store's continue token with the
    kind's resource in front of its key (`configmaps/default/cm-7`), as an etcd key has it."""
    first, token, version = 0, "", 0
    if continue_:
        start, version = chunking.decode_continue(continue_)
        plural, _, key = start.partition("/")
        first = next((i for i, k in enumerate(kinds) if k.plural == plural), -1)
        if first < 0:
            raise BadRequest(f"continue key is not valid: no resource {plural!r} on this page")
        token = chunking.encode_continue(key, version) if key else ""
    sections: list[tuple[Kind, store.ListChunk]] = []
    for index in range(first, len(kinds)):
        k = kinds[index]
        chunk = store.list_chunk(cluster, k.kind, limit=limit, continue_=token, namespace=namespace or None)
        token, version = "", version or chunk.resource_version
        if chunk.items:
            sections.append((k, chunk))
            limit -= len(chunk.items)
        if chunk.continue_:
            key, _ = chunking.decode_continue(chunk.continue_)
            return sections, chunking.encode_continue(f"{k.plural}/{key}", version)
        if limit == 0:
            rest = next((k for k in kinds[index + 1:] if store.list_chunk(cluster, k.kind, limit=1,
                         namespace=namespace or None).items), None)
            return sections, chunking.encode_continue(rest.plural, version) if rest else ""
    return sections, ""


# --- one Deployment -------------------------------------------------------------------------------


@require_GET
def deployment_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    try:
        version = changelog.cluster_resource_version(cluster)  # first: the page shows at least this
        context = deployment_page_context(cluster, namespace, name)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/deployment.html#live" if request.htmx else "web/deployment.html"
    return render(request, template, {**context, "live_version": version})


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
        raise KubectlError("replicas must be a whole number, e.g. 5") from None
    return verbs.scale(cluster, "Deployment", name, namespace, replicas)


def set_image(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return verbs.set_image(cluster, "Deployment", name, namespace, {data.get("container", ""): data.get("image", "").strip()})


def pause(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return rollout.set_paused(cluster, name, namespace, paused=True)


def resume(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return rollout.set_paused(cluster, name, namespace, paused=False)


def restart(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return rollout.restart(cluster, name, namespace)


def undo(cluster: str, namespace: str, name: str, data: QueryDict) -> str:
    return rollout.undo(cluster, name, namespace)


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
    except KubectlError as e:
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


def object_action(request: HttpRequest, cluster: str, act: Callable[[], str | list[str]], *,
                  page: Callable[[], dict[str, Any]], template: str, url: str) -> HttpResponse:
    """Run a button's action; without JavaScript redirect back to the page (or show it with the
    error, 422); with htmx answer with the live part carrying the message."""
    try:
        done, error = act(), ""
    except NotFound as e:
        if not request.htmx:
            return redirect(url)  # the pod it acted on is gone: the page says so
        done, error = "", e.message
    except StoreError as e:
        done, error = "", e.message
    except (KubectlError, ValueError) as e:
        done, error = "", str(e)
    if not error and not request.htmx:
        return redirect(url)
    message = {"error": error, "done": "\n".join(done) if isinstance(done, list) else done}
    status = 422 if error else 200
    try:
        context = {**page(), "message": message}
    except NotFound as e:
        context = {"cluster": cluster, "missing": e.message, "message": message}
    if request.htmx:
        html = "".join(render_to_string(name, context, request=request) for name in (f"{template}#live", "web/parts.html#message"))
        return HttpResponse(html, status=status)
    return render(request, template, {**context, "clock": clock_context(cluster)}, status=status)


# --- the other object pages --------------------------------------------------------------------------


def object_page(request: HttpRequest, cluster: str, template: str, build: Callable[[], dict[str, Any]],
                **extra: Any) -> HttpResponse:
    """An object page: the whole page, or its live part for htmx; "not found" (404) for an
    object or cluster that does not exist."""
    try:
        version = changelog.cluster_resource_version(cluster)  # first: the page shows at least this
        context = build()
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    if request.htmx:
        return render(request, f"{template}#live", context)
    return render(request, template, {**context, "clock": clock_context(cluster), "live_version": version, **extra})


@require_GET
def replica_set_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/replicaset.html", lambda: replica_set_context(cluster, namespace, name))


def replica_set_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the ReplicaSet page shows; the websocket consumer renders the same."""
    rs = store.get(cluster, "ReplicaSet", name, namespace)
    pods = store.list(cluster, "Pod", namespace=namespace)
    events = store.list(cluster, "Event", namespace=namespace)
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "rs": picture.replica_set_picture(cluster, rs, pods, now=store.now(cluster)),
        "events": picture.events_about(events, rs["metadata"]["uid"]),
    }


@require_GET
def node_view(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/node.html", lambda: node_context(cluster, name))


def node_context(cluster: str, name: str) -> dict[str, Any]:
    """What the live part of the Node page shows; the websocket consumer renders the same."""
    node = store.get(cluster, "Node", name)
    try:
        lease = store.get(cluster, "Lease", name, "kube-node-lease")
    except NotFound:
        lease = None
    pods = store.list(cluster, "Pod", field_selector=f"spec.nodeName={name}")
    return {
        "cluster": cluster, "name": name,
        "node": picture.node_picture(node, pods, lease=lease, now=store.now(cluster),
                                     layers_of=lambda reference: image_layers(cluster, reference)),
        "kubelet_stopped": (node["metadata"].get("annotations") or {}).get(KUBELET_STOPPED) == "true",
        "events": picture.events_about(store.list(cluster, "Event"), node["metadata"]["uid"]),
    }


def image_layers(cluster: str, reference: str) -> list[dict[str, Any]]:
    """The layers of an image as the catalog or the cluster's own images know them (none for an
    image neither does): an image built or imported on the cluster is found on that cluster only."""
    image = catalog.find(reference, cluster=cluster) if reference else None
    if image is None:
        return []
    # a node pulled each layer compressed (node.status.images counts those bytes); unpacked it weighs more
    return [{"digest": layer.digest, "short": layer.digest.removeprefix("sha256:")[:12],
             "size": human(catalog.compressed_size(layer)), "unpacked_bytes": layer.size} for layer in image.layers]


NODE_ACTIONS: dict[str, Callable[[str, str, QueryDict], str | list[str]]] = {
    "cordon": lambda cluster, name, data: verbs.set_unschedulable(cluster, name, unschedulable=True),
    "uncordon": lambda cluster, name, data: verbs.set_unschedulable(cluster, name, unschedulable=False),
    "drain": lambda cluster, name, data: verbs.drain(cluster, name, ignore_daemonsets=True, force=data.get("force") == "on"),
    "stop": lambda cluster, name, data: faults.set_kubelet_running(cluster, name, running=False),
    "start": lambda cluster, name, data: faults.set_kubelet_running(cluster, name, running=True),
}


@require_POST
def node_action(request: HttpRequest, cluster: str, name: str, action: str) -> HttpResponse:
    """A button of the Node page: cordon, uncordon, drain (as `kubectl drain --ignore-daemonsets`,
    with `--force` when ticked), or stop and start its simulated kubelet."""
    if action not in NODE_ACTIONS:
        raise Http404(f"no such action: {action}")
    return object_action(request, cluster, lambda: NODE_ACTIONS[action](cluster, name, request.POST),
                         page=lambda: node_context(cluster, name), template="web/node.html",
                         url=picture.object_url(cluster, "Node", name))


@require_POST
def join_node(request: HttpRequest, cluster: str) -> HttpResponse:
    """The cluster page's Add a worker: a new machine joins the cluster (`kubeadm join`), and the
    page shows it come up: NotReady, given its pod range, Ready."""
    try:
        kind.join_node(cluster)
    except NotFound as e:
        raise Http404(e.message) from None
    except StoreError as e:
        return render(request, "web/bad_request.html", {"message": e.message}, status=422)
    return redirect("web:cluster", cluster=cluster)


@require_GET
def namespace_view(request: HttpRequest, cluster: str, name: str) -> HttpResponse:
    continue_ = request.GET.get("continue", "")
    try:
        return object_page(request, cluster, "web/namespace.html",
                           lambda: namespace_context(cluster, name, continue_=continue_))
    except BadRequest as e:
        return render(request, "web/bad_request.html", {"message": f"continue: {e.message}",
                      "first_page": f"/clusters/{cluster}/namespaces/{name}/"}, status=400)


def namespace_context(cluster: str, name: str, *, continue_: str = "") -> dict[str, Any]:
    """The objects of the namespace, grouped by kind, as `kubectl get KIND -n NS` lists them,
    OBJECTS_PAGE rows a page from where `continue_` says."""
    ns = store.get(cluster, "Namespace", name)
    now = store.now(cluster)
    kinds = [k for k in KINDS.values() if k.namespaced and k.kind != "Event"]
    chunks, next_token = objects_page(cluster, kinds, namespace=name, continue_=continue_)
    sections = [
        {"kind": k, "count": len(chunk.items), "more": chunk.remaining_item_count,
         "lines": picture.linked_table(cluster, chunk.items, now=now, with_namespace=False)}
        for k, chunk in chunks
    ]
    events = store.list(cluster, "Event", namespace=name)
    return {
        "cluster": cluster, "name": name,
        "phase": (ns.get("status") or {}).get("phase", "Active"),
        "labels": sorted((ns["metadata"].get("labels") or {}).items()),
        "sections": sections,
        "event_count": len(events),
        "warnings": sum(1 for e in events if e.get("type") == "Warning"),
        "continue_token": continue_, "next": "?" + urlencode({"continue": next_token}) if next_token else "",
    }


# --- the Events timeline ---------------------------------------------------------------------------

EVENT_LIMIT = 200
EVENT_FILTERS = ("namespace", "kind", "name", "type", "reason")


def event_filters(query: QueryDict) -> dict[str, str]:
    return {key: query.get(key, "").strip() for key in EVENT_FILTERS}


@require_GET
def events_view(request: HttpRequest, cluster: str) -> HttpResponse:
    filters = event_filters(request.GET)
    before = request.GET.get("before", "")
    return object_page(request, cluster, "web/events.html", lambda: events_context(cluster, **filters, before=before),
                       namespaces=namespace_names_or_none(cluster))


def namespace_names_or_none(cluster: str) -> list[str]:
    try:
        return namespace_names(cluster)
    except NotFound:
        return []


def events_context(cluster: str, *, namespace: str = "", kind: str = "", name: str = "", type: str = "",  # noqa: A002
                   reason: str = "", before: str = "") -> dict[str, Any]:
    """The cluster's Events, newest first, through the filters, EVENT_LIMIT a page from the
    cursor `before`; the websocket renders the same."""
    filters = {"namespace": namespace, "kind": kind, "name": name, "type": type, "reason": reason}
    secrets = picture.secret_values(store.list(cluster, "Secret"))
    timeline = picture.events_timeline(cluster, store.list(cluster, "Event"), limit=EVENT_LIMIT, secrets=secrets,
                                       before=before, namespace=namespace, kind=kind, name=name, type_=type,
                                       reason=reason)
    navigation.mark_deleted(cluster, timeline["lines"])  # after the Events were read: see its docstring
    shown = {k: v for k, v in filters.items() if v}
    query = urlencode(shown)
    return {"cluster": cluster, "filters": filters, "timeline": timeline, "limit": EVENT_LIMIT,
            "types": picture.EVENT_TYPES, "query": f"?{query}" if query else "", "before": before,
            "socket_query": "?" + urlencode({**shown, "before": before}) if before else (f"?{query}" if query else ""),
            "older": "?" + urlencode({**shown, "before": timeline["next"]}) if timeline["next"] else ""}


# --- Service, DNS -------------------------------------------------------------------------------------


@require_GET
def service_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/service.html", lambda: service_context(cluster, namespace, name))


def service_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """The Service, which of its namespace's pods receive its traffic and why the others do
    not, and its Endpoints as the controller wrote them."""
    service = store.get(cluster, "Service", name, namespace)
    try:
        endpoints = store.get(cluster, "Endpoints", name, namespace)
    except NotFound:
        endpoints = None
    pods = store.list(cluster, "Pod", namespace=namespace)
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "service": picture.service_picture(cluster, service, pods, endpoints),
        "dns_name": f"{name}.{namespace}.svc.{dns.ZONE}",
        "events": picture.events_about(store.list(cluster, "Event", namespace=namespace), service["metadata"]["uid"]),
    }


@require_GET
def dns_view(request: HttpRequest, cluster: str) -> HttpResponse:
    query = {"name": request.GET.get("name", "").strip(), "namespace": request.GET.get("namespace", "default").strip() or "default",
             "type": request.GET.get("type", "A").upper()}
    if query["type"] not in dns.RECORD_TYPES:
        query["type"] = "A"
    return object_page(request, cluster, "web/dns.html", lambda: dns_context(cluster, **query),
                       namespaces=namespace_names_or_none(cluster), record_types=dns.RECORD_TYPES)


def dns_context(cluster: str, *, name: str = "", namespace: str = "default", type: str = "A") -> dict[str, Any]:  # noqa: A002
    """A lookup as a pod in `namespace` makes it (each name of its search list, then the answer),
    and the names the namespace's Services and pods have; the websocket renders the same."""
    world = dns_world(cluster)
    lookup = None
    if name:
        candidates = searched(dns.search_candidates(name, namespace), type, world)
        answer = dns.resolve(name, services=world.services.values(), endpoints=world.endpoints.values(), pods=world.pods,
                             namespace=namespace, record_type=type, namespaces=world.namespaces)
        lookup = {"candidates": candidates, "answer": answer, "lines": list(dns.answer_lines(answer))}
    query = urlencode({"name": name, "namespace": namespace, "type": type}) if name else urlencode({"namespace": namespace})
    return {"cluster": cluster, "query": {"name": name, "namespace": namespace, "type": type}, "lookup": lookup,
            "names": namespace_dns_names(cluster, world, namespace), "ndots": dns.NDOTS, "qs": f"?{query}"}


def searched(candidates: list[str], record_type: str, world: dns.World) -> list[dict[str, Any]]:
    """Each name of the search list with CoreDNS's answer, until the first with records: the
    resolver asks no further (res_search)."""
    rows: list[dict[str, Any]] = []
    answered = False
    for candidate in candidates:
        answer = None if answered else dns.query(candidate, record_type, world)
        answered = answered or bool(answer and answer.records)
        rows.append({"name": candidate, "answer": answer})
    return rows


def dns_world(cluster: str) -> dns.World:
    return dns.World(
        services={(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in store.list(cluster, "Service")},
        endpoints={(e["metadata"]["namespace"], e["metadata"]["name"]): e for e in store.list(cluster, "Endpoints")},
        pods=store.list(cluster, "Pod"),
        namespaces=frozenset(namespace_names(cluster)),
        pod_mode="insecure",
    )


def namespace_dns_names(cluster: str, world: dns.World, namespace: str) -> list[dict[str, Any]]:
    """The names CoreDNS answers for a namespace's Services (ClusterIP or, headless, one A
    record per ready endpoint, each endpoint's own name, SRV per named port) and pods."""
    names = []
    for (ns, service_name), service in sorted(world.services.items()):
        if ns != namespace:
            continue
        url = picture.object_url(cluster, "Service", service_name, ns)
        base = f"{service_name}.{ns}.svc.{dns.ZONE}."
        asked = [(base, "A")]
        for subset in (world.endpoints.get((ns, service_name)) or {}).get("subsets") or []:
            if service["spec"].get("clusterIP") == "None":
                asked += [(f"{dns.endpoint_hostname(a)}.{base}", "A") for a in dns.ready_addresses(service, subset)]
        asked += [(f"_{p['name']}._{p.get('protocol', 'TCP').lower()}.{base}", "SRV")
                  for p in service["spec"].get("ports") or [] if p.get("name")]
        for fqdn, record_type in dict.fromkeys(asked):
            answer = dns.query(fqdn, record_type, world)
            names.append({"name": fqdn, "type": record_type, "data": [r.data for r in answer.records], "url": url, "of": f"service/{service_name}"})
    for pod in world.pods:
        ip = (pod.get("status") or {}).get("podIP")
        if pod["metadata"].get("namespace") != namespace or not ip:
            continue
        fqdn = f"{ip.replace('.', '-')}.{namespace}.pod.{dns.ZONE}."
        names.append({"name": fqdn, "type": "A", "data": [ip], "of": f"pod/{pod['metadata']['name']}",
                      "url": picture.object_url(cluster, "Pod", pod["metadata"]["name"], namespace)})
    return names


# --- StatefulSet, DaemonSet ---------------------------------------------------------------------------


@require_GET
def stateful_set_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/statefulset.html", lambda: stateful_set_context(cluster, namespace, name))


def stateful_set_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    sts = store.get(cluster, "StatefulSet", name, namespace)
    events = store.list(cluster, "Event", namespace=namespace)
    service_name = sts["spec"].get("serviceName") or ""
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "sts": stateful_picture.stateful_set_picture(
            cluster, sts, store.list(cluster, "Pod", namespace=namespace),
            store.list(cluster, "PersistentVolumeClaim", namespace=namespace),
            store.list(cluster, "ControllerRevision", namespace=namespace), now=store.now(cluster),
            service=get_or_none(cluster, "Service", service_name, namespace),
            endpoints=get_or_none(cluster, "Endpoints", service_name, namespace), events=events,
        ),
        "events": picture.events_about(events, sts["metadata"]["uid"]),
    }


def get_or_none(cluster: str, kind: str, name: str, namespace: str = "") -> dict[str, Any] | None:
    if not name:
        return None
    try:
        return store.get(cluster, kind, name, namespace)
    except NotFound:
        return None


@require_GET
def daemon_set_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/daemonset.html", lambda: daemon_set_context(cluster, namespace, name))


def daemon_set_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    ds = store.get(cluster, "DaemonSet", name, namespace)
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "ds": picture.daemon_set_picture(cluster, ds, store.list(cluster, "Node"), store.list(cluster, "Pod", namespace=namespace),
                                         now=store.now(cluster)),
        "events": picture.events_about(store.list(cluster, "Event", namespace=namespace), ds["metadata"]["uid"]),
    }


# --- ConfigMap, Secret -----------------------------------------------------------------------------------


@require_GET
def config_map_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/configmap.html", lambda: config_map_context(cluster, namespace, name))


def config_map_context(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    cm = store.get(cluster, "ConfigMap", name, namespace)
    binary = cm.get("binaryData") or {}
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "data": sorted((cm.get("data") or {}).items()),
        "binary": sorted((key, f"{len(value) * 3 // 4} bytes") for key, value in binary.items()),
        "immutable": bool(cm.get("immutable")),
        "annotations": sorted((cm["metadata"].get("annotations") or {}).items()),
        "labels": sorted((cm["metadata"].get("labels") or {}).items()),
        "used_by": picture.users_of(cluster, "ConfigMap", name, store.list(cluster, "Pod", namespace=namespace)),
    }


@require_GET
def secret_view(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    return object_page(request, cluster, "web/secret.html", lambda: secret_context(cluster, namespace, name))


def secret_context(cluster: str, namespace: str, name: str, *, revealed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The Secret's keys with their values masked, but for the keys in `revealed` (each one a
    click on its own Reveal button: a POST, never a value in the page before it)."""
    secret = store.get(cluster, "Secret", name, namespace)
    data = secret.get("data") or {}
    return {
        "cluster": cluster, "namespace": namespace, "name": name,
        "type": secret.get("type", "Opaque"),
        "keys": [
            {"key": key, "size": f"{len(picture.decode_secret_value(value).encode())} bytes",
             "value": picture.decode_secret_value(value) if key in revealed else "",
             "slot": f"secret-value-{secret['metadata']['resourceVersion']}-{index}"}
            for index, (key, value) in enumerate(sorted(data.items()))
        ],
        "mask": picture.MASK,
        "immutable": bool(secret.get("immutable")),
        # kubectl apply keeps the whole manifest, data included, in an annotation: masked too
        "annotations": sorted((k, picture.MASK if k == LAST_APPLIED else v) for k, v in (secret["metadata"].get("annotations") or {}).items()),
        "labels": sorted((secret["metadata"].get("labels") or {}).items()),
        "used_by": picture.users_of(cluster, "Secret", name, store.list(cluster, "Pod", namespace=namespace)),
    }


@require_POST
def secret_reveal(request: HttpRequest, cluster: str, namespace: str, name: str) -> HttpResponse:
    """Reveal one key's value: with htmx, just that value; without, the page with it shown."""
    key = request.POST.get("key", "")
    try:
        context = secret_context(cluster, namespace, name, revealed=frozenset([key]))
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    entry = next((k for k in context["keys"] if k["key"] == key), None)
    if entry is None:
        raise Http404(f'secret "{name}" has no key "{key}"')
    if request.htmx:
        return render(request, "web/secret.html#revealed", {"entry": entry})
    return render(request, "web/secret.html", {**context, "clock": clock_context(cluster)})
