"""The build cache: which layer a build step made before, found by the chain of steps before it.

dockerfile.py's builder → `chain(...)` makes a step's key from its parent's key and the step
(its instruction, its environment, for COPY/ADD the content it copies) → `BuildCache.get` reuses
the layer (`#5 CACHED` in the log) or the step runs and `put`s it. As BuildKit's cache keys: a
change to one step misses the cache for it and for every step after it. `MemoryCache` keeps it
in a dict (tests, benchmarks); registry.py keeps one per cluster in the database.
"""
from __future__ import annotations

import hashlib
from typing import Protocol

from .layers import Layer


class BuildCache(Protocol):
    def get(self, key: str) -> Layer | None: ...

    def put(self, key: str, produced: Layer) -> None: ...


class MemoryCache:
    """A build cache in a dict (tests, benchmarks); registry.py keeps one per cluster in the database."""

    def __init__(self) -> None:
        self.layers: dict[str, Layer] = {}

    def get(self, key: str) -> Layer | None:
        return self.layers.get(key)

    def put(self, key: str, produced: Layer) -> None:
        self.layers[key] = produced


def chain(parent_key: str, *parts: str) -> str:
    return hashlib.sha256("\n".join((parent_key, *parts)).encode()).hexdigest()
