"""The controller runtime: informers, a shared cache, work queues and timers in simulated time.

store change log → ClusterRuntime.sync() (the informers: one list, then the watch) → Cache →
each controller's `keys_for(obj)` → WorkQueue → `reconcile(key)` → store → change log → ...

Level-triggered, as in kubernetes/sample-controller and controller-runtime: a controller is
handed a key (`namespace/name`), never an event; it reads desired and actual state from the
cache, takes the smallest step, writes through the store and returns a Result, optionally
"requeue after N simulated seconds". A Conflict means the cache was behind: sync and retry. Any
other error retries with exponential back-off (in simulated time, so a paused clock never
spins). One ClusterRuntime serves one cluster; the Manager (manager.py) runs them all.
"""
from __future__ import annotations

import datetime
import heapq
import itertools
import logging
import math
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from playground.store import api as store
from playground.store import clock
from playground.store.errors import Conflict, Gone, NotFound
from playground.store.selectors import label_selector_matches

from .events import EventRecorder

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Key = str
ERROR_BACKOFF_BASE = 0.005  # simulated seconds, doubling per failure (client-go's default rate limiter)
ERROR_BACKOFF_MAX = 1000.0
MAX_RECONCILES_PER_SETTLE = 200_000  # a livelock guard for tests and `settle`
# No controller reads Events back (the recorder remembers its own), and they outnumber
# everything else: a 10,000-pod rollout leaves 50,000 of them.
UNCACHED_KINDS = frozenset({"Event"})


@dataclass(frozen=True)
class Result:
    """What a reconcile asks of the runtime: nothing, or to look again after a simulated delay.
    A `background` wait (a heartbeat, a check that only matters if something else stops)
    does not by itself move an instant clock forward. `back_off`: look again after the rate
    limiter's back-off (5 ms, doubling), as a sync handler's error or enqueueRateLimited asks."""

    requeue_after: float | None = None
    background: bool = False
    back_off: bool = False


def key_of(obj: Obj) -> Key:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


def split_key(key: Key) -> tuple[str, str]:
    namespace, _, name = key.rpartition("/")
    return namespace, name


def controller_ref(obj: Obj) -> Obj | None:
    """The ownerReference with `controller: true`, if any (metav1.GetControllerOf)."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Obj) -> Obj:
    """A controller ownerReference to `owner`, as the controllers write them."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def adopt_and_release(cluster: str, owner: Obj, adopt: list[Obj], release: list[Obj]) -> list[Obj]:
    """ControllerRefManager's writes (pkg/controller/controller_ref_manager.go), in one batch:
    orphans that match get `owner` as their controller, objects that stopped matching lose it.
    Returns the adopted objects as written."""
    if not (adopt or release):
        return []
    uid = owner["metadata"]["uid"]
    with store.batch(cluster) as batch:
        adopted = [
            batch.update({**obj, "metadata": {**obj["metadata"], "ownerReferences": [
                *(obj["metadata"].get("ownerReferences") or []), owner_reference(owner)]}})
            for obj in adopt
        ]
        for obj in release:
            refs = [r for r in obj["metadata"]["ownerReferences"] if r["uid"] != uid]
            batch.update({**obj, "metadata": {**obj["metadata"], "ownerReferences": refs}})
    return adopted


