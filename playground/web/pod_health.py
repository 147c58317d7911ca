"""The Pod page's health checks: each container's probes as defined, and a timeline of its recent
probe results, runs, exits and CrashLoopBackOff waits, in simulated time.

pod_views.pod_context → `health_picture(pod, state, now)` → templates/web/pod_health.html, beside
the Fail/Heal buttons. The results come from the kubelet's own record of the pod (sim/records.py:
`recent_probes`, `recent_runs`, bounded, saved with its checkpoint), never from the store: pod
status holds only the latest state, as Kubernetes' does.

Follows kubernetes/kubernetes pkg/kubelet/prober (worker.go: initialDelaySeconds, periodSeconds,
successThreshold, failureThreshold; what each probe kind does on failure), kubectl's describe
(DescribeProbe: `http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3`) and
the kubelet's CrashLoopBackOff (10 s doubling to 5 min, from the container's finishedAt).
"""
from __future__ import annotations

import datetime
from typing import Any

from playground.sim.pod_sync import go_duration
from playground.sim.records import PROBE_KINDS, ContainerRecord, PodRecord

Obj = dict[str, Any]
WINDOW = 300.0  # the timeline shows the last 5 simulated minutes (and a back-off still to come)
MIN_SPAN = 60.0
WIDTH, LEFT, RIGHT, LANE, TOP, AXIS = 1000, 120, 24, 34, 8, 26  # the SVG's geometry, in its own units
MIN_DOT_GAP = 5.0  # results closer than this on the drawing are one bar, not a row of dots
DOT = 5  # a result's radius
TICK_STEPS = (10, 15, 30, 60, 120, 300, 600)
WHAT_FAILURE_DOES = {
    "startup": "liveness and readiness wait until it succeeds; {failure} failures in a row "
               "(up to {budget} s to start) → the kubelet kills the container and restarts it",
    "liveness": "{failure} failures in a row → the kubelet kills the container and restarts it",
    "readiness": "{failure} failures in a row → not Ready: the pod leaves its Services' endpoints; "
                 "{success} success{success_s} → Ready again",
}


