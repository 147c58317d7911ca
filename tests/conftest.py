"""Fixtures: a small world to act on. `cluster` is the demo cluster (3 Ready nodes, the usual
namespaces) in a fresh test database; its methods are the store's verbs for that cluster."""
from __future__ import annotations

import datetime
import functools
from typing import Any

import pytest

from playground.components import COMPONENTS
from playground.runtime.cluster import ClusterRuntime
from playground.store import api as store
from playground.store import changelog, clock, manifest_apply, quota, rows, traces
from playground.store.demo import create_demo_cluster


class ClusterHandle:
    """`cluster.apply(obj)` is `store.apply("default", obj)`, and so on for every store verb;
    `settle()` runs the controllers until nothing is left to do, `advance(seconds=30)` moves the
    paused clock through every timer on the way."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runtime: ClusterRuntime | None = None

    def controllers(self) -> ClusterRuntime:
        if self.runtime is None:
            self.runtime = ClusterRuntime(self.name, COMPONENTS)
        return self.runtime

    def settle(self) -> int:
        return self.controllers().settle()

    def advance(self, seconds: float) -> None:
        self.controllers().advance(seconds)

    def reconcile(self, controller_class: type, key: str) -> None:
        runtime = self.controllers()
        runtime.sync()
        [controller] = [c for c in runtime.controllers if isinstance(c, controller_class)]
        runtime.reconcile(controller, key)

    def now(self) -> datetime.datetime:
        return clock.now(self.name)

    def event_reasons(self, kind: str, name: str) -> list[str]:
        events = [e for e in store.list(self.name, "Event", namespace=None) if e["involvedObject"]["kind"] == kind
                  and e["involvedObject"]["name"] == name]
        return [e["reason"] for e in sorted(events, key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))
                for _ in range(e.get("count", 1))]

    def __getattr__(self, verb: str) -> Any:
        return functools.partial(getattr(store, verb), self.name)

    def apply_text(self, text: str | bytes) -> list[manifest_apply.ApplyResult]:
        return manifest_apply.apply_manifest(self.name, text)

    def changes_since(self, resource_version: int) -> list[changelog.WatchEvent]:
        return changelog.changes(self.name, resource_version)

    def resource_version(self) -> int:
        return changelog.cluster_resource_version(self.name)


@pytest.fixture(autouse=True)
def _clusters_never_sleep(settings: Any) -> None:
    """Tests run their clusters on real time and never fall asleep in the middle; the tests of
    sleeping set PLAYGROUND_IDLE_AFTER and drive the wall clock (tests/runtime/test_asleep.py)."""
    settings.PLAYGROUND_IDLE_AFTER = 0
    clock.forget_uses()


@pytest.fixture(autouse=True)
def _fresh_web_informer() -> None:
    """Each test's database hands out the same resourceVersions again: the pages' in-memory
    copy of the clusters (playground/runtime/informer.py, `shared`) must not outlive it."""
    from playground.apiserver import watch
    from playground.runtime import informer
    from playground.web import consumers

    informer.forget_all()
    rows.forget_all()  # and the rows the store remembers committing
    consumers.forget_shared()
    watch.forget_all()
    quota.forget_request_counts()  # and the request budgets of the clusters of that name
    traces.forget_watched()  # and which of them a loop page watched


@pytest.fixture
def cluster(db: None) -> ClusterHandle:
    """The demo cluster with its clock paused: time moves only when a test advances it."""
    create_demo_cluster("default")
    clock.set_mode("default", "paused")
    return ClusterHandle("default")


@pytest.fixture
def make_cluster(db: None) -> Any:
    def make(name: str) -> ClusterHandle:
        create_demo_cluster(name)
        return ClusterHandle(name)

    return make
