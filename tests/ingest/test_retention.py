"""Events older than a workspace keeps them are purged; other workspaces keep theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.ingest.retention import purge_expired_events
from baton.storage.database import write_transaction
from baton.storage.tables import events
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import Workspace
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


def test_events_past_the_retention_are_purged(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy({"event_retention": "30d"}))
        other = create_workspace(connection, "keeps everything", clock)
    now = clock.now()
    for workspace_id in (workspace.id, other):
        send(engine, clock, workspace_id,
             track("u1", "Old", now - timedelta(days=31)),
             track("u1", "Recent", now - timedelta(days=29)))  # fmt: skip
    assert purge_expired_events(engine, now) == 1
    assert names(engine, workspace.id) == ["Recent"]
    assert names(engine, other) == ["Old", "Recent"]
    assert purge_expired_events(engine, now) == 0
    with pytest.raises(InvalidInput, match="a day at least"):
        parse_policy({"event_retention": "1h"})
