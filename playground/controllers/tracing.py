"""Reconcile traces: each reconcile told as "compare actual with expected, then act".

ClusterRuntime.reconcile → Tracer.reconcile → (only while a loop page watches the cluster)
before: what the controller is about to see in the cache, summarised per kind (observed and
desired, and the difference); the reconcile itself, untouched; after: the writes it made, read
back from the change log between the resourceVersions before and after, each put in words
("scaled ReplicaSet web-6d4b from 2 to 3") → store/traces.py → the loop page.

The writes are read back by resourceVersion, so should another writer (a kubectl command, a
page's button) commit to the same cluster in the middle of a reconcile, its writes are listed
with it; the controllers themselves take turns on one thread, so they never mix.

Nothing here decides anything: the controllers do, and this only reads what they read and
what they wrote, so a trace cannot drift from what the controller did. When nobody watches,
a reconcile costs one clock read (monotonic) more, and the runtime looks at the flag in the
store once per WATCH_CHECK_SECONDS.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from playground.store import api as store
from playground.store import traces
from playground.store.errors import Conflict, Gone, NotFound

from . import deployment_rules as rules
from .replicaset import is_active, is_ready

if TYPE_CHECKING:
    from .runtime import Cache, ClusterRuntime, Controller, Key, Result

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Pairs = list[list[str]]
MAX_ACTIONS = 50  # a 500-pod burst is told as its first 50 writes and a count


class Tracer:
    """One cluster's tracing switch and recorder, owned by its ClusterRuntime."""

    def __init__(self, runtime: ClusterRuntime) -> None:
        self.runtime = runtime
        self._watched = False
        self._checked_at = float("-inf")
        self._seen_local = -1

    def watching(self) -> bool:
        local = traces.local_watches()
        if local != self._seen_local or time.monotonic() - self._checked_at >= traces.WATCH_CHECK_SECONDS:
            self._seen_local, self._checked_at = local, time.monotonic()
            self._watched = traces.is_watched(self.runtime.cluster)
        return self._watched

    def reconcile(self, controller: Controller, key: Key) -> Result:
        """`controller.reconcile(key)`, recorded if someone watches; exceptions pass through."""
        if not self.watching():
            return controller.reconcile(key)
        try:
            before = store.current_resource_version()
            trace = begin(controller, key, self.runtime)
        except Exception:  # a summary that cannot be made must not stop the reconcile
            log.exception("summarising %s %s for its trace failed", controller.component, key)
            return controller.reconcile(key)
        try:
            result = controller.reconcile(key)
        except Conflict:
            trace["outcome"] = "conflict: the cache was behind; it looks again once it has caught up"
            raise
        except NotFound:
            trace["outcome"] = "something it read is gone; it looks again"
            raise
        except Exception as e:
            trace["outcome"] = f"failed: {e}; retried with back-off"
            raise
        else:
            trace["outcome"] = outcome(result)
        finally:
            self._finish(trace, before)
        return result

    def _finish(self, trace: traces.Trace, before: int) -> None:
        # A trace must never break the loop it describes
        try:
            writes = self._writes_since(before)
            trace.update(describe_writes(writes, self.runtime.cache))
            trace["objects"] = sorted({*trace["objects"], *touched(writes)})
            traces.record(self.runtime.cluster, [trace])
        except Exception:
            log.exception("recording a reconcile trace failed")

    def _writes_since(self, before: int) -> list[store.WatchEvent]:
        after = store.current_resource_version()
        if after == before:
            return []
        try:
            events = store.changes(self.runtime.cluster, before, limit=10_000)
        except Gone:
            return []
        return [e for e in events if e.resource_version <= after]


# -- Before: what the controller is about to compare ---------------------------------------------


def begin(controller: Controller, key: Key, runtime: ClusterRuntime) -> traces.Trace:
    kind = controller.kind
    obj = runtime.cache.by_uid.get(key) if kind == "*" else runtime.cache.get(kind, key)
    by_component = COMPONENT_SUMMARIES.get(controller.component)
    if by_component is not None:
        observed, desired, difference = by_component(key, obj, runtime)
    else:
        observed, desired, difference = summarize(kind, key, obj, runtime)
    objects = set()
    if obj is not None:
        objects.add(ref(obj["kind"], _key(obj)))
        if owner := _controller_owner(obj):
            objects.add(owner)
    return {
        "controller": controller.component or type(controller).__name__,
        "kind": kind,
        "key": key,
        "subject": subject(controller, key, obj),
        "time": store.timestamp(runtime.now()),
        "observed": observed,
        "desired": desired,
        "difference": difference,
        "actions": [],
        "events": [],
        "outcome": "",
        "objects": sorted(objects),
    }


