"""The audit trail: who changed what, when and from where, with the change as a diff.

Entries are only ever added; erasing a person blanks the values of those about them
(`forget_profile`), which is the one change an entry ever sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, insert, select, update

from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.storage.tables import audit_log, memberships, users

# Signing in and out, recorded outside any workspace: a workspace's trail shows its
# members'.
SIGN_INS = ("login", "login.failed", "logout")
# What an erasure leaves of the values in the entries about the person.
ERASED = "[erased]"


# `person`: a customer acting on their own data (the preference center).
ActorType = Literal["user", "key", "cli", "system", "person"]


@dataclass(frozen=True)
class Actor:
    type: ActorType
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


@dataclass(frozen=True)
class Search:
    """Which entries to list; every criterion left None matches all."""

    actor: str | None = None  # a user id, a key id, or an e-mail
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    sign_ins: bool = True  # False leaves out signing in and out


def entries(
    connection: Connection, workspace_id: str, search: Search, after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    """A page of the workspace's entries, newest first, older than the entry `after` when
    given; the page's key is an entry id. Of the installation's entries (no workspace),
    those of its members signing in and out, and those about their accounts."""
    log = audit_log
    members = select(memberships.c.user_id).where(memberships.c.workspace_id == workspace_id)
    member_emails = select(users.c.email).where(users.c.id.in_(members))
    signing_in = log.c.action.in_(SIGN_INS) & (
        log.c.actor_id.in_(members)
        # a failed sign-in knows only the address it was tried for
        | (log.c.actor_id.is_(None) & log.c.actor_label.in_(member_emails))
    )
    about_a_member = (log.c.object_type == "user") & log.c.object_id.in_(members)
    query = select(log).where(
        (log.c.workspace_id == workspace_id)
        | (log.c.workspace_id.is_(None) & (signing_in | about_a_member))
    )
    if search.actor is not None:
        query = query.where(
            (log.c.actor_id == search.actor) | (log.c.actor_label == search.actor.strip().lower())
        )
    if search.object_type is not None:
        query = query.where(log.c.object_type == search.object_type)
    if search.object_id is not None:
        query = query.where(log.c.object_id == search.object_id)
    if search.action is not None:
        query = query.where(log.c.action == search.action)
    if not search.sign_ins:
        query = query.where(log.c.action.not_in(SIGN_INS))
    if search.start is not None:
        query = query.where(log.c.at >= search.start)
    if search.end is not None:
        query = query.where(log.c.at < search.end)
    if after is not None:
        query = query.where(log.c.id < after)
    rows = connection.execute(query.order_by(log.c.id.desc()).limit(limit + 1)).mappings().all()
    page = [entry_json(row) for row in rows[:limit]]
    return Page(page, page[-1]["id"] if len(rows) > limit else None)


def entry_json(row: RowMapping) -> dict[str, Any]:
    """An entry as the API shows it."""
    return {
        "id": row["id"],
        "at": iso_instant(row["at"]),
        "workspace_id": row["workspace_id"],
        "actor": {
            "type": row["actor_type"],
            "id": row["actor_id"],
            "label": row["actor_label"],
            "address": row["address"],
        },
        "action": row["action"],
        "object": None
        if row["object_type"] is None
        else {"type": row["object_type"], "id": row["object_id"]},
        "profile_id": row["profile_id"],
        "changes": row["changes"],
        "detail": row["detail"],
    }


def forget_profile(connection: Connection, workspace_id: str, profile_id: str) -> int:
    """Blank the values of the entries that mention a profile being erased, keeping who
    did what to which object and when (the only change ever made to an entry). Returns
    how many entries it blanked."""
    mentioning = connection.execute(
        select(audit_log.c.id, audit_log.c.changes, audit_log.c.detail).where(
            audit_log.c.workspace_id == workspace_id, audit_log.c.profile_id == profile_id
        )
    ).all()
    for entry_id, changes, detail in mentioning:
        connection.execute(
            update(audit_log)
            .where(audit_log.c.id == entry_id)
            .values(
                changes=None if changes is None else [_blanked(change) for change in changes],
                detail=None if detail is None else {key: ERASED for key in detail},
            )
        )
    return len(mentioning)


def _blanked(change: dict[str, Any]) -> dict[str, Any]:
    """A change with its values erased; its path names a field, not a value."""
    return {
        "path": change["path"],
        "before": None if change["before"] is None else ERASED,
        "after": None if change["after"] is None else ERASED,
    }
