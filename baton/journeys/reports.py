"""What a journey did: per-node counts, goals, and each instance's state and history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from baton.channels import CANCELLED, DEFERRED, SKIPPED, STATUSES
from baton.core.formats import iso_instant
from baton.core.paging import Page
from baton.journeys.best_time import best_time_lift
from baton.journeys.definitions import NODE_TYPES
from baton.journeys.store import Journey
from baton.storage.database import among
from baton.storage.tables import (
    journey_instances,
    journey_steps,
    journeys,
    message_decisions,
    messages,
)


def journey_stats(connection: Connection, journey: Journey) -> dict[str, Any]:
    """Per node: how many visits entered it, how many instances wait there now, how many
    ended there, how many reached the goal there; the instances' outcomes, and goals with
    the mean time to reach them. Best-time message nodes add their opens and clicks
    against their holdout's."""
    instances = journey_instances.c
    steps = journey_steps.c
    # One pass over the journey's steps gives both the visits and the goals of each node.
    # A node's goals count as a backtest's do (simulation.py): the instances whose goal
    # step was recorded there, i.e. that were at that node when they reached the goal (an
    # instance reaches it at most once).
    visited = connection.execute(
        select(
            steps.node,
            func.count(case((steps.action.in_(NODE_TYPES), 1))),
            func.count(case((steps.action == _GOAL, 1))),
        )
        .join(journey_instances, instances.id == steps.instance_id)
        .where(instances.journey_id == journey.id, steps.action.in_((*NODE_TYPES, _GOAL)))
        .group_by(steps.node)
    ).all()
    entered = {node: count for node, count, _ in visited if count}
    goals_at = {node: count for node, _, count in visited if count}
    waiting: dict[str, int] = dict(
        connection.execute(
            select(instances.node, func.count())
            .where(instances.journey_id == journey.id, instances.ended_at.is_(None))
            .group_by(instances.node)
        ).all()
    )
    ended: dict[str, int] = dict(
        connection.execute(
            select(instances.node, func.count())
            .where(instances.journey_id == journey.id, instances.ended_at.is_not(None))
            .group_by(instances.node)
        ).all()
    )
    outcomes: dict[str, int] = dict(
        connection.execute(
            select(func.coalesce(instances.outcome, "live"), func.count())
            .where(instances.journey_id == journey.id)
            .group_by(instances.outcome)
        ).all()
    )
    goals = connection.execute(
        select(instances.entered_at, instances.goal_at).where(
            instances.journey_id == journey.id, instances.goal_at.is_not(None)
        )
    ).all()
    seconds = [(goal - entered_at).total_seconds() for entered_at, goal in goals]
    sent, by_node = _message_decisions(connection, journey)
    lift = best_time_lift(connection, journey.id, journey.workspace_id)
    total = sum(outcomes.values())
    nodes = sorted(set(entered) | set(waiting) | set(ended) | set(goals_at))
    return {
        "journey": journey.key,
        "instances": total,
        "live": outcomes.get("live", 0),
        "outcomes": {k: v for k, v in sorted(outcomes.items()) if k != "live"},
        "goals": {
            "reached": len(goals),
            "rate": round(len(goals) / total, 4) if total else 0.0,
            "mean_seconds_to_goal": round(sum(seconds) / len(seconds), 3) if seconds else None,
        },
        "messages": sent,
        "nodes": {
            node: {
                "entered": entered.get(node, 0),
                "waiting": waiting.get(node, 0),
                "exited": ended.get(node, 0),
                "goals": goals_at.get(node, 0),
                **({"messages": by_node[node]} if node in by_node else {}),
                **({"best_time": lift[node]} if node in lift else {}),
            }
            for node in nodes
        },
    }


_GOAL = "goal"  # the step recorded where an instance reaches the journey's goal


@dataclass(frozen=True)
class Totals:
    """A journey's instances: how many ever entered, are in it now, reached its goal."""

    entered: int = 0
    in_progress: int = 0
    reached_goal: int = 0

    @property
    def goal_rate(self) -> float | None:
        return round(self.reached_goal / self.entered, 4) if self.entered else None


def journey_totals(connection: Connection, journey_ids: list[str]) -> dict[str, Totals]:
    """The totals of each journey, in one grouped query (journeys without instances are
    left out)."""
    if not journey_ids:
        return {}
    instances = journey_instances.c
    rows = connection.execute(
        select(
            instances.journey_id,
            func.count(),
            func.count(case((instances.ended_at.is_(None), 1))),
            func.count(instances.goal_at),
        )
        .where(among(instances.journey_id, journey_ids, connection.dialect))
        .group_by(instances.journey_id)
    ).all()
    return {row[0]: Totals(row[1], row[2], row[3]) for row in rows}


