"""Events Baton writes on a profile's timeline itself: its messages' outcomes (sent,
delivered, opened, clicked, bounced, seen...) and segment changes. Written resolved (Baton
knows whose they are), so they skip identity and never hold journey timers back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import events, profiles
from baton.timeline.final_events import FinalEvent, announce


def timeline_row(
    workspace_id: str,
    profile_id: str,
    event: str,
    properties: dict[str, Any],
    now: datetime,
    key: str,
    *,
    at: datetime | None = None,
    library: str = "baton-delivery",
) -> dict[str, Any]:
    """An `events` row, resolved to the profile, that happened `at` (default: now); `key`
    makes it once only (its message id), however often the same outcome is reported."""
    return {
        "workspace_id": workspace_id,
        "message_id": key,
        "type": "track",
        "event": event,
        "timestamp": at or now,
        "received_at": now,
        "properties": properties,
        "context": {"library": {"name": library}},
        "profile_id": profile_id,
    }


def write_events(
    connection: Connection, rows: Sequence[dict[str, Any]], now: datetime, *, named_only: bool
) -> None:
    """Store `timeline_row`s once each and announce them (see `announce`)."""
    executemany_fast(connection, insert_ignoring_duplicates(connection, events), list(rows))
    by_workspace: dict[str, list[FinalEvent]] = defaultdict(list)
    for row in rows:
        final = FinalEvent(row["message_id"], row["profile_id"], row["type"], row["event"])
        by_workspace[row["workspace_id"]].append(final)
    for workspace_id, finals in by_workspace.items():
        announce(connection, workspace_id, finals, now, named_only=named_only)


def write_timeline(connection: Connection, rows: list[dict[str, Any]], now: datetime) -> None:
    """Record message outcomes on the timeline of the person each belongs to now."""
    if not rows:
        return
    survivors = {
        profile_id: merged_into or profile_id
        for profile_id, merged_into in connection.execute(
            select(profiles.c.id, profiles.c.merged_into).where(
                among(profiles.c.id, sorted({r["profile_id"] for r in rows}), connection.dialect)
            )
        )
    }
    # A profile erased since (an old e-mail opened) gets nothing.
    rows = [
        {**row, "profile_id": survivors[row["profile_id"]]}
        for row in rows
        if row["profile_id"] in survivors
    ]
    if rows:
        write_events(connection, rows, now, named_only=True)
