"""A line about each of many profiles, for lists of people: who they are at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from baton.identity.normalize import USER_ID
from baton.storage.database import among
from baton.storage.tables import identifiers, profiles


def profile_summaries(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """`{id, email, user_id, name}` of each profile found, by id, in two queries: the
    e-mail and name from its traits (`name`, else first and last name), and a user id
    pointing at it (the last in order, when merges gave it several). A value not known
    is None."""
    wanted = sorted(set(profile_ids))
    if not wanted:
        return {}
    traits = dict(
        connection.execute(
            select(profiles.c.id, profiles.c.traits).where(
                profiles.c.workspace_id == workspace_id,
                among(profiles.c.id, wanted, connection.dialect),
            )
        ).all()
    )
    user_ids = dict(
        connection.execute(
            select(identifiers.c.profile_id, func.max(identifiers.c.value))
            .where(
                identifiers.c.workspace_id == workspace_id,
                among(identifiers.c.profile_id, wanted, connection.dialect),
                identifiers.c.kind == USER_ID,
            )
            .group_by(identifiers.c.profile_id)
        ).all()
    )
    return {
        profile_id: {
            "id": profile_id,
            "email": _text(found.get("email")),
            "user_id": user_ids.get(profile_id),
            "name": _name(found),
        }
        for profile_id, found in ((p, traits[p] or {}) for p in wanted if p in traits)
    }


def _name(traits: dict[str, Any]) -> str | None:
    whole = _text(traits.get("name"))
    if whole is not None:
        return whole
    # Identity stores `first_name` and `last_name` as Segment spells them.
    parts = [_text(traits.get("firstName")), _text(traits.get("lastName"))]
    return " ".join(part for part in parts if part) or None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
