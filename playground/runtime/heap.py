"""The garbage collector's pace in a long-running process: the web server with the controller
manager beside it (`manage.py playground`), or the controllers alone (`runcontrollers`).

A cluster's objects live decoded in the informers' caches, a 1,000-pod cluster hundreds of
thousands of dicts and lists, and every full collection walks them all. At CPython's pace (a young
collection every 700 allocations, a full one after ten rounds of the middle one, whenever the old
generation has grown by a quarter) one `kubectl get pods` of 1,000 decodes enough to set off ~140
young collections and now and then a full one: measured under `bench api`, seven full collections
in a 1,000-pod scale-up, ~160 ms of CPU each with the GIL held, in which no watch line, page push
or reconcile moves. The objects here are trees freed by reference counting; cycles are rare, so
collecting the young generation every PLAYGROUND_GC_THRESHOLD allocations keeps memory where it
was and the full collections an order of magnitude rarer.
"""
from __future__ import annotations

import gc

from django.conf import settings


def pace_garbage_collection() -> None:
    """Collect the young generation every PLAYGROUND_GC_THRESHOLD allocations (the older
    generations' ratios unchanged)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(settings.PLAYGROUND_GC_THRESHOLD, middle, old)
