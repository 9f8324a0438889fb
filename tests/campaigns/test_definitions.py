"""A broadcast's definition: the throttle's slots, and cohorts that are a pure function
of the person."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from baton.campaigns import cohort_of, parse_broadcast

BASE = {"key": "k", "name": "K", "channel": "email", "template": "t",
        "audience": {"upload": True}}  # fmt: skip


def test_the_throttle_gives_each_message_its_slot() -> None:
    per_minute = parse_broadcast({**BASE, "throttle": {"per_minute": 120}}).throttle
    assert per_minute is not None
    assert [per_minute.offset(n, 1000) for n in (0, 1, 120)] == [
        timedelta(0), timedelta(seconds=0.5), timedelta(minutes=1)
    ]  # fmt: skip
    spread = parse_broadcast({**BASE, "throttle": {"spread_hours": 2}}).throttle
    assert spread is not None
    assert [spread.offset(n, 4) for n in range(4)] == [timedelta(minutes=30 * n) for n in range(4)]


def test_cohorts_follow_the_shares_and_never_change_for_a_person() -> None:
    ab = {"variants": [{"key": "a", "template": "t"}, {"key": "b", "template": "u"}],
          "sample": 0.3}  # fmt: skip
    definition = parse_broadcast({**BASE, "holdout": 0.1, "ab_test": ab})
    people = [f"prof_{n}" for n in range(10_000)]
    first = [cohort_of("bc_1", p, definition) for p in people]
    assert first == [cohort_of("bc_1", p, definition) for p in people]
    counted = Counter(first)
    assert 900 < counted["holdout", None] < 1100
    assert 1350 < counted["sample", "a"] < 1650
    assert 1350 < counted["sample", "b"] < 1650
    assert first != [cohort_of("bc_2", p, definition) for p in people]
