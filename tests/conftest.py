"""Fixtures: a small world to act on. `cluster` is the demo cluster (3 Ready nodes, the usual
namespaces) in a fresh test database; its methods are the store's verbs for that cluster."""
from __future__ import annotations

import functools
from typing import Any

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster


class ClusterHandle:
    """`cluster.apply(obj)` is `store.apply("default", obj)`, and so on for every store verb."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, verb: str) -> Any:
        return functools.partial(getattr(store, verb), self.name)

    def apply_text(self, text: str | bytes) -> list[store.ApplyResult]:
        return store.apply_manifest(self.name, text)

    def changes_since(self, resource_version: int) -> list[store.WatchEvent]:
        return store.changes(self.name, resource_version)

    def resource_version(self) -> int:
        return store.current_resource_version()


@pytest.fixture
def cluster(db: None) -> ClusterHandle:
    create_demo_cluster("default")
    return ClusterHandle("default")


@pytest.fixture
def make_cluster(db: None) -> Any:
    def make(name: str) -> ClusterHandle:
        create_demo_cluster(name)
        return ClusterHandle(name)

    return make
