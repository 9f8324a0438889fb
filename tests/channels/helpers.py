"""What channel tests read back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from baton.storage.tables import events


def timeline(engine: Engine, profile_id: str, *names: str) -> list[dict[str, Any]]:
    """The profile's events (of these names, when given), oldest first, each its name
    and properties."""
    query = select(events.c.event, events.c.properties).where(events.c.profile_id == profile_id)
    if names:
        query = query.where(events.c.event.in_(names))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(events.c.seq))
        return [{"event": name, **(properties or {})} for name, properties in rows]
