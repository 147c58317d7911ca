"""`python manage.py bench store`: run a benchmark scenario from benchmarks/ and print its figures."""
from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a benchmark: `bench store` (writes, list, replay, memory) or `bench converge` (controllers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", choices=("store", "converge"))
        parser.add_argument("--pods", type=int, default=10_000)
        parser.add_argument("--single", type=int, default=1_000, help="pods created one transaction each")
        parser.add_argument("--replicas", type=int, default=1_000, help="converge: the first Deployment's size")
        parser.add_argument("--large", type=int, default=10_000, help="converge: the large Deployment's size (0 skips it)")

    def handle(self, *args: Any, scenario: str, pods: int, single: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if scenario == "converge":
            self.converge(options["replicas"], options["large"])
            return
        from benchmarks import store as bench_store

        figures = bench_store.run(pods=pods, single=single)
        self.stdout.write(f"store benchmark ({figures['pods']:,} pods, admission on)")
        self.stdout.write(f"  create, batches of {bench_store.BATCH}:   {figures['batched_writes_per_second']:8,.0f} writes/s")
        self.stdout.write(f"  create, one per commit:   {figures['single_writes_per_second']:8,.0f} writes/s")
        self.stdout.write(f"  list {figures['listed']:,} pods, -l app=web: {figures['list_ms']:8,.0f} ms")
        self.stdout.write(f"  replay change log:        {figures['replay_per_second']:8,.0f} events/s ({figures['replayed']:,})")
        self.stdout.write(f"  peak memory (RSS):        {figures['peak_rss_mb']:8,.0f} MB")

    def converge(self, replicas: int, large: int) -> None:
        from benchmarks import converge

        figures = converge.run(small=replicas, large=large)
        memory = figures.pop("peak memory")
        self.stdout.write("converge benchmark (clock instant, embedded controllers and kubelets)")
        for name, f in figures.items():
            self.stdout.write(f"  {name + ':':32} {f['seconds']:7.2f} s  ({f['writes']:,} writes, {f['writes_per_second']:,.0f}/s)")
        self.stdout.write(f"  {'peak memory (RSS):':32} {memory['rss_mb']:7.0f} MB")
