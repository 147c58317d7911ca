"""A lesson's checks: declarative conditions over the learner's cluster, never code from the lesson.

lesson.md's step block (`checks:` a list of mappings) → `parse_check` here → a Check → `evaluate`
against a ClusterView (the runtime's cache of the cluster, plus what the cache does not hold:
Events, container filesystems, images) → a Verdict: done or not, and what was seen, in the words a
learner reads ("2 of 3 replicas of deployment web are ready").

A check never turns green early: a workload counts only when its rollout is complete as `kubectl
rollout status` decides, pods only when Ready, a recreated pod only once it is Running again; and
a check of a state is green only once that state has held for `hold:` simulated seconds
(DEFAULT_HOLD unless the check says), read from the cluster's clock (`held` below), so a state a
rollout passes through for an instant, or a pod Ready for a moment between two crashes, is not
done. A check of a fact (an Event that happened, an image built: neither comes undone) takes none.

Each check names what it expects with `expect:`; its other keys are its fields, all listed below
(and `hold: seconds` on every check of a state)
(an unknown one is an error naming the lesson's file and line, so a typo never makes a check that
passes by accident):

- `object`:    kind, name, namespace; `absent: true`, or `fields: {path: value}` (a value or
               `{at_least: n}`, `{at_most: n}`, `{not: v}`), `conditions: {type: status}` (a Node's
               or a pod's `Ready: "True"`, found by type as `kubectl wait --for=condition=` does),
               `rollout: complete`
- `pods`:      namespace, selector (as `kubectl get -l`); `ready: n` (`{at_least: n}`), `count: n`
               (terminating pods count until they are gone), `every: {path: value}` (every matching
               pod), `on_distinct_nodes: true`
- `event`:     reason, kind, name, namespace, type (Normal/Warning), message (a part of it): such an Event exists
- `recreated`: kind (Pod), name, namespace: the object has a new uid since the step began, and is Running
- `file`:      pod, container, path, namespace; `layer: writable|init|image|volume`, `contains: text`
               (the container must be running: a file is looked for where a program would see it)
- `dns`:       name (as a pod in `namespace` asks it: a short name goes through its search list),
               type (A, the default, or SRV); `address_of: {service: name}` (its ClusterIP),
               `{pod: name}` (its IP) or `{pods: selector}` (the IPs of the Ready ones, what a
               headless Service answers), `records: n`, or `nxdomain: true`: what the cluster's
               DNS (sim/dns, the DNS page's resolver) answers now
- `image`:     reference; `deleted_file_kept: true` (a layer deletes a file a lower layer holds,
               and the image is no smaller for it; `false`: no layer does), `layers: {at_least: n}`
"""
from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from playground.kubectl.rollout import rollout_status_message
from playground.sim.dns import NXDOMAIN, Answer
from playground.store.errors import BadRequest
from playground.store.selectors import parse_label_selector

Obj = dict[str, Any]
DEFAULT_NAMESPACE = "default"
COMPARISONS = ("at_least", "at_most", "not")
# How long a state must hold, in simulated seconds, before its check is green: longer than the
# instants a rollout or a crash loop passes through (a ReplicaSet's surplus pod, a container
# Running between two crashes), short enough that a learner who did it right sees green at once
DEFAULT_HOLD = 5.0
# Facts, not states: an Event that happened and an image that was built do not come undone (an
# image is content-addressed; a rebuilt tag is a new image the check reads afresh), so their
# checks are green the moment they are seen and take no `hold:`
FACTS = ("event", "image")


class CheckError(ValueError):
    """A check the lesson file spells wrong; the loader adds the file and line."""


@dataclass(frozen=True)
class Verdict:
    done: bool
    saw: str  # what the learner reads beside the check, green or red


class ClusterView(Protocol):
    """What checks read: the cluster's objects (the runtime's cache), its Events, containers'
    filesystems and its images."""

    def get(self, kind: str, namespace: str, name: str) -> Obj | None: ...
    def list(self, kind: str, namespace: str) -> list[Obj]: ...
    def events(self, namespace: str, reason: str) -> list[Obj]: ...
    def file_origin(self, namespace: str, pod: str, container: str, path: str) -> tuple[str, str] | None: ...
    def image_layers(self, reference: str) -> list[Any] | None: ...
    def dns(self, name: str, namespace: str, record_type: str) -> Answer: ...


