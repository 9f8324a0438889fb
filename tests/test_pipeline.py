"""The pipeline's housekeeping on a simulated clock, on both databases: compaction after
erasures once a minute, the purge of expired events once an hour, each when due and not
before."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.identity.erasure import erase_profile
from baton.pipeline import Pipeline
from baton.storage.database import connect, write_transaction
from baton.storage.tables import erasures, events
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import START
from tests.identity.helpers import profile, send
from tests.segments.helpers import identify, track


def names(engine: Engine, workspace_id: str) -> list[str]:
    with engine.connect() as connection:
        found = connection.execute(
            select(events.c.event).where(
                events.c.workspace_id == workspace_id, events.c.event.is_not(None)
            )
        )
        return sorted(found.scalars())


def compacted_at(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(connection.execute(select(erasures.c.compacted_at)).scalars())


def test_housekeeping_compacts_and_purges_when_due_and_not_before(own_database: str) -> None:
    engine = connect(own_database)
    clock = ManualClock(START)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "keeps 30 days", clock)
        save_policy(connection, workspace_id, parse_policy({"event_retention": "30d"}))
    month_ago = timedelta(days=31)
    send(engine, clock, workspace_id, track("u1", "First", clock.now() - month_ago),
         identify("gone", clock.now(), email="gone@example.com"))  # fmt: skip
    pipeline = Pipeline(engine, clock, random.Random(0), "US", stages=())

    pipeline.housekeep()  # a new pipeline does every chore at once
    assert names(engine, workspace_id) == []
    start = clock.now()

    clock.advance(timedelta(seconds=10))
    gone = profile(engine, workspace_id, "gone")["id"]
    with write_transaction(engine) as connection:
        erase_profile(connection, workspace_id, gone, suppress=False, now=clock.now(),
                      default_region="US")  # fmt: skip
    send(engine, clock, workspace_id, track("u1", "Second", clock.now() - month_ago))

    clock.advance(timedelta(seconds=49))
    pipeline.housekeep()
    assert compacted_at(engine) == [None]  # compaction is due a minute after the last
    clock.advance(timedelta(seconds=1))
    pipeline.housekeep()
    assert compacted_at(engine) == [start + timedelta(minutes=1)]

    clock.advance(timedelta(minutes=58, seconds=59))
    pipeline.housekeep()
    assert names(engine, workspace_id) == ["Second"]  # the purge is due an hour after the last
    clock.advance(timedelta(seconds=1))
    pipeline.housekeep()
    assert names(engine, workspace_id) == []
    engine.dispose()
