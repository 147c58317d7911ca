"""Work queues: the keys waiting to be reconciled, each at most once, first come first served,
with the rate limiter a controller's requeues and failures wait on (client-go util/workqueue: the
queue's dirty set, and DefaultTypedControllerRateLimiter: the larger of a per-key exponential
back-off, 5 ms doubling to 1,000 s, and one token bucket for the whole queue, 10 a second in
bursts of 100, both on the cluster's simulated clock).
"""
from __future__ import annotations

import datetime
from collections import defaultdict, deque

from .cache import Key
from .ratelimit import TokenBucket

ERROR_BACKOFF_BASE = 0.005  # simulated seconds, doubling per failure (client-go's default rate limiter)
ERROR_BACKOFF_MAX = 1000.0
# The bucket holds a key that succeeds yet asks to be looked at again "now" (a Deployment past its
# progress deadline whose Progressing reason is NewReplicaSetAvailable never times out) to 10 a
# second: the per-key back-off starts over after every success
BUCKET_QPS = 10.0
BUCKET_BURST = 100


class WorkQueue:
    def __init__(self) -> None:
        self._order: deque[Key] = deque()
        self._waiting: set[Key] = set()
        self._failures: dict[Key, int] = defaultdict(int)
        self._bucket = TokenBucket(BUCKET_QPS, BUCKET_BURST)

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

    def back_off(self, key: Key, now: datetime.datetime) -> float:
        """The delay before `key` is tried again (AddRateLimited): one more failure for it, one
        token from the queue's bucket."""
        failures = self._failures[key]
        self._failures[key] = failures + 1
        return max(min(ERROR_BACKOFF_BASE * 2**failures, ERROR_BACKOFF_MAX), self._bucket.reserve(now))

    def first_failure(self, key: Key) -> bool:
        """Count a failure of `key`; whether it is the first since it last went well."""
        self._failures[key] += 1
        return self._failures[key] == 1

    def forget(self, key: Key) -> None:
        """`key` went well: its next failure starts the back-off again (Forget)."""
        self._failures.pop(key, None)