# --- field paths and expected values ----------------------------------------------------------------

PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[[^\]]+\])*")
PATH_PART = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


@functools.cache  # a lesson's few paths, read for every pod a check looks at
def field_path(text: str) -> tuple[str | int, ...]:
    """`spec.template.spec.containers[0].image`, `metadata.annotations[deployment.kubernetes.io/revision]`."""
    if not PATH.fullmatch(text):
        raise CheckError(f"field path {text!r}: expected names joined by dots, each may be followed by [index]")
    return tuple(int(bracket) if bracket is not None and bracket.isdigit() else (name or bracket)
                 for name, bracket in PATH_PART.findall(text))


def value_at(obj: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            obj = obj[part] if isinstance(obj, list) and part < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


@dataclass(frozen=True)
class Expected:
    """A value a field must have, or a comparison with one."""

    value: Any
    comparison: str = "equals"

    def holds(self, actual: Any) -> bool:
        if self.comparison == "not":
            return not _same(actual, self.value)
        if self.comparison in ("at_least", "at_most"):
            number = actual if isinstance(actual, (int, float)) and not isinstance(actual, bool) else _number(actual)
            if number is None:
                return False
            return number >= self.value if self.comparison == "at_least" else number <= self.value
        return _same(actual, self.value)

    def __str__(self) -> str:
        shown = {"equals": "", "at_least": "at least ", "at_most": "at most ", "not": "not "}[self.comparison]
        return f"{shown}{self.value}"


def _same(actual: Any, wanted: Any) -> bool:
    # YAML reads `maxUnavailable: 0` as 0 and an annotation is a string: "2" is 2 here
    return actual == wanted or (actual is not None and str(actual) == str(wanted))


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def expected(raw: Any, *, what: str) -> Expected:
    if isinstance(raw, Mapping):
        if len(raw) != 1 or next(iter(raw)) not in COMPARISONS:
            raise CheckError(f"{what}: expected a value or one of {', '.join(COMPARISONS)}")
        comparison, value = next(iter(raw.items()))
        if comparison != "not" and not isinstance(value, int):
            raise CheckError(f"{what}: {comparison} needs a whole number")
        return Expected(value, comparison)
    return Expected(raw)


def count_expected(raw: Any, *, what: str) -> Expected:
    found = expected(raw, what=what)
    if found.comparison == "equals" and (not isinstance(found.value, int) or isinstance(found.value, bool)):
        raise CheckError(f"{what}: expected a whole number")
    return found


# --- the checks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    expect: str
    spec: Mapping[str, Any]
    evaluate_with: Callable[[Check, ClusterView, Mapping[str, str]], Verdict] = field(repr=False, compare=False)
    hold: float = 0.0  # simulated seconds its state must hold before it is green (0: a fact)

    def evaluate(self, view: ClusterView, baseline: Mapping[str, str] | None = None) -> Verdict:
        """`baseline`: what `remember` saw when the step began (the uids `recreated` compares)."""
        return self.evaluate_with(self, view, baseline or {})

    def remember(self, view: ClusterView) -> dict[str, str]:
        if self.expect != "recreated":
            return {}
        current = view.get(self.spec["kind"], self.spec["namespace"], self.spec["name"])
        return {self.baseline_key: current["metadata"]["uid"]} if current else {}

    @property
    def baseline_key(self) -> str:
        return f"{self.spec['kind']}/{self.spec['namespace']}/{self.spec['name']}"


@dataclass(frozen=True)
class Held:
    """A check's verdict with its hold counted: what the learner reads, since when its state has
    held (None: it does not hold now), and when it turns green if it keeps holding (None: it is)."""

    verdict: Verdict
    since: datetime.datetime | None
    due: datetime.datetime | None = None


def held(check: Check, seen: Verdict, *, since: datetime.datetime | None, now: datetime.datetime) -> Held:
    """The hold rule: `seen`, the state now, is green only once it has held for `check.hold`
    simulated seconds since `since` (when it was first seen holding, and not seen failing since;
    None: not seen holding before). Times are the cluster clock's, so a paused clock holds a state
    back until Step or Run moves time on, and a test drives it as it drives everything else."""
    if not seen.done:
        return Held(seen, None)
    since = now if since is None or since > now else since
    due = since + datetime.timedelta(seconds=check.hold)
    if now >= due:
        return Held(seen, since)
    so_far = round((now - since).total_seconds(), 1)
    return Held(Verdict(False, f"{seen.saw}, for {so_far:g} of the {check.hold:g} simulated seconds it must hold"),
                since, due)


def _object(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    kind, namespace, name = spec["kind"], spec["namespace"], spec["name"]
    called = f"{kind.lower()} {name}"
    current = view.get(kind, namespace, name)
    if spec.get("absent"):
        return Verdict(current is None, f"{called} is gone" if current is None else f"{called} still exists")
    if current is None:
        return Verdict(False, f"no {called} in namespace {namespace}")
    for path, wanted in spec["fields"].items():
        actual = value_at(current, field_path(path))
        if not wanted.holds(actual):
            return Verdict(False, f"{called}: {path} is {'not set' if actual is None else actual}, expected {wanted}")
    for kind_of, wanted in spec["conditions"].items():
        if (status := condition_status(current, kind_of)) != wanted:
            return Verdict(False, f"{called}: condition {kind_of} is {status or 'not reported'}, expected {wanted}")
    if spec.get("rollout") == "complete":
        message, done = rollout_status(current)
        if not done:
            return Verdict(False, message.rstrip("."))
    return Verdict(True, _object_seen(called, spec, current))


def condition_status(obj: Obj, kind_of: str) -> str:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return next((str(c.get("status", "")) for c in conditions if c.get("type") == kind_of), "")


def _object_seen(called: str, spec: Mapping[str, Any], current: Obj) -> str:
    shown = [f"{path} is {value_at(current, field_path(path))}" for path in spec["fields"]]
    shown += [f"{kind_of} is {wanted}" for kind_of, wanted in spec["conditions"].items()]
    if spec.get("rollout") == "complete":
        shown.append("its rollout is complete")
    return f"{called}: {', '.join(shown)}" if shown else f"{called} exists"


def rollout_status(obj: Obj) -> tuple[str, bool]:
    """Whether `kubectl rollout status` would say the rollout is done, and what it prints."""
    if obj["kind"] == "Deployment":
        return rollout_status_message(obj)
    status, spec, meta = obj.get("status") or {}, obj.get("spec") or {}, obj["metadata"]
    if meta.get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for the spec update to be observed...", False
    if obj["kind"] == "DaemonSet":
        wanted = status.get("desiredNumberScheduled", 0)
        updated, available = status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0)
        if updated < wanted or available < wanted:
            return f"Waiting for daemon set {meta['name']!r} rollout to finish: {min(updated, available)} of {wanted} updated pods are available...", False
        return f"daemon set {meta['name']!r} successfully rolled out", True
    replicas = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0)
    if ready < replicas:
        return f"Waiting for {replicas - ready} pods to be ready...", False
    if status.get("updateRevision") and status.get("currentRevision") != status.get("updateRevision"):
        return f"Waiting for partitioned roll out to finish: {status.get('updatedReplicas', 0)} out of {replicas} new pods have been updated...", False
    return f"statefulset rolling update complete {replicas} pods at revision {status.get('currentRevision', '')}...", True


