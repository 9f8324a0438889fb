"""Feeding messages through the real storage and processor, and reading the outcome."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Engine, select

from baton.api.profiles import profile_json
from baton.core.clock import ManualClock
from baton.identity.profiles import find_profile, get_profile
from baton.ingest import parse_message, store_messages
from baton.storage.tables import events
from tests.conftest import process_all


def send(engine: Engine, clock: ManualClock, workspace_id: str, *raw: dict[str, Any]) -> None:
    messages = [
        parse_message(m, received_at=clock.now(), ip=None, size=len(orjson.dumps(m))) for m in raw
    ]
    store_messages(engine, workspace_id, messages)
    process_all(engine, clock)


def profile(engine: Engine, workspace_id: str, reference: str) -> dict[str, Any]:
    """The profile as the API shows it (with its segments)."""
    with engine.connect() as connection:
        found = find_profile(connection, workspace_id, reference, "US")
        return profile_json(connection, workspace_id, found)


def profile_by_id(engine: Engine, workspace_id: str, profile_id: str) -> dict[str, Any]:
    with engine.connect() as connection:
        found = get_profile(connection, workspace_id, profile_id)
        return profile_json(connection, workspace_id, found)


def grouping(engine: Engine, workspace_id: str) -> set[frozenset[str]]:
    """The partition of message ids into profiles."""
    groups: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.message_id, events.c.profile_id).where(
                events.c.workspace_id == workspace_id
            )
        )
        for message_id, profile_id in rows:
            assert profile_id is not None, f"{message_id} was never resolved"
            groups[profile_id].add(message_id)
    return {frozenset(group) for group in groups.values()}


def profile_of_message(engine: Engine, workspace_id: str, message_id: str) -> str:
    with engine.connect() as connection:
        profile_id = connection.execute(
            select(events.c.profile_id).where(
                events.c.workspace_id == workspace_id, events.c.message_id == message_id
            )
        ).scalar_one()
    assert profile_id is not None
    return str(profile_id)
