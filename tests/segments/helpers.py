"""Driving segments through the real pipeline: ingest, identity, evaluation, builds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.segments.build import build_pending
from baton.segments.evaluator import evaluate_due
from baton.segments.store import Kind, Stored, get_definition, save_definition
from baton.storage.database import write_transaction
from baton.storage.tables import events, profiles, segment_memberships
from tests.conftest import process_all
from tests.identity.helpers import send


def track(
    user_id: str, event: str, at: datetime, properties: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "track",
        "userId": user_id,
        "event": event,
        "timestamp": at.isoformat(),
    }
    if properties is not None:
        message["properties"] = properties
    return {**message, **extra}


def identify(user_id: str, at: datetime, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user_id, "traits": traits, "timestamp": at.isoformat()}


def settle(engine: Engine, clock: ManualClock) -> None:
    """Everything the pipeline owes at the clock's instant: identity, builds, evaluations."""
    process_all(engine, clock)
    build_pending(engine, clock)
    while evaluate_due(engine, clock):
        pass


def deliver(engine: Engine, clock: ManualClock, workspace_id: str, *raw: dict[str, Any]) -> None:
    send(engine, clock, workspace_id, *raw)
    settle(engine, clock)


def define(
    engine: Engine, clock: ManualClock, workspace_id: str, kind: Kind, data: dict[str, Any]
) -> Stored:
    with write_transaction(engine) as connection:
        saved, _ = save_definition(connection, workspace_id, kind.parse(data), clock.now())
    settle(engine, clock)
    with engine.connect() as connection:
        return get_definition(connection, workspace_id, kind, saved.id)


def members(engine: Engine, workspace_id: str, segment: Stored) -> set[str]:
    """The user ids of the segment's members."""
    with engine.connect() as connection:
        profile_ids = connection.execute(
            select(segment_memberships.c.profile_id).where(
                segment_memberships.c.segment_id == segment.id
            )
        ).scalars()
        return {user_of(engine, workspace_id, p) for p in profile_ids}


def user_of(engine: Engine, workspace_id: str, profile_id: str) -> str:
    with engine.connect() as connection:
        user_id = connection.execute(
            select(events.c.user_id)
            .where(
                events.c.workspace_id == workspace_id,
                events.c.profile_id == profile_id,
                events.c.user_id.is_not(None),
            )
            .limit(1)
        ).scalar_one()
    return str(user_id)


def computed_of(engine: Engine, workspace_id: str) -> dict[str, dict[str, Any]]:
    """Stored computed values by user id."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(profiles.c.id, profiles.c.computed).where(
                profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
            )
        ).all()
    return {user_of(engine, workspace_id, p): computed or {} for p, computed in rows}


def timeline(
    engine: Engine, workspace_id: str, names: tuple[str, ...]
) -> list[tuple[str, str, Any]]:
    """(user id, event, segment key) of segment events, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.profile_id, events.c.event, events.c.properties, events.c.timestamp)
            .where(events.c.workspace_id == workspace_id, events.c.event.in_(names))
            .order_by(events.c.seq)
        ).all()
    return [(user_of(engine, workspace_id, p), e, props["segment_key"]) for p, e, props, _ in rows]