class Cache:
    """One cluster's objects as the informers last saw them, with the indexes controllers use.

    Controllers must not mutate what they read here: copy, then write through the store.
    """

    def __init__(self) -> None:
        self.objects: dict[str, dict[Key, Obj]] = defaultdict(dict)
        self.by_uid: dict[str, Obj] = {}
        self.dependents: dict[str, set[tuple[str, Key]]] = defaultdict(set)  # owner uid → (kind, key)
        self.pods_by_node: dict[str, set[Key]] = defaultdict(set)
        self.orphans: dict[tuple[str, str], set[Key]] = defaultdict(set)  # (kind, namespace) → no controller
        self.resource_version = 0

    def get(self, kind: str, key: Key) -> Obj | None:
        return self.objects[kind].get(key)

    def list(self, kind: str, *, namespace: str | None = None, selector: Obj | None = None) -> list[Obj]:
        """Objects of a kind, optionally in one namespace and matching a LabelSelector object."""
        found = self.objects[kind].values()
        if namespace is not None:
            found = [o for o in found if o["metadata"].get("namespace") == namespace]
        if selector is not None:
            found = [o for o in found if label_selector_matches(selector, o["metadata"].get("labels") or {})]
        return list(found)

    def uncontrolled(self, kind: str, *, namespace: str) -> list[Obj]:
        """Objects of a kind in a namespace with no controller: what a controller may adopt."""
        objects = self.objects[kind]
        return [objects[key] for key in self.orphans[(kind, namespace)] if key in objects]

    def owned_by(self, owner: Obj, kind: str) -> list[Obj]:
        """The objects of `kind` with an ownerReference to `owner` (by uid)."""
        keys = self.dependents.get(owner["metadata"]["uid"], ())
        return [self.objects[kind][key] for k, key in keys if k == kind and key in self.objects[kind]]

    def dependents_of(self, uid: str) -> list[Obj]:
        return [self.objects[kind][key] for kind, key in self.dependents.get(uid, ()) if key in self.objects[kind]]

    def pods_on(self, node_name: str) -> list[Obj]:
        pods = self.objects["Pod"]
        return [pods[key] for key in self.pods_by_node.get(node_name, ()) if key in pods]

    def apply(self, event: store.WatchEvent) -> Obj | None:
        """Take one change into the cache; returns the object as it was before (None if new).
        Changes already seen (an object newer than the event) are ignored."""
        obj = event.object
        kind, key = obj["kind"], key_of(obj)
        if kind in UNCACHED_KINDS:
            self.resource_version = max(self.resource_version, event.resource_version)
            return None
        old = self.objects[kind].get(key)
        if old is not None and int(old["metadata"]["resourceVersion"]) >= event.resource_version:
            return old
        if old is not None:
            self._unindex(kind, key, old)
        if event.type == "DELETED":
            self.objects[kind].pop(key, None)
        else:
            self.objects[kind][key] = obj
            self._index(kind, key, obj)
        self.resource_version = max(self.resource_version, event.resource_version)
        return old

    def _index(self, kind: str, key: Key, obj: Obj) -> None:
        self.by_uid[obj["metadata"]["uid"]] = obj
        for ref in obj["metadata"].get("ownerReferences") or []:
            self.dependents[ref["uid"]].add((kind, key))
        if kind == "Pod" and obj["spec"].get("nodeName"):
            self.pods_by_node[obj["spec"]["nodeName"]].add(key)
        if controller_ref(obj) is None:
            self.orphans[(kind, obj["metadata"].get("namespace", ""))].add(key)

    def _unindex(self, kind: str, key: Key, obj: Obj) -> None:
        self.by_uid.pop(obj["metadata"]["uid"], None)
        for ref in obj["metadata"].get("ownerReferences") or []:
            self.dependents[ref["uid"]].discard((kind, key))
        if kind == "Pod" and obj["spec"].get("nodeName"):
            self.pods_by_node[obj["spec"]["nodeName"]].discard(key)
        self.orphans[(kind, obj["metadata"].get("namespace", ""))].discard(key)


class WorkQueue:
    """Keys waiting to be reconciled: each at most once, first come first served."""

    def __init__(self) -> None:
        self._order: deque[Key] = deque()
        self._waiting: set[Key] = set()
        self.failures: dict[Key, int] = defaultdict(int)

    def add(self, key: Key) -> None:
        if key not in self._waiting:
            self._waiting.add(key)
            self._order.append(key)

    def pop(self) -> Key | None:
        if not self._order:
            return None
        key = self._order.popleft()
        self._waiting.discard(key)
        return key

    def __len__(self) -> int:
        return len(self._order)


