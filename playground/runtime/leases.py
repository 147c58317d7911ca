"""Which clusters this controller worker works on: leases held in the database, shared fairly.

the manager (manager.py), each turn → LeaseKeeper.tick (every retry period: renew what it holds,
read every lease, take or let go) → the clusters it holds → their runtimes, whose writes carry
the fence (store/leases.py). Follows client-go's leader election (tools/leaderelection) with a
lease per cluster instead of one for the whole controller manager, as sharded controllers do
(timebertt/kubernetes-controller-sharding): a holder renews every retry period and gives a
cluster up once it could not renew for the renew deadline; another worker takes it once the
record has not changed for the lease duration *by its own clock* (client-go measures expiry
from when it last saw the record change, so the workers' clocks need not agree). Durations
default to controller-runtime's 15/10/2 s (settings: PLAYGROUND_LEASE_*).

The decisions are pure functions of what was read and an injected clock (`observe`, `expired`,
`plan`); only LeaseKeeper touches the database, at most twice per retry period when nothing
changes hands.
"""
from __future__ import annotations

import datetime
import logging
import math
import os
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from playground.store import leases as store_leases
from playground.store.leases import LeaseRecord

log = logging.getLogger(__name__)

Key = tuple[str, str]  # ("cluster", name) or ("worker", identity)


@dataclass(frozen=True)
class LeaseTimes:
    """LeaseDuration, RenewDeadline and RetryPeriod, in seconds (leaderelection.LeaderElectionConfig)."""

    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    @classmethod
    def from_settings(cls) -> LeaseTimes:
        return cls(settings.PLAYGROUND_LEASE_DURATION_SECONDS, settings.PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS,
                   settings.PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS)


@dataclass(frozen=True)
class Observation:
    """A lease record and when this worker saw it change (observedRecord, observedTime)."""

    record: LeaseRecord
    observed_at: float  # this worker's monotonic clock


def key_of(record: LeaseRecord) -> Key:
    return ("cluster", record.cluster) if record.cluster is not None else ("worker", record.holder_identity)


def observe(before: dict[Key, Observation], records: Iterable[LeaseRecord], *, now: float) -> dict[Key, Observation]:
    """The records as seen now: one unchanged since the last look keeps when it was first seen."""
    seen = {}
    for record in records:
        key = key_of(record)
        previous = before.get(key)
        seen[key] = previous if previous is not None and previous.record == record else Observation(record, now)
    return seen


def expired(observation: Observation, *, now: float) -> bool:
    """Released, or unchanged for its whole duration by this worker's clock."""
    record = observation.record
    return not record.holder_identity or now - observation.observed_at >= record.lease_duration_seconds


def workers(observations: dict[Key, Observation], *, me: str, now: float) -> set[str]:
    """The workers alive, by their own leases and the clusters they hold (this one included)."""
    return {me} | {o.record.holder_identity for o in observations.values() if not expired(o, now=now)}


def fair_share(clusters: int, workers: int) -> int:
    return math.ceil(clusters / max(workers, 1))


@dataclass(frozen=True)
class Plan:
    acquire: list[str] = field(default_factory=list)
    release: list[str] = field(default_factory=list)
    forget_workers: list[LeaseRecord] = field(default_factory=list)  # dead workers' own leases


def plan(observations: dict[Key, Observation], clusters: Collection[str], *, me: str, now: float) -> Plan:
    """Take free or expired clusters up to a fair share; let go of what is over the share while
    another worker has less than its share (it takes them at once); forget dead workers."""
    alive = workers(observations, me=me, now=now)
    share = fair_share(len(clusters), len(alive))
    held: dict[str, list[str]] = {worker: [] for worker in alive}
    free = []
    for name in clusters:
        seen = observations.get(("cluster", name))
        if seen is None or expired(seen, now=now):
            free.append(name)
        elif seen.record.holder_identity in held:
            held[seen.record.holder_identity].append(name)
    mine = sorted(held[me])
    # Each worker tries the free clusters in an order of its own, so two rarely race for one
    free.sort(key=lambda name: zlib.crc32(f"{me}/{name}".encode()))
    acquire = free[: max(share - len(mine), 0)]
    wanting = any(len(names) < share for worker, names in held.items() if worker != me)
    release = mine[share:] if wanting and not free else []
    dead = [o.record for key, o in observations.items() if key[0] == "worker" and expired(o, now=now)]
    return Plan(acquire, release, dead)


def still_held(last_renewed: float | None, *, now: float, times: LeaseTimes) -> bool:
    """Whether a holder may go on: it renewed within the renew deadline (renewLoop's timeout)."""
    return last_renewed is not None and now - last_renewed < times.renew_deadline


