"""The controller loop page and the Deployment chart.

/clusters/<c>/loop/?kind=Deployment&namespace=default&name=web: the reconciles that concern one
object and the objects it owns (its ReplicaSets and their pods), and only those, newest first,
each told as "compare actual with expected, then act": observed, desired, the difference, the
writes. The controllers record every reconcile in a ring (runtime/recorder.py); opening the page
asks them to publish it (store/traces.py: a flag with an expiry, renewed by the page's socket,
LoopConsumer in consumers.py), at once when they run in this process, else within a second from
`runcontrollers`; the socket pushes the `live` partial of web/loop.html when the cluster or the
records change. Where the recorder's story breaks (records dropped from the ring, or a time it
was not running) the page says so, in place. With the clock paused, its Step button (the clock
view) runs one reconcile: one new record.

The Deployment chart (web/deployment_chart.html, drawn on the Deployment page): desired /
updated / ready / available / unavailable replicas over simulated time up to now, from the
Deployment's entries in the change log (what compaction has left), with the rollout bounds
desired+maxSurge and desired-maxUnavailable. Each entry is drawn at the simulated time it was
written (the change log keeps it; a condition's lastUpdateTime is older than a scale that
changed no condition). Lines that coincide (desired = updated = ready = available once a
rollout is done) are drawn a few pixels apart, each with its own dash, so none hides another.
"""
from __future__ import annotations

import datetime
import threading
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground.controllers import deployment_util
from playground.runtime import recorder
from playground.store import api as store
from playground.store import changelog, traces
from playground.store.controller_ref import controller_of
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

from .picture import object_url
from .views import clock_context

Obj = dict[str, Any]
RECORDS_SHOWN = 60  # the newest records about the object on the page; the table keeps traces.KEEP of the cluster's
OWNED_KINDS = ("ReplicaSet", "Pod")  # what an object's loop page follows below it, level by level


class BadLoopQuery(ValueError):
    """The page's query names no object the playground could have."""


# -- The page ------------------------------------------------------------------------------------


@require_GET
def loop_view(request: HttpRequest, cluster: str) -> HttpResponse:
    try:
        kind, namespace, name = loop_query(request.GET)
    except BadLoopQuery as e:
        return render(request, "web/loop_error.html", {"message": str(e), "cluster": cluster}, status=400)
    try:
        traces.watch(cluster)  # the controllers publish this cluster's reconciles while the page is open
        recorder.publish(cluster)  # at once, when they run in this process: the page opens with its history
        version = changelog.cluster_resource_version(cluster)  # first: the page shows at least this
        context = loop_context(cluster, kind, namespace, name)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    template = "web/loop.html#live" if request.htmx else "web/loop.html"
    return render(request, template, {**context, "clock": clock_context(cluster), "live_version": version,
                                      "object_url": object_url(cluster, kind, name, namespace)})


def loop_query(query: Any) -> tuple[str, str, str]:
    """(kind, namespace, name) from the query string; BadLoopQuery names the bad parameter."""
    kind, namespace, name = (query.get(k, "").strip() for k in ("kind", "namespace", "name"))
    if kind not in KINDS or kind == "Event":
        raise BadLoopQuery(f'kind: "{kind}" is not a kind the playground runs (e.g. Deployment, ReplicaSet, StatefulSet)')
    if not name:
        raise BadLoopQuery("name: the object's name is required")
    if KINDS[kind].namespaced and not namespace:
        namespace = "default"
    return kind, namespace if KINDS[kind].namespaced else "", name


def loop_context(cluster: str, kind: str, namespace: str, name: str) -> dict[str, Any]:
    """What the live part of the loop page shows; LoopConsumer renders the same."""
    obj = store.get(cluster, kind, name, namespace)
    related = related_refs(cluster, obj)
    recorded = traces.latest(cluster)
    rows = story(recorded, keep=lambda t: is_related(t, related))
    older = sum(1 for row in rows[RECORDS_SHOWN:] if not row.get("gap"))
    rows = rows[:RECORDS_SHOWN]
    return {
        "cluster": cluster,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "query": urlencode({"kind": kind, "namespace": namespace, "name": name}),
        "now": store.now(cluster).strftime("%H:%M:%S"),
        "summary": object_summary(cluster, obj),
        "records": [row if row.get("gap") else record_row(row, related) for row in rows],
        "related_count": sum(1 for row in rows if not row.get("gap")),
        "recorded_count": len(recorded),
        "older_count": older,  # about the object, but past the RECORDS_SHOWN newest
        "newest_seq": reconciles_run(recorded),
    }