class Controller:
    """A reconcile loop: `kind` is what its keys name; changes to kinds in `owns` enqueue their
    controller owner's key. Subclasses implement `reconcile` and may widen `keys_for`."""

    kind: ClassVar[str] = ""
    owns: ClassVar[tuple[str, ...]] = ()
    component: ClassVar[str] = ""  # the Event source, e.g. "replicaset-controller"

    def __init__(self, runtime: ClusterRuntime) -> None:
        self.runtime = runtime
        self.cluster = runtime.cluster
        self.cache = runtime.cache
        self.events = EventRecorder(runtime.cluster, component=self.component)

    def now(self) -> datetime.datetime:
        return self.runtime.now()

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == self.kind:
            yield key_of(obj)
        elif obj["kind"] in self.owns:
            for o in (obj, old):
                ref = controller_ref(o) if o is not None else None
                if ref is not None and ref["kind"] == self.kind:
                    namespace = obj["metadata"].get("namespace")
                    yield f"{namespace}/{ref['name']}" if namespace else ref["name"]

    def reconcile(self, key: Key) -> Result:
        raise NotImplementedError


class ClusterRuntime:
    """The controllers of one cluster with their cache, queues and timers."""

    def __init__(self, cluster: str, controllers: Iterable[type[Controller]]) -> None:
        self.cluster = cluster
        self.cache = Cache()
        self.clock = clock.read(cluster)
        self.controllers = [c(self) for c in controllers]
        self.queues = {c: WorkQueue() for c in self.controllers}
        self._timers: list[tuple[datetime.datetime, int, Controller, Key, bool]] = []
        self._sequence = itertools.count()
        self._listed = False
        self._seen_version = -1
        self._seen_commits = -1
        self.reconciles = 0
        from .tracing import Tracer  # here: tracing reads the controllers' own helpers, which import this module

        self.tracer = Tracer(self)  # records reconciles for the loop page, only while one is open

    def now(self) -> datetime.datetime:
        return self.clock.now()

    # -- informers ------------------------------------------------------------------------------

    def sync(self, *, local_only: bool = False) -> int:
        """Bring the cache up to the store and enqueue the keys the changes concern.
        `local_only`: skip the store unless this process wrote since (between reconciles; the
        manager's turns and `settle` look for other processes' writes)."""
        if local_only and store.commits_in_this_process() == self._seen_commits:
            return 0
        self._seen_commits = store.commits_in_this_process()
        version = store.current_resource_version()
        if version == self._seen_version:
            return 0
        self._seen_version = version
        if not self._listed:
            return self._list()
        count = 0
        try:
            while events := store.changes(self.cluster, self.cache.resource_version, limit=5_000):
                for event in events:
                    old = self.cache.apply(event)
                    self._enqueue_for(event.object, old)
                count += len(events)
        except Gone:
            self.cache, self._listed = Cache(), False
            for controller in self.controllers:
                controller.cache = self.cache
            return self._list()
        return count

    def _list(self) -> int:
        version = store.current_resource_version()
        objects = store.list_all(self.cluster, except_kinds=UNCACHED_KINDS)
        for obj in objects:
            self.cache.apply(store.WatchEvent("ADDED", obj, int(obj["metadata"]["resourceVersion"])))
        self.cache.resource_version = max(self.cache.resource_version, version)
        for obj in objects:
            self._enqueue_for(obj, None)
        self._listed = True
        return len(objects)

    def _enqueue_for(self, obj: Obj, old: Obj | None) -> None:
        if obj["kind"] in UNCACHED_KINDS:
            return
        for controller in self.controllers:
            for key in controller.keys_for(obj, old):
                self.queues[controller].add(key)

    # -- timers ---------------------------------------------------------------------------------

    def requeue_after(self, controller: Controller, key: Key, seconds: float, *, background: bool = False) -> None:
        # Rounded up to the microsecond: a timer must never fire a hair before its moment
        due = self.now() + datetime.timedelta(microseconds=math.ceil(seconds * 1_000_000))
        heapq.heappush(self._timers, (due, next(self._sequence), controller, key, background))

    def next_due(self) -> datetime.datetime | None:
        return self._timers[0][0] if self._timers else None

    def has_foreground_timers(self) -> bool:
        return any(not background for *_, background in self._timers)

    def fire_timers(self) -> int:
        fired, now = 0, self.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, controller, key, _ = heapq.heappop(self._timers)
            self.queues[controller].add(key)
            fired += 1
        return fired

    # -- reconciling ----------------------------------------------------------------------------

    def has_work(self) -> bool:
        return any(self.queues.values())

    def process(self, budget: int) -> int:
        """Reconcile up to `budget` keys, taking turns between controllers; returns how many.

        In its turn a controller works through the keys it had waiting when the turn began, as
        its own workers would while the others work too; what comes in meanwhile waits for its
        next turn, so many changes to one object are folded into one reconcile."""
        done = 0
        while done < budget:
            progressed = False
            for controller, queue in self.queues.items():
                for _ in range(len(queue)):
                    if done >= budget:
                        return done
                    self.sync(local_only=True)
                    key = queue.pop()
                    if key is None:
                        break
                    self.reconcile(controller, key)
                    progressed, done = True, done + 1
            if not progressed:
                break
        return done

    def reconcile(self, controller: Controller, key: Key) -> None:
        queue = self.queues[controller]
        self.reconciles += 1
        try:
            result = self.tracer.reconcile(controller, key)
        except Conflict:
            self._seen_version = -1  # the cache was behind: look again once it has caught up
            queue.add(key)
            return
        except NotFound:
            queue.add(key)  # something it read is gone since; the next pass sees that
            self._seen_version = -1
            return
        except Exception:
            delay = self._back_off(controller, key)
            log.exception("%s: reconcile %s failed; retrying in %.3fs", type(controller).__name__, key, delay)
            return
        if result.back_off:
            self._back_off(controller, key)
            return
        queue.failures.pop(key, None)
        if result.requeue_after is not None:
            self.requeue_after(controller, key, result.requeue_after, background=result.background)

    def _back_off(self, controller: Controller, key: Key) -> float:
        queue = self.queues[controller]
        queue.failures[key] += 1
        delay = min(ERROR_BACKOFF_BASE * 2 ** queue.failures[key], ERROR_BACKOFF_MAX)
        self.requeue_after(controller, key, delay)
        return delay

    def settle(self) -> int:
        """Run until every queue is empty and nothing more is due now; returns reconciles done."""
        before = self.reconciles
        while True:
            self.clock = clock.read(self.cluster)
            self.sync()
            self.fire_timers()
            if not self.has_work():
                return self.reconciles - before
            self.process(budget=1_000)
            if self.reconciles - before > MAX_RECONCILES_PER_SETTLE:
                raise RuntimeError(f"{self.cluster}: the controllers did not settle (a reconcile loop?)")

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`, stopping at every timer on the way, as time would."""
        self.settle()
        target = self.now() + datetime.timedelta(seconds=seconds)
        while (due := self.next_due()) is not None and due <= target:
            clock.advance_to(self.cluster, due)
            self.settle()
        clock.advance_to(self.cluster, target)
        self.settle()

    def step(self) -> bool:
        """Run one reconcile, jumping the clock to the next timer if nothing is ready; for Step."""
        self.clock = clock.read(self.cluster)
        self.sync()
        self.fire_timers()
        if not self.has_work() and (due := self.next_due()) is not None:
            clock.advance_to(self.cluster, due)
            self.clock = clock.read(self.cluster)
            self.fire_timers()
        return self.process(budget=1) > 0

