"""The queue of profiles due for evaluation: a mark keeps its earliest instant, and a
mark made again while an evaluation ran survives that evaluation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.storage.database import connect, write_transaction
from baton.storage.leases import slot_of
from baton.storage.tables import profile_due
from baton.timeline import claim_due, mark_due, settle

# Each test has a database of its own (`own_database`): a claim reads every workspace's
# marks, and other tests leave theirs.
WS = "ws_due"


def _marks(engine: Engine, ws: str) -> dict[str, tuple[object, int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(profile_due.c.profile_id, profile_due.c.due_at, profile_due.c.stamp,
                   profile_due.c.slot).where(profile_due.c.workspace_id == ws)
        )  # fmt: skip
        return {profile_id: (due_at, stamp, slot) for profile_id, due_at, stamp, slot in rows}


def test_a_mark_keeps_its_earliest_instant_and_counts_each_marking(
    own_database: str, clock: ManualClock
) -> None:
    engine = connect(own_database)
    now = clock.now()
    later, earlier = now + timedelta(hours=1), now - timedelta(minutes=5)
    with write_transaction(engine) as connection:
        mark_due(connection, WS, [("p2", later), ("p1", now)])
    assert _marks(engine, WS) == {
        "p1": (now, 1, slot_of("p1")),
        "p2": (later, 1, slot_of("p2")),
    }
    with write_transaction(engine) as connection:
        mark_due(connection, WS, [("p1", later), ("p2", earlier)])
    marks = _marks(engine, WS)
    assert marks["p1"] == (now, 2, slot_of("p1"))  # due already, earlier than asked
    assert marks["p2"] == (earlier, 2, slot_of("p2"))
    engine.dispose()


def test_a_mark_made_again_during_evaluation_survives_it(
    own_database: str, clock: ManualClock
) -> None:
    engine = connect(own_database)
    now = clock.now()
    with write_transaction(engine) as connection:
        mark_due(connection, WS, [("p1", now), ("p2", now)])
    with write_transaction(engine) as connection:
        claimed = claim_due(connection, now, 1000)
    assert sorted(d.profile_id for d in claimed) == ["p1", "p2"]
    with write_transaction(engine) as connection:
        mark_due(connection, WS, [("p2", now)])  # an event arrived meanwhile
    with write_transaction(engine) as connection:
        settle(connection, [(d, None) for d in claimed])
    assert list(_marks(engine, WS)) == ["p2"]
    engine.dispose()
