"""What a journey did: per-node counts, goals, and each instance's state and history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select

from baton.core.formats import decode_cursor, encode_cursor, iso_instant
from baton.journeys.definitions import NODE_TYPES
from baton.journeys.store import Journey
from baton.storage.tables import journey_instances, journey_steps, journeys


def journey_stats(connection: Connection, journey: Journey) -> dict[str, Any]:
    """Per node: how many visits entered it, how many instances wait there now, how many
    ended there; the instances' outcomes, and goals with the mean time to reach them."""
    instances = journey_instances.c
    entered: dict[str, int] = dict(
        connection.execute(
            select(journey_steps.c.node, func.count())
            .join(journey_instances, journey_instances.c.id == journey_steps.c.instance_id)
            .where(
                instances.journey_id == journey.id,
                journey_steps.c.action.in_(NODE_TYPES),
            )
            .group_by(journey_steps.c.node)
        ).all()
    )
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
    total = sum(outcomes.values())
    nodes = sorted(set(entered) | set(waiting) | set(ended))
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
        "nodes": {
            node: {
                "entered": entered.get(node, 0),
                "waiting": waiting.get(node, 0),
                "exited": ended.get(node, 0),
            }
            for node in nodes
        },
    }


def list_instances(
    connection: Connection,
    journey: Journey,
    *,
    profile_id: str | None,
    live: bool | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """A page of a journey's instances, newest first, each with its step history."""
    query = _INSTANCES.where(journey_instances.c.journey_id == journey.id)
    if profile_id is not None:
        query = query.where(journey_instances.c.profile_id == profile_id)
    if live is not None:
        ended = journey_instances.c.ended_at
        query = query.where(ended.is_(None) if live else ended.is_not(None))
    return _page(connection, query, cursor, limit)


def profile_journeys(
    connection: Connection, workspace_id: str, profile_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """Every journey instance of a profile, newest first: each step, when it happened and
    what moved it (the event, the timer, the goal or exit rule), and branch decisions."""
    query = _INSTANCES.where(
        journey_instances.c.workspace_id == workspace_id,
        journey_instances.c.profile_id == profile_id,
    )
    return _page(connection, query, cursor, limit)


_INSTANCES = select(journey_instances, journeys.c.key.label("journey_key")).join(
    journeys, journeys.c.id == journey_instances.c.journey_id
)


def _page(
    connection: Connection, query: Select[Any], cursor: str | None, limit: int
) -> dict[str, Any]:
    if cursor:
        query = query.where(journey_instances.c.id < decode_cursor(cursor))
    rows = connection.execute(query.order_by(journey_instances.c.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    steps = _steps_of(connection, [row.id for row in page])
    return {
        "items": [_instance_json(row, steps.get(row.id, [])) for row in page],
        "next": encode_cursor(page[-1].id) if len(rows) > limit else None,
    }


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
