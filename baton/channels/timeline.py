"""What Baton writes on a profile's timeline about its messages: sent, delivered, failed,
opened, clicked, bounced, seen... Written resolved (Baton knows whose they are), so they
skip identity, never hold journey timers back, and reach segments and journeys only when
one of them reads that event."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from baton.journeys.inbox import enqueue_events
from baton.journeys.store import live_journeys
from baton.segments.due import mark_due
from baton.segments.store import load_catalog
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import events, profiles

MESSAGE_SENT, MESSAGE_DELIVERED, MESSAGE_FAILED = (
    "Message Sent",
    "Message Delivered",
    "Message Failed",
)


def timeline_row(
    workspace_id: str,
    profile_id: str,
    event: str,
    properties: dict[str, Any],
    now: datetime,
    key: str,
) -> dict[str, Any]:
    """An `events` row, resolved to the profile; `key` makes it once only (its message
    id), however often the same outcome is reported."""
    return {
        "workspace_id": workspace_id,
        "message_id": key,
        "type": "track",
        "event": event,
        "timestamp": now,
        "received_at": now,
        "properties": properties,
        "context": {"library": {"name": "baton-delivery"}},
        "profile_id": profile_id,
    }


def write_timeline(connection: Connection, rows: list[dict[str, Any]], now: datetime) -> None:
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
    if not rows:
        return
    executemany_fast(connection, insert_ignoring_duplicates(connection, events), rows)
    by_workspace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_workspace[row["workspace_id"]].append(row)
    for workspace_id, mine in by_workspace.items():
        names = {row["event"] for row in mine}
        journeys_hear, segments_read = _listeners(connection, workspace_id, names, now)
        if segments_read:
            mark_due(connection, workspace_id, ((row["profile_id"], now) for row in mine))
        if journeys_hear:
            heard = [row["message_id"] for row in mine if row["event"] in journeys_hear]
            enqueue_events(connection, workspace_id, heard)


def _listeners(
    connection: Connection, workspace_id: str, names: set[str], now: datetime
) -> tuple[set[str], bool]:
    """Which of the events live journeys hear, and whether a segment or computed trait
    reads any of them: only then do they cost journeys or segments any work."""
    heard: set[str] = set()
    for journey in live_journeys(connection, workspace_id):
        heard |= journey.definition.events_heard()
    catalog, _ = load_catalog(connection, workspace_id)
    read = catalog.oldest_events_needed(now).keys()
    return heard & names, bool(read & names)
