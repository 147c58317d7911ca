"""A reconcile refused with a Conflict is tried again at once (the cache was behind), and a key
that conflicts again backs off as client-go's rate limiter has it: never a core spinning on it."""
from __future__ import annotations

from playground.runtime.cluster import ClusterRuntime
from playground.runtime.controller import Controller, Result
from playground.store.errors import Conflict


class AlwaysConflicts(Controller):
    kind = "ConfigMap"
    tries = 0

    def reconcile(self, key: str) -> Result:
        type(self).tries += 1
        raise Conflict(f'Operation cannot be fulfilled on configmaps "{key}": the object has been modified')


def test_a_key_that_keeps_conflicting_is_retried_once_at_once_then_backs_off(cluster):
    AlwaysConflicts.tries = 0
    runtime = ClusterRuntime(cluster.name, [AlwaysConflicts])
    runtime.queues[runtime.controllers[0]].add("default/web")

    runtime.settle()
    assert AlwaysConflicts.tries == 2  # the first try and the one at once, then a timer

    runtime.advance(1)
    assert 2 < AlwaysConflicts.tries < 12  # 10 ms, 20 ms, 40 ms, … : a handful in a second, not thousands
