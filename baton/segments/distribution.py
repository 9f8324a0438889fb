"""How a computed trait's values spread: a histogram of numbers, or its most common values."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from sqlalchemy import Connection

from baton.segments.query import computed_holders
from baton.segments.values import is_number

# Values read at most, the first by profile id: bounds the memory and time of one request.
READ_LIMIT = 100_000
BUCKETS = 10
TOP_VALUES = 10


def of_trait(
    connection: Connection, workspace_id: str, key: str, limit: int = READ_LIMIT
) -> dict[str, Any]:
    """`kind` numeric (even-width `buckets`, `min`, `max`, `mean`) when every value is a
    number, else categorical (the `values` most held and how many hold an `other` one).
    `profiles`: how many values it covers; `sampled`: whether more profiles hold one."""
    rows = computed_holders(connection, workspace_id, key, None, limit + 1)
    values = [value for _, value in rows[:limit]]
    counted = {"profiles": len(values), "sampled": len(rows) > limit}
    if values and all(is_number(value) for value in values):
        return {**_histogram(values), **counted}
    return {**_top_values(values), **counted}


def _histogram(numbers: list[float]) -> dict[str, Any]:
    low, high = min(numbers), max(numbers)
    if all(float(n).is_integer() for n in numbers):
        buckets = _whole_buckets(numbers, int(low), int(high))
    else:
        buckets = _even_buckets(numbers, low, high)
    mean = sum(numbers) / len(numbers)
    return {"kind": "numeric", "buckets": buckets, "min": low, "max": high, "mean": mean}


def _whole_buckets(numbers: list[float], low: int, high: int) -> list[dict[str, Any]]:
    # Counts and whole sums: a bucket holds from..to, both included, so that a small range
    # gets a bar per number rather than fractions no profile can hold.
    width = -(-(high - low + 1) // BUCKETS)
    held = Counter((int(n) - low) // width for n in numbers)
    return [
        {"from": start, "to": min(start + width - 1, high), "profiles": held[i]}
        for i, start in enumerate(range(low, high + 1, width))
    ]


def _even_buckets(numbers: list[float], low: float, high: float) -> list[dict[str, Any]]:
    """A bucket holds from <= value < to; the last one also its `to`, the maximum."""
    width = (high - low) / BUCKETS
    if width == 0 or not math.isfinite(width):
        return [{"from": low, "to": high, "profiles": len(numbers)}]
    held = Counter(min(int((n - low) / width), BUCKETS - 1) for n in numbers)
    return [
        {
            "from": low + i * width,
            "to": high if i == BUCKETS - 1 else low + (i + 1) * width,
            "profiles": held[i],
        }
        for i in range(BUCKETS)
    ]


def _top_values(values: list[Any]) -> dict[str, Any]:
    # Lists and objects are not hashable: values are told apart by their canonical JSON.
    held = Counter(json.dumps(value, sort_keys=True) for value in values)
    top = sorted(held.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]
    shown = [{"value": json.loads(text), "profiles": n} for text, n in top]
    return {
        "kind": "categorical",
        "values": shown,
        "other": len(values) - sum(item["profiles"] for item in shown),
    }
