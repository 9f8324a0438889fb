"""What a comparison means on a JSON value, in Python. `segments/sql.py` says the same in SQL.

Types never mix: `equals 5` holds for the number 5 (or 5.0), not for the string "5" nor for
`true`; numeric operators hold only for numbers, `contains` and `starts_with` only for
strings (`contains` also for a list holding that string), and date operators for strings
that are ISO 8601 dates (no offset means UTC). A missing value and JSON null are the same:
"not exists". Negations (`not_equals`, `not_exists`) hold for a missing value.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baton.segments.definitions import Comparison

_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$"
)


def parse_instant(value: Any) -> datetime | None:
    """The UTC instant an ISO 8601 date string names; None for anything else."""
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
        # In UTC, year 1 with a positive offset (or 9999 with a negative one) has no date.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def lookup(document: Any, path: str) -> Any:
    """The value at a dotted path of a JSON object; None when any step is missing."""
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equals(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        return actual is expected
    if is_number(expected):
        return is_number(actual) and actual == expected
    return isinstance(actual, str) and actual == expected


def holds(comparison: Comparison, actual: Any, now: datetime) -> bool:
    """Whether `actual` (a JSON value, None when missing) satisfies the comparison."""
    op, expected = comparison.op.value, comparison.value
    if op == "exists":
        return actual is not None
    if op == "not_exists":
        return actual is None
    if op == "equals":
        return _equals(actual, expected)
    if op == "not_equals":
        return not _equals(actual, expected)
    if op == "in":
        return any(_equals(actual, item) for item in expected)
    if op == "contains":
        if isinstance(actual, list):
            return any(isinstance(item, str) and item == expected for item in actual)
        return isinstance(actual, str) and expected in actual
    if op == "starts_with":
        return isinstance(actual, str) and actual.startswith(expected)
    if op in ("gt", "gte", "lt", "lte", "between"):
        if not is_number(actual):
            return False
        if op == "gt":
            return bool(actual > expected)
        if op == "gte":
            return bool(actual >= expected)
        if op == "lt":
            return bool(actual < expected)
        if op == "lte":
            return bool(actual <= expected)
        return bool(expected[0] <= actual <= expected[1])
    instant = parse_instant(actual)
    if instant is None:
        return False
    if op == "before":
        return instant < comparison.instant
    if op == "after":
        return instant > comparison.instant
    return now - comparison.duration < instant <= now  # within_last


def changes_at(comparison: Comparison, actual: Any, now: datetime) -> datetime | None:
    """The next instant after `now` at which the comparison could change by time alone."""
    if comparison.op.value != "within_last":
        return None
    instant = parse_instant(actual)
    if instant is None:
        return None
    if instant > now:
        return instant
    leaves = instant + comparison.duration
    return leaves if leaves > now else None
