"""Feeding messages through the real storage and processor, and reading the outcome."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, event, select

from baton.api.profiles import profile_json
from baton.core.clock import ManualClock
from baton.identity.profiles import find_profile, get_profile, resolve_profile_id
from baton.ingest import parse_message, store_messages
from baton.storage.tables import events, profiles
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


def outcome(engine: Engine, workspace_id: str) -> set[tuple[frozenset[str], bytes]]:
    """Each group of message ids with what its profile says of itself, but for its id:
    profile ids depend on the order, so a profile is named by its group. Whether a
    person's messages made two profiles that then merged, or one, depends on the order
    too, so `merged_from` is checked where it stands: each id in it resolves to the
    profile listing it, and every profile ever made resolves to one holding events."""
    result = set()
    holders = set()
    merged_from: dict[str, str] = {}  # merged-away profile id: the profile listing it
    for group in grouping(engine, workspace_id):
        profile_id = profile_of_message(engine, workspace_id, min(group))
        holders.add(profile_id)
        found = profile_by_id(engine, workspace_id, profile_id)
        assert found["event_count"] == len(group)
        merged_from.update(dict.fromkeys(found["merged_from"], profile_id))
        said = {
            "traits": found["traits"],
            "identifiers": found["identifiers"],
            "shared_identifiers": found["shared_identifiers"],
            "first_seen": found["first_seen"],
            "last_seen": found["last_seen"],
        }
        result.add((group, orjson.dumps(said, option=orjson.OPT_SORT_KEYS)))
    with engine.connect() as connection:
        made = connection.execute(
            select(profiles.c.id).where(profiles.c.workspace_id == workspace_id)
        ).scalars()
        resolved = {p: resolve_profile_id(connection, workspace_id, p) for p in made}
    assert set(resolved.values()) == holders
    assert {p: resolved[p] for p in merged_from} == merged_from
    return result


def last_statement(connection: Connection, call: Callable[[], object]) -> tuple[str, Any]:
    """The last statement `call` runs on the connection, and its parameters, as the
    driver receives them: for reading its plan."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    return seen[-1]
