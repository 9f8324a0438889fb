"""Live activity: how many events, messages and errors a workspace has per second these
last seconds, for the console's Home.

Everything is counted in `events`: customers' events as the tracking API accepted them,
and the `Message Sent` and `Message Failed` events delivery writes there for each
message. `events` has no index on `received_at`, and one would slow every write of the
hottest table, but its `seq` grows with `received_at` (to within one group commit of
the ingest writer): a galloping search over the primary key finds the first row of the
window in about 2·log2(rows in it) lookups, and the count reads only the rows from
there. Tracking calls refused outright are not stored, so they are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, or_, select

from baton.analytics.kpis import BATONS_OWN
from baton.channels.senders import MESSAGE_FAILED, MESSAGE_SENT
from baton.core.formats import iso_instant
from baton.storage.tables import events

WINDOW = timedelta(seconds=10)


@dataclass(frozen=True)
class Activity:
    at: datetime
    events_per_second: float
    messages_per_second: float
    errors_per_second: float

    def as_json(self) -> dict[str, Any]:
        return {
            "at": iso_instant(self.at),
            "events_per_second": self.events_per_second,
            "messages_per_second": self.messages_per_second,
            "errors_per_second": self.errors_per_second,
        }


def activity(
    connection: Connection, workspace_id: str, now: datetime, window: timedelta = WINDOW
) -> Activity:
    """The workspace's rates over the `window` up to `now`: customers' events, messages
    sent, and errors (messages failed, events identity could not process)."""
    since = now - window
    first = _first_seq_received_since(connection, since)
    customers = or_(events.c.event.is_(None), events.c.event.not_in(BATONS_OWN))
    errors = or_(events.c.event == MESSAGE_FAILED, events.c.error.is_not(None))
    found, sent, failed = connection.execute(
        select(
            func.count(case((customers, 1))),
            func.count(case((events.c.event == MESSAGE_SENT, 1))),
            func.count(case((errors, 1))),
        ).where(
            events.c.seq >= first,
            events.c.workspace_id == workspace_id,
            events.c.received_at >= since,
            events.c.received_at <= now,
        )
    ).one()
    seconds = window.total_seconds()
    return Activity(
        now,
        round(found / seconds, 3),
        round(sent / seconds, 3),
        round(failed / seconds, 3),
    )


def _first_seq_received_since(connection: Connection, since: datetime) -> int:
    """The smallest `seq` from which on every row was received at or after `since` (one
    past the newest row when none was)."""
    found = connection.execute(select(func.max(events.c.seq))).scalar()
    if found is None:
        return 0
    newest = int(found)
    # Rows from `inside` on are in the window; those up to `outside` are not.
    inside, outside, step = newest + 1, 0, 1
    while inside - step > outside:
        probe = inside - step
        seq, received_at = _first_row_from(connection, probe, since)
        if received_at < since:
            outside = max(outside, min(seq, inside - 1))
            break
        inside, step = probe, step * 2
    while inside - outside > 1:
        middle = (inside + outside) // 2
        _, received_at = _first_row_from(connection, middle, since)
        if received_at < since:
            outside = middle
        else:
            inside = middle
    return inside


def _first_row_from(connection: Connection, seq: int, since: datetime) -> tuple[int, datetime]:
    """The `seq` and `received_at` of the first row at or after `seq`. The search never
    looks past the newest row; if an erasure deleted those since, nothing older is there."""
    row = connection.execute(
        select(events.c.seq, events.c.received_at)
        .where(events.c.seq >= seq)
        .order_by(events.c.seq)
        .limit(1)
    ).first()
    return (seq, since) if row is None else (int(row.seq), row.received_at)
