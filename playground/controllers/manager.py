"""The controller manager: every controller, for every cluster, on one background thread.

store (commit → notify) → here → each cluster's runtime (sync the cache, fire due timers,
reconcile) → store. `python manage.py playground` runs it beside the web server, and
`python manage.py runcontrollers` alone. A cluster where nothing changes costs nothing: the
loop sleeps until a commit in this process wakes it, the next timer of a running clock is due,
or a one-second look at the global resourceVersion shows a write from another process.
"""
from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from playground.store import api as store
from playground.store import clock

from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .garbagecollector import GarbageCollector
from .namespace import NamespaceController
from .persistentvolume import PersistentVolumeController
from .persistentvolumeclaim import PersistentVolumeClaimController
from .podgc import PodGarbageCollector
from .replicaset import ReplicaSetController
from .rootcacertpublisher import RootCACertPublisher
from .runtime import ClusterRuntime, Controller
from .scheduler import Scheduler
from .serviceaccount import ServiceAccountsController
from .statefulset import StatefulSetController

log = logging.getLogger(__name__)

CONTROLLERS: list[type[Controller]] = [
    ServiceAccountsController,  # first: a namespace's pods wait for its `default` account
    RootCACertPublisher,
    DeploymentController,
    ReplicaSetController,
    Scheduler,
    GarbageCollector,
    NamespaceController,
    DaemonSetController,
    EndpointsController,
    EndpointSliceController,
    StatefulSetController,
    PersistentVolumeClaimController,
    PersistentVolumeController,
    PodGarbageCollector,
]
BUDGET = 500  # reconciles per cluster per turn, so one busy cluster does not starve the others
POLL_SECONDS = 1.0


class Manager:
    def __init__(self, controllers: list[type[Controller]] | None = None) -> None:
        self.controllers = controllers if controllers is not None else CONTROLLERS
        self.runtimes: dict[str, ClusterRuntime] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen_version = -1

    def start(self) -> None:
        store.changes_committed.connect(self._on_commit, weak=False)
        self._thread = threading.Thread(target=self.run, name="controller-manager", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        store.changes_committed.disconnect(self._on_commit)
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
        version = store.current_resource_version()
        if version != self._seen_version:
            self._seen_version = version
            self.refresh_clusters()
        busy = False
        for runtime in self.runtimes.values():
            runtime.clock = clock.read(runtime.cluster)
            runtime.sync()
            if runtime.clock.mode == "paused":
                while clock.take_step(runtime.cluster):  # paused: only what Step asks for, one reconcile each
                    busy |= runtime.step()
                continue
            runtime.fire_timers()
            busy |= runtime.process(budget=BUDGET) > 0
            if not busy and runtime.clock.mode == "instant" and runtime.has_foreground_timers():
                # Instant: nothing to do now, so skip to the next thing due (heartbeats alone do not count)
                clock.advance_to(runtime.cluster, runtime.next_due())
                busy = True
        return busy

    def refresh_clusters(self) -> None:
        names = set(store.cluster_names())
        for name in names - self.runtimes.keys():
            self.runtimes[name] = ClusterRuntime(name, self.controllers)
        for name in self.runtimes.keys() - names:
            del self.runtimes[name]

    def idle_seconds(self) -> float:
        waits = [
            wait
            for runtime in self.runtimes.values()
            if (due := runtime.next_due()) is not None and (wait := runtime.clock.wall_seconds_until(due)) is not None
        ]
        return min([POLL_SECONDS, *waits])
