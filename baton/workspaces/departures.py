"""Someone leaving a workspace: their membership, their sessions and the admin keys they
made there go together, for the API and the command line alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from baton.teams import Role, close_sessions_of
from baton.teams.audit import Actor, record
from baton.teams.membership import remove
from baton.workspaces.keys import revoke_keys_made_by


@dataclass(frozen=True)
class Departure:
    role: Role  # what they were
    sessions_ended: int
    keys_revoked: int


def take_out(
    connection: Connection,
    workspace_id: str,
    user_id: str,
    actor: Actor,
    now: datetime,
    *,
    by: Role | None,
) -> Departure:
    """Take a member out of the workspace (`by` the role doing it; None for the command
    line), end their sessions everywhere and revoke the admin keys they made here, with
    the keys those keys made; audited. Processes must forget the revoked keys."""
    before = remove(connection, workspace_id, user_id, by=by)
    ended = close_sessions_of(connection, user_id)
    revoked = revoke_keys_made_by(connection, workspace_id, user_id, actor, now)
    record(connection, workspace_id, actor, "member.remove", now,
           object_type="user", object_id=user_id, before={"role": before.value},
           detail={"sessions_ended": ended, "keys_revoked": revoked})  # fmt: skip
    return Departure(before, ended, revoked)
