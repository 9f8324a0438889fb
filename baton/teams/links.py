"""Single-use links sent by e-mail: an invitation to a workspace, a password reset.

The link carries a random token; only its SHA-256 is stored (it is long and random, so
that hash is enough). Redeeming marks it used in the same statement that checks it is
unused and unexpired, so two clicks racing each other cannot both succeed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, update

from baton.core.errors import Unauthorized
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.storage.tables import user_tokens
from baton.teams.roles import Role
from baton.teams.tokens import token_digest


class Purpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


LIFETIMES = {Purpose.INVITE: timedelta(days=7), Purpose.RESET: timedelta(hours=1)}
# Where the console opens each kind of link, under the public URL.
PAGES = {Purpose.INVITE: "/invite", Purpose.RESET: "/reset-password"}


@dataclass(frozen=True)
class Link:
    id: str
    purpose: Purpose
    email: str
    workspace_id: str | None
    role: Role | None
    created_by: str | None
    created_at: datetime
    expires_at: datetime


def create_link(
    connection: Connection,
    purpose: Purpose,
    email: str,
    now: datetime,
    *,
    workspace_id: str | None = None,
    role: Role | None = None,
    created_by: str | None = None,
) -> tuple[Link, str]:
    """A new link and its token (shown once, in the e-mail). It replaces the unused
    links of the same purpose for the same address (and workspace): they are marked
    used, and still count for `links_since`."""
    spend_unused(connection, purpose, email, now, workspace_id=workspace_id)
    token = secrets.token_urlsafe(32)
    link = Link(
        new_id("tok", now), purpose, email, workspace_id, role, created_by, now,
        now + LIFETIMES[purpose],
    )  # fmt: skip
    connection.execute(
        insert(user_tokens).values(
            id=link.id,
            token_hash=token_digest(token),
            purpose=purpose.value,
            email=email,
            workspace_id=workspace_id,
            role=None if role is None else role.value,
            created_by=created_by,
            created_at=now,
            expires_at=link.expires_at,
        )
    )
    return link, token


def spend_unused(
    connection: Connection,
    purpose: Purpose,
    email: str,
    now: datetime,
    *,
    workspace_id: str | None = None,
) -> None:
    """Mark the address's unused links of this purpose (in this workspace, if given) used."""
    spent = (
        update(user_tokens)
        .where(
            user_tokens.c.purpose == purpose.value,
            user_tokens.c.email == email,
            user_tokens.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if workspace_id is not None:
        spent = spent.where(user_tokens.c.workspace_id == workspace_id)
    connection.execute(spent)


def redeem(connection: Connection, purpose: Purpose, token: str, now: datetime) -> Link:
    """The link of `token`, marked used; Unauthorized when it was used, has expired or
    never existed (the same answer for each). Rolled back with the caller's transaction."""
    digest = token_digest(token)
    used = connection.execute(
        update(user_tokens)
        .where(
            user_tokens.c.token_hash == digest,
            user_tokens.c.purpose == purpose.value,
            user_tokens.c.used_at.is_(None),
            user_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if used != 1:
        raise Unauthorized(
            "this link is not valid: it was used already, has expired or was replaced",
            field="token",
        )
    found = connection.execute(select(user_tokens).where(user_tokens.c.token_hash == digest))
    return _link(found.one())


def links_since(connection: Connection, purpose: Purpose, email: str, since: datetime) -> int:
    """How many links of this purpose the address was sent since `since`."""
    return connection.execute(
        select(func.count()).where(
            user_tokens.c.purpose == purpose.value,
            user_tokens.c.email == email,
            user_tokens.c.created_at > since,
        )
    ).scalar_one()


def pending_invitations(connection: Connection, now: datetime, *, email: str) -> list[Link]:
    """The invitations for an address not yet used or expired, oldest first."""
    query = _pending(now).where(user_tokens.c.email == email)
    return [_link(row) for row in connection.execute(query.order_by(user_tokens.c.id))]


def pending_invitations_page(
    connection: Connection, workspace_id: str, now: datetime, after: str | None, limit: int
) -> Page[Link, str]:
    """The workspace's invitations not yet used or expired, oldest first, from the one
    after the invitation `after`."""
    query = _pending(now).where(user_tokens.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(user_tokens.c.id > after)
    rows = connection.execute(query.order_by(user_tokens.c.id).limit(limit + 1)).all()
    page = [_link(row) for row in rows[:limit]]
    return Page(page, page[-1].id if len(rows) > limit else None)


def _pending(now: datetime) -> Select[Any]:
    return select(user_tokens).where(
        user_tokens.c.purpose == Purpose.INVITE.value,
        user_tokens.c.used_at.is_(None),
        user_tokens.c.expires_at > now,
    )


def take(connection: Connection, link: Link, now: datetime) -> bool:
    """Mark the link used, in the statement that checks it still is not: False when
    another request took it first."""
    return bool(
        connection.execute(
            update(user_tokens)
            .where(user_tokens.c.id == link.id, user_tokens.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
    )


def cancel_invitation(connection: Connection, workspace_id: str, link_id: str) -> Link | None:
    """The unused invitation withdrawn, or None when the workspace has none with that id."""
    row = connection.execute(
        select(user_tokens).where(
            user_tokens.c.id == link_id,
            user_tokens.c.purpose == Purpose.INVITE.value,
            user_tokens.c.workspace_id == workspace_id,
            user_tokens.c.used_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    connection.execute(delete(user_tokens).where(user_tokens.c.id == link_id))
    return _link(row)


def _link(row: Row[Any]) -> Link:
    return Link(
        row.id, Purpose(row.purpose), row.email, row.workspace_id,
        None if row.role is None else Role(row.role), row.created_by, row.created_at,
        row.expires_at,
    )  # fmt: skip