def subject(controller: Controller, key: Key, obj: Obj | None) -> str:
    """What the reconcile is about, in words: "Deployment default/web", "the scheduling queue"."""
    if controller.component == "default-scheduler":
        return "the scheduling queue (pods without a node)"
    if controller.kind == "*":
        return f"{obj['kind']} {_key(obj)}" if obj is not None else f"uid {key}"
    return f"{controller.kind} {key}"


def summarize(kind: str, key: Key, obj: Obj | None, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    """(observed, desired, difference) for one key, from the cache as the controller sees it."""
    if obj is None:
        return [[kind, f"{key} is not there (deleted)"]], [], "nothing left to reconcile"
    summary = SUMMARIES.get(kind, summarize_generic)
    return summary(obj, runtime.cache, runtime)


def summarize_pending(key: Key, obj: Obj | None, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    """The scheduler's one key, "pending": every pod without a node."""
    pending = [p for p in runtime.cache.list("Pod") if not p["spec"].get("nodeName") and is_active(p)]
    names = ", ".join(p["metadata"]["name"] for p in pending[:5]) + (" ..." if len(pending) > 5 else "")
    observed = [["pods without a node", f"{len(pending)}" + (f": {names}" if pending else "")]]
    desired = [["every pod", "bound to a node that fits it"]]
    return observed, desired, f"{len(pending)} pod{'s' if len(pending) != 1 else ''} to place" if pending else "none"


def summarize_owners(key: Key, obj: Obj | None, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    """The garbage collector's keys are uids: does the object's every owner still exist?"""
    if obj is None:
        return [["object", f"uid {key} is gone"]], [], "nothing left to collect"
    owners = obj["metadata"].get("ownerReferences") or []
    missing = [o for o in owners if o.get("uid") not in runtime.cache.by_uid]
    observed = [["object", f"{obj['kind']} {_key(obj)}"],
                ["owners", ", ".join(f"{o['kind']} {o['name']}" + (" (gone)" if o in missing else "") for o in owners) or "none"]]
    desired = [["owners", "every owner exists, or the object goes"]]
    return observed, desired, f"{len(missing)} owner{'s' if len(missing) != 1 else ''} gone" if missing else "none"


def summarize_heartbeat(key: Key, obj: Obj | None, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    """The node lifecycle controller: is the node's kubelet still renewing its Lease?"""
    if obj is None:
        return [["Node", f"{key} is not there (deleted)"]], [], "nothing left to watch"
    ready = next((c["status"] for c in obj.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "Unknown")
    lease = runtime.cache.get("Lease", f"kube-node-lease/{key}")
    renewed = (lease or {}).get("spec", {}).get("renewTime", "never")
    observed = [["Ready", ready], ["Lease renewed", renewed]]
    return observed, [["heartbeat", "a Lease renewal within the grace period"]], ""


def summarize_deployment(d: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    rss = [rs for rs in cache.owned_by(d, "ReplicaSet")]
    new_rs = rules.find_new_replica_set(d, rss)
    observed: Pairs = []
    for rs in sorted(rss, key=lambda r: -(rules.revision(r) or 0)):
        status = rs.get("status", {})
        label = f"ReplicaSet {rs['metadata']['name']}" + (" (current template)" if rs is new_rs else "")
        observed.append([label, f"revision {rules.revision(rs) or '?'}: {rules.replicas(rs)} replicas, "
                                f"{status.get('readyReplicas', 0)} ready, {status.get('availableReplicas', 0)} available"])
    pods = [p for rs in rss for p in cache.owned_by(rs, "Pod") if is_active(p)]
    observed.append(["pods", f"{len(pods)}, {sum(map(is_ready, pods))} ready"])
    want = rules.replicas(d)
    template_hash = rules.pod_template_hash(d["spec"]["template"], d.get("status", {}).get("collisionCount"))
    desired: Pairs = [["replicas", str(want)], ["template", f"pod-template-hash {template_hash}"]]
    if rules.is_rolling_update(d):
        surge, unavailable = rules.max_surge(d), rules.max_unavailable(d)
        desired.append(["rollout bounds", f"at most {want + surge} pods, at least {want - unavailable} available"])
    else:
        desired.append(["strategy", "Recreate: the old pods go before new ones start"])
    if d["spec"].get("paused"):
        desired.append(["paused", "yes: no rollout until resumed"])
    return observed, desired, deployment_difference(d, new_rs, rss)


def deployment_difference(d: Obj, new_rs: Obj | None, rss: list[Obj]) -> str:
    want = rules.replicas(d)
    if new_rs is None:
        return "no ReplicaSet has the current template: one must be created"
    old = sum(rules.replicas(rs) for rs in rss if rs is not new_rs)
    have = rules.replicas(new_rs)
    parts = []
    if have != want:
        parts.append(f"the current ReplicaSet has {have} of {want} replicas")
    if old:
        parts.append(f"old ReplicaSets still have {old}")
    status = d.get("status", {})
    if not parts and status.get("observedGeneration", 0) < d["metadata"].get("generation", 0):
        parts.append("the status does not show the latest generation yet")
    return "; ".join(parts) or f"none in replicas: {have} of {want} on the current template"


def summarize_replica_set(rs: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    pods = [p for p in cache.owned_by(rs, "Pod") if is_active(p)]
    ready = sum(map(is_ready, pods))
    want = rules.replicas(rs)
    observed = [["pods", f"{len(pods)}, {ready} ready"],
                ["status", f"{rs.get('status', {}).get('replicas', 0)} replicas, {rs.get('status', {}).get('readyReplicas', 0)} ready"]]
    return observed, [["replicas", str(want)]], count_difference(want, len(pods))


def summarize_stateful_set(sts: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    pods = sorted((p for p in cache.owned_by(sts, "Pod") if is_active(p)), key=lambda p: p["metadata"]["name"])
    want = int(sts["spec"].get("replicas", 1))
    observed = [["pods", ", ".join(p["metadata"]["name"] + (" (ready)" if is_ready(p) else "") for p in pods) or "none"]]
    desired = [["replicas", str(want)], ["update revision", sts.get("status", {}).get("updateRevision", "?")]]
    return observed, desired, count_difference(want, len(pods))


def summarize_daemon_set(ds: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    pods = [p for p in cache.owned_by(ds, "Pod") if is_active(p)]
    want = int(ds.get("status", {}).get("desiredNumberScheduled", 0))
    observed = [["pods", f"{len(pods)}, {sum(map(is_ready, pods))} ready"]]
    return observed, [["one pod per eligible node", str(want)]], count_difference(want, len(pods))


def summarize_pod(pod: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    node = pod["spec"].get("nodeName")
    observed = [["node", node or "none yet"], ["phase", pod.get("status", {}).get("phase", "Pending")]]
    return observed, [["node", "a node that fits it"]], "none" if node else "not scheduled: a node must be chosen"


def summarize_node(node: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    pods = cache.pods_on(node["metadata"]["name"])
    ready = next((c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "Unknown")
    observed = [["pods bound here", f"{len(pods)}, {sum(map(is_ready, pods))} ready"], ["Ready", ready]]
    return observed, [["pods", "each bound pod running as its spec says"]], "whatever each pod's containers need next"


def summarize_generic(obj: Obj, cache: Cache, runtime: ClusterRuntime) -> tuple[Pairs, Pairs, str]:
    meta = obj["metadata"]
    observed = [["observedGeneration", str(obj.get("status", {}).get("observedGeneration", "-"))]]
    return observed, [["generation", str(meta.get("generation", "-"))]], ""


COMPONENT_SUMMARIES = {
    "default-scheduler": summarize_pending,
    "garbage-collector-controller": summarize_owners,
    "node-controller": summarize_heartbeat,
}
SUMMARIES = {
    "Deployment": summarize_deployment,
    "ReplicaSet": summarize_replica_set,
    "StatefulSet": summarize_stateful_set,
    "DaemonSet": summarize_daemon_set,
    "Pod": summarize_pod,
    "Node": summarize_node,
}


def count_difference(want: int, have: int) -> str:
    if want > have:
        return f"{want - have} pod{'s' if want - have != 1 else ''} missing"
    if have > want:
        return f"{have - want} pod{'s' if have - want != 1 else ''} too many"
    return f"none: {have} of {want} pods"


# -- After: what it wrote ------------------------------------------------------------------------


def outcome(result: Result) -> str:
    if result.requeue_after is None:
        return "done until something changes"
    return f"looks again in {result.requeue_after:g}s"


def describe_writes(writes: list[store.WatchEvent], cache: Cache) -> dict[str, Any]:
    """The actions (object writes, in words) and the Events among the writes."""
    seen: dict[str, Obj] = {}
    actions: list[dict[str, Any]] = []
    events: list[dict[str, str]] = []
    for write in writes:
        obj = write.object
        if obj["kind"] == "Event":
            events.append({"type": obj.get("type", ""), "reason": obj.get("reason", ""), "message": obj.get("message", "")})
            continue
        name = ref(obj["kind"], _key(obj))
        old = seen.get(name) or cache.get(obj["kind"], _key(obj))
        seen[name] = obj
        actions.append(describe(write.type, obj, old))
    return {"actions": actions[:MAX_ACTIONS], "more_actions": max(0, len(actions) - MAX_ACTIONS), "events": events[:MAX_ACTIONS]}


def describe(type_: str, obj: Obj, old: Obj | None) -> dict[str, Any]:
    """One write in kubectl's words: created, deleted, scaled, bound, updated status of ...
    `objects` names the object and its controller owner, so a page can tell whose it is."""
    kind, meta = obj["kind"], obj["metadata"]
    subject = f"{kind} {meta['name']}"
    verb, text = "updated", f"updated {subject}"
    if type_ == "DELETED":
        verb, text = "deleted", f"deleted {subject}"
    elif type_ == "ADDED":
        count = (obj.get("spec") or {}).get("replicas")
        replicas = f" with {count} replica{'s' if count != 1 else ''}" if count is not None else ""
        verb, text = "created", f"created {subject}{replicas}"
    elif old is not None:
        verb, text = describe_update(subject, obj, old)
    return {"verb": verb, "kind": kind, "namespace": meta.get("namespace", ""), "name": meta["name"], "text": text,
            "owner": _controller_owner(obj) or ""}


def describe_update(subject: str, obj: Obj, old: Obj) -> tuple[str, str]:
    spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    if obj["metadata"].get("deletionTimestamp") and not old["metadata"].get("deletionTimestamp"):
        grace = obj["metadata"].get("deletionGracePeriodSeconds")
        return "deleted", f"deleting {subject}" + (f" (grace period {grace}s)" if grace is not None else "")
    if spec.get("replicas") != old_spec.get("replicas"):
        return "scaled", f"scaled {subject} from {old_spec.get('replicas', 0)} to {spec.get('replicas', 0)}"
    if spec.get("nodeName") and not old_spec.get("nodeName"):
        return "bound", f"bound {subject} to node {spec['nodeName']}"
    if spec != old_spec:
        return "updated", f"updated the spec of {subject}"
    changes = status_changes(obj.get("status") or {}, old.get("status") or {})
    if changes:
        return "updated status", f"updated status of {subject}: {changes}"
    if obj["metadata"] != old["metadata"]:
        return "updated", f"updated the metadata of {subject}"
    return "updated", f"updated {subject}"


def status_changes(new: Obj, old: Obj) -> str:
    """The status fields that changed, scalars with their values, conditions by type."""
    parts = []
    for field in sorted(new.keys() | old.keys()):
        a, b = old.get(field), new.get(field)
        if a == b:
            continue
        if field == "conditions":
            parts += condition_changes(a or [], b or [])
        elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
            parts.append(field)
        else:
            parts.append(f"{field} {a if a is not None else 0} → {b if b is not None else 0}")
    return ", ".join(parts) or "no visible change"


def condition_changes(old: list[Obj], new: list[Obj]) -> list[str]:
    before = {c.get("type"): c for c in old}
    out = []
    for c in new:
        prior = before.get(c.get("type"))
        if prior is None or prior.get("status") != c.get("status") or prior.get("reason") != c.get("reason"):
            out.append(f"{c.get('type')}={c.get('status')}" + (f" ({c['reason']})" if c.get("reason") else ""))
    return out


def touched(writes: list[store.WatchEvent]) -> set[str]:
    """Every object written, its controller owner, and the objects the Events are about."""
    found: set[str] = set()
    for write in writes:
        obj = write.object
        if obj["kind"] == "Event":
            involved = obj.get("involvedObject") or {}
            found.add(f"{involved.get('kind')}/{involved.get('namespace', '')}/{involved.get('name')}")
            continue
        found.add(ref(obj["kind"], _key(obj)))
        if owner := _controller_owner(obj):
            found.add(owner)
    return found


def ref(kind: str, key: Key) -> str:
    """"Kind/namespace/name" ("Kind//name" for cluster-scoped objects)."""
    namespace, _, name = key.rpartition("/")
    return f"{kind}/{namespace}/{name}"


def _key(obj: Obj) -> Key:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


def _controller_owner(obj: Obj) -> str | None:
    for owner in obj["metadata"].get("ownerReferences") or []:
        if owner.get("controller"):
            return f"{owner['kind']}/{obj['metadata'].get('namespace', '')}/{owner['name']}"
    return None
