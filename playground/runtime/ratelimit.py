"""A token bucket on the cluster's simulated clock: golang.org/x/time/rate's Limiter, as
client-go's work queues and API clients use it. Tokens refill at `qps` up to `burst`."""
from __future__ import annotations

import datetime


class TokenBucket:
    def __init__(self, qps: float, burst: int) -> None:
        self.qps, self.burst = qps, burst
        self._tokens = float(burst)
        self._last: datetime.datetime | None = None

    def _refill(self, now: datetime.datetime) -> None:
        if self._last is not None and now > self._last:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last).total_seconds() * self.qps)
        self._last = now

    def reserve(self, now: datetime.datetime) -> float:
        """Take one token, even below zero (Reserve): the seconds to wait before acting on it."""
        self._refill(now)
        self._tokens -= 1
        return max(0.0, -self._tokens / self.qps)

    def available(self, now: datetime.datetime) -> int:
        """The whole tokens there now (Tokens), none taken."""
        self._refill(now)
        return max(0, int(self._tokens))

    def take_available(self, now: datetime.datetime, wanted: int) -> int:
        """Take as many whole tokens as there are, up to `wanted` (AllowN, one at a time)."""
        self._refill(now)
        taken = max(0, min(wanted, int(self._tokens)))
        self._tokens -= taken
        return taken

    def seconds_until(self, count: int) -> float:
        """How long until `count` tokens (at most the burst) are there again."""
        return max(0.0, (min(count, self.burst) - self._tokens) / self.qps)
