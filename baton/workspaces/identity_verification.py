"""Identity verification: how a public endpoint that answers for one person (the in-app
inbox) knows the browser asking is that person's.

The write key is public, in every web page, so it cannot be the proof. As with Intercom,
the customer's backend computes `userHash` for the person it has logged in and the page
sends it along; Baton checks it in constant time. For a userId it is hex
HMAC-SHA256(identity secret, userId); for an anonymousId the backend gave the browser it is
hex HMAC-SHA256(identity secret, "anon:" + anonymousId), so that a backend vouching for
whatever anonymousId a browser shows can never be made to prove someone's userId, nor the
reverse. The workspace's identity secret is sealed at rest, made or replaced through the
admin API, and shown only then.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import Connection, select, update

from baton.core.errors import NotFound
from baton.core.sealing import key_source
from baton.storage.tables import workspaces

# Longer than any hex SHA-256: anything beyond is refused before hashing.
_LONGEST_HASH = 128


def _context(workspace_id: str) -> str:
    return f"workspaces/{workspace_id}/identity_secret"


# What an anonymousId is hashed behind; a userId that starts so proves nothing.
_ANONYMOUS = "anon:"


def user_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def anonymous_hash(secret: str, anonymous_id: str) -> str:
    return user_hash(secret, _ANONYMOUS + anonymous_id)


def new_identity_secret(connection: Connection, workspace_id: str, now: datetime) -> str:
    """Make (or replace) the workspace's identity secret; returns it, for the one time it
    is shown. Hashes made with a replaced secret stop working at once."""
    secret = secrets.token_urlsafe(32)
    changed = connection.execute(
        update(workspaces)
        .where(workspaces.c.id == workspace_id)
        .values(
            identity_secret=key_source().seal(secret, _context(workspace_id)),
            identity_secret_at=now,
        )
    ).rowcount
    if not changed:
        raise NotFound(f"no workspace {workspace_id!r}")
    return secret


def reseal_identity_secrets(connection: Connection) -> int:
    """Seals every workspace's identity secret under the current key; returns how many
    changed."""
    rows = connection.execute(
        select(workspaces.c.id, workspaces.c.identity_secret).where(
            workspaces.c.identity_secret.is_not(None)
        )
    ).all()
    changed = 0
    for workspace_id, stored in rows:
        fresh = key_source().resealed(stored, _context(workspace_id))
        if fresh is not None:
            connection.execute(
                update(workspaces)
                .where(workspaces.c.id == workspace_id)
                .values(identity_secret=fresh)
            )
            changed += 1
    return changed


def identity_secret_made_at(connection: Connection, workspace_id: str) -> datetime | None:
    return connection.execute(
        select(workspaces.c.identity_secret_at).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()


def identity_secret(connection: Connection, workspace_id: str) -> str | None:
    sealed = connection.execute(
        select(workspaces.c.identity_secret).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()
    return None if sealed is None else key_source().unseal(sealed, _context(workspace_id))


def hash_matches(secret: str | None, value: str, given: str | None, *, anonymous: bool) -> bool:
    """Whether `given` is the userHash of `value`, an anonymousId or else a userId, under
    `secret` (never without one)."""
    if secret is None or not given or len(given) > _LONGEST_HASH:
        return False
    if anonymous:
        expected = anonymous_hash(secret, value)
    elif value.startswith(_ANONYMOUS):
        return False
    else:
        expected = user_hash(secret, value)
    return hmac.compare_digest(expected.encode(), given.lower().encode())


def verified(
    connection: Connection, workspace_id: str, value: str, given: str | None, *, anonymous: bool
) -> bool:
    """Whether `given` is the userHash of `value` (an anonymousId or else a userId) under
    the workspace's identity secret (False when the workspace has none)."""
    if not given:
        return False
    secret = identity_secret(connection, workspace_id)
    return hash_matches(secret, value, given, anonymous=anonymous)
