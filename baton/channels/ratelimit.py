"""Per-provider rate limits: a token bucket per workspace and channel, shared by the
sending threads of a process. A bucket holds a second's worth of tokens; taking one
when none is left waits until it refills."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._capacity = max(rate, 1.0)
        self._tokens = self._capacity
        self._monotonic, self._sleep = monotonic, sleep
        self._last = monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token, waiting for one if need be; returns how long it waited (s)."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimits:
    """The buckets of a process, by (workspace, channel); a changed rate starts anew."""

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()
        self._monotonic, self._sleep = monotonic, sleep

    def take(self, workspace_id: str, channel: str, rate: float) -> float:
        key = (workspace_id, channel)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.rate != rate:
                bucket = TokenBucket(rate, self._monotonic, self._sleep)
                self._buckets[key] = bucket
        return bucket.take()


LIMITS = RateLimits()
