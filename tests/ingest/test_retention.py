"""Events older than a workspace keeps them are purged; other workspaces keep theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.ingest.retention import purge_expired_events
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.identity.helpers import send
from tests.segments.helpers import track


def names(engine: Engine, workspace_id: str) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(events.c.event)
                .where(events.c.workspace_id == workspace_id)
                .order_by(events.c.timestamp)
            ).scalars()
        )


def test_events_past_the_retention_are_purged(own_database: str, clock: ManualClock) -> None:
    # A database of its own: other tests' workspaces keep events for 30 days too, and the
    # session's clock may have taken theirs past it.
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        keeper = create_workspace(connection, "keeps 30 days", clock)
        save_policy(connection, keeper, parse_policy({"event_retention": "30d"}))
        other = create_workspace(connection, "keeps everything", clock)
    now = clock.now()
    for workspace_id in (keeper, other):
        send(engine, clock, workspace_id,
             track("u1", "Old", now - timedelta(days=31)),
             track("u1", "Recent", now - timedelta(days=29)))  # fmt: skip
    assert purge_expired_events(engine, now) == 1
    assert names(engine, keeper) == ["Recent"]
    assert names(engine, other) == ["Old", "Recent"]
    assert purge_expired_events(engine, now) == 0
    engine.dispose()
    with pytest.raises(InvalidInput, match="a day at least"):
        parse_policy({"event_retention": "1h"})
