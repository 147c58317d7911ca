"""`python manage.py runcontrollers`: the controller manager alone (the scale-out mode's workers).

Start several, over one PostgreSQL database: each takes a fair share of the clusters by leases
(playground/runtime/leases.py) and runs only those; one killed has its clusters taken over by the
others within the lease duration. On Ctrl-C or SIGTERM it lets its clusters go at once.
"""
from __future__ import annotations

import faulthandler
import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand

from playground.components import COMPONENTS
from playground.runtime.heap import pace_garbage_collection
from playground.runtime.manager import Manager
from playground.store import schemas


class Command(BaseCommand):
    help = "Run every controller for every cluster until Ctrl-C."

    def handle(self, *args: Any, **options: Any) -> None:
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)  # `kill -USR1 PID`: what each thread is doing
        schemas.compile_every_kind()
        pace_garbage_collection()  # the informers keep every cluster's objects decoded: see heap.py
        manager = Manager(COMPONENTS)
        manager.start()
        self.stdout.write(f"Controllers running as {manager.leases.identity}; Ctrl-C stops.")
        self.stdout.flush()
        stopped.wait()
        manager.stop()
        self.stdout.write("Stopped.")
