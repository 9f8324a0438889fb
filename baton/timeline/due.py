"""The queue of profiles due for evaluation: marked now by identity, later by time windows.

A mark and the change that caused it commit together, so no change is ever missed; the
evaluation that handles a mark clears it in the transaction that writes its results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Connection,
    Insert,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from baton.storage.database import executemany_fast
from baton.storage.leases import slot_of
from baton.storage.tables import Instant, profile_due


@dataclass(frozen=True, slots=True)
class Due:
    workspace_id: str
    profile_id: str
    due_at: datetime
    stamp: int


def mark_due(
    connection: Connection, workspace_id: str, marks: Iterable[tuple[str, datetime]]
) -> None:
    """Make each (profile, instant) due then, unless it is due earlier already."""
    rows = [
        {
            "workspace_id": workspace_id,
            "profile_id": profile_id,
            "due_at": at,
            "stamp": 1,
            "slot": slot_of(profile_id),
        }
        for profile_id, at in sorted(marks)
    ]
    if rows:
        executemany_fast(connection, _upsert(connection.dialect.name), rows)


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Insert:
    keys = [profile_due.c.workspace_id, profile_due.c.profile_id]
    stamp = profile_due.c.stamp + literal_column("1")
    if dialect == "postgresql":
        pg = postgresql.insert(profile_due)
        earliest = func.least(profile_due.c.due_at, pg.excluded.due_at)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={"due_at": earliest, "stamp": stamp}
        )
    lite = sqlite.insert(profile_due)
    earliest = func.min(profile_due.c.due_at, lite.excluded.due_at)
    return lite.on_conflict_do_update(
        index_elements=keys, set_={"due_at": earliest, "stamp": stamp}
    )


def claim_due(
    connection: Connection, now: datetime, limit: int, slots: Sequence[int] | None = None
) -> list[Due]:
    """The profiles due at `now`, earliest first; of the `slots` only, if given."""
    query = select(profile_due).where(profile_due.c.due_at <= now)
    if slots is not None:
        query = query.where(profile_due.c.slot.in_(slots))
    rows = connection.execute(query.order_by(profile_due.c.due_at).limit(limit)).all()
    return [Due(row.workspace_id, row.profile_id, row.due_at, row.stamp) for row in rows]


def next_due_at(connection: Connection) -> datetime | None:
    return connection.execute(select(func.min(profile_due.c.due_at))).scalar_one_or_none()


_RESCHEDULE = (
    update(profile_due)
    .where(
        profile_due.c.workspace_id == bindparam("b_ws"),
        profile_due.c.profile_id == bindparam("b_profile"),
        profile_due.c.stamp == bindparam("b_stamp"),
    )
    .values(due_at=bindparam("b_due", type_=Instant()))
)
_CLEAR = delete(profile_due).where(
    and_(
        profile_due.c.workspace_id == bindparam("b_ws"),
        profile_due.c.profile_id == bindparam("b_profile"),
        profile_due.c.stamp == bindparam("b_stamp"),
    )
)


def settle(connection: Connection, handled: Sequence[tuple[Due, datetime | None]]) -> None:
    """After evaluation: each mark moves to its next instant, or goes when there is none.

    A mark made again while the evaluation ran (its stamp moved on) stays as it is.
    """
    keys = [
        (
            {"b_ws": d.workspace_id, "b_profile": d.profile_id, "b_stamp": d.stamp},
            next_at,
        )
        for d, next_at in handled
    ]
    executemany_fast(
        connection, _RESCHEDULE, [{**key, "b_due": at} for key, at in keys if at is not None]
    )
    executemany_fast(connection, _CLEAR, [key for key, at in keys if at is None])
