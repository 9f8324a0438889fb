"""How instants are written: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, or None."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")