def reconciles_run(records: list[traces.Trace]) -> int:
    """How many reconciles the cluster's controllers have run since they started, this page's
    or not: the newest number of each lane of the ring."""
    if not records or "seq" not in records[0]:
        return 0
    newest: dict[str, int] = {}
    for record in records:
        if record.get("epoch") == records[0]["epoch"]:
            newest.setdefault(record.get("lane", "main"), record["seq"])
    return sum(newest.values())


def story(records: list[traces.Trace], *, keep: Any) -> list[dict[str, Any]]:
    """The records `keep` accepts, newest first, with a gap row wherever the recorder's story
    breaks between two of them (or before the oldest): records dropped from the ring before
    they were published, or a time the recorder was not running (the controllers restarted).
    The records of other objects in between are no gap: they are just not this page's. Each
    lane of the ring (recorder.py) is numbered apart; only the lanes the page shows count."""
    kept = [keep(r) for r in records]
    lanes = {r.get("lane", "main") for r, k in zip(records, kept) if k}
    rows: list[dict[str, Any]] = []
    dropped, restarts = 0, []
    newer_of: dict[str, traces.Trace] = {}  # per lane, the record before this one (newer)
    for record, shown in zip(records, kept):
        lane = record.get("lane", "main")
        if "seq" in record and lane in lanes:  # records from before they were numbered: nothing to tell
            newer = newer_of.get(lane)
            if newer is not None and newer.get("epoch") != record.get("epoch"):
                dropped += newer["seq"] - 1
                restarts.append(epoch_start(newer))
            elif newer is not None:
                dropped += max(0, newer["seq"] - record["seq"] - 1)
            newer_of[lane] = record
        if shown:
            if dropped or restarts:
                rows.append(gap_row(dropped, restarts))
                dropped, restarts = 0, []
            rows.append(record)
    for oldest in newer_of.values():
        dropped += oldest["seq"] - 1
        if oldest["seq"] == 1:
            restarts.append(epoch_start(oldest))
    if rows and (dropped or restarts):
        rows.append(gap_row(dropped, restarts))
    return rows


def epoch_start(trace: traces.Trace) -> str:
    """The simulated time the recorder of this record started ("HH:MM:SS")."""
    return trace["epoch"].partition("@")[2][11:19]


def gap_row(dropped: int, restarts: list[str]) -> dict[str, Any]:
    parts = []
    if dropped:
        parts.append(f"{dropped} reconcile{'s' if dropped != 1 else ''} of the cluster not kept here "
                     f"(dropped from the recorder's ring of {recorder.RING_RECORDS} before this page asked for them)")
    for started in dict.fromkeys(restarts):  # once each, though both lanes began then
        parts.append(f"the recorder started at {started}, when the controllers started: nothing before that was recorded")
    return {"gap": True, "text": "; ".join(parts)}


def ref(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}"


def related_refs(cluster: str, obj: Obj) -> set[str]:
    """The object and what it owns through controller ownerReferences, level by level
    (a Deployment's ReplicaSets, then their pods)."""
    refs, owners = {ref(obj)}, {obj["metadata"]["uid"]}
    namespace = obj["metadata"].get("namespace")
    for kind in OWNED_KINDS:
        if not namespace:
            break
        for dependent in store.list(cluster, kind, namespace=namespace):
            controller = controller_of(dependent)
            if controller is not None and controller["uid"] in owners:
                refs.add(ref(dependent))
                owners.add(dependent["metadata"]["uid"])
    return refs


def is_related(trace: traces.Trace, related: set[str]) -> bool:
    return any(o in related for o in trace.get("objects", ()))


def record_row(trace: traces.Trace, related: set[str]) -> dict[str, Any]:
    """A record as the page draws it: in full if it concerns the object, else one line."""
    actions = [
        {**a, "related": f"{a['kind']}/{a['namespace']}/{a['name']}" in related or a.get("owner") in related}
        for a in trace.get("actions", [])
    ]
    return {
        **trace,
        "related": is_related(trace, related),
        "actions": actions,
        "events": [e for e in trace.get("events", []) if e.get("about", "") in related or "about" not in e],
        "other_actions": sum(1 for a in actions if not a["related"]) + trace.get("more_actions", 0),
        "clock": (trace.get("time") or "")[11:19],
    }


