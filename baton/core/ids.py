"""Identifiers that sort by creation (ULID layout: 48-bit milliseconds, 80 random bits).

Within one process ids are strictly increasing, even within one millisecond or under a
frozen test clock: the random part is incremented instead of drawn again.
"""

from __future__ import annotations

import secrets
import threading
from base64 import b32encode
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)
_RANDOM_BITS = 80


class _Sequence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = (0, 0)

    def next(self, millis: int) -> tuple[int, int]:
        with self._lock:
            last_millis, last_random = self._last
            if millis <= last_millis and last_random + 1 < 1 << _RANDOM_BITS:
                self._last = (last_millis, last_random + 1)
            else:
                self._last = (max(millis, last_millis + 1), secrets.randbits(_RANDOM_BITS - 1))
            return self._last


_sequence = _Sequence()


def encode(millis: int, random: int) -> str:
    """The 26 characters of (48-bit millis, 80-bit random): the number's 130 low bits in
    base32. The standard library's base32 of 20 bytes (160 bits), in Crockford's alphabet,
    ends with them (id making was a tenth of identity's work done digit by digit)."""
    number = (millis << _RANDOM_BITS) | random
    return b32encode(number.to_bytes(20, "big")).decode("ascii").translate(_CROCKFORD)[6:]


def new_id(prefix: str, now: datetime) -> str:
    """A new id such as `prof_01hv...`: ids made later sort after ids made earlier."""
    millis, random = _sequence.next(int(now.timestamp() * 1000))
    return f"{prefix}_{encode(millis, random)}"
