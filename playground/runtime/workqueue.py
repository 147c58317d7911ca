"""Work queues: the keys waiting to be reconciled, each at most once, first come first served,
with the failures per key the rate limiter backs off by (client-go util/workqueue: the queue's
dirty set, and ItemExponentialFailureRateLimiter: 5 ms doubling to 1,000 s).
"""
from __future__ import annotations

from collections import defaultdict, deque

from .cache import Key

ERROR_BACKOFF_BASE = 0.005  # simulated seconds, doubling per failure (client-go's default rate limiter)
ERROR_BACKOFF_MAX = 1000.0


class WorkQueue:
    def __init__(self) -> None:
        self._order: deque[Key] = deque()
        self._waiting: set[Key] = set()
        self._failures: dict[Key, int] = defaultdict(int)

    def add(self, key: Key) -> None:
        if key not in self._waiting:
            self._waiting.add(key)
            self._order.append(key)

    def pop(self) -> Key | None:
        if not self._order:
            return None
        key = self._order.popleft()
        self._waiting.discard(key)
        return key

    def __len__(self) -> int:
        return len(self._order)

    def back_off(self, key: Key) -> float:
        """One more failure for `key`: the delay before it is tried again (AddRateLimited)."""
        self._failures[key] += 1
        return min(ERROR_BACKOFF_BASE * 2 ** self._failures[key], ERROR_BACKOFF_MAX)

    def forget(self, key: Key) -> None:
        """`key` went well: its next failure starts the back-off again (Forget)."""
        self._failures.pop(key, None)
