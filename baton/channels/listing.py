"""The messages of a workspace as the API lists them: filtered, newest first, a page at
a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from baton.channels.outbox import STATUSES
from baton.core.errors import InvalidInput
from baton.core.paging import Page
from baton.storage.tables import journeys, messages

__all__ = ["list_messages"]


def list_messages(
    connection: Connection,
    workspace_id: str,
    *,
    profile_id: str | None,
    journey: str | None,
    status: str | None,
    after: str | None,
    limit: int,
) -> Page[Row[Any], str]:
    """A page of `messages` rows (each with its journey's key as `journey_key`), newest
    first, older than the message `after` when given; the page's key is a message id."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    query = (
        select(messages, journeys.c.key.label("journey_key"))
        .select_from(messages.outerjoin(journeys, journeys.c.id == messages.c.journey_id))
        .where(messages.c.workspace_id == workspace_id)
    )
    if profile_id is not None:
        query = query.where(messages.c.profile_id == profile_id)
    if journey is not None:
        query = query.where(journeys.c.key == journey)
    if status is not None:
        query = query.where(messages.c.status == status)
    if after is not None:
        query = query.where(messages.c.id < after)
    rows = list(connection.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).all())
    page = rows[:limit]
    return Page(page, page[-1].id if len(rows) > limit else None)
