"""A serving process's garbage collector: young collections at the pace the setting asks."""
from __future__ import annotations

import gc

from playground.runtime.heap import pace_garbage_collection


def test_young_collections_come_at_the_settings_pace_the_older_ratios_kept(settings):
    before = gc.get_threshold()
    settings.PLAYGROUND_GC_THRESHOLD = 12_345
    try:
        pace_garbage_collection()

        assert gc.get_threshold() == (12_345, before[1], before[2])
    finally:
        gc.set_threshold(*before)
