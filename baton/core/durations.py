"""Durations as people write them: `30s`, `10m`, `1h`, `3d`, `2w`, or ISO 8601 (`PT1H`, `P3D`)."""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Longer than any wait, window or look-back needs; short enough that a step this long from
# any instant people may give (1900 to 2999) stays within the dates Python holds.
LONGEST = timedelta(days=100 * 366)


def parse_duration(text: str) -> timedelta:
    """A positive duration; ValueError with the accepted forms otherwise."""
    short = _SHORT.match(text)
    if short:
        duration = _timedelta({_UNITS[short.group(2)]: int(short.group(1))})
    else:
        iso = _ISO.match(text.strip().upper())
        if iso is None or text.strip().upper() in ("P", "PT") or text.strip().endswith("T"):
            raise ValueError(
                f"{text!r} is not a duration: use 30s, 10m, 1h, 3d, 2w or ISO 8601 like PT1H"
            )
        duration = _timedelta({unit: int(n) for unit, n in iso.groupdict().items() if n})
    if duration <= timedelta(0):
        raise ValueError(f"{text!r} is not a positive duration")
    if duration > LONGEST:
        raise ValueError(f"{text!r} is longer than 100 years")
    return duration


def _timedelta(parts: dict[str, int]) -> timedelta:
    try:
        return timedelta(**parts)
    except OverflowError:  # beyond a billion days
        return timedelta.max


def format_duration(duration: timedelta) -> str:
    """The shortest short form that states the duration exactly."""
    seconds = int(duration.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
