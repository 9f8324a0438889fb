"""The best-hour estimate and the send instant, alone: planted habits are found, quiet
hours and the maximum delay always hold."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.predict.send_time import (
    BestHour,
    WorkspaceHours,
    best_hour,
    hour_weights,
    send_instant,
)
from baton.workspaces import QuietHours

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ZONES = ["Asia/Tokyo", "Europe/Budapest", "America/New_York", "Asia/Kolkata", "UTC"]


def habit(rng: random.Random, tz: ZoneInfo, hour: int, count: int, noise: float) -> list[datetime]:
    """`count` engagements of the last 90 days, at `hour` local but for a `noise` share."""
    found = []
    for _ in range(count):
        day = NOW.astimezone(tz) - timedelta(days=rng.randint(1, 90))
        at = hour if rng.random() >= noise else rng.randrange(24)
        found.append(day.replace(hour=at, minute=rng.randrange(60)).astimezone(UTC))
    return found


def test_a_planted_hour_is_found_in_each_persons_own_time_zone() -> None:
    rng = random.Random(2026)
    people = [(ZoneInfo(rng.choice(ZONES)), rng.randrange(24)) for _ in range(300)]
    histories = [habit(rng, tz, hour, rng.randint(6, 20), noise=0.3) for tz, hour in people]
    workspace = WorkspaceHours(
        hour_weights(
            ((at, tz) for (tz, _), h in zip(people, histories, strict=True) for at in h), NOW
        ),
        sum(len(h) for h in histories),
    )
    found = [
        best_hour(history, tz, workspace, NOW)
        for (tz, _), history in zip(people, histories, strict=True)
    ]
    assert all(f.source == "own" for f in found)
    hits = sum(f.hour == hour for f, (_, hour) in zip(found, people, strict=True))
    assert hits / len(people) > 0.95


def test_few_engagements_fall_back_to_the_workspace_and_none_to_no_hour() -> None:
    rng = random.Random(1)
    tz = ZoneInfo("Europe/Budapest")
    crowd = [at for _ in range(20) for at in habit(rng, tz, 9, 10, noise=0.1)]
    workspace = WorkspaceHours(hour_weights(((at, tz) for at in crowd), NOW), len(crowd))
    two = habit(rng, tz, 18, 2, noise=0)
    fallback = best_hour(two, tz, workspace, NOW)
    assert (fallback.hour, fallback.source, fallback.engagements) == (9, "workspace", 2)
    assert fallback.basis == "workspace: 09:00"
    three = best_hour(habit(rng, tz, 18, 3, noise=0), tz, workspace, NOW)
    assert (three.hour, three.source) == (18, "own")
    assert three.basis == "own opens: 18:00 local"
    empty = WorkspaceHours([0.0] * 24, 0)
    assert best_hour(two, tz, empty, NOW) == BestHour(None, "none", 2)
    assert best_hour(two, tz, empty, NOW).basis == "no data"


def test_recent_habits_outweigh_old_ones() -> None:
    tz = ZoneInfo("UTC")
    old = [NOW - timedelta(days=150 + d, hours=NOW.hour - 8) for d in range(8)]
    new = [NOW - timedelta(days=3 + d, hours=NOW.hour - 19) for d in range(4)]
    empty = WorkspaceHours([0.0] * 24, 0)
    assert best_hour(old + new, tz, empty, NOW).hour == 19
    assert best_hour(old, tz, empty, NOW).hour == 8


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.integers(0, 60 * 24 * 30),
    zone_name=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    delay_hours=st.integers(1, 72),
    quiet=st.one_of(
        st.none(),
        st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda t: t[0] != t[1]),
    ),
)
def test_the_send_instant_keeps_quiet_hours_and_the_maximum_delay(
    minutes: int, zone_name: str, hour: int, delay_hours: int, quiet: tuple[int, int] | None
) -> None:
    at = NOW + timedelta(minutes=minutes)
    tz = ZoneInfo(zone_name)
    window = (
        None if quiet is None else QuietHours(start=f"{quiet[0]:02d}:00", end=f"{quiet[1]:02d}:00")
    )
    max_delay = timedelta(hours=delay_hours)
    chosen = send_instant(at, tz, hour, max_delay, window, "email")
    assert at <= chosen <= at + max_delay
    if window is not None and chosen != at:
        assert window.ends(chosen, tz, "email") is None
    # When the hour comes round outside quiet hours within the delay, that is when.
    local = at.astimezone(tz)
    first = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if first < local.replace(minute=0, second=0, microsecond=0):
        first += timedelta(days=1)
    start = max(first.astimezone(UTC), at)
    quiet_then = window is not None and window.ends(start, tz, "email") is not None
    if start <= at + max_delay and not quiet_then:
        assert chosen.astimezone(tz).hour == hour


def test_a_quiet_hour_moves_to_the_nearest_allowed_hour() -> None:
    tz = ZoneInfo("Europe/Budapest")
    quiet = QuietHours(start="22:00", end="07:00")
    at = datetime(2026, 6, 15, 10, 0, tzinfo=tz)
    assert send_instant(at, tz, 23, timedelta(hours=24), quiet, "email") == at.replace(hour=21)
    assert send_instant(at, tz, 5, timedelta(hours=24), quiet, "email") == at.replace(
        day=16, hour=7
    )
    # Quiet hours on SMS only leave e-mail free at 23:00.
    sms_only = QuietHours(start="22:00", end="07:00", channels=["sms"])
    assert send_instant(at, tz, 23, timedelta(hours=24), sms_only, "email") == at.replace(hour=23)
