"""Shared by the benchmarks: compile the schemas a scenario writes before its clock starts."""
from __future__ import annotations

import time
from collections.abc import Iterable

from playground.store.kinds import KINDS
from playground.store.schemas import validator


def compile_schemas(kinds: Iterable[str]) -> float:
    """Compile the schemas of these kinds, as a server has after its first minutes: it is done
    once per process (about 0.3 s a kind), not part of converging. Returns the seconds it took."""
    started = time.perf_counter()
    for kind in kinds:
        validator(KINDS[kind])
    return time.perf_counter() - started
