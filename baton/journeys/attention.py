"""Journeys that need someone to look at them: sends failing, changes waiting for
approval, goal rates fallen. Each is one grouped query over an index: messages by
`(journey_id, status)`, reviews by `(workspace_id, status)`, instances by
`(journey_id, entered_at)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, and_, case, func, select

from baton.channels.outbox import FAILED
from baton.journeys.store import Status, live_journeys
from baton.storage.database import among
from baton.storage.tables import journey_instances, journeys, messages, reviews
from baton.teams.reviews import Kind, ReviewStatus

FAILURES_SINCE = timedelta(hours=24)
GOAL_WEEK = timedelta(days=7)
# A goal rate alerts when it fell by this share of the week before's, both weeks having
# this many entries at least: fewer, and chance alone moves it that much.
GOAL_DROP = 0.2
MIN_ENTRIES = 50
MAX_ITEMS = 50

Reason = Literal["failing_sends", "approval_waiting", "goal_down"]


@dataclass(frozen=True)
class Attention:
    journey: str
    name: str
    reason: Reason
    message: str
    count: int

    def as_json(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "name": self.name,
            "reason": self.reason,
            "message": self.message,
            "count": self.count,
        }


def needing_attention(connection: Connection, workspace_id: str, now: datetime) -> list[Attention]:
    """Failing sends first, then approvals waiting, then goals down; the most affected
    first within each; `MAX_ITEMS` at most."""
    found = [
        *_failing_sends(connection, workspace_id, now),
        *_approvals_waiting(connection, workspace_id),
        *_goals_down(connection, workspace_id, now),
    ]
    return found[:MAX_ITEMS]


def _failing_sends(connection: Connection, workspace_id: str, now: datetime) -> list[Attention]:
    """Messages that failed (for good: retries used up or refused) in the last 24 hours;
    a failed message's `due_at` is when it failed."""
    rows = connection.execute(
        select(journeys.c.key, journeys.c.name, func.count())
        .join(messages, messages.c.journey_id == journeys.c.id)
        .where(
            journeys.c.workspace_id == workspace_id,
            journeys.c.status != Status.ARCHIVED.value,
            messages.c.status == FAILED,
            messages.c.due_at >= now - FAILURES_SINCE,
        )
        .group_by(journeys.c.key, journeys.c.name)
        .order_by(func.count().desc(), journeys.c.key)
        .limit(MAX_ITEMS)
    ).all()
    return [
        Attention(
            key,
            name,
            "failing_sends",
            f"{_count(count, 'message')} failed to send in the last 24 hours",
            count,
        )
        for key, name, count in rows
    ]


def _approvals_waiting(connection: Connection, workspace_id: str) -> list[Attention]:
    rows = connection.execute(
        select(reviews.c.object_key, func.max(journeys.c.name), func.count())
        .outerjoin(
            journeys,
            and_(journeys.c.workspace_id == workspace_id, journeys.c.key == reviews.c.object_key),
        )
        .where(
            reviews.c.workspace_id == workspace_id,
            reviews.c.status == ReviewStatus.PENDING.value,
            reviews.c.kind == Kind.JOURNEYS.value,
        )
        .group_by(reviews.c.object_key)
        .order_by(func.count().desc(), reviews.c.object_key)
        .limit(MAX_ITEMS)
    ).all()
    return [
        Attention(
            key,
            name or key,
            "approval_waiting",
            "A change is waiting for approval"
            if count == 1
            else f"{count} changes are waiting for approval",
            count,
        )
        for key, name, count in rows
    ]


def _goals_down(connection: Connection, workspace_id: str, now: datetime) -> list[Attention]:
    """Live journeys with a goal whose goal rate over the entries of the last 7 days fell
    by `GOAL_DROP` or more from that of the 7 days before. The earlier week's goals count
    as they stood at its end, so both weeks' entrants had as long to reach the goal."""
    with_goal = {
        live.journey.id: live.journey
        for live in live_journeys(connection, workspace_id)
        if live.definition.goal is not None
    }
    if not with_goal:
        return []
    split = now - GOAL_WEEK
    instances = journey_instances.c
    recent = instances.entered_at >= split
    rows = connection.execute(
        select(
            instances.journey_id,
            func.count(case((recent, 1))),
            func.count(case((and_(recent, instances.goal_at.is_not(None)), 1))),
            func.count(case((~recent, 1))),
            func.count(case((and_(~recent, instances.goal_at < split), 1))),
        )
        .where(
            among(instances.journey_id, sorted(with_goal), connection.dialect),
            instances.entered_at >= split - GOAL_WEEK,
            instances.entered_at < now,
        )
        .group_by(instances.journey_id)
    ).all()
    found = []
    for journey_id, entered, reached, entered_before, reached_before in rows:
        if min(entered, entered_before) < MIN_ENTRIES or not reached_before:
            continue
        rate, rate_before = reached / entered, reached_before / entered_before
        drop = 1 - rate / rate_before
        if drop >= GOAL_DROP:
            journey = with_goal[journey_id]
            message = (
                f"Goal rate fell from {rate_before:.0%} to {rate:.0%} for the "
                f"{_count(entered, 'person')} who entered in the last 7 days"
            )
            found.append(
                (drop, Attention(journey.key, journey.name, "goal_down", message, entered))
            )
    found.sort(key=lambda pair: (-pair[0], pair[1].journey))
    return [attention for _, attention in found]


def _count(count: int, noun: str) -> str:
    plural = {"person": "people"}.get(noun, f"{noun}s")
    return f"{count} {noun if count == 1 else plural}"