def object_summary(cluster: str, obj: Obj) -> dict[str, Any]:
    """The object's counts now, for the page's header: for a Deployment its status counters,
    its active pods and the rollout bounds they must stay within."""
    status = obj.get("status") or {}
    summary: dict[str, Any] = {"counters": [], "bounds": None}
    if "replicas" not in (obj.get("spec") or {}):
        return summary  # not a workload with a replica count: its records say the rest
    summary["counters"].append(("desired", int(obj["spec"]["replicas"])))
    for label, field in (("current", "replicas"), ("updated", "updatedReplicas"), ("ready", "readyReplicas"),
                         ("available", "availableReplicas"), ("unavailable", "unavailableReplicas")):
        if field in status or label in ("current", "ready"):
            summary["counters"].append((label, int(status.get(field) or 0)))
    if obj["kind"] == "Deployment" and deployment_util.is_rolling_update(obj):
        want = deployment_util.replicas(obj)
        summary["bounds"] = {"max_pods": want + deployment_util.max_surge(obj), "min_available": want - deployment_util.max_unavailable(obj)}
        summary["pods"] = active_pods(cluster, obj)
    return summary


def active_pods(cluster: str, deployment: Obj) -> int:
    """The Deployment's pods not finished and not being deleted: what maxSurge bounds."""
    namespace = deployment["metadata"]["namespace"]
    uid = deployment["metadata"]["uid"]
    replica_sets = {rs["metadata"]["uid"] for rs in store.list(cluster, "ReplicaSet", namespace=namespace)
                    if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])}
    return sum(
        1 for pod in store.list(cluster, "Pod", namespace=namespace)
        if any(r.get("uid") in replica_sets for r in pod["metadata"].get("ownerReferences") or [])
        and not pod["metadata"].get("deletionTimestamp")
        and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")
    )


# -- The Deployment chart ------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 220, 30
SERIES = (  # (name, status field or None for spec.replicas), drawn in this order
    ("desired", None),
    ("updated", "updatedReplicas"),
    ("ready", "readyReplicas"),
    ("available", "availableReplicas"),
    ("unavailable", "unavailableReplicas"),
)
# Pixels each line is moved up (-) or down (+), so that equal counts stay side by side, visible
OFFSETS = {"desired": -4.5, "updated": -1.5, "ready": 1.5, "available": 4.5, "unavailable": 0.0}
MAX_SAMPLES = 2_000  # per Deployment kept in this process's memory
MAX_HISTORIES = 64  # Deployments whose samples this process keeps (the least recently drawn go first)
MAX_GAP_SECONDS = 30.0  # a longer time without a change is drawn this long, marked as a cut
CUT_LABEL_ROOM = 70  # px: no cut label this close to the axis' ends (the start and end times are there)

_histories: dict[tuple[str, str, str], dict[str, Any]] = {}
_histories_lock = threading.Lock()


def sample(deployment: Obj, *, written: str = "", after: datetime.datetime | None = None) -> dict[str, Any]:
    """One point of the chart: the Deployment's counts and bounds, at the simulated time its entry
    was `written` (an entry from before the log kept it: the newest time its conditions name)."""
    status = deployment.get("status") or {}
    moment = store.parse_timestamp(written) if written else None
    if moment is None:
        stamps = [c.get("lastUpdateTime") or c.get("lastTransitionTime") for c in status.get("conditions") or []]
        moments = [m for m in map(store.parse_timestamp, [*stamps, deployment["metadata"].get("creationTimestamp")]) if m]
        moment = max(moments) if stamps and moments else (moments[0] if moments else after)
    if after is not None and (moment is None or moment < after):
        moment = after
    want = deployment_util.replicas(deployment)
    rolling = deployment_util.is_rolling_update(deployment)
    return {
        "time": moment,
        **{name: want if field is None else int(status.get(field) or 0) for name, field in SERIES},
        "max": want + (deployment_util.max_surge(deployment) if rolling else 0),
        "min": want - (deployment_util.max_unavailable(deployment) if rolling else want),
        "rolling": rolling,  # Recreate has no surge or availability bounds to draw
    }


