"""The manager: every loop of every cluster, on one background thread.

store (commit → notify) → here → each cluster's runtime (sync its cache, fire due timers,
reconcile) → store. `python manage.py playground` runs it beside the web server, and `python
manage.py runcontrollers` alone. Each turn reads every cluster's resourceVersion and clock in one
query, and only a cluster whose resourceVersion moved syncs its informer: a write to one cluster
wakes that cluster's loops only, and the store batches of a cluster's turn take its id, clock and
quota from that read (store/clusters.py `known`), not from a query each, and its informer takes
the turn's own writes back without reading them from the log (changelog.py `own_writes`). A
cluster where nothing changes costs nothing: the loop sleeps until a commit in this process wakes
it, the next timer of a running clock is due, or a one-second look shows a write from another
process. A cluster a person just wrote in (a command, a form, kubectl: a commit by a web
process, or in this one outside the manager's turn) is served right after the cluster at work
now, and that is its turn of the round: in a room of busy clusters a command is taken up at
once, and the room's background work waits a turn instead. A cluster asleep (nobody used it for
PLAYGROUND_IDLE_AFTER, store/clock.py) has no runtime here and no lease: its clock stands still,
so none of its timers comes due, and whoever uses it wakes it for the next turn. A running cluster's clock goes on only a little past this
manager's last turn of it (each turn renews it, store/clock.py `renew`): a manager that falls
behind slows its clusters' time instead of letting their nodes' heartbeats come late, and a
cluster whose worker died waits, its time held, for the worker that takes its lease.

Several managers (`runcontrollers` workers, and `playground`'s own) share the clusters by leases
(leases.py): a manager runs only the clusters it holds, each cluster's writes carry its fence, and
a cluster it loses — taken over, or its write refused as fenced — has its runtime dropped at once
(a new holder starts from the store and the kubelets' checkpoints).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from django.db import close_old_connections, connection

from playground.store import changelog, clock, clusters, notify, quota
from playground.store import leases as store_leases
from playground.store.errors import Fenced

from . import recorder
from .cluster import ClusterRuntime
from .controller import Controller
from .leases import LeaseKeeper

log = logging.getLogger(__name__)

BUDGET = 500  # reconciles per cluster per turn, so one busy cluster does not starve the others
POLL_SECONDS = 1.0  # how often to look for other processes' writes, unless told of them (store/notify.py)


class Manager:
    def __init__(self, components: list[type[Controller]], *, leases: LeaseKeeper | None = None) -> None:
        self.components = components
        self.leases = leases or LeaseKeeper()
        self.runtimes: dict[str, ClusterRuntime] = {}
        self.epochs: dict[str, int] = {}  # the lease epoch each runtime was made under
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # Clusters a person wrote in since their last turn (a command, a form, kubectl): each is
        # served before the next cluster of the round, not after the whole room's round
        self._urgent: set[str] = set()
        self._turning: int | None = None  # the thread in a turn now: its commits are the manager's own

    def start(self) -> None:
        changelog.changes_committed.connect(self._on_commit, weak=False)
        clock.clock_changed.connect(self._on_clock_changed, weak=False)
        self.leases.start()
        notify.subscribe(self._on_notified)  # other processes' writes told at once, not found by the poll
        self._thread = threading.Thread(target=self.run, name="controller-manager", daemon=True)
        self._thread.start()

    def _on_notified(self, told: notify.Told, *, by_a_person: bool = True) -> None:
        """A commit in a cluster, by another process (or this one's: `_on_commit`). Another
        process writes in a cluster this manager holds only for a person: a worker writes only in
        the clusters it holds, so it is a web process (a command, a form, kubectl)."""
        cluster = told.cluster
        if cluster in self.runtimes:
            if by_a_person:
                self._urgent.add(cluster)
            self._wake.set()
        elif not self.leases.held_by_another(cluster):
            # Woken in another process, perhaps: take it up now. Another worker's own cluster is
            # no business of this one's: a room of them must not make each of its turns look
            self.leases.look_now()
            self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        changelog.changes_committed.disconnect(self._on_commit)
        clock.clock_changed.disconnect(self._on_clock_changed)
        notify.unsubscribe(self._on_notified)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _on_commit(self, *, cluster: str, **_: object) -> None:
        # A cluster made in this process (a learner's lesson) is taken up at once, not at the
        # leases' next look. A commit made outside the manager's turn is a person's
        self._on_notified(notify.Told(cluster), by_a_person=threading.get_ident() != self._turning)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.turn()
            except Exception:  # one bad turn must not stop the cluster
                log.exception("controller manager turn failed")
                busy = False
            if not busy:
                self._wake.wait(timeout=self.idle_seconds())
                self._wake.clear()
            close_old_connections()
        try:
            self.leases.release_all()
        finally:
            connection.close()  # this thread's own: no session left open once the manager stops

    def _on_clock_changed(self, **_: object) -> None:
        # A cluster woken in this process (or its clock set): take it up now, not a retry period later
        self.leases.look_now()
        self._wake.set()

    def turn(self) -> bool:
        """One round over the clusters this manager holds; returns whether any work was done."""
        states = changelog.cluster_states()
        wall = clock.wall_now()
        # An asleep cluster is nobody's: no runtime, no lease, no timer, no write (store/clock.py)
        awake = {name: state for name, state in states.items() if not state.clock.asleep(wall=wall)}
        held = self.leases.tick(awake.keys())
        self.refresh_clusters({name: state for name, state in awake.items() if name in held}, held,
                              asleep=states.keys() - awake.keys())
        self._turning = threading.get_ident()
        served: set[str] = set()  # this round: a cluster served early has had its turn of the round
        try:
            busy = self._serve_urgent(held, served, states)
            for name in list(self.runtimes):
                if self._stop.is_set():  # the server is stopping: the next start picks up from here
                    return False
                if name in self.runtimes and name not in served:  # not dropped meanwhile, nor served early
                    busy |= self._turn_of_held(name, states[name], held)
                    served.add(name)
                busy |= self._serve_urgent(held, served)
        finally:
            self._turning = None
        return busy

    def _serve_urgent(self, held: dict[str, int], served: set[str],
                      states: dict[str, changelog.ClusterState] | None = None) -> bool:
        """A turn now for each cluster a person wrote in since it was last served: their command
        is taken up after the cluster at work now, not after the whole room's (mid-round, its
        state is read again: the round's read is older than the write). One served before its
        place in the round has had its turn of the round: its work waits for it, as before, and
        goes in as few commits."""
        busy = False
        while self._urgent:
            name = self._urgent.pop()
            if name not in self.runtimes or name not in held:
                continue
            state = states[name] if states is not None else changelog.cluster_states([name]).get(name)
            if state is not None:
                busy |= self._turn_of_held(name, state, held)
                served.add(name)
        return busy

    def _turn_of_held(self, name: str, state: changelog.ClusterState, held: dict[str, int]) -> bool:
        try:
            with store_leases.holding(name, self.leases.identity, held[name]):
                return self.turn_of(self.runtimes[name], state)
        except Fenced as e:
            log.warning("%s; dropping the cluster's runtime", e)
            self.leases.lose([name], "a write was fenced")
            self.drop(name)
            return False

    def turn_of(self, runtime: ClusterRuntime, state: changelog.ClusterState) -> bool:
        # A running clock goes on only as far as this turn lets it (store/clock.py, held): a
        # manager that comes round late finds time waiting for it, not its nodes' Leases expired
        runtime.clock = clock.renew(runtime.cluster, state.clock)
        if runtime.clock.mode == "paused":
            # Only what Step asks for, one reconcile each; a Step jumps the clock, so its writes read it
            runtime.sync(version=state.resource_version)
            busy = False
            while state.steps and clock.take_step(runtime.cluster):
                busy |= runtime.step()
            return busy
        limits = quota.parse(state.stored_quota, runtime.cluster)
        with clusters.known(runtime.cluster, state.id, runtime.clock, limits, runtime.looked_up), \
                changelog.own_writes(runtime.cluster):
            return self._reconcile(runtime, state)

    def _reconcile(self, runtime: ClusterRuntime, state: changelog.ClusterState) -> bool:
        runtime.sync(version=state.resource_version)
        busy = False
        runtime.fire_timers()
        busy |= runtime.process(budget=BUDGET, stopping=self._stop) > 0
        # This cluster's own work only: another cluster busy (a room of them) must not hold it still
        if not busy and runtime.clock.mode == "instant" and runtime.has_foreground_timers():
            # Instant: nothing to do now, so skip to the next thing due (heartbeats alone do not count)
            clock.advance_to(runtime.cluster, runtime.next_due())
            busy = True
        return busy

    def refresh_clusters(self, states: dict[str, changelog.ClusterState], epochs: dict[str, int], *,
                         asleep: Collection[str] = ()) -> None:
        """A runtime for each cluster held, made under the epoch held now (one lost and taken
        again in between starts over); none for the others, nor for a cluster deleted."""
        for name in [name for name, epoch in self.epochs.items() if name not in states or epochs.get(name) != epoch]:
            # One asleep keeps its records: nothing happened meanwhile, the loop page shows no gap
            self.drop(name, resting=name in asleep)
        for name in states.keys() - self.runtimes.keys():
            self.runtimes[name] = ClusterRuntime(name, self.components)
            self.epochs[name] = epochs[name]

    def drop(self, name: str, *, resting: bool = False) -> None:
        ring = self.runtimes.pop(name).tracer.ring
        if resting:
            recorder.rest(name, ring)
        else:
            recorder.stop(name, ring)
        del self.epochs[name]

    def idle_seconds(self) -> float:
        waits = [
            wait
            for runtime in self.runtimes.values()
            if (due := runtime.next_due()) is not None and (wait := runtime.clock.wall_seconds_until(due)) is not None
        ]
        # A running cluster's turn comes round before its clock would stand still, timers or none
        waits += [wait for runtime in self.runtimes.values() if (wait := runtime.clock.wall_seconds_until_renewal()) is not None]
        poll = notify.FALLBACK_POLL_SECONDS if notify.available() else POLL_SECONDS
        return min([poll, self.leases.due_in(), *waits])
