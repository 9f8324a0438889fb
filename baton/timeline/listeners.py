"""Who listens to which final events: journeys and segments, per workspace.

Each consumer writes what it listens to whenever its live definitions change (a journey
published, paused or archived; a segment or computed trait saved or deleted), in the same
transaction. Announcing an event then reads one row a consumer instead of parsing every
definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, select

from baton.storage.database import upsert
from baton.storage.tables import event_listeners


class Consumer(StrEnum):
    JOURNEYS = "journeys"
    SEGMENTS = "segments"
    # Its `every_event` asks for the profiles whose traits changed instead (webhooks and
    # CRMs that watch traits): no destination wants every event unnamed.
    DESTINATIONS = "destinations"


@dataclass(frozen=True, slots=True)
class Listener:
    """`events`: the names it reads. `every_event`: it also wants every other event of the
    customer (live journey instances look at each of their profile's events again)."""

    events: frozenset[str] = frozenset()
    every_event: bool = False


NOBODY = Listener()


def listen(
    connection: Connection,
    workspace_id: str,
    consumer: Consumer,
    events: Iterable[str],
    every_event: bool,
    now: datetime,
) -> None:
    """Replace what `consumer` listens to in the workspace."""
    upsert(
        connection,
        event_listeners,
        [
            {
                "workspace_id": workspace_id,
                "consumer": consumer.value,
                "events": sorted(set(events)),
                "every_event": every_event,
                "updated_at": now,
            }
        ],
        keys=["workspace_id", "consumer"],
        replace=["events", "every_event", "updated_at"],
    )


def listeners_of(connection: Connection, workspace_id: str) -> dict[Consumer, Listener]:
    """Every consumer's listener in the workspace; one that never listened hears nothing."""
    rows = connection.execute(
        select(
            event_listeners.c.consumer, event_listeners.c.events, event_listeners.c.every_event
        ).where(event_listeners.c.workspace_id == workspace_id)
    )
    found = {consumer: NOBODY for consumer in Consumer}
    for consumer, events, every_event in rows:
        found[Consumer(consumer)] = Listener(frozenset(events or ()), bool(every_event))
    return found
