"""Identity verification: how a public endpoint that answers for one person (the in-app
inbox) knows the browser asking is that person's.

The write key is public, in every web page, so it cannot be the proof. As with Intercom,
the customer's backend computes `userHash` = hex HMAC-SHA256(identity secret, id) for the
person it has logged in (the userId, or the anonymousId it gave the browser) and the page
sends it along; Baton checks it in constant time. The workspace's identity secret is
sealed at rest, made or replaced through the admin API, and shown only then.
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


def user_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


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


def identity_secret_made_at(connection: Connection, workspace_id: str) -> datetime | None:
    return connection.execute(
        select(workspaces.c.identity_secret_at).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()


def identity_secret(connection: Connection, workspace_id: str) -> str | None:
    sealed = connection.execute(
        select(workspaces.c.identity_secret).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()
    return None if sealed is None else key_source().unseal(sealed, _context(workspace_id))


def hash_matches(secret: str | None, value: str, given: str | None) -> bool:
    """Whether `given` is the userHash of `value` under `secret` (never without one)."""
    if secret is None or not given or len(given) > _LONGEST_HASH:
        return False
    return hmac.compare_digest(user_hash(secret, value).encode(), given.lower().encode())


def verified(connection: Connection, workspace_id: str, value: str, given: str | None) -> bool:
    """Whether `given` is the userHash of `value` under the workspace's identity secret
    (False when the workspace has none)."""
    if not given:
        return False
    return hash_matches(identity_secret(connection, workspace_id), value, given)