def is_ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return not pod["metadata"].get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _pods(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    matches = spec["matches"]
    # A terminating pod still counts, as `kubectl get pods` still lists it: a scale down is done
    # when it is gone, not when it was asked to go
    pods = [p for p in view.list("Pod", spec["namespace"]) if matches(p["metadata"].get("labels") or {})]
    called = f"pods with {spec['selector']}" if spec["selector"] else "pods"
    ready = [p for p in pods if is_ready(p)]
    if "count" in spec and not spec["count"].holds(len(pods)):
        return Verdict(False, f"{len(pods)} {called}, expected {spec['count']}")
    if "ready" in spec and not spec["ready"].holds(len(ready)):
        return Verdict(False, f"{len(ready)} of {len(pods)} {called} are ready, expected {spec['ready']}")
    for path, wanted in spec["every"].items():
        wrong = [p for p in pods if not wanted.holds(value_at(p, field_path(path)))]
        if wrong or not pods:
            shown = f"pod {wrong[0]['metadata']['name']} has {path} {value_at(wrong[0], field_path(path))}" if wrong else f"no {called}"
            return Verdict(False, f"{shown}, expected {wanted}")
    if spec.get("on_distinct_nodes"):
        nodes = [(p.get("spec") or {}).get("nodeName") for p in pods]
        if None in nodes or len(set(nodes)) != len(nodes):
            return Verdict(False, f"{len(pods)} {called} on {len(set(nodes) - {None})} nodes, expected each on its own node")
    return Verdict(True, f"{len(ready)} of {len(pods)} {called} are ready")


def _event(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    wanted = {"reason": spec["reason"], "type": spec.get("type")}
    for event in view.events(spec["namespace"], spec["reason"]):
        involved = event.get("involvedObject") or event.get("regarding") or {}
        if (event.get("reason") == wanted["reason"] and wanted["type"] in (None, event.get("type"))
                and spec.get("message", "") in (event.get("message") or event.get("note") or "")
                and spec.get("kind") in (None, involved.get("kind")) and spec.get("name") in (None, involved.get("name"))):
            return Verdict(True, f"{event.get('type', 'Normal')} {event['reason']}: {event.get('message') or event.get('note', '')}")
    about = f" for {spec['kind'].lower() if spec.get('kind') else ''} {spec['name']}" if spec.get("name") else ""
    saying = f" saying {spec['message']!r}" if spec.get("message") else ""
    return Verdict(False, f"no {spec['reason']} event{about}{saying} yet")


def _recreated(check: Check, view: ClusterView, baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    called = f"{spec['kind'].lower()} {spec['name']}"
    current = view.get(spec["kind"], spec["namespace"], spec["name"])
    if current is None:
        return Verdict(False, f"{called} is gone; waiting for it to come back")
    before = baseline.get(check.baseline_key)
    if before is None or current["metadata"]["uid"] == before:
        return Verdict(False, f"{called} is the one that was there when this step began (uid {current['metadata']['uid'][:8]}…)")
    if spec["kind"] == "Pod" and not is_ready(current):
        return Verdict(False, f"{called} was recreated and is not ready yet")
    return Verdict(True, f"{called} was recreated under the same name (new uid {current['metadata']['uid'][:8]}…)")


def _file(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    where = f"container {spec['container']} of pod {spec['pod']}"
    pod = view.get("Pod", spec["namespace"], spec["pod"])
    statuses = ((pod or {}).get("status") or {}).get("containerStatuses") or []
    if not any(s.get("name") == spec["container"] and "running" in (s.get("state") or {}) for s in statuses):
        return Verdict(False, f"{where} is not running yet")
    found = view.file_origin(spec["namespace"], spec["pod"], spec["container"], spec["path"])
    if found is None:
        return Verdict(False, f"no {spec['path']} in {where}")
    layer, text = found
    if spec.get("layer") and layer != spec["layer"]:
        return Verdict(False, f"{spec['path']} in {where} comes from the {layer} layer, not the {spec['layer']} one")
    if spec.get("contains") and spec["contains"] not in text:
        return Verdict(False, f"{spec['path']} in {where} does not hold {spec['contains']!r}")
    return Verdict(True, f"{spec['path']} is in the {layer} layer of {where}")


def _dns(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    asked, answer = spec["name"], view.dns(spec["name"], spec["namespace"], spec["type"])
    found = [record.data for record in answer.records if record.type == spec["type"]]
    if spec.get("nxdomain"):
        return Verdict(answer.rcode == NXDOMAIN, f"{asked}: NXDOMAIN" if answer.rcode == NXDOMAIN
                       else f"{asked} answers {', '.join(found) or 'no records (NODATA)'}, expected NXDOMAIN")
    if not found:
        return Verdict(False, f"{asked}: NXDOMAIN" if answer.rcode == NXDOMAIN else f"{asked}: no {spec['type']} records yet")
    if "records" in spec and not spec["records"].holds(len(found)):
        return Verdict(False, f"{asked} answers {len(found)} {spec['type']} records, expected {spec['records']}")
    if "address_of" in spec:
        wanted, called = _addresses_of(spec["address_of"], view, spec["namespace"])
        if sorted(found) != sorted(wanted):
            return Verdict(False, f"{asked} answers {', '.join(sorted(found))}, expected {called}"
                           f" ({', '.join(sorted(wanted)) or 'none yet'})")
    return Verdict(True, f"{asked} answers {', '.join(sorted(found))}")


def _addresses_of(target: Mapping[str, Any], view: ClusterView, namespace: str) -> tuple[list[str], str]:
    """The addresses a name must answer (and how the learner reads them): a Service's ClusterIP,
    a pod's IP, or the IPs of the Ready pods a selector matches, as a headless Service lists them."""
    if "service" in target:
        service = view.get("Service", namespace, target["service"]) or {}
        ip = (service.get("spec") or {}).get("clusterIP")
        return ([ip] if ip and ip != "None" else []), f"the ClusterIP of service {target['service']}"
    if "pod" in target:
        ip = ((view.get("Pod", namespace, target["pod"]) or {}).get("status") or {}).get("podIP")
        return ([ip] if ip else []), f"the IP of pod {target['pod']}"
    pods = [p for p in view.list("Pod", namespace) if target["matches"](p["metadata"].get("labels") or {}) and is_ready(p)]
    return sorted({p["status"]["podIP"] for p in pods if p["status"].get("podIP")}), f"the IPs of the ready pods with {target['pods']}"


def _image(check: Check, view: ClusterView, _baseline: Mapping[str, str]) -> Verdict:
    spec = check.spec
    layers = view.image_layers(spec["reference"])
    if layers is None:
        return Verdict(False, f"no image {spec['reference']} on this cluster yet")
    if "layers" in spec and not spec["layers"].holds(len(layers)):
        return Verdict(False, f"image {spec['reference']} has {len(layers)} layers, expected {spec['layers']}")
    if "deleted_file_kept" in spec:
        kept = deleted_yet_kept(layers)
        if spec["deleted_file_kept"] and not kept:
            return Verdict(False, f"no layer of {spec['reference']} deletes a file a lower layer holds")
        if kept and not spec["deleted_file_kept"]:
            return Verdict(False, f"a layer of {spec['reference']} deletes {kept}, which a lower layer still holds")
        if kept:
            return Verdict(True, f"a layer of {spec['reference']} deletes {kept}, yet the image still holds its bytes")
        return Verdict(True, f"no layer of {spec['reference']} deletes what a lower one holds")
    return Verdict(True, f"image {spec['reference']} has {len(layers)} layers")


def deleted_yet_kept(layers: list[Any]) -> str:
    """A path a layer deletes (a whiteout) where a lower layer holds a file of some bytes, or "":
    those bytes stay in the image. (An empty directory deleted costs nothing and does not count.)"""
    below: set[str] = set()  # files with bytes in the layers so far
    for current in layers:
        for path in current.whiteouts:
            if path in below or any(p.startswith(path + "/") for p in below):
                return path
        below.update(entry.path for entry in current.entries if entry.type == "file" and entry.size > 0)
    return ""


# --- reading a check from a lesson file ----------------------------------------------------------------

FIELDS: dict[str, tuple[set[str], set[str]]] = {  # expect → (required, optional)
    "object": ({"kind", "name"}, {"namespace", "absent", "fields", "conditions", "rollout"}),
    "pods": (set(), {"namespace", "selector", "ready", "count", "every", "on_distinct_nodes"}),
    "event": ({"reason"}, {"namespace", "kind", "name", "type", "message"}),
    "recreated": ({"kind", "name"}, {"namespace"}),
    "file": ({"pod", "container", "path"}, {"namespace", "layer", "contains"}),
    "image": ({"reference"}, {"layers", "deleted_file_kept"}),
    "dns": ({"name"}, {"namespace", "type", "address_of", "records", "nxdomain"}),
}
EVALUATE: dict[str, Callable[[Check, ClusterView, Mapping[str, str]], Verdict]] = {
    "object": _object, "pods": _pods, "event": _event, "recreated": _recreated, "file": _file, "image": _image,
    "dns": _dns,
}
LAYERS = ("writable", "init", "image", "volume")
ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
DNS_TYPES = ("A", "SRV")  # what a check compares: addresses, or the targets a headless Service's SRV names
ADDRESSES_OF = ("service", "pod", "pods")


def parse_check(raw: Any) -> Check:
    if not isinstance(raw, Mapping) or "expect" not in raw:
        raise CheckError("a check is a mapping with `expect:` (one of " + ", ".join(FIELDS) + ")")
    expect = raw["expect"]
    if expect not in FIELDS:
        raise CheckError(f"unknown check {expect!r}: expected one of {', '.join(FIELDS)}")
    required, optional = FIELDS[expect]
    given = set(raw) - {"expect", "hold"}
    if missing := sorted(required - given):
        raise CheckError(f"check {expect}: missing {', '.join(missing)}")
    if unknown := sorted(given - required - optional):
        raise CheckError(f"check {expect}: unknown field {', '.join(unknown)} (expected {', '.join(sorted(required | optional))})")
    spec: dict[str, Any] = {**raw, "namespace": raw.get("namespace", DEFAULT_NAMESPACE)}
    del spec["expect"]
    hold = _hold(expect, spec.pop("hold", None))
    _settle_fields(expect, spec)
    return Check(expect, spec, EVALUATE[expect], hold)


def _hold(expect: str, raw: Any) -> float:
    if expect in FACTS:
        if raw is not None:
            raise CheckError(f"check {expect}: takes no hold: what it sees has happened and does not come undone")
        return 0.0
    if raw is None:
        return DEFAULT_HOLD
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
        raise CheckError(f"check {expect}: hold is a number of simulated seconds, 0 or more")
    return float(raw)


def _selector(text: str, *, what: str) -> Callable[[Mapping[str, str]], bool]:
    try:
        return parse_label_selector(text) or (lambda _labels: True)
    except BadRequest as e:
        raise CheckError(f"{what}: {e.message}") from None


def _settle_dns(spec: dict[str, Any]) -> None:
    spec["type"] = str(spec.get("type", "A")).upper()
    if spec["type"] not in DNS_TYPES:
        raise CheckError(f"check dns: type is one of {', '.join(DNS_TYPES)}")
    if not isinstance(spec.get("nxdomain", False), bool):
        raise CheckError("check dns: nxdomain is true or false")
    if "address_of" in spec:
        target = spec["address_of"]
        if not isinstance(target, Mapping) or len(target) != 1 or next(iter(target)) not in ADDRESSES_OF:
            raise CheckError(f"check dns: address_of is one of {', '.join(f'{{{k}: ...}}' for k in ADDRESSES_OF)}")
        spec["address_of"] = {**target}
        if "pods" in target:
            spec["address_of"]["matches"] = _selector(str(target["pods"]), what="check dns: address_of.pods")


def _settle_fields(expect: str, spec: dict[str, Any]) -> None:
    """Turn the YAML's values into what evaluation compares, failing on any it cannot use."""
    for name in ("fields", "every"):
        if name in spec or expect in ("object", "pods"):
            raw = spec.get(name) or {}
            if not isinstance(raw, Mapping):
                raise CheckError(f"check {expect}: {name} is a mapping of field paths to values")
            for path in raw:
                field_path(str(path))
            spec[name] = {str(path): expected(value, what=f"{name}.{path}") for path, value in raw.items()}
    if expect == "object":
        raw = spec.get("conditions") or {}
        if not isinstance(raw, Mapping) or not all(str(v) in ("True", "False", "Unknown") for v in raw.values()):
            raise CheckError('check object: conditions is a mapping of condition types to "True", "False" or "Unknown"')
        spec["conditions"] = {str(kind_of): str(value) for kind_of, value in raw.items()}
    for name in ("ready", "count", "layers", "records"):
        if name in spec:
            spec[name] = count_expected(spec[name], what=name)
    if expect == "pods":
        spec["selector"] = str(spec.get("selector") or "")
        spec["matches"] = _selector(spec["selector"], what="check pods: selector")
    if expect == "dns":
        _settle_dns(spec)
    if spec.get("rollout") not in (None, "complete"):
        raise CheckError("check object: rollout can only be `complete`")
    if spec.get("rollout") and spec["kind"] not in ROLLOUT_KINDS:
        raise CheckError(f"check object: kubectl rollout status knows {', '.join(ROLLOUT_KINDS)}, not {spec['kind']}")
    if not isinstance(spec.get("deleted_file_kept", False), bool):
        raise CheckError("check image: deleted_file_kept is true or false")
    if spec.get("layer") not in (None, *LAYERS):
        raise CheckError(f"check file: layer is one of {', '.join(LAYERS)}")
    if expect == "recreated" and spec["kind"] != "Pod":
        raise CheckError("check recreated: only a Pod is recreated under its own name")
