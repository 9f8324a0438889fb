"""How the API writes instants and page cursors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from baton.core.errors import InvalidInput


def iso_instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, or None."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None
