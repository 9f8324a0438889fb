"""Who is in which segment: reading memberships and recording their changes.

Every change is written with its `Segment Entered` / `Segment Exited` event in the same
transaction, by an evaluation holding the workspace-wide segments lock: a change and its
event exist together or not at all, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select

from baton.core.ids import new_id
from baton.core.paging import Page
from baton.segments.definitions import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.segments.store import Kind, Stored
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import definitions, segment_memberships
from baton.timeline import timeline_row, write_events


@dataclass(frozen=True, slots=True)
class Transition:
    segment: Stored
    profile_id: str
    entered: bool
    at: datetime


def memberships_of(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str]
) -> dict[str, set[str]]:
    """Segment ids of each profile."""
    found: dict[str, set[str]] = defaultdict(set)
    rows = connection.execute(
        select(segment_memberships.c.profile_id, segment_memberships.c.segment_id).where(
            segment_memberships.c.workspace_id == workspace_id,
            among(segment_memberships.c.profile_id, profile_ids, connection.dialect),
        )
    )
    for profile_id, segment_id in rows:
        found[profile_id].add(segment_id)
    return found


def members_among(
    connection: Connection, workspace_id: str, keys: Sequence[str], profile_ids: Sequence[str]
) -> dict[str, set[str]]:
    """Which of the segments `keys` each of the profiles is in (by key)."""
    found: dict[str, set[str]] = defaultdict(set)
    if not keys or not profile_ids:
        return found
    m, d = segment_memberships.c, definitions.c
    rows = connection.execute(
        select(m.profile_id, d.key)
        .join_from(segment_memberships, definitions, d.id == m.segment_id)
        .where(
            m.workspace_id == workspace_id,
            d.kind == Kind.SEGMENT.value,
            d.key.in_(list(keys)),
            among(m.profile_id, profile_ids, connection.dialect),
        )
    )
    for profile_id, key in rows:
        found[profile_id].add(key)
    return found


_LEAVE = delete(segment_memberships).where(
    segment_memberships.c.segment_id == bindparam("b_segment"),
    segment_memberships.c.profile_id == bindparam("b_profile"),
)


def record(
    connection: Connection,
    workspace_id: str,
    transitions: Sequence[Transition],
    now: datetime,
) -> None:
    """Apply transitions in order (a profile may enter and leave within one evaluation)."""
    final: dict[tuple[str, str], Transition] = {}
    for change in transitions:
        final[(change.segment.id, change.profile_id)] = change
    entered = [t for t in final.values() if t.entered]
    left = [t for t in final.values() if not t.entered]
    executemany_fast(
        connection,
        _LEAVE,
        [{"b_segment": t.segment.id, "b_profile": t.profile_id} for t in left],
    )
    executemany_fast(
        connection,
        insert_ignoring_duplicates(connection, segment_memberships),
        [
            {
                "segment_id": t.segment.id,
                "profile_id": t.profile_id,
                "workspace_id": workspace_id,
                "entered_at": t.at,
            }
            for t in entered
        ],
    )
    if transitions:
        rows = [_event_row(workspace_id, change, now) for change in transitions]
        write_events(connection, rows, now, named_only=False)


def forget(connection: Connection, workspace_id: str, profile_ids: Sequence[str]) -> None:
    """Drop the memberships of profiles merged into another. The merge moves them itself;
    this catches one an evaluation wrote for a profile merged while it ran."""
    if profile_ids:
        connection.execute(
            delete(segment_memberships).where(
                segment_memberships.c.workspace_id == workspace_id,
                among(segment_memberships.c.profile_id, profile_ids, connection.dialect),
            )
        )


def _event_row(workspace_id: str, change: Transition, now: datetime) -> dict[str, Any]:
    return timeline_row(
        workspace_id,
        change.profile_id,
        SEGMENT_ENTERED if change.entered else SEGMENT_EXITED,
        {
            "segment_id": change.segment.id,
            "segment_key": change.segment.key,
            "segment_name": change.segment.name,
            "version": change.segment.version,
        },
        now,
        new_id("segev", now),
        at=change.at,
        library="baton-segments",
    )


def member_count(connection: Connection, segment_id: str) -> int:
    query = select(func.count()).where(segment_memberships.c.segment_id == segment_id)
    return int(connection.execute(query).scalar_one())


def members(
    connection: Connection, segment_id: str, after: str | None, limit: int
) -> Page[tuple[str, datetime], str]:
    """Member (profile_id, entered_at), by profile id from the one after `after`."""
    query = select(segment_memberships.c.profile_id, segment_memberships.c.entered_at).where(
        segment_memberships.c.segment_id == segment_id
    )
    if after is not None:
        query = query.where(segment_memberships.c.profile_id > after)
    rows = connection.execute(
        query.order_by(segment_memberships.c.profile_id).limit(limit + 1)
    ).all()
    page = [(row.profile_id, row.entered_at) for row in rows[:limit]]
    return Page(page, page[-1][0] if len(rows) > limit else None)


def segments_of(
    connection: Connection, workspace_id: str, profile_id: str
) -> list[tuple[str, str, str, datetime]]:
    """The segments a profile is in: (id, key, name, entered_at), by key."""
    rows = connection.execute(
        select(
            definitions.c.id,
            definitions.c.key,
            definitions.c.name,
            segment_memberships.c.entered_at,
        )
        .join(definitions, definitions.c.id == segment_memberships.c.segment_id)
        .where(
            segment_memberships.c.workspace_id == workspace_id,
            segment_memberships.c.profile_id == profile_id,
        )
        .order_by(definitions.c.key)
    ).all()
    return [(row.id, row.key, row.name, row.entered_at) for row in rows]
