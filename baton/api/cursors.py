"""Page cursors: the key a page ends at, opaque to clients."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import Query

from baton.core.errors import InvalidInput

# How many items a page may hold.
Limit = Annotated[int, Query(ge=1, le=500)]


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        value = None
    # No key holds NUL, and PostgreSQL cannot even compare one with text that does.
    if value is None or "\x00" in value:
        raise cursor_fault()
    return value


def cursor_number(text: str, low: int, high: int) -> int:
    """A whole number a cursor carries, within the range of the column it is compared
    with: a database refuses to compare a column with a larger number."""
    # isdigit() alone takes `²`, which int() refuses.
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise cursor_fault()
    return int(text)


def cursor_fault() -> InvalidInput:
    """The error for a cursor this API did not return."""
    return InvalidInput("cursor is not one this API returned", field="cursor")


def page_json(items: list[Any], after: str | None) -> dict[str, Any]:
    """A page as the API shows it: its items, and the cursor of the next page (or None)."""
    return {"items": items, "next": encode_cursor(after) if after is not None else None}
