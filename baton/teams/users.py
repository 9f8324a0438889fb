"""Staff users and their roles in workspaces (memberships)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.storage.tables import memberships, users, workspaces
from baton.teams.links import Purpose, spend_unused
from baton.teams.passwords import check_password, hash_password, password_matches
from baton.teams.roles import Role


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    installation_owner: bool
    has_password: bool


@dataclass(frozen=True)
class Membership:
    workspace_id: str
    workspace_key: str
    workspace_name: str
    role: Role


def normalize_email(text: str) -> str:
    """The address in the one form stored and compared: checked, domain lower-cased, and
    lower-cased as a whole (no two staff accounts differ by case only)."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(f"not an e-mail address: {error}", field="email") from None


def create_user(
    connection: Connection,
    email: str,
    name: str,
    now: datetime,
    *,
    password: str | None = None,
    installation_owner: bool = False,
) -> User:
    """A new user; Conflict when the address has an account. Without a password the user
    signs in through single sign-on or sets one from a reset link."""
    email = normalize_email(email)
    name = name.strip() or email.partition("@")[0]
    if len(name) > 200:
        raise InvalidInput("a name has at most 200 characters", field="name")
    if password is not None:
        check_password(password, context=(email, name))
    if user_by_email(connection, email) is not None:
        raise Conflict(f"{email} already has an account", field="email")
    user_id = new_id("usr", now)
    try:
        connection.execute(
            insert(users).values(
                id=user_id,
                email=email,
                name=name,
                password_hash=None if password is None else hash_password(password),
                installation_owner=installation_owner,
                created_at=now,
                password_changed_at=None if password is None else now,
            )
        )
    except IntegrityError:  # made at the same moment by another request
        raise Conflict(f"{email} already has an account", field="email") from None
    return User(user_id, email, name, installation_owner, password is not None)


def user_by_email(connection: Connection, email: str) -> User | None:
    row = connection.execute(select(users).where(users.c.email == email.lower())).one_or_none()
    return None if row is None else _user(row)


def user_by_id(connection: Connection, user_id: str) -> User | None:
    row = connection.execute(select(users).where(users.c.id == user_id)).one_or_none()
    return None if row is None else _user(row)


def authenticate(connection: Connection, email: str, password: str) -> User | None:
    """The user whose address and password these are; None for a wrong password and for
    an unknown address alike, after the same work."""
    row = connection.execute(
        select(users).where(users.c.email == email.strip().lower())
    ).one_or_none()
    matches = password_matches(None if row is None else row.password_hash, password)
    return _user(row) if row is not None and matches else None


def set_password(connection: Connection, user_id: str, password: str, now: datetime) -> None:
    """Replace the user's password; their unused reset links stop working."""
    user = user_by_id(connection, user_id)
    if user is None:
        raise NotFound("no such user")
    check_password(password, context=(user.email, user.name))
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=hash_password(password), password_changed_at=now)
    )
    # A link asked for before would otherwise undo this password for an hour more.
    spend_unused(connection, Purpose.RESET, user.email, now)


def grant(
    connection: Connection, workspace_id: str, user_id: str, role: Role, now: datetime
) -> None:
    """Give the user `role` in the workspace, replacing any role they had there."""
    connection.execute(
        delete(memberships).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
        )
    )
    connection.execute(
        insert(memberships).values(
            workspace_id=workspace_id, user_id=user_id, role=role.value, created_at=now
        )
    )


def remove_member(connection: Connection, workspace_id: str, user_id: str) -> bool:
    removed = connection.execute(
        delete(memberships).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
        )
    ).rowcount
    return bool(removed)


def role_in(connection: Connection, user_id: str, workspace_id: str) -> Role | None:
    role = connection.execute(
        select(memberships.c.role).where(
            memberships.c.user_id == user_id, memberships.c.workspace_id == workspace_id
        )
    ).scalar_one_or_none()
    return None if role is None else Role(role)


def memberships_of(connection: Connection, user_id: str) -> list[Membership]:
    rows = connection.execute(
        select(workspaces.c.id, workspaces.c.key, workspaces.c.name, memberships.c.role)
        .join(memberships, memberships.c.workspace_id == workspaces.c.id)
        .where(memberships.c.user_id == user_id)
        .order_by(workspaces.c.name, workspaces.c.id)
    )
    return [Membership(r.id, r.key, r.name, Role(r.role)) for r in rows]


def first_membership(connection: Connection, user_id: str) -> Membership | None:
    """Where a person works when nothing else says: their first workspace by name."""
    return next(iter(memberships_of(connection, user_id)), None)


@dataclass(frozen=True)
class Member:
    user: User
    role: Role
    since: datetime


def members(connection: Connection, workspace_id: str) -> list[Member]:
    rows = connection.execute(_members_of(workspace_id).order_by(users.c.email))
    return [Member(_user(r), Role(r.role), r.since) for r in rows]


def members_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[Member, str]:
    """The workspace's members by e-mail address, which no two users share, from the one
    after the address `after`."""
    query = _members_of(workspace_id)
    if after is not None:
        query = query.where(users.c.email > after)
    rows = connection.execute(query.order_by(users.c.email).limit(limit + 1)).all()
    page = [Member(_user(r), Role(r.role), r.since) for r in rows[:limit]]
    return Page(page, page[-1].user.email if len(rows) > limit else None)


def _members_of(workspace_id: str) -> Select[Any]:
    return (
        select(users, memberships.c.role, memberships.c.created_at.label("since"))
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == workspace_id)
    )


def _user(row: Row[Any]) -> User:
    return User(
        row.id, row.email, row.name, bool(row.installation_owner), row.password_hash is not None
    )
