"""The controller manager: runs the reconcile loops beside the web server or alone.

store (change log → notify) → informers → work queues → reconcile → store. `python manage.py
playground` starts and stops it with the web server. The controllers land with their own issue
(informers, work queues, ReplicaSet, Deployment, scheduler, kubelet); until then the manager
has none to run, and this is the seam they plug into.
"""
from __future__ import annotations

import threading
from typing import Protocol


class Controller(Protocol):
    def run(self, stop: threading.Event) -> None: ...


class Manager:
    """Runs each controller on a thread of its own until stopped."""

    def __init__(self, controllers: list[Controller] | None = None) -> None:
        self.controllers = controllers or []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for controller in self.controllers:
            thread = threading.Thread(target=controller.run, args=(self._stop,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
