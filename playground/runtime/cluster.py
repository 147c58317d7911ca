"""A cluster's runtime: its informer and cache, each loop's work queue, and timers in simulated time.

store change log → Informer.sync → each controller's `keys_for(obj, old)` → WorkQueue →
`reconcile(key)` (through the Tracer) → store → change log → ...

A Conflict means the cache was behind: look at the log again and retry. NotFound: something read
is gone since; the next pass sees that. Any other error retries with the rate limiter's back-off,
in simulated time, so a paused clock never spins. One ClusterRuntime serves one cluster; the
Manager (manager.py) runs them all; tests and `settle` drive one directly.
"""
from __future__ import annotations

import datetime
import heapq
import itertools
import logging
import math
import threading
from collections.abc import Iterable

from playground.store import clock, clusters
from playground.store.commit import LOOKED_UP_KINDS
from playground.store.errors import Conflict, Fenced, NotFound, StoreError

from .cache import Key
from .controller import Controller, SyncError
from .informer import Informer, OnEvent
from .tracing import Tracer
from .workqueue import WorkQueue

log = logging.getLogger(__name__)

MAX_RECONCILES_PER_SETTLE = 200_000  # a livelock guard for tests and `settle`


class ClusterRuntime:
    """The loops of one cluster with their cache, queues and timers."""

    def __init__(self, cluster: str, controllers: Iterable[type[Controller]]) -> None:
        self.cluster = cluster
        self.informer = Informer(cluster)
        self.cache = self.informer.cache
        self.clock = clock.read(cluster)
        self.controllers = [c(self) for c in controllers]
        self.queues = {c: WorkQueue() for c in self.controllers}
        self._timers: list[tuple[datetime.datetime, int, Controller, Key]] = []
        # The one timer each key has: (due, its entry's sequence number, background). A heap entry
        # whose sequence is not here was replaced by an earlier one and is skipped
        self._pending: dict[tuple[Controller, Key], tuple[datetime.datetime, int, bool]] = {}
        self._sequence = itertools.count()
        self.reconciles = 0
        self.tracer = Tracer(self)  # records every reconcile in a ring, for the loop page
        # What the store's admission read for this cluster's writes (clusters.looked_up_this_turn):
        # kept from turn to turn, forgotten once the informer sees one of those kinds change
        self.looked_up: clusters.LookedUp = {}

    def now(self) -> datetime.datetime:
        return self.clock.now()

    # -- informers ------------------------------------------------------------------------------

    def sync(self, *, version: int | None = None, on_event: OnEvent | None = None) -> int:
        """Bring the cache up to the store and enqueue the keys the changes concern."""
        return self.informer.sync(self._enqueue_for, version=version, on_event=on_event)

    def _enqueue_for(self, obj: dict, old: dict | None) -> None:
        if obj["kind"] in LOOKED_UP_KINDS:
            self.looked_up.clear()  # a namespace terminating, an account made or gone: admission looks again
        for controller in self.controllers:
            for key in controller.keys_for(obj, old):
                self.queues[controller].add(key)

    # -- timers ---------------------------------------------------------------------------------

    def requeue_after(self, controller: Controller, key: Key, seconds: float, *, background: bool = False) -> None:
        """Look at `key` again after `seconds`: one timer per key, the earliest asked for, as
        client-go's delaying queue keeps one (AddAfter: "if the item is already waiting, only
        move its time earlier"). A reconcile says again when it wants the next look, so a key
        refused over and over (a quota) waits for its back-off, never for a pile of timers."""
        # Rounded up to the microsecond: a timer must never fire a hair before its moment
        due = self.now() + datetime.timedelta(microseconds=math.ceil(seconds * 1_000_000))
        waiting = self._pending.get((controller, key))
        if waiting is not None and waiting[0] <= due:
            if waiting[2] and not background:  # a foreground wait is one an instant clock jumps to
                self._pending[(controller, key)] = (waiting[0], waiting[1], False)
            return
        sequence = next(self._sequence)
        self._pending[(controller, key)] = (due, sequence, background)
        heapq.heappush(self._timers, (due, sequence, controller, key))

    def next_due(self) -> datetime.datetime | None:
        self._drop_replaced()
        return self._timers[0][0] if self._timers else None

    def has_foreground_timers(self) -> bool:
        return any(not background for *_, background in self._pending.values())

    def fire_timers(self) -> int:
        fired, now = 0, self.now()
        while self._drop_replaced() and self._timers[0][0] <= now:
            _, _, controller, key = heapq.heappop(self._timers)
            del self._pending[(controller, key)]
            self.queues[controller].add(key)
            fired += 1
        return fired

    def _drop_replaced(self) -> bool:
        """Pop the heap's first entries that an earlier timer of the same key replaced; whether any is left."""
        while self._timers:
            _, sequence, controller, key = self._timers[0]
            if self._pending.get((controller, key), (None, None))[1] == sequence:
                return True
            heapq.heappop(self._timers)
        return False

    # -- reconciling ----------------------------------------------------------------------------

    def has_work(self) -> bool:
        return any(self.queues.values())

    def process(self, budget: int, *, stopping: threading.Event | None = None) -> int:
        """Reconcile up to `budget` keys, taking turns between controllers; returns how many.

        In its turn a controller works through the keys it had waiting when the turn began, as
        its own workers would while the others work too; what comes in meanwhile waits for its
        next turn, so many changes to one object are folded into one reconcile. Once `stopping`
        is set it ends after the reconcile under way: each one commits its own writes, and what
        was left queued is found again by the next start's resync (reconciles are level-triggered)."""
        try:
            return self._process(budget, stopping=stopping)
        finally:
            self.tracer.publish()  # while a loop page watches: this turn's records, in one write

    def _process(self, budget: int, *, stopping: threading.Event | None = None) -> int:
        done = 0
        while done < budget:
            progressed = False
            for controller, queue in self.queues.items():
                for _ in range(len(queue)):
                    if done >= budget or (stopping is not None and stopping.is_set()):
                        return done
                    self.informer.sync_local(self._enqueue_for)
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
        except (Conflict, NotFound):
            # The cache was behind, or something it read is gone since: look again once caught up,
            # at once the first time; a key that conflicts again backs off as client-go's rate
            # limiter has it (a conflict the cache cannot explain must never spin a core)
            self.informer.look_again()
            if queue.first_failure(key):
                queue.add(key)
            else:
                self._back_off(controller, key)
            return
        except Fenced:
            raise  # this worker lost the cluster: the manager drops this runtime, nothing to retry here
        except (StoreError, SyncError) as e:  # refused, or not there yet: an Event says so; retried (HandleError)
            delay = self._back_off(controller, key)
            log.warning("%s: reconcile %s: %s; retrying in %.3fs", type(controller).__name__, key, e, delay)
            return
        except Exception:
            delay = self._back_off(controller, key)
            log.exception("%s: reconcile %s failed; retrying in %.3fs", type(controller).__name__, key, delay)
            return
        queue.forget(key)
        if result.requeue_after is not None:
            self.requeue_after(controller, key, result.requeue_after, background=result.background)

    def _back_off(self, controller: Controller, key: Key) -> float:
        delay = self.queues[controller].back_off(key, self.now())
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
