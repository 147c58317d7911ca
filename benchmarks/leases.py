"""The controller workers' leases (issue 18): what holding clusters costs a worker, and how long a
dead worker's clusters wait for another.

With `--clusters` clusters (empty: leases do not look inside), one worker takes them all, then
renews them (one UPDATE for all, every retry period, on its own thread) and looks at every lease
(one SELECT) as its manager does once a retry period; a turn in between asks nothing. The fence
rides on the statement that takes a write's resourceVersions: one write with and without it. Then
that worker stops renewing, as one killed would, and a second one looks every retry period until
it holds every cluster: the takeover, from the dead worker's last renewal (lease duration and
retry period from settings, or the options).
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from playground.runtime.leases import LeaseKeeper, LeaseTimes
from playground.store import api as store
from playground.store import clusters as sandboxes
from playground.store import leases

PREFIX = "lease-bench-"
SMALL = {"clusters": 20, "repeats": 20, "lease_duration": 1.5, "renew_deadline": 1.0, "retry_period": 0.2}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=200, help="renewals, looks and writes measured")
    parser.add_argument("--lease-duration", type=float, default=settings.PLAYGROUND_LEASE_DURATION_SECONDS)
    parser.add_argument("--renew-deadline", type=float, default=settings.PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS)
    parser.add_argument("--retry-period", type=float, default=settings.PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS)


def main(write: Callable[[str], Any], *, clusters: int, repeats: int, lease_duration: float, renew_deadline: float,
         retry_period: float) -> None:
    times = LeaseTimes(lease_duration, renew_deadline, retry_period)
    names = [f"{PREFIX}{n:04d}" for n in range(clusters)]
    for name in names:
        clusters_create(name)
    try:
        first = LeaseKeeper(identity="bench-first", times=times)
        started = time.perf_counter()
        first.tick(names)
        write(f"taking {len(first.held)} free clusters (its fair share beside the workers it sees):"
              f" {1000 * (time.perf_counter() - started):.1f} ms")
        renew = median_ms(first.renew, repeats)
        look = median_ms(lambda: first._look(time.monotonic()), repeats)
        write(f"each retry period ({retry_period:g} s), {clusters} clusters held: renew {renew:.2f} ms (1 UPDATE),"
              f" look {look:.2f} ms (1 SELECT)")
        idle = median_ms(lambda: first.tick(names), repeats) * 1000
        write(f"a manager turn between two looks: {idle:.1f} µs, no query; renewing and looking take"
              f" {(renew + look) / retry_period:.2f} ms of each second")
        plain, fenced = write_ms(names[0], repeats, fence=None), write_ms(names[0], repeats, fence=first)
        write(f"one write: {plain:.2f} ms unfenced, {fenced:.2f} ms fenced (no extra statement)")
        write(f"takeover after the holder's last renewal: {takeover(names, times, dead=first):.2f} s"
              f" (lease duration {lease_duration:g} s, retry period {retry_period:g} s)")
    finally:
        for name in names:
            sandboxes.delete(name)
        leases.leave("bench-first")
        leases.leave("bench-second")


def clusters_create(name: str) -> None:
    if sandboxes.exists(name):
        sandboxes.delete(name)
    sandboxes.create(name)
    store.create(name, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})


def median_ms(action: Callable[[], Any], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return 1000 * statistics.median(samples)


def write_ms(cluster: str, repeats: int, *, fence: LeaseKeeper | None) -> float:
    counter = iter(range(10**9))

    def one() -> None:
        obj = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": f"{'fenced' if fence else 'plain'}-{next(counter)}", "namespace": "default"}}
        if fence is None:
            store.create(cluster, obj)
            return
        with leases.holding(cluster, fence.identity, fence.held[cluster]):
            store.create(cluster, obj)

    return median_ms(one, repeats)


def takeover(names: list[str], times: LeaseTimes, *, dead: LeaseKeeper) -> float:
    """The second worker looks every retry period; the first stopped renewing just now."""
    dead.renew()
    last_renewal = time.monotonic()
    second = LeaseKeeper(identity="bench-second", times=times)
    while len(second.tick(names)) < len(names):
        time.sleep(max(second.due_in(), 0.01))
    return time.monotonic() - last_renewal
