"""What follows a person when identity merges two profiles: their events waiting in the
journey inbox, their journey instances and their messages move to the survivor, in the
merge's own transaction. A journey the survivor is in already keeps the survivor's
instance; the merged one ends and its unsent messages go.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, exists, literal_column, null, select, update

from baton.storage.database import executemany_fast
from baton.storage.leases import slot_of
from baton.storage.tables import events, journey_inbox, journey_instances, messages

_SURVIVORS = journey_instances.alias("survivor_instances")
_MERGED_LIVE = (
    journey_instances.c.profile_id == bindparam("b_merged"),
    journey_instances.c.ended_at.is_(None),
)
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


# The merged profile's events still in the journey inbox take the survivor's slot, so the
# worker leasing it sees all of the person's events in order (`storage/leases.py`). First
# in the merge: a journey worker locks inbox rows before instances, and so does this.
_MOVE_INBOX = (
    update(journey_inbox)
    .where(
        journey_inbox.c.slot == bindparam("b_merged_slot"),
        exists().where(
            events.c.workspace_id == journey_inbox.c.workspace_id,
            events.c.message_id == journey_inbox.c.message_id,
            events.c.profile_id.in_([bindparam("b_merged"), bindparam("b_root")]),
        ),
    )
    .values(slot=bindparam("b_root_slot"))
)


def follow_merges(connection: Connection, moves: Sequence[tuple[str, str]], now: datetime) -> None:
    """(merged, survivor) pairs: queued events, instances and messages follow the person."""
    slots = [(merged, root, slot_of(merged), slot_of(root)) for merged, root in moves]
    executemany_fast(
        connection,
        _MOVE_INBOX,
        [
            {"b_merged": m, "b_root": r, "b_merged_slot": ms, "b_root_slot": rs}
            for m, r, ms, rs in slots
            if ms != rs
        ],
    )
    rows = [{"b_merged": merged, "b_root": root, "b_now": now} for merged, root in moves]
    executemany_fast(connection, _END_DUPLICATES, rows)
    cancels = [{"b_merged": merged, "b_now": now} for merged, _ in moves]
    executemany_fast(connection, _CANCEL_DUPLICATES, cancels)
    for statement in _MOVE:
        executemany_fast(connection, statement, [{"b_merged": m, "b_root": r} for m, r in moves])
