"""In-memory rate limits: a token bucket per client and a login-failure window per key."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """Allow `rate` requests per second per key with bursts up to `burst`."""

    def __init__(
        self, *, rate: float, burst: int, max_keys: int = 100_000, clock: Clock = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Take one token for `key`; tell whether the request may proceed."""
        if self.rate <= 0:
            return True
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # forget the least recently seen client
        return allowed

    def retry_after(self, key: str) -> int:
        """Return the seconds until `key` has a token again."""
        tokens, _ = self._buckets.get(key, (self.burst, 0.0))
        return max(1, int((1.0 - tokens) / self.rate) + 1) if self.rate > 0 else 0


class FailureWindow:
    """Count failures per key in a sliding window; block a key after `limit` of them."""

    def __init__(self, *, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.get(key, deque())
        cutoff = self._clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        return times

    def blocked(self, key: str) -> bool:
        """Tell whether `key` has used up its failures for now."""
        return len(self._recent(key)) >= self.limit

    def retry_after(self, key: str) -> int:
        """Return the seconds until the oldest counted failure of `key` expires."""
        times = self._recent(key)
        return max(1, int(times[0] + self.window - self._clock()) + 1) if times else 0

    def fail(self, key: str) -> None:
        """Record one failure for `key`."""
        times = self._recent(key)
        times.append(self._clock())
        self._failures[key] = times

    def reset(self, key: str) -> None:
        """Forget `key`'s failures (after a successful login)."""
        self._failures.pop(key, None)