def _message_decisions(
    connection: Connection, journey: Journey
) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The journey's messages by status, with the reasons of those skipped, cancelled or
    deferred (at least once); and each node's by status."""
    rows = connection.execute(
        select(messages.c.node, messages.c.status, messages.c.reason, func.count())
        .where(messages.c.journey_id == journey.id)
        .group_by(messages.c.node, messages.c.status, messages.c.reason)
    ).all()
    totals: dict[str, Any] = {status: 0 for status in STATUSES}
    reasons: dict[str, dict[str, int]] = defaultdict(dict)
    by_node: dict[str, dict[str, int]] = defaultdict(dict)
    for node, status, reason, count in rows:
        totals[status] += count
        by_node[node][status] = by_node[node].get(status, 0) + count
        if status in (SKIPPED, CANCELLED) and reason is not None:
            reasons[status][reason] = reasons[status].get(reason, 0) + count
    deferred = connection.execute(
        select(message_decisions.c.reason, func.count(func.distinct(messages.c.id)))
        .join(messages, messages.c.id == message_decisions.c.message_id)
        .where(messages.c.journey_id == journey.id, message_decisions.c.decision == DEFERRED)
        .group_by(message_decisions.c.reason)
    ).all()
    totals["reasons"] = {
        **{status: dict(sorted(found.items())) for status, found in sorted(reasons.items())},
        "deferred": {reason: count for reason, count in sorted(deferred)},
    }
    return totals, by_node


def list_instances(
    connection: Connection,
    journey: Journey,
    *,
    profile_id: str | None,
    live: bool | None,
    after: str | None,
    limit: int,
    node: str | None = None,
) -> Page[dict[str, Any], str]:
    """A journey's instances, newest first from the one after the instance id `after`,
    each with its step history; those of one profile, those live or ended, those at (or
    ended at) one node."""
    query = _INSTANCES.where(journey_instances.c.journey_id == journey.id)
    if profile_id is not None:
        query = query.where(journey_instances.c.profile_id == profile_id)
    if node is not None:
        query = query.where(journey_instances.c.node == node)
    if live is not None:
        ended = journey_instances.c.ended_at
        query = query.where(ended.is_(None) if live else ended.is_not(None))
    return _page(connection, query, after, limit)


def profile_journeys(
    connection: Connection, workspace_id: str, profile_id: str, after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    """Every journey instance of a profile, newest first: each step, when it happened and
    what moved it (the event, the timer, the goal or exit rule), and branch decisions."""
    query = _INSTANCES.where(
        journey_instances.c.workspace_id == workspace_id,
        journey_instances.c.profile_id == profile_id,
    )
    return _page(connection, query, after, limit)


_INSTANCES = select(journey_instances, journeys.c.key.label("journey_key")).join(
    journeys, journeys.c.id == journey_instances.c.journey_id
)


def _page(
    connection: Connection, query: Select[Any], after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    if after is not None:
        query = query.where(journey_instances.c.id < after)
    rows = connection.execute(query.order_by(journey_instances.c.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    steps = _steps_of(connection, [row.id for row in page])
    return Page(
        [_instance_json(row, steps.get(row.id, [])) for row in page],
        page[-1].id if len(rows) > limit else None,
    )


def _steps_of(connection: Connection, instance_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if not instance_ids:
        return found
    rows = connection.execute(
        select(journey_steps)
        .where(journey_steps.c.instance_id.in_(instance_ids))
        .order_by(journey_steps.c.instance_id, journey_steps.c.n)
    )
    for row in rows:
        found.setdefault(row.instance_id, []).append(
            {
                "n": row.n,
                "at": iso_instant(row.at),
                "node": row.node,
                "action": row.action,
                "detail": row.detail,
            }
        )
    return found


def _instance_json(row: Any, steps: list[dict[str, Any]]) -> dict[str, Any]:
    state = row.state or {}
    return {
        "id": row.id,
        "journey": row.journey_key,
        "version": row.version,
        "profile_id": row.profile_id,
        "status": "live" if row.ended_at is None else "ended",
        "node": row.node,
        "waiting": bool(state.get("waiting")),
        "wake_at": iso_instant(row.wake_at),
        "entered_at": iso_instant(row.entered_at),
        "ended_at": iso_instant(row.ended_at),
        "outcome": row.outcome,
        "goal_at": iso_instant(row.goal_at),
        "trigger": state.get("trigger"),
        "arms": state.get("arms", {}),
        "holdout": bool(state.get("holdout")),
        "steps": steps,
    }
