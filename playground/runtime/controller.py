"""A reconcile loop, as the runtime runs it: the kinds it watches, how a change maps to a key, and
`reconcile(key) -> Result`.

Level-triggered, as in kubernetes/sample-controller and controller-runtime: a controller is
handed a key (`namespace/name`), never an event; it reads desired and actual state from the
cache, takes the smallest step, writes through the store and returns a Result — nothing, or
"look again after N simulated seconds". An error is raised, as a Go sync handler returns one:
the runtime retries the key with the rate limiter's back-off. Controllers (playground/controllers)
and kubelets (playground/sim) are both Controllers.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from playground.store import api as store
from playground.store.controller_ref import controller_of
from playground.store.errors import Forbidden, Invalid, StoreError

from .cache import Key, key_of
from .events import EventRecorder

if TYPE_CHECKING:
    from .cluster import ClusterRuntime

Obj = dict[str, Any]
Pairs = list[list[str]]
Summary = tuple[Pairs, Pairs, str]  # observed, desired, the difference: what the loop page shows


@dataclass(frozen=True)
class Result:
    """What a reconcile asks of the runtime: nothing, or to look again after a simulated delay.
    A `background` wait (a heartbeat, a check that only matters if something else stops)
    does not by itself move an instant clock forward."""

    requeue_after: float | None = None
    background: bool = False


class Controller:
    """`kind` is what its keys name; changes to kinds in `owns` enqueue their controller owner's
    key. Subclasses implement `reconcile` and may widen `keys_for` and `summarize`."""

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
                ref = controller_of(o) if o is not None else None
                if ref is not None and ref["kind"] == self.kind:
                    namespace = obj["metadata"].get("namespace")
                    yield f"{namespace}/{ref['name']}" if namespace else ref["name"]

    def reconcile(self, key: Key) -> Result:
        raise NotImplementedError

    def rate_limited(self, key: Key) -> float:
        """The delay before `key` is looked at again, from the rate limiter (enqueueRateLimited)."""
        return self.runtime.queues[self].back_off(key, self.now())

    def summarize(self, key: Key, obj: Obj | None) -> Summary:
        """What this reconcile is about to compare, for the loop page (runtime/tracing.py)."""
        if obj is None:
            return [[self.kind, f"{key} is not there (deleted)"]], [], "nothing left to reconcile"
        observed = [["observedGeneration", str(obj.get("status", {}).get("observedGeneration", "-"))]]
        return observed, [["generation", str(obj["metadata"].get("generation", "-"))]], ""


SLOW_START_INITIAL_BATCH_SIZE = 1  # pkg/controller/controller_utils.go


def slow_start_batches(count: int, *, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> Iterator[int]:
    """slowStartBatch's batch sizes for `count` creates: 1, 2, 4, ... and what remains (a
    controller writes each batch before the next, and stops at the first that is refused)."""
    size = min(count, initial)
    while size > 0:
        yield size
        count -= size
        size = min(2 * size, count)


def create_until_refused(batch: store.Batch, objs: Iterable[Obj]) -> tuple[list[Obj], StoreError | None]:
    """Create the objects in `batch` until the API server refuses one (a quota, a template it
    finds invalid): those created before stay, as slowStartBatch keeps the creates that went
    through and stops at the first error (pkg/controller/replicaset/replica_set.go). Returns
    them and the refusal, which the controller turns into a FailedCreate Event and a retry."""
    created: list[Obj] = []
    for obj in objs:
        try:
            created.append(batch.create(obj))
        except (Invalid, Forbidden) as e:
            return created, e
    return created, None


class SyncError(Exception):
    """An error a reconcile returns, as a Go sync handler returns one: said in one line of the
    log (nothing is broken, the cluster is not there yet) and retried with back-off."""


def count_difference(want: int, have: int) -> str:
    """A summary's difference between pods wanted and pods there."""
    if want > have:
        return f"{want - have} pod{'s' if want - have != 1 else ''} missing"
    if have > want:
        return f"{have - want} pod{'s' if have - want != 1 else ''} too many"
    return f"none: {have} of {want} pods"
