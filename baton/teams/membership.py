"""Changing who works in a workspace and with which role, under two rules: a role may be
given (to a person or a key) only by someone whose own role holds all its permissions, so
only an owner makes or unmakes an owner; and a workspace always keeps an owner. People
join by invitation (baton/teams/links.py) or are added from the command line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from baton.core.errors import Conflict, Forbidden, NotFound
from baton.storage.tables import memberships, workspaces
from baton.teams.audit import Actor, record
from baton.teams.links import Link, Purpose, create_link
from baton.teams.roles import PERMISSIONS, Role
from baton.teams.users import grant, normalize_email, remove_member, role_in, user_by_email


def may_grant(giver: Role, role: Role) -> bool:
    """Whether someone with the role `giver` may hand out `role`."""
    return PERMISSIONS[role] <= PERMISSIONS[giver]


def check_grant(giver: Role | None, role: Role) -> None:
    """Forbidden unless `giver` may hand out `role`; None stands for the installation's
    operator (the command line), who may hand out any."""
    if giver is not None and not may_grant(giver, role):
        raise Forbidden(f"the {giver} role may not give or take away the {role} role")


def change_role(
    connection: Connection,
    workspace_id: str,
    user_id: str,
    role: Role,
    now: datetime,
    *,
    by: Role | None,
) -> Role:
    """Give a member another role; their role before. NotFound for someone who is not a
    member."""
    before = member_role(connection, workspace_id, user_id)
    check_grant(by, before)
    check_grant(by, role)
    if before is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(connection, workspace_id)
    grant(connection, workspace_id, user_id, role, now)
    return before


def remove(connection: Connection, workspace_id: str, user_id: str, *, by: Role | None) -> Role:
    """Take a member out of the workspace; their role there."""
    before = member_role(connection, workspace_id, user_id)
    check_grant(by, before)
    if before is Role.OWNER:
        _keep_an_owner(connection, workspace_id)
    remove_member(connection, workspace_id, user_id)
    return before


def invite(
    connection: Connection,
    workspace_id: str,
    email: str,
    role: Role,
    now: datetime,
    *,
    by: Role | None,
    actor: Actor,
) -> tuple[Link, str]:
    """An invitation to join the workspace with `role` (`by` the role inviting; None for
    the command line), and its token; it replaces the address's earlier invitation
    there, and is audited. Conflict for someone who is a member already."""
    check_grant(by, role)
    email = normalize_email(email)
    user = user_by_email(connection, email)
    if user is not None and role_in(connection, user.id, workspace_id) is not None:
        raise Conflict(f"{email} is a member of this workspace already", field="email")
    link, token = create_link(
        connection, Purpose.INVITE, email, now,
        workspace_id=workspace_id, role=role, created_by=actor.id,
    )  # fmt: skip
    record(connection, workspace_id, actor, "user.invite", now,
           object_type="invitation", object_id=link.id,
           after={"email": link.email, "role": role.value})  # fmt: skip
    return link, token


def join(connection: Connection, invitation: Link, user_id: str, now: datetime) -> None:
    """Make the invited person a member with the role the invitation gives."""
    assert invitation.workspace_id is not None
    assert invitation.role is not None
    exists = select(workspaces.c.id).where(workspaces.c.id == invitation.workspace_id)
    if connection.execute(exists).first() is None:
        raise NotFound("the workspace of this invitation no longer exists", field="token")
    if role_in(connection, user_id, invitation.workspace_id) is not None:
        raise Conflict("you are a member of this workspace already", field="token")
    grant(connection, invitation.workspace_id, user_id, invitation.role, now)


def member_role(connection: Connection, workspace_id: str, user_id: str) -> Role:
    """A member's role; NotFound for someone who is not a member.

    Changes to one workspace's members wait for each other here, so two owners stepping
    down at once cannot leave it with none (SQLite has one writer at a time anyway).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            select(workspaces.c.id).where(workspaces.c.id == workspace_id).with_for_update()
        )
    role = role_in(connection, user_id, workspace_id)
    if role is None:
        raise NotFound(f"no member {user_id!r} in this workspace", field="user_id")
    return role


def _keep_an_owner(connection: Connection, workspace_id: str) -> None:
    owners = connection.execute(
        select(func.count()).where(
            memberships.c.workspace_id == workspace_id, memberships.c.role == Role.OWNER.value
        )
    ).scalar_one()
    if owners <= 1:
        raise Conflict(
            "this is the workspace's last owner: make someone else owner first", field="user_id"
        )
