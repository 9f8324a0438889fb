"""Review requests: a change held until someone else with the right approves or rejects it.

A workspace's `require_approval` setting names the kinds of change that wait for a review
when the person making them is not an approver (baton/teams/roles.py). A review keeps what
was proposed and its diff against the live version; what approving does to the object is
up to the caller, in the same transaction as the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from baton.core.errors import Conflict, Forbidden, NotFound
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.storage.tables import reviews, users


class Kind(StrEnum):
    """What a workspace may require approval for."""

    JOURNEYS = "journeys"
    TEMPLATES = "templates"
    BROADCASTS = "broadcasts"
    MODELS = "models"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Review:
    id: str
    kind: Kind
    object_key: str
    proposed: Any
    changes: list[dict[str, Any]]
    status: ReviewStatus
    requested_by: str  # a user id or an admin key id
    requested_by_label: str
    requested_at: datetime
    decided_by: str | None
    decided_by_label: str | None
    decided_at: datetime | None
    comment: str | None


def request_review(
    connection: Connection,
    workspace_id: str,
    kind: Kind,
    object_key: str,
    proposed: Any,
    changes: list[dict[str, Any]],
    requested_by: str,
    now: datetime,
) -> Review:
    review_id = new_id("rev", now)
    connection.execute(
        insert(reviews).values(
            id=review_id,
            workspace_id=workspace_id,
            kind=kind.value,
            object_key=object_key,
            proposed=proposed,
            changes=changes,
            status=ReviewStatus.PENDING.value,
            requested_by=requested_by,
            requested_at=now,
        )
    )
    return get_review(connection, workspace_id, review_id)


def get_review(connection: Connection, workspace_id: str, review_id: str) -> Review:
    row = connection.execute(
        _reviews_of(workspace_id).where(reviews.c.id == review_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    return _from_row(row)


def list_reviews(
    connection: Connection,
    workspace_id: str,
    status: ReviewStatus | None,
    after: str | None,
    limit: int,
) -> Page[Review, str]:
    """Newest first, older than the review `after` when given."""
    query = _reviews_of(workspace_id)
    if status is not None:
        query = query.where(reviews.c.status == status.value)
    if after is not None:
        query = query.where(reviews.c.id < after)
    rows = connection.execute(query.order_by(reviews.c.id.desc()).limit(limit + 1)).all()
    page = [_from_row(row) for row in rows[:limit]]
    return Page(page, page[-1].id if len(rows) > limit else None)


def decide(
    connection: Connection,
    workspace_id: str,
    review_id: str,
    status: ReviewStatus,
    decided_by: str,
    now: datetime,
    comment: str | None = None,
) -> Review:
    """Approve or reject a pending review. Forbidden to the one who asked for it,
    Conflict once it is decided."""
    review = get_review(connection, workspace_id, review_id)
    if review.requested_by == decided_by:
        raise Forbidden("no one decides on their own change: someone else must review it")
    decided = connection.execute(
        update(reviews)
        .where(
            reviews.c.id == review_id,
            reviews.c.workspace_id == workspace_id,
            # Two deciders at once: the second finds nothing pending.
            reviews.c.status == ReviewStatus.PENDING.value,
        )
        .values(status=status.value, decided_by=decided_by, decided_at=now, comment=comment)
    ).rowcount
    if not decided:
        raise Conflict(f"review {review_id!r} is already {review.status.value}")
    return get_review(connection, workspace_id, review_id)


_requester = users.alias("requester")
_decider = users.alias("decider")


def _reviews_of(workspace_id: str) -> Select[Any]:
    return (
        select(
            reviews,
            _requester.c.email.label("requester_email"),
            _decider.c.email.label("decider_email"),
        )
        .select_from(
            reviews.outerjoin(_requester, _requester.c.id == reviews.c.requested_by).outerjoin(
                _decider, _decider.c.id == reviews.c.decided_by
            )
        )
        .where(reviews.c.workspace_id == workspace_id)
    )


def _label(actor_id: str, email: str | None) -> str:
    # A person by their e-mail; anything else that asks or decides is an admin key.
    return email if email is not None else f"admin key {actor_id}"


def _from_row(row: Any) -> Review:
    return Review(
        id=row.id,
        kind=Kind(row.kind),
        object_key=row.object_key,
        proposed=row.proposed,
        changes=row.changes or [],
        status=ReviewStatus(row.status),
        requested_by=row.requested_by,
        requested_by_label=_label(row.requested_by, row.requester_email),
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_by_label=None
        if row.decided_by is None
        else _label(row.decided_by, row.decider_email),
        decided_at=row.decided_at,
        comment=row.comment,
    )


def withdraw(
    connection: Connection, workspace_id: str, kind: Kind, object_key: str, by: str, now: datetime
) -> None:
    """Reject every pending review of an object that is gone (a deleted prediction): it
    would otherwise wait for ever, or apply to a new object by the same key."""
    connection.execute(
        update(reviews)
        .where(
            reviews.c.workspace_id == workspace_id,
            reviews.c.kind == kind.value,
            reviews.c.object_key == object_key,
            reviews.c.status == ReviewStatus.PENDING.value,
        )
        .values(
            status=ReviewStatus.REJECTED.value,
            decided_by=by,
            decided_at=now,
            comment="withdrawn: deleted",
        )
    )
