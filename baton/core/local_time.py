"""Local times of day and IANA time zones, as definitions and policies write them."""

from __future__ import annotations

import re
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def clock_time(text: str) -> time:
    match = _CLOCK_TIME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time of day like 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone like Europe/Paris") from None


def zone_or(name: Any, default: ZoneInfo) -> ZoneInfo:
    """The zone `name` names (a profile's `timezone` trait), else `default`."""
    if isinstance(name, str):
        try:
            return zone(name)
        except ValueError:
            pass
    return default
