"""The people of a workspace: their roles, removing them, signing them out everywhere;
and signing oneself out everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.responses import Response

from baton.api.account import signed_out
from baton.api.auth import Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.callers import Caller
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import Forbidden, InvalidInput
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.teams import Member, Role, close_sessions_of, members, members_page
from baton.teams.audit import record
from baton.teams.membership import change_role, check_grant, member_role
from baton.workspaces.departures import take_out

router = APIRouter(prefix="/api/v1", tags=["users"], route_class=DocumentRoute)


def giver(who: Caller) -> Role:
    """The role the caller hands out roles with."""
    if who.role is None:
        raise Forbidden("you are not a member of any workspace yet")
    return who.role


@router.get("/users", summary="The workspace's people and their roles, by e-mail address")
def list_members(
    request: Request, who: Staff, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = members_page(connection, who.workspace, after, limit)
    return JSONBody(page_json([_member_json(member) for member in page.items], page.after))


class RoleChange(BaseModel):
    role: Role


@router.put("/users/{user_id}/role", summary="Give a member another role")
def put_role(request: Request, who: Staff, user_id: str, body: RoleChange) -> JSONBody:
    """Only an owner gives or takes away `owner`, and a workspace's last owner keeps it."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        before = change_role(connection, who.workspace, user_id, body.role, now, by=giver(who))
        record(connection, who.workspace, who.actor, "member.role", now,
               object_type="user", object_id=user_id,
               before={"role": before.value}, after={"role": body.role.value})  # fmt: skip
        member = next(m for m in members(connection, who.workspace) if m.user.id == user_id)
    return JSONBody(_member_json(member))


@router.delete("/users/{user_id}", summary="Take a member out of the workspace")
def delete_member(request: Request, who: Staff, user_id: str) -> JSONBody:
    """Their sessions end: wherever else they work, they sign in again. The admin keys
    they made here are revoked, with the keys those keys made. The answer counts both."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        gone = take_out(connection, who.workspace, user_id, who.actor, now, by=giver(who))
    runtime.keys.forget()
    return JSONBody({"sessions_ended": gone.sessions_ended, "keys_revoked": gone.keys_revoked})


@router.delete("/users/{user_id}/sessions", summary="Sign a member out everywhere")
def delete_sessions(request: Request, who: Staff, user_id: str) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        check_grant(giver(who), member_role(connection, who.workspace, user_id))
        ended = _end_sessions(connection, who, user_id, runtime.clock.now())
    return JSONBody({"ended": ended})


own_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@own_router.delete("/sessions", status_code=204, summary="Sign oneself out everywhere")
def delete_own_sessions(request: Request, who: Staff) -> Response:
    if who.user is None:
        raise InvalidInput("an admin key has no sessions: revoke it instead")
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        _end_sessions(connection, who, who.user.id, runtime.clock.now())
    return signed_out()


def _end_sessions(connection: Connection, who: Caller, user_id: str, now: datetime) -> int:
    ended = close_sessions_of(connection, user_id)
    record(connection, who.workspace_id, who.actor, "sessions.revoke", now,
           object_type="user", object_id=user_id, detail={"ended": ended})  # fmt: skip
    return ended


def _member_json(member: Member) -> dict[str, Any]:
    return {
        "id": member.user.id,
        "email": member.user.email,
        "name": member.user.name,
        "role": member.role.value,
        "since": iso_instant(member.since),
    }
