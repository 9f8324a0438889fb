"""Destinations as stored: saved, listed and deleted, each save telling the timeline again
what the workspace's destinations listen to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from baton.core.errors import NotFound
from baton.core.ids import new_id
from baton.destinations.settings import (
    AudienceSettings,
    CrmSettings,
    Settings,
    WebhookDestinationSettings,
    resealed,
    sealed,
    unsealed,
)
from baton.segments import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.storage.database import among
from baton.storage.tables import (
    destination_deliveries,
    destination_items,
    destination_snapshots,
    destinations,
)
from baton.timeline import Consumer, listen


@dataclass(frozen=True)
class Destination:
    id: str
    workspace_id: str
    key: str
    settings: Settings
    next_run_at: datetime | None
    last_run: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def _destination(row: Any) -> Destination:
    return Destination(
        id=row.id,
        workspace_id=row.workspace_id,
        key=row.key,
        settings=unsealed(row.workspace_id, row.key, row.settings),
        next_run_at=row.next_run_at,
        last_run=row.last_run,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_destinations(connection: Connection, workspace_id: str) -> list[Destination]:
    rows = connection.execute(
        select(destinations)
        .where(destinations.c.workspace_id == workspace_id)
        .order_by(destinations.c.key)
    )
    return [_destination(row) for row in rows]


def find_destination(connection: Connection, workspace_id: str, key: str) -> Destination | None:
    row = connection.execute(
        select(destinations).where(
            destinations.c.workspace_id == workspace_id, destinations.c.key == key
        )
    ).first()
    return None if row is None else _destination(row)


def destinations_by_id(connection: Connection, ids: list[str]) -> dict[str, Destination]:
    rows = connection.execute(
        select(destinations).where(among(destinations.c.id, ids, connection.dialect))
    )
    return {row.id: _destination(row) for row in rows}


def get_destination(connection: Connection, workspace_id: str, key: str) -> Destination:
    found = find_destination(connection, workspace_id, key)
    if found is None:
        raise NotFound(f"no destination {key!r}")
    return found


def save_destination(
    connection: Connection, workspace_id: str, key: str, settings: Settings, now: datetime
) -> Destination:
    """Create or replace; an audience's first run is due at once."""
    stored = find_destination(connection, workspace_id, key)
    values: dict[str, Any] = {
        "kind": settings.kind,
        "settings": sealed(workspace_id, key, settings),
    }
    if stored is None:
        values.update(
            id=new_id("dst", now),
            workspace_id=workspace_id,
            key=key,
            created_at=now,
            next_run_at=now if isinstance(settings, AudienceSettings) else None,
        )
        connection.execute(insert(destinations).values(updated_at=now, **values))
    else:
        if stored.settings.kind != settings.kind:
            values["next_run_at"] = now if isinstance(settings, AudienceSettings) else None
        connection.execute(
            update(destinations)
            .where(destinations.c.id == stored.id)
            .values(updated_at=now, **values)
        )
    _listen(connection, workspace_id, now)
    return get_destination(connection, workspace_id, key)


def reseal_destinations(connection: Connection) -> int:
    """Seals every destination's secrets under the current key; returns how many
    destinations changed."""
    rows = connection.execute(
        select(destinations.c.id, destinations.c.workspace_id, destinations.c.key,
               destinations.c.settings)
    ).all()  # fmt: skip
    changed = 0
    for destination_id, workspace_id, key, stored in rows:
        fresh = resealed(workspace_id, key, stored)
        if fresh is not None:
            connection.execute(
                update(destinations)
                .where(destinations.c.id == destination_id)
                .values(settings=fresh)
            )
            changed += 1
    return changed


def delete_destination(connection: Connection, workspace_id: str, key: str, now: datetime) -> None:
    """The destination and everything it had yet to send."""
    found = get_destination(connection, workspace_id, key)
    for table in (destination_items, destination_deliveries, destination_snapshots):
        connection.execute(delete(table).where(table.c.destination_id == found.id))
    connection.execute(delete(destinations).where(destinations.c.id == found.id))
    _listen(connection, workspace_id, now)


def _listen(connection: Connection, workspace_id: str, now: datetime) -> None:
    names: set[str] = set()
    traits = False
    for found in list_destinations(connection, workspace_id):
        settings = found.settings
        if isinstance(settings, WebhookDestinationSettings):
            names.update(settings.events)
            if settings.segments:
                names.update((SEGMENT_ENTERED, SEGMENT_EXITED))
            traits = traits or bool(settings.traits)
        elif isinstance(settings, CrmSettings):
            traits = True
    listen(connection, workspace_id, Consumer.DESTINATIONS, names, traits, now)