def health_picture(pod: Obj, state: PodRecord | None, now: datetime.datetime) -> list[Obj]:
    """Per app container (and sidecar): its probes and its timeline."""
    records = state.containers if state else {}
    containers = [c for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    containers += pod["spec"].get("containers") or []
    return [{
        "name": c["name"],
        "probes": probe_definitions(c),
        "timeline": timeline(records.get(c["name"]), c, now.timestamp()),
    } for c in containers]


# --- the probes as written ----------------------------------------------------------------------------


def probe_definitions(container: Obj) -> list[Obj]:
    rows = []
    for kind in PROBE_KINDS:
        probe = container.get(f"{kind}Probe")
        if not probe:
            continue
        success, failure = probe.get("successThreshold", 1), probe.get("failureThreshold", 3)
        period = probe.get("periodSeconds", 10)
        rows.append({
            "kind": kind,
            "describe": describe_probe(probe),
            "handler": handler_text(probe),
            "period": period,
            "delay": probe.get("initialDelaySeconds", 0),
            "success": success,
            "failure": failure,
            "meaning": WHAT_FAILURE_DOES[kind].format(failure=failure, success=success, budget=failure * period,
                                                      success_s="es" if success != 1 else ""),
        })
    return rows


def describe_probe(probe: Obj) -> str:
    """kubectl describe's DescribeProbe attributes."""
    return (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
            f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
            f"#failure={probe.get('failureThreshold', 3)}")


def handler_text(probe: Obj) -> str:
    """DescribeProbe's handler: http-get URL, tcp-socket HOST:PORT, exec [COMMAND], grpc <pod>:PORT."""
    if probe.get("exec") is not None:
        return f"exec [{' '.join(str(word) for word in (probe['exec'] or {}).get('command') or [])}]"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        return f"http-get {str(get.get('scheme', 'HTTP')).lower()}://{get.get('host', '')}:{get.get('port', '')}{get.get('path', '')}"
    if probe.get("tcpSocket") is not None:
        return f"tcp-socket {probe['tcpSocket'].get('host', '')}:{probe['tcpSocket'].get('port', '')}"
    if probe.get("grpc") is not None:
        return f"grpc <pod>:{probe['grpc'].get('port', '')} {probe['grpc'].get('service', '')}".rstrip()
    return "unknown"


# --- the timeline -------------------------------------------------------------------------------------------


def timeline(record: ContainerRecord | None, container: Obj, now: float) -> Obj:
    """Lanes of bars and dots over [start, end] of simulated time: the runs (with their exits and
    back-off waits) first, then one lane per probe kind the container has."""
    kinds = [kind for kind in PROBE_KINDS if container.get(f"{kind}Probe")]
    runs = record.recent_runs if record else []
    probes = record.recent_probes if record else []
    moments = [r["startedAt"] for r in runs] + [p["from"] for p in probes]
    if not moments:
        return {"empty": True}
    waits = [r["backOffUntil"] for r in runs if "backOffUntil" in r]
    end = max([now, *waits[-1:]])
    start = max(now - WINDOW, min(moments) - 2)
    start = min(start, end - MIN_SPAN)
    scale = Scale(start, end)
    lanes = []
    for index, kind in enumerate(["runs", *kinds]):
        y = TOP + index * LANE
        lane = runs_lane(runs, scale, now) if kind == "runs" else probe_lane(kind, probes, scale, mid=y + LANE / 2)
        lanes.append({**lane, "y": y, "mid": y + LANE / 2})
    bottom = TOP + len(lanes) * LANE
    return {
        "empty": False, "width": WIDTH, "height": bottom + AXIS, "left": LEFT, "right": WIDTH - RIGHT,
        "top": TOP, "bottom": bottom, "lanes": lanes, "ticks": ticks(scale, now, bottom),
        "now": {"x": scale.x(now), "label": "now"},
        "waiting": waiting(record, now),
        "last_failure": last_failure(probes),
        "restarts": record.restart_count if record else 0,
        "span": go_duration(round(end - start)),
    }


class Scale:
    """Simulated seconds → x on the drawing."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def x(self, t: float) -> float:
        clamped = min(max(t, self.start), self.end)
        return round(LEFT + (clamped - self.start) / (self.end - self.start) * (WIDTH - LEFT - RIGHT), 1)

    def shows(self, begin: float, finish: float) -> bool:
        return finish >= self.start and begin <= self.end


def runs_lane(runs: list[Obj], scale: Scale, now: float) -> Obj:
    bars, waits, exits = [], [], []
    for run in runs:
        finished = run.get("finishedAt")
        if scale.shows(run["startedAt"], finished if finished is not None else now):
            x1, x2 = scale.x(run["startedAt"]), scale.x(finished if finished is not None else now)
            bars.append({"x": x1, "width": max(x2 - x1, 1.5), "label": f"run {run['run']}" if x2 - x1 > 48 else "",
                         "running": finished is None})
        if finished is not None and scale.shows(finished, finished):
            exits.append({"x": scale.x(finished), "title": exit_text(run)})
        if "backOffUntil" in run and scale.shows(finished, run["backOffUntil"]):
            x1, x2 = scale.x(finished), scale.x(run["backOffUntil"])
            wait = go_duration(run["backOffUntil"] - finished)
            waits.append({"x": x1, "width": max(x2 - x1, 1.5), "label": f"back-off {wait}" if x2 - x1 > 80 else "",
                          "title": f"CrashLoopBackOff: no restart for {wait} after the exit"})
    return {"kind": "runs", "label": "container", "bars": bars, "waits": waits, "exits": exits, "results": []}


def exit_text(run: Obj) -> str:
    killed = {"liveness": "killed: liveness probe failed", "startup": "killed: startup probe failed"}.get(run.get("killedBy", ""))
    text = f"run {run['run']} exited: {run.get('reason', '')} (exit code {run.get('exitCode', '')})"
    return f"{text}, {killed}" if killed else text


def probe_lane(kind: str, probes: list[Obj], scale: Scale, *, mid: float) -> Obj:
    """A dot per result, drawn as one SVG path per run of equal results (a page of hundreds of
    results stays a few elements); results so close that dots would merge are one bar."""
    results = []
    for entry in (p for p in probes if p["kind"] == kind and scale.shows(p["from"], p["to"])):
        count = entry["count"]
        step = (entry["to"] - entry["from"]) / (count - 1) if count > 1 else 0.0
        title = f"{kind} {'passed' if entry['ok'] else 'failed'}" + (f": {entry['output']}" if entry["output"] else "")
        title += f" ({count}×)" if count > 1 else ""
        shown = {"ok": entry["ok"], "title": title, "count": count}
        if count > 1 and scale.x(entry["from"] + step) - scale.x(entry["from"]) < MIN_DOT_GAP:
            x1, x2 = scale.x(entry["from"]), scale.x(entry["to"])
            results.append({**shown, "x": x1, "width": max(x2 - x1, 2)})
            continue
        moments = [entry["from"] + i * step for i in range(count)]
        xs = [scale.x(t) for t in moments if scale.shows(t, t)]
        results.append({**shown, "count": len(xs), "d": " ".join(f"M{x - DOT},{mid}a{DOT},{DOT} 0 1,0 {2 * DOT},0"
                                                                 f"a{DOT},{DOT} 0 1,0 {-2 * DOT},0" for x in xs)})
    return {"kind": kind, "label": kind, "bars": [], "waits": [], "exits": [], "results": results}


def ticks(scale: Scale, now: float, bottom: float) -> list[Obj]:
    """Marks every `step` seconds before and after now, labelled relative to now."""
    span = scale.end - scale.start
    step = next((s for s in TICK_STEPS if span / s <= 8), TICK_STEPS[-1])
    marks = []
    offset = -int((now - scale.start) // step) * step
    while now + offset <= scale.end:
        if offset != 0 and now + offset >= scale.start:
            sign = "+" if offset > 0 else "−"
            marks.append({"x": scale.x(now + offset), "label": sign + go_duration(abs(offset))})
        offset += step
    return marks


def waiting(record: ContainerRecord | None, now: float) -> Obj | None:
    """The container waits out a CrashLoopBackOff: how long the back-off is and when it ends."""
    if record is None or record.phase != "backoff" or not record.backoff:
        return None
    return {"backoff": go_duration(record.backoff), "left": go_duration(max(round(record.not_before - now), 0)),
            "at": datetime.datetime.fromtimestamp(record.not_before, datetime.timezone.utc).strftime("%H:%M:%S")}


def last_failure(probes: list[Obj]) -> Obj | None:
    failed = [p for p in probes if not p["ok"]]
    if not failed:
        return None
    entry = failed[-1]
    return {"kind": entry["kind"], "count": entry["count"], "output": entry["output"],
            "at": datetime.datetime.fromtimestamp(entry["to"], datetime.timezone.utc).strftime("%H:%M:%S")}
