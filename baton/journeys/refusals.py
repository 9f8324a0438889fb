"""Why a profile did not enter a journey: the last refusal per (journey, profile), with
how many times it happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from baton.core.formats import iso_instant
from baton.storage.tables import journey_refusals

PAUSED, ALREADY_IN, REENTRY, AUDIENCE, EXCLUSION = (
    "paused",
    "already_in",
    "reentry",
    "audience",
    "exclusion",
)


@dataclass(frozen=True)
class Refusal:
    """Why a profile did not enter a journey."""

    reason: str  # paused | already_in | reentry | audience | exclusion
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


def record_refusals(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(journey_refusals)
    excluded = statement.excluded
    upsert = statement.on_conflict_do_update(
        index_elements=[journey_refusals.c.journey_id, journey_refusals.c.profile_id],
        set_={
            "at": excluded.at,
            "reason": excluded.reason,
            "detail": excluded.detail,
            "times": journey_refusals.c.times + 1,
        },
    )
    connection.execute(upsert, rows)


def last_refusal(connection: Connection, journey_id: str, profile_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(journey_refusals).where(
            journey_refusals.c.journey_id == journey_id,
            journey_refusals.c.profile_id == profile_id,
        )
    ).first()
    if row is None:
        return None
    return {
        "at": iso_instant(row.at),
        "reason": row.reason,
        "times": row.times,
        **(row.detail or {}),
    }
