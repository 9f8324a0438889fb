"""What identity and segments tell the journey engine, in their own transactions.

The identity processor and the segment evaluator put their events on the journey inbox in
the transaction that makes them final, so the engine sees each event exactly once, in the
order they were processed, whatever crashes in between. A merge moves the merged
profile's instances and messages to the survivor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Connection,
    bindparam,
    exists,
    insert,
    literal_column,
    null,
    select,
    text,
    update,
)

from baton.storage.database import executemany_fast
from baton.storage.tables import journey_inbox, journey_instances, journeys, messages

# Events of these types can start, move or end an instance.
JOURNEY_EVENT_TYPES = frozenset({"track", "identify"})
_INSERT = insert(journey_inbox)
_INSERT_ARRAY = text(
    "INSERT INTO journey_inbox (workspace_id, message_id) "
    "SELECT :ws, unnest(CAST(:ids AS varchar[]))"
)


def enqueue_events(connection: Connection, workspace_id: str, message_ids: Sequence[str]) -> None:
    """Add events, if the workspace has a journey that could care: a journey sees the
    events processed after it was published."""
    if not message_ids:
        return
    live = select(
        exists().where(
            journeys.c.workspace_id == workspace_id,
            journeys.c.status.in_(("published", "paused")),
        )
    )
    if not connection.execute(live).scalar():
        return
    if connection.dialect.name == "postgresql":
        # One statement for the whole batch instead of a row each.
        connection.execute(_INSERT_ARRAY, {"ws": workspace_id, "ids": list(message_ids)})
    else:
        rows = [{"workspace_id": workspace_id, "message_id": m} for m in message_ids]
        executemany_fast(connection, _INSERT, rows)


_SURVIVORS = journey_instances.alias("survivor_instances")
_MERGED_LIVE = (
    journey_instances.c.profile_id == bindparam("b_merged"),
    journey_instances.c.ended_at.is_(None),
)
# A journey the survivor is in already keeps the survivor's instance; the merged one ends.
_END_DUPLICATES = (
    update(journey_instances)
    .where(
        *_MERGED_LIVE,
        journey_instances.c.journey_id.in_(
            select(_SURVIVORS.c.journey_id).where(
                _SURVIVORS.c.profile_id == bindparam("b_root"), _SURVIVORS.c.ended_at.is_(None)
            )
        ),
    )
    .values(ended_at=bindparam("b_now"), outcome=literal_column("'merged'"), wake_at=null())
)
_CANCEL_DUPLICATES = (
    update(messages)
    .where(
        messages.c.profile_id == bindparam("b_merged"),
        messages.c.status == literal_column("'pending'"),
        messages.c.instance_id.in_(
            select(journey_instances.c.id).where(
                journey_instances.c.profile_id == bindparam("b_merged"),
                journey_instances.c.outcome == literal_column("'merged'"),
            )
        ),
    )
    .values(
        status=literal_column("'cancelled'"),
        dispatched_at=bindparam("b_now"),
        detail=literal_column("'profile merged'"),
    )
)
_MOVE = [
    update(table).where(column == bindparam("b_merged")).values(profile_id=bindparam("b_root"))
    for table, column in (
        (journey_instances, journey_instances.c.profile_id),
        (messages, messages.c.profile_id),
    )
]


def move_to_survivor(
    connection: Connection, moves: Sequence[tuple[str, str]], now: datetime
) -> None:
    """(merged, survivor) pairs: instances and messages follow the person."""
    rows = [{"b_merged": merged, "b_root": root, "b_now": now} for merged, root in moves]
    executemany_fast(connection, _END_DUPLICATES, rows)
    cancels = [{"b_merged": merged, "b_now": now} for merged, _ in moves]
    executemany_fast(connection, _CANCEL_DUPLICATES, cancels)
    for statement in _MOVE:
        executemany_fast(connection, statement, [{"b_merged": m, "b_root": r} for m, r in moves])
