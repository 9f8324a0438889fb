"""Signed-in browsers: a random token in an HttpOnly cookie, its hash in the database.

A session ends after a spell of idleness or, however busy, after a fixed lifetime. Its
CSRF token is derived from the session token, so nothing more is stored and a page that
lost it can ask for it again (`GET /api/v1/auth/me`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from baton.core.ids import new_id
from baton.storage.tables import sessions
from baton.teams.tokens import token_digest

# last_seen_at is written at most this often, not on every request.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    id: str
    user_id: str
    workspace_id: str | None
    created_at: datetime
    last_seen_at: datetime


def open_session(
    connection: Connection,
    user_id: str,
    workspace_id: str | None,
    now: datetime,
    *,
    address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session's token: shown to the browser once, as its cookie."""
    token = secrets.token_urlsafe(32)
    connection.execute(
        insert(sessions).values(
            id=new_id("ses", now),
            token_hash=token_digest(token),
            user_id=user_id,
            workspace_id=workspace_id,
            created_at=now,
            last_seen_at=now,
            address=address,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return token


def find_session(connection: Connection, token: str) -> Session | None:
    row = connection.execute(
        select(sessions).where(sessions.c.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        return None
    return Session(row.id, row.user_id, row.workspace_id, row.created_at, row.last_seen_at)


def expired(session: Session, now: datetime, *, idle: timedelta, lifetime: timedelta) -> bool:
    """Whether the session went unused for `idle`, or has lived `lifetime`."""
    return now - session.last_seen_at > idle or now - session.created_at > lifetime


def due_for_touch(session: Session, now: datetime) -> bool:
    return now - session.last_seen_at >= _TOUCH_EVERY


def touch(connection: Connection, session_id: str, now: datetime) -> None:
    connection.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen_at=now))


def end_session(connection: Connection, session_id: str) -> None:
    connection.execute(delete(sessions).where(sessions.c.id == session_id))


def switch_workspace(connection: Connection, session_id: str, workspace_id: str) -> None:
    connection.execute(
        update(sessions).where(sessions.c.id == session_id).values(workspace_id=workspace_id)
    )


def close_sessions_of(connection: Connection, user_id: str) -> int:
    """Sign the user out everywhere; how many sessions ended."""
    return connection.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount


def csrf_token_for(token: str) -> str:
    return hmac.new(token.encode(), b"baton csrf", hashlib.sha256).hexdigest()


def csrf_matches(token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(csrf_token_for(token), given)