def new_identity() -> str:
    """Unique per process, as kube-controller-manager's hostname_uuid: a restarted worker is a new holder."""
    return f"{socket.gethostname()}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def wall_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class LeaseKeeper:
    """This worker's leases: `tick` looks, takes and lets go; `held` is cluster → epoch. Renewing
    runs on a thread of its own once `start`ed (client-go's renew loop is a goroutine of its own),
    so a long turn of the manager never lets a lease lapse; unstarted (tests), `tick` renews."""

    def __init__(self, *, identity: str | None = None, times: LeaseTimes | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.identity = identity or new_identity()
        self.times = times or LeaseTimes.from_settings()
        self.clock = clock
        self.held: dict[str, int] = {}
        self.observations: dict[Key, Observation] = {}
        self.joined = False
        self.last_renewed: float | None = None
        self.next_tick: float | None = None  # None: at once
        self._renewer: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self._renewer = threading.Thread(target=self._renew_every_retry_period, name="lease-renewer", daemon=True)
        self._renewer.start()

    def _renew_every_retry_period(self) -> None:
        try:
            while not self._stopping.wait(self.times.retry_period):
                try:
                    self.renew()
                except Exception:  # the database is away: the holder goes on until the renew deadline
                    log.exception("worker %s: renewing its leases failed", self.identity)
        finally:
            connection.close()  # this thread's own

    def renew(self) -> None:
        if self.joined:
            store_leases.renew(self.identity, list(self.held), now=wall_now())
            self.last_renewed = self.clock()

    def held_by_another(self, cluster: str) -> bool:
        """Whether another worker held `cluster` at the last look, and its lease had not expired."""
        seen = self.observations.get(("cluster", cluster))
        return seen is not None and seen.record.holder_identity != self.identity \
            and not expired(seen, now=self.clock())

    def look_now(self) -> None:
        """Look at the leases in the next tick, not a retry period after the last one: a cluster
        woke up in this process."""
        self.next_tick = None

    def due_in(self) -> float:
        return 0.0 if self.next_tick is None else max(self.next_tick - self.clock(), 0.0)

    def tick(self, clusters: Collection[str]) -> dict[str, int]:
        """Once a retry period: look, take and let go. `clusters` are those to work on (awake):
        one held and not among them is let go. Returns the clusters held now."""
        now = self.clock()
        if self.next_tick is not None and now < self.next_tick:
            return self.held
        self.next_tick = now + self.times.retry_period
        try:
            self._join_or_renew()
            self._look(now)
        except Exception:  # the database is away: keep working until the renew deadline
            log.exception("worker %s: looking at the leases failed", self.identity)
        if not still_held(self.last_renewed, now=self.clock(), times=self.times):
            self.lose(list(self.held), "could not renew within the renew deadline")
            return self.held
        self._take_and_let_go(clusters, now)
        return self.held

    def _join_or_renew(self) -> None:
        if not self.joined:
            store_leases.join(self.identity, duration=self.times.lease_duration, now=wall_now())
            self.joined, self.last_renewed = True, self.clock()
        elif self._renewer is None:
            self.renew()

    def _look(self, now: float) -> None:
        self.observations = observe(self.observations, store_leases.read(), now=now)
        lost = [name for name, epoch in self.held.items()
                if (seen := self.observations.get(("cluster", name))) is None
                or (seen.record.holder_identity, seen.record.lease_transitions) != (self.identity, epoch)]
        self.lose(lost, "taken over by another worker")

    def _take_and_let_go(self, clusters: Collection[str], now: float) -> None:
        decided = plan(self.observations, clusters, me=self.identity, now=now)
        wall = wall_now()
        # Held but no longer asked for (asleep, or deleted): let go, so that nothing renews it;
        # whichever worker looks first once it wakes takes it up
        resting = [name for name in self.held if name not in clusters]
        if resting:
            store_leases.release(self.identity, resting, now=wall)
            for name in resting:
                log.info("worker %s let go of cluster %s: asleep or gone", self.identity, name)
                del self.held[name]
        for record in decided.forget_workers:
            store_leases.forget_worker(record)
        for name in decided.acquire:
            seen = self.observations.get(("cluster", name))
            epoch = store_leases.acquire(name, seen.record if seen else None, identity=self.identity,
                                         duration=self.times.lease_duration, now=wall)
            if epoch is not None:
                self.held[name] = epoch
                log.info("worker %s holds cluster %s (epoch %d)", self.identity, name, epoch)
        if decided.release:
            store_leases.release(self.identity, decided.release, now=wall)
            self.lose(decided.release, "over its fair share")

    def lose(self, clusters: Iterable[str], why: str) -> None:
        for name in clusters:
            if self.held.pop(name, None) is not None:
                log.warning("worker %s let go of cluster %s: %s", self.identity, name, why)

    def release_all(self) -> None:
        """On a clean stop: every cluster free at once, and this worker gone from the count."""
        self._stopping.set()
        if self._renewer is not None:
            self._renewer.join()
        store_leases.release(self.identity, list(self.held), now=wall_now())
        store_leases.leave(self.identity)
        self.held.clear()
