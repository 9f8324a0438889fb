"""A profile's journey steps across all its instances, newest first: its timeline's share
of what journeys did with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from baton.core.formats import iso_instant
from baton.core.paging import Page
from baton.storage.tables import journey_instances, journey_steps, journeys

StepKey = tuple[datetime, str, int]
"""Where a step sits in a profile's timeline: (at, instance id, n)."""


def profile_steps(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    after: StepKey | None,
    limit: int,
) -> Page[dict[str, Any], StepKey]:
    """The steps of the live profile's journey instances, newest first, from the one
    after `after`."""
    steps = journey_steps.c
    conditions = [
        journey_instances.c.workspace_id == workspace_id,
        journey_instances.c.profile_id == profile_id,
    ]
    if after is not None:
        at, instance_id, n = after
        conditions.append(
            or_(
                steps.at < at,
                and_(steps.at == at, steps.instance_id < instance_id),
                and_(steps.at == at, steps.instance_id == instance_id, steps.n < n),
            )
        )
    rows = connection.execute(
        select(journey_steps, journeys.c.key, journey_instances.c.version)
        .join(journey_instances, journey_instances.c.id == steps.instance_id)
        .join(journeys, journeys.c.id == journey_instances.c.journey_id)
        .where(*conditions)
        .order_by(steps.at.desc(), steps.instance_id.desc(), steps.n.desc())
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return Page(
        [
            {
                "instance_id": row.instance_id,
                "journey": row.key,
                "version": row.version,
                "n": row.n,
                "at": iso_instant(row.at),
                "node": row.node,
                "action": row.action,
                "detail": row.detail,
            }
            for row in page
        ],
        None if last is None else (last.at, last.instance_id, last.n),
    )