def deployment_history(cluster: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """The chart's samples, read incrementally: only change-log entries newer than the last look."""
    key = (cluster, namespace, name)
    uid = store.get(cluster, "Deployment", name, namespace)["metadata"]["uid"]
    with _histories_lock:
        known = _histories.get(key)
        if known is None or known["uid"] != uid:  # new here, or deleted and created again since
            known = {"uid": None, "since": 0, "samples": []}
        entries = traces.object_history(cluster, "Deployment", namespace, name, since=known["since"])
        for rv, type_, obj, written in entries:
            known["since"] = rv
            if obj["metadata"]["uid"] != known["uid"]:  # deleted and created again: a new story
                known["uid"], known["samples"] = obj["metadata"]["uid"], []
            if type_ != "DELETED":
                last = known["samples"][-1]["time"] if known["samples"] else None
                known["samples"].append(sample(obj, written=written, after=last))
        known["samples"] = known["samples"][-MAX_SAMPLES:]
        _histories.pop(key, None)
        _histories[key] = known  # the most recently drawn last
        while len(_histories) > MAX_HISTORIES:
            del _histories[next(iter(_histories))]
        return list(known["samples"])


def timeline(moments: list[datetime.datetime], end: datetime.datetime) -> tuple[list[float], float, list[tuple[float, float]]]:
    """Seconds along the chart's time axis for each moment and for `end`, with every quiet
    stretch longer than MAX_GAP_SECONDS cut to that length (so that a rollout an hour after the
    first one is not squashed against the edge), and the cuts: (where, seconds left out)."""
    offsets, breaks, at = [], [], 0.0
    previous = moments[0]
    for moment in [*moments, end]:
        gap = max((moment - previous).total_seconds(), 0.0)
        if gap > MAX_GAP_SECONDS:
            breaks.append((at + MAX_GAP_SECONDS / 2, gap - MAX_GAP_SECONDS))
        at += min(gap, MAX_GAP_SECONDS)
        offsets.append(at)
        previous = moment
    return offsets[:-1], offsets[-1], breaks


def chart(samples: list[dict[str, Any]], *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The SVG's geometry: one step line per series and per bound, in a CHART_WIDTH × CHART_HEIGHT
    box, simulated time to the right (quiet stretches cut short, see timeline), replicas up."""
    if not samples:
        return {"empty": True, "width": CHART_WIDTH, "height": CHART_HEIGHT}
    start = samples[0]["time"]
    end = max(now or samples[-1]["time"], samples[-1]["time"])
    offsets, last, breaks = timeline([s["time"] for s in samples], end)
    span = max(last, 1.0)
    top = max(max(s[n] for n, _ in SERIES) for s in samples)
    top = max(top, max(s["max"] for s in samples), 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def x(offset: float) -> float:
        return round(CHART_PAD + offset / span * inner_w, 1)

    def y(value: int, shift: float = 0.0) -> float:
        return round(CHART_HEIGHT - CHART_PAD - max(value, 0) / top * inner_h + shift, 1)

    def steps(field: str) -> str:
        points: list[tuple[float, float]] = []
        for offset, s in zip(offsets, samples):
            if points:
                points.append((x(offset), points[-1][1]))
            points.append((x(offset), y(s[field], OFFSETS.get(field, 0.0))))
        points.append((x(last), points[-1][1]))
        return " ".join(f"{px:g},{py:g}" for px, py in points)

    return {
        "empty": False,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "series": [{"name": n, "points": steps(n), "last": samples[-1][n]} for n, _ in SERIES],
        "bounds": [{"name": "desired+maxSurge", "points": steps("max")}, {"name": "desired-maxUnavailable", "points": steps("min")}]
        if samples[-1].get("rolling", True) else [],
        # A cut's label is left out near the axis' ends, where the start and end times are written
        "breaks": [{"x": x(at), "text": f"{round(skipped)} s" if CUT_LABEL_ROOM < x(at) - CHART_PAD < inner_w - CUT_LABEL_ROOM else ""}
                   for at, skipped in breaks],
        "seconds": round((end - start).total_seconds()),
        "top": top,
        "axis": {"left": CHART_PAD, "right": CHART_WIDTH - CHART_PAD, "top": CHART_PAD, "bottom": CHART_HEIGHT - CHART_PAD,
                 "top_label_y": y(top), "start": start.strftime("%H:%M:%S"), "end": end.strftime("%H:%M:%S")},
        "samples": len(samples),
    }


def deployment_chart(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    """The chart of one Deployment as the Deployment page's partial draws it, up to now."""
    try:
        return chart(deployment_history(cluster, namespace, name), now=store.now(cluster))
    except NotFound:
        return {"empty": True, "width": CHART_WIDTH, "height": CHART_HEIGHT}
