"""Driving journeys through the real pipeline: ingest, identity, segments, journeys, outbox."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import yaml
from sqlalchemy import Engine, select

from baton.channels.dispatch import dispatch_due
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
    run_until_idle(engine, clock, random.Random(0), "US")


def dispatch_all(engine: Engine, clock: Clock) -> None:
    """Dispatch until nothing is due; a few rounds at most, since more at one instant
    would be a loop."""
    for _ in range(5):
        if not dispatch_due(engine, clock, random.Random(0)):
            return
    raise AssertionError("the dispatcher keeps finding work at one instant")


def wait_for(condition: Callable[[], object], what: str, seconds: float = 60) -> None:
    """Until `condition()` holds (for tests with real processes on the real clock)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.01)


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
