"""The audit trail: who changed what, when and from where, with the change as a diff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from baton.core.ids import new_id
from baton.storage.tables import audit_log


@dataclass(frozen=True)
class Actor:
    type: str  # user | key | cli | system
    id: str | None
    label: str | None
    address: str | None = None


def record(
    connection: Connection,
    workspace_id: str | None,
    actor: Actor,
    action: str,
    now: datetime,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    profile_id: str | None = None,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an entry, in the transaction of the change it describes."""
    connection.execute(
        insert(audit_log).values(
            id=new_id("aud", now),
            workspace_id=workspace_id,
            at=now,
            actor_type=actor.type,
            actor_id=actor.id,
            actor_label=actor.label,
            address=actor.address,
            action=action,
            object_type=object_type,
            object_id=object_id,
            profile_id=profile_id,
            changes=diff(before, after) or None,
            detail=detail,
        )
    )


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """The leaves that differ between two JSON values, as `{path, before, after}`."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            changes += diff(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return changes
    if before == after:
        return []
    return [{"path": path, "before": before, "after": after}]
