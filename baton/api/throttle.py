"""Failed authentications, counted per client address (and failed logins per account):
past the limit within a minute, the address (or account) is answered 429 before its
credentials are even looked at, so keys, tokens and passwords cannot be guessed at speed."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from baton.core.clock import Clock
from baton.core.errors import TooManyRequests

_WINDOW = timedelta(minutes=1)
# Addresses remembered at most; an attacker with more rotates out the oldest.
_ADDRESSES = 10_000


class FailedAuthentications:
    def __init__(self, clock: Clock, per_minute: int, counted: str = "this address") -> None:
        self._clock = clock
        self._counted = counted
        self._per_minute = per_minute
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """Raises TooManyRequests while `address` is over its limit."""
        now = self._clock.now()
        with self._lock:
            failures = self._failures.get(address)
            if failures is None:
                return
            while failures and failures[0] <= now - _WINDOW:
                failures.popleft()
            if len(failures) >= self._per_minute:
                wait = (failures[0] + _WINDOW - now).total_seconds()
                raise TooManyRequests(
                    f"too many failed authentications for {self._counted}: try again in "
                    f"{max(1, round(wait))} s",
                    retry_after=max(1, round(wait)),
                )

    def record(self, address: str) -> None:
        with self._lock:
            if address not in self._failures and len(self._failures) >= _ADDRESSES:
                del self._failures[next(iter(self._failures))]
            self._failures.setdefault(address, deque()).append(self._clock.now())
