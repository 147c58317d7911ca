"""`python manage.py bench store`: run a benchmark scenario from benchmarks/ and print its figures."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a benchmark: `bench store` (writes, list, replay, memory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", choices=("store",))
        parser.add_argument("--pods", type=int, default=10_000)
        parser.add_argument("--single", type=int, default=1_000, help="pods created one transaction each")

    def handle(self, *args: Any, scenario: str, pods: int, single: int, **options: Any) -> None:
        from benchmarks import store as bench_store

        figures = bench_store.run(pods=pods, single=single)
        self.stdout.write(f"store benchmark ({figures['pods']:,} pods, admission on)")
        self.stdout.write(f"  create, batches of {bench_store.BATCH}:   {figures['batched_writes_per_second']:8,.0f} writes/s")
        self.stdout.write(f"  create, one per commit:   {figures['single_writes_per_second']:8,.0f} writes/s")
        self.stdout.write(f"  list {figures['listed']:,} pods, -l app=web: {figures['list_ms']:8,.0f} ms")
        self.stdout.write(f"  replay change log:        {figures['replay_per_second']:8,.0f} events/s ({figures['replayed']:,})")
        self.stdout.write(f"  peak memory (RSS):        {figures['peak_rss_mb']:8,.0f} MB")
