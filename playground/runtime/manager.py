"""The manager: every loop of every cluster, on one background thread.

store (commit → notify) → here → each cluster's runtime (sync its cache, fire due timers,
reconcile) → store. `python manage.py playground` runs it beside the web server, and
`python manage.py runcontrollers` alone. Each turn reads every cluster's resourceVersion and
clock in one query, and only a cluster whose resourceVersion moved syncs its informer: a write
to one cluster wakes that cluster's loops only. A cluster where nothing changes costs nothing:
the loop sleeps until a commit in this process wakes it, the next timer of a running clock is
due, or a one-second look shows a write from another process.
"""
from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from playground.store import changelog, clock

from . import recorder
from .cluster import ClusterRuntime
from .controller import Controller

log = logging.getLogger(__name__)

BUDGET = 500  # reconciles per cluster per turn, so one busy cluster does not starve the others
POLL_SECONDS = 1.0


class Manager:
    def __init__(self, components: list[type[Controller]]) -> None:
        self.components = components
        self.runtimes: dict[str, ClusterRuntime] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        changelog.changes_committed.connect(self._on_commit, weak=False)
        self._thread = threading.Thread(target=self.run, name="controller-manager", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        changelog.changes_committed.disconnect(self._on_commit)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _on_commit(self, **_: object) -> None:
        self._wake.set()

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

    def turn(self) -> bool:
        """One round over the clusters; returns whether any work was done."""
        states = changelog.cluster_states()
        self.refresh_clusters(states)
        busy = False
        for name, runtime in self.runtimes.items():
            if self._stop.is_set():  # the server is stopping: the next start picks up from here
                return False
            state = states[name]
            runtime.clock = state.clock
            runtime.sync(version=state.resource_version)
            if runtime.clock.mode == "paused":
                while state.steps and clock.take_step(runtime.cluster):  # paused: only what Step asks for, one reconcile each
                    busy |= runtime.step()
                continue
            runtime.fire_timers()
            worked = runtime.process(budget=BUDGET, stopping=self._stop) > 0
            busy |= worked
            # This cluster's own work only: another cluster busy (a room of them) must not hold it still
            if not worked and runtime.clock.mode == "instant" and runtime.has_foreground_timers():
                # Instant: nothing to do now, so skip to the next thing due (heartbeats alone do not count)
                clock.advance_to(runtime.cluster, runtime.next_due())
                busy = True
        return busy

    def refresh_clusters(self, states: dict[str, changelog.ClusterState]) -> None:
        for name in states.keys() - self.runtimes.keys():
            self.runtimes[name] = ClusterRuntime(name, self.components)
        for name in self.runtimes.keys() - states.keys():
            recorder.stop(name, self.runtimes.pop(name).tracer.ring)

    def idle_seconds(self) -> float:
        waits = [
            wait
            for runtime in self.runtimes.values()
            if (due := runtime.next_due()) is not None and (wait := runtime.clock.wall_seconds_until(due)) is not None
        ]
        return min([POLL_SECONDS, *waits])
