"""Purging events older than the workspace's retention (`event_retention` in its policy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select

from baton.core.durations import parse_duration
from baton.storage.database import write_transaction
from baton.storage.tables import events, workspaces
from baton.workspaces import load_policy

_BATCH = 5_000


def purge_expired_events(engine: Engine, now: datetime) -> int:
    """Delete every resolved event older than its workspace keeps them, a batch per
    transaction (writers wait for one batch at most); returns how many went."""
    with engine.connect() as connection:
        kept = {
            workspace_id: load_policy(connection, workspace_id).event_retention
            for workspace_id in connection.execute(select(workspaces.c.id)).scalars()
        }
    purged = 0
    for workspace_id, retention in sorted(kept.items()):
        if retention is None:
            continue
        expired = select(events.c.seq).where(
            events.c.workspace_id == workspace_id,
            events.c.timestamp < now - parse_duration(retention),
            events.c.profile_id.is_not(None),
        )
        while True:
            with write_transaction(engine) as connection:
                batch = list(
                    connection.execute(expired.order_by(events.c.seq).limit(_BATCH)).scalars()
                )
                if batch:
                    connection.execute(delete(events).where(events.c.seq.in_(batch)))
            purged += len(batch)
            if len(batch) < _BATCH:
                break
    return purged
