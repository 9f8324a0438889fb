"""How instants are written: ISO 8601 in UTC for programs, to the minute for people."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, or None."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minute_utc(value: datetime | None) -> str | None:
    """To the minute in UTC, for people (`2026-03-02 09:00 UTC`), or None."""
    return None if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
