"""Driving journeys through the real pipeline: ingest, identity, segments, journeys, outbox."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import Engine, select

from baton.core.clock import Clock, ManualClock
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.journeys.store import Journey
from baton.pipeline import run_until_idle
from baton.storage.database import write_transaction
from baton.storage.tables import identifiers, journey_instances, journey_steps, messages
from tests.identity.helpers import send


def run(engine: Engine, clock: ManualClock) -> None:
    """Everything the pipeline owes at the clock's instant, until nothing moves."""
    run_until_idle(engine, clock, "US")


def deliver(engine: Engine, clock: ManualClock, workspace_id: str, *raw: dict[str, Any]) -> None:
    send(engine, clock, workspace_id, *raw)
    run(engine, clock)


def publish(
    engine: Engine, clock: Clock, workspace_id: str, source: str | dict[str, Any]
) -> Journey:
    data = yaml.safe_load(source) if isinstance(source, str) else source
    with write_transaction(engine) as connection:
        applied = apply_journey(
            connection, workspace_id, parse_journey(data), clock.now(), publish_it=True
        )
    return applied.journey


def messages_of(engine: Engine, journey: Journey) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(messages).where(messages.c.journey_id == journey.id).order_by(messages.c.id)
        ).mappings()
        return [dict(row) for row in rows]


def instances_of(engine: Engine, journey: Journey) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(journey_instances)
            .where(journey_instances.c.journey_id == journey.id)
            .order_by(journey_instances.c.id)
        ).mappings()
        return [dict(row) for row in rows]


def steps_of(engine: Engine, instance_id: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(journey_steps.c.node, journey_steps.c.action)
            .where(journey_steps.c.instance_id == instance_id)
            .order_by(journey_steps.c.n)
        )
        return [(node, action) for node, action in rows]


def states_by_user(engine: Engine, workspace_id: str, journey_id: str) -> dict[str, Any]:
    """Each user's instance state in the journey (one instance per user)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(identifiers.c.value, journey_instances.c.state)
            .join(journey_instances, journey_instances.c.profile_id == identifiers.c.profile_id)
            .where(
                identifiers.c.workspace_id == workspace_id,
                identifiers.c.kind == "user_id",
                journey_instances.c.journey_id == journey_id,
            )
        )
        return {user: state for user, state in rows}
