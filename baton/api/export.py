"""Everything Baton holds about a person, machine readable (GDPR article 20)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from baton.api.profiles import event_json, profile_json
from baton.channels import consent_json
from baton.core.formats import iso_instant
from baton.identity import get_profile, merge_tree
from baton.storage.database import among
from baton.storage.tables import (
    events,
    inbox_items,
    journey_instances,
    journey_steps,
    journeys,
    message_attempts,
    message_decisions,
    messages,
    push_tokens,
    suppressions,
)

FORMAT = "baton.profile-export/1"


def export_profile(connection: Connection, workspace_id: str, profile_id: str) -> dict[str, Any]:
    profile = profile_json(
        connection, workspace_id, get_profile(connection, workspace_id, profile_id)
    )
    ids = sorted(merge_tree(connection, workspace_id, profile["id"]))
    dialect = connection.dialect

    def rows(query: Any) -> list[dict[str, Any]]:
        return [_plain(row) for row in connection.execute(query).mappings()]

    found_messages = rows(
        select(messages)
        .where(among(messages.c.profile_id, ids, dialect))
        .order_by(messages.c.created_at)
    )
    message_ids = [m["id"] for m in found_messages]
    attempts = _grouped(
        rows(
            select(message_attempts).where(
                among(message_attempts.c.message_id, message_ids, dialect)
            )
        ),
        "message_id",
    )
    decisions = _grouped(
        rows(
            select(message_decisions).where(
                among(message_decisions.c.message_id, message_ids, dialect)
            )
        ),
        "message_id",
    )
    for message in found_messages:
        message["attempts"] = attempts.get(message["id"], [])
        message["decisions"] = decisions.get(message["id"], [])
    instances = rows(
        select(journey_instances, journeys.c.key.label("journey"))
        .join(journeys, journeys.c.id == journey_instances.c.journey_id)
        .where(among(journey_instances.c.profile_id, ids, dialect))
        .order_by(journey_instances.c.entered_at)
    )
    steps = _grouped(
        rows(
            select(journey_steps)
            .where(among(journey_steps.c.instance_id, [i["id"] for i in instances], dialect))
            .order_by(journey_steps.c.instance_id, journey_steps.c.n)
        ),
        "instance_id",
    )
    for instance in instances:
        instance["steps"] = steps.get(instance["id"], [])
    return {
        "format": FORMAT,
        "profile": profile,
        "consent": consent_json(connection, profile["id"]),
        "events": [
            event_json(row)
            for row in connection.execute(
                select(events)
                .where(
                    events.c.workspace_id == workspace_id, among(events.c.profile_id, ids, dialect)
                )
                .order_by(events.c.timestamp, events.c.seq)
            ).mappings()
        ],
        "journeys": instances,
        "messages": found_messages,
        "inbox": rows(select(inbox_items).where(among(inbox_items.c.profile_id, ids, dialect))),
        "push_tokens": rows(
            select(push_tokens).where(among(push_tokens.c.profile_id, ids, dialect))
        ),
        "suppressions": rows(
            select(suppressions).where(among(suppressions.c.profile_id, ids, dialect))
        ),
    }


def _plain(row: Any) -> dict[str, Any]:
    # str(): SQLAlchemy names labels with a str subclass, which orjson refuses as a key.
    return {
        str(key): iso_instant(value) if isinstance(value, datetime) else value
        for key, value in dict(row).items()
        if key != "workspace_id"
    }


def _grouped(found: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in found:
        grouped.setdefault(row.pop(key), []).append(row)
    return grouped
