"""The processor keeps going past an event it cannot resolve, and reports it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select, text

from baton.core.clock import ManualClock
from baton.identity.processor import failed_count, pending_count, refresh_statistics
from baton.storage.database import connect, write_transaction
from baton.storage.tables import events
from tests.conftest import Workspace
from tests.identity.helpers import last_statement, profile, send


def test_an_unresolvable_event_is_marked_and_the_rest_proceed(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    # A row no current API call can produce (traits that are not an object), as an old
    # version or a hand-made import might have left it.
    with write_transaction(engine) as connection:
        connection.execute(
            insert(events).values(
                workspace_id=workspace.id,
                message_id="broken",
                type="identify",
                user_id="before-broken",
                timestamp=clock.now(),
                received_at=clock.now(),
                traits=[1, 2],
                context={},
            )
        )
    send(
        engine,
        clock,
        workspace.id,
        *[{"type": "track", "event": "E", "userId": f"after-{i}"} for i in range(5)],
    )
    with engine.connect() as connection:
        assert pending_count(connection, workspace.id) == 0
        assert failed_count(connection, workspace.id) == 1
        error = connection.execute(
            select(events.c.error).where(
                events.c.workspace_id == workspace.id, events.c.message_id == "broken"
            )
        ).scalar_one()
    assert (error is not None and error.startswith("ValueError")) or "TypeError" in error
    for i in range(5):
        assert profile(engine, workspace.id, f"after-{i}")["event_count"] == 1


def test_the_failed_count_reads_only_failed_events(engine: Engine, workspace: Workspace) -> None:
    """The ingest status counts failures on every call: through their own small index,
    not by reading the workspace's events (which grow without bound)."""
    with engine.connect() as connection:
        statement, parameters = last_statement(
            connection, lambda: failed_count(connection, workspace.id)
        )
        if engine.dialect.name == "postgresql":
            # A small table reads as fast whole: the plan must still have the index.
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            explained = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            explained = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = " ".join(str(value) for row in explained for value in row)
    assert "ix_events_failed" in plan, plan


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_refreshed_statistics_cover_the_columns_queries_filter_on(
    own_database: str, clock: ManualClock
) -> None:
    """Identity's own ANALYZE, while the tables are young, skips the documents: sampling
    their values is most of its cost, and the planner reads only their widths."""
    engine = connect(own_database)
    workspace_id = "ws_statistics"
    send(engine, clock, workspace_id,
         *[{"type": "track", "event": "E", "userId": f"u{i}", "properties": {"n": i}}
           for i in range(20)])  # fmt: skip
    refresh_statistics(engine)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT tablename, attname FROM pg_stats WHERE schemaname = 'public'")
        )
        analyzed = {(table, column) for table, column in found}
    engine.dispose()
    for column in ("workspace_id", "profile_id", "event", "timestamp"):
        assert ("events", column) in analyzed
    assert ("identifiers", "value") in analyzed
    assert ("profiles", "merged_into") in analyzed
    assert ("events", "properties") not in analyzed
    assert ("profiles", "traits") not in analyzed
