"""The pipeline on both databases: its housekeeping on a simulated clock (compaction after
erasures once a minute, the purge of expired events once an hour, each when due and not
before), and stages that stay quiet until there is something for them."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from sqlalchemy import Engine, event, select

from baton.core.clock import ManualClock
from baton.destinations import parse_settings, save_destination
from baton.identity.erasure import erase_profile
from baton.pipeline import Pipeline, Stage
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


def test_the_destinations_stage_reads_its_queues_only_once_a_destination_exists(
    own_database: str,
) -> None:
    """Under ingestion every commit wakes every stage: one with nothing configured must not
    answer each wake with its queries."""
    engine = connect(own_database)
    clock = ManualClock(START)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "forwards later", clock)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def queue_reads() -> int:
        return sum("destination_inbox" in statement for statement in list(statements))

    pipeline = Pipeline(engine, clock, random.Random(0), "US", stages=(Stage.DELIVERY,))
    pipeline.start()
    try:
        deadline = time.monotonic() + 10
        while not any("FROM destinations" in s for s in list(statements)):
            assert time.monotonic() < deadline, "the stage never looked"
            time.sleep(0.05)
        send(engine, clock, workspace_id, track("u1", "Wakes every stage", clock.now()))
        time.sleep(0.5)
        assert queue_reads() == 0
        with write_transaction(engine) as connection:
            save_destination(connection, workspace_id, "crm", parse_settings(
                {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "allow": ["127.0.0.1"],
                 "events": ["Order Completed"]}
            ), clock.now())  # fmt: skip
        while queue_reads() == 0:
            assert time.monotonic() < deadline + 10, "a destination did not wake the stage"
            time.sleep(0.05)
    finally:
        pipeline.stop()
