"""How many members a segment had at the end of each of its recent days, read back from
its `Segment Entered` / `Segment Exited` events (a change and its event commit together)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, select

from baton.segments.definitions import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.segments.memberships import member_count
from baton.segments.store import Stored
from baton.storage.tables import events


def daily_members(
    connection: Connection, segment: Stored, days: int, now: datetime
) -> list[tuple[date, int]]:
    """(day, members at its end) for the `days` UTC days up to today, oldest first; today's
    figure is the count now. Changes after `now` (none, unless the clock was set back) are
    not counted."""
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, UTC)
    rows = connection.execute(
        select(events.c.event, events.c.timestamp).where(
            events.c.workspace_id == segment.workspace_id,
            events.c.event.in_((SEGMENT_ENTERED, SEGMENT_EXITED)),
            events.c.timestamp >= since,
            events.c.timestamp <= now,
            events.c.properties["segment_id"].as_string() == segment.id,
        )
    )
    # Net change per day: walking back from today undoes each day's changes in turn.
    net: Counter[date] = Counter()
    for event, at in rows:
        net[at.astimezone(UTC).date()] += 1 if event == SEGMENT_ENTERED else -1
    count = member_count(connection, segment.id)
    found: list[tuple[date, int]] = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        # A merge folds two members into one without an exit event: never below nobody.
        found.append((day, max(count, 0)))
        count -= net[day]
    return found[::-1]
