"""Placements in the database: saved whole, by key, with a version that grows with each
change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.personalize.definitions import PlacementDefinition
from baton.storage.tables import placements


@dataclass(frozen=True)
class Saved:
    json: dict[str, Any]
    created: bool
    unchanged: bool


def _json(row: Any) -> dict[str, Any]:
    return {
        **row.definition,
        "version": row.version,
        "created_at": iso_instant(row.created_at),
        "updated_at": iso_instant(row.updated_at),
    }


def _row(connection: Connection, workspace_id: str, key: str) -> Any:
    return connection.execute(
        select(placements).where(placements.c.workspace_id == workspace_id, placements.c.key == key)
    ).first()


def get_placement(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    row = _row(connection, workspace_id, key)
    if row is None:
        raise NotFound(f"no placement with key {key!r}", field="key")
    return _json(row)


def placements_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    """The placements as JSON by key, from the one after the key `after`."""
    query = select(placements).where(placements.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(placements.c.key > after)
    rows = connection.execute(query.order_by(placements.c.key).limit(limit + 1)).all()
    page = rows[:limit]
    return Page([_json(row) for row in page], page[-1].key if len(rows) > limit else None)


def save_placement(
    connection: Connection, workspace_id: str, definition: PlacementDefinition, now: datetime
) -> Saved:
    """Create or replace a placement; a change raises its version, which every process's
    cache of parsed placements notices on its next decision."""
    document = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    row = _row(connection, workspace_id, definition.key)
    if row is None:
        connection.execute(
            insert(placements).values(
                id=new_id("plc", now), workspace_id=workspace_id, key=definition.key,
                name=definition.name, kind=definition.kind.value, definition=document,
                version=1, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return Saved(get_placement(connection, workspace_id, definition.key), True, False)
    if row.definition == document:
        return Saved(_json(row), False, True)
    connection.execute(
        update(placements)
        .where(placements.c.id == row.id)
        .values(
            name=definition.name,
            kind=definition.kind.value,
            definition=document,
            version=row.version + 1,
            updated_at=now,
        )
    )
    return Saved(get_placement(connection, workspace_id, definition.key), False, False)


def delete_placement(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    """Delete a placement; returns what it was."""
    before = get_placement(connection, workspace_id, key)
    connection.execute(
        delete(placements).where(placements.c.workspace_id == workspace_id, placements.c.key == key)
    )
    return before
