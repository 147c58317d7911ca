"""Reconcile traces: each reconcile told as "compare actual with expected, then act".

ClusterRuntime.reconcile → Tracer.reconcile, always: before, what the controller is about to
see in the cache, summarised per kind (observed and desired, and the difference); the reconcile
itself, untouched; after, the writes it made, taken into the cache at once (the informer sync
that would come next anyway, so reading them costs no query) and each put in words ("scaled
ReplicaSet web-6d4b from 2 to 3") → the cluster's ring (recorder.py) → published to the store
while a loop page watches (store/traces.py) → the loop page.

The writes are what the log holds between the cache's resourceVersion before and after, so
should another writer (a kubectl command, a page's button) commit to the same cluster in the
middle of a reconcile, its writes are listed with it; the controllers themselves take turns on
one thread, so they never mix.

Nothing here decides anything: the controllers do, and each says what it is about to compare
(Controller.summarize); this only reads that and what they wrote, so a trace cannot drift from
what the controller did. What a reconcile costs more: its summary and one JSON encoding (see
`bench converge`); the process looks at every cluster's watch flag once per WATCH_CHECK_SECONDS.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from playground.store import api as store
from playground.store import changelog, traces
from playground.store.controller_ref import controller_of
from playground.store.errors import Conflict, NotFound

from . import recorder
from .cache import Key, key_of

if TYPE_CHECKING:
    from .cluster import ClusterRuntime
    from .controller import Controller, Result

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Write = tuple[changelog.WatchEvent, "Obj | None"]  # a change, and the object as the cache had it before
MAX_ACTIONS = 50  # a 500-pod burst is told as its first 50 writes and a count


class Tracer:
    """One cluster's recorder (its ring), and the switch that publishes it to a loop page."""

    def __init__(self, runtime: ClusterRuntime) -> None:
        self.runtime = runtime
        self.ring = recorder.start(runtime.cluster, started=store.timestamp(runtime.now()))

    def publish(self) -> None:
        """Hand the ring's new records to the store, if a loop page watches (after a turn)."""
        try:
            if traces.watched(self.runtime.cluster):
                self.ring.publish()
        except Exception:  # the page misses records (a gap it shows); the loops go on
            log.exception("publishing the reconcile records of %s failed", self.runtime.cluster)

    def reconcile(self, controller: Controller, key: Key) -> Result:
        """`controller.reconcile(key)`, recorded; exceptions pass through."""
        try:
            trace = begin(controller, key, self.runtime)
        except Exception:  # a summary that cannot be made must not stop the reconcile
            log.exception("summarising %s %s for its trace failed", controller.component, key)
            return controller.reconcile(key)
        local = changelog.local_commits(self.runtime.cluster)
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
            self._finish(trace, local)
        return result

    def _finish(self, trace: traces.Trace, local: int) -> None:
        # A trace must never break the loop it describes
        try:
            writes = self._writes(local)
            trace.update(describe_writes(writes))
            trace["objects"] = sorted({*trace["objects"], *touched(writes)})
            self.ring.add(trace, routine=routine(trace, writes))
        except Exception:
            log.exception("recording a reconcile trace failed")

    def _writes(self, local: int) -> list[Write]:
        """What the reconcile wrote, taken into the cache now (as the next sync would)."""
        if changelog.local_commits(self.runtime.cluster) == local:
            return []  # it wrote nothing (a write from another process is seen at the next sync)
        writes: list[Write] = []
        self.runtime.sync(on_event=lambda event, old: writes.append((event, old)))
        return writes


def routine(trace: traces.Trace, writes: list[Write]) -> bool:
    """A node's heartbeat: a reconcile of a Node that wrote nothing but Leases and Nodes and no
    Event (a kubelet renewing its Lease, the node controller finding the node Ready). The ring
    keeps these apart, so that an idle cluster's heartbeats never push a rollout out of it."""
    return trace["kind"] == "Node" and all(w.object["kind"] in ("Lease", "Node") for w, _ in writes)


# -- Before: what the controller is about to compare ---------------------------------------------


def begin(controller: Controller, key: Key, runtime: ClusterRuntime) -> traces.Trace:
    kind = controller.kind
    obj = runtime.cache.by_uid.get(key) if kind == "*" else runtime.cache.get(kind, key)
    observed, desired, difference = controller.summarize(key, obj)
    objects = set()
    if obj is not None:
        objects.add(ref(obj["kind"], key_of(obj)))
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
        return f"{obj['kind']} {key_of(obj)}" if obj is not None else f"uid {key}"
    return f"{controller.kind} {key}"


# -- After: what it wrote ------------------------------------------------------------------------


def outcome(result: Result) -> str:
    if result.requeue_after is None:
        return "done until something changes"
    return f"looks again in {result.requeue_after:g}s"


def describe_writes(writes: list[Write]) -> dict[str, Any]:
    """The actions (object writes, in words) and the Events among the writes."""
    actions: list[dict[str, Any]] = []
    events: list[dict[str, str]] = []
    for write, old in writes:
        obj = write.object
        if obj["kind"] == "Event":
            involved = obj.get("involvedObject") or {}
            about = f"{involved.get('kind')}/{involved.get('namespace', '')}/{involved.get('name')}"
            events.append({"type": obj.get("type", ""), "reason": obj.get("reason", ""), "message": obj.get("message", ""), "about": about})
            continue
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


def touched(writes: list[Write]) -> set[str]:
    """Every object written, its controller owner, and the objects the Events are about."""
    found: set[str] = set()
    for write, _ in writes:
        obj = write.object
        if obj["kind"] == "Event":
            involved = obj.get("involvedObject") or {}
            found.add(f"{involved.get('kind')}/{involved.get('namespace', '')}/{involved.get('name')}")
            continue
        found.add(ref(obj["kind"], key_of(obj)))
        if owner := _controller_owner(obj):
            found.add(owner)
    return found


def ref(kind: str, key: Key) -> str:
    """"Kind/namespace/name" ("Kind//name" for cluster-scoped objects)."""
    namespace, _, name = key.rpartition("/")
    return f"{kind}/{namespace}/{name}"


def _controller_owner(obj: Obj) -> str | None:
    """"Kind/namespace/name" of the object's controller, if it has one."""
    owner = controller_of(obj)
    return f"{owner['kind']}/{obj['metadata'].get('namespace', '')}/{owner['name']}" if owner else None
