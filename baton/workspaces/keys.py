"""API keys: write keys for the tracking API, admin tokens for the admin API.

Keys are random and long, so a plain SHA-256 is a sound one-way hash for them; only the
hash and a short hint are stored, and the key itself is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, delete, insert, select

from baton.core.clock import Clock
from baton.core.ids import new_id
from baton.storage.tables import api_keys

_CACHE_TTL = timedelta(seconds=10)


class KeyKind(StrEnum):
    WRITE = "write"
    ADMIN = "admin"


_PREFIX = {KeyKind.WRITE: "bw_", KeyKind.ADMIN: "ba_"}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key(kind: KeyKind) -> str:
    return _PREFIX[kind] + secrets.token_urlsafe(24)


def create_key(
    connection: Connection,
    workspace_id: str,
    kind: KeyKind,
    now: datetime,
    key: str | None = None,
    *,
    browser: bool = False,
) -> str:
    """Store a key (a new random one unless given) for the workspace and return it. A
    `browser` write key, the kind a web page embeds, may not set a person's contact
    points (e-mail, phone, push tokens, chat ids) without their userHash."""
    key = key or generate_key(kind)
    connection.execute(
        insert(api_keys).values(
            id=new_id("key", now),
            workspace_id=workspace_id,
            kind=kind.value,
            key_hash=hash_key(key),
            hint=hint_of(key),
            browser=browser and kind is KeyKind.WRITE,
            created_at=now,
        )
    )
    return key


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: never the key itself."""

    id: str
    kind: KeyKind
    browser: bool
    hint: str
    created_at: datetime


def list_keys(connection: Connection, workspace_id: str) -> list[KeyInfo]:
    rows = connection.execute(
        select(
            api_keys.c.id, api_keys.c.kind, api_keys.c.browser, api_keys.c.hint,
            api_keys.c.created_at,
        )
        .where(api_keys.c.workspace_id == workspace_id)
        .order_by(api_keys.c.created_at, api_keys.c.id)
    )  # fmt: skip
    return [KeyInfo(r.id, KeyKind(r.kind), bool(r.browser), r.hint, r.created_at) for r in rows]


def revoke_key(connection: Connection, workspace_id: str, key_id: str) -> bool:
    """Delete a key; False when the workspace has no key with that id. Processes that
    looked it up in the last seconds may accept it until their cache forgets it."""
    deleted = connection.execute(
        delete(api_keys).where(api_keys.c.workspace_id == workspace_id, api_keys.c.id == key_id)
    ).rowcount
    return bool(deleted)


def hint_of(key: str) -> str:
    """What tells keys apart in a list: their last four characters, no more."""
    return key[-4:]


def replace_keys(
    connection: Connection, workspace_id: str, kind: KeyKind, key: str, now: datetime
) -> None:
    """Make `key` the workspace's only key of this kind."""
    connection.execute(
        delete(api_keys).where(api_keys.c.workspace_id == workspace_id, api_keys.c.kind == kind)
    )
    create_key(connection, workspace_id, kind, now, key)


@dataclass(frozen=True)
class Access:
    """What a key opens: its workspace, and whether it is a browser write key."""

    workspace_id: str
    browser: bool = False


class KeyRing:
    """Resolves keys to workspaces, caching answers briefly so each request skips a query."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._cache: dict[tuple[str, KeyKind], tuple[Access | None, datetime]] = {}
        self._lock = threading.Lock()

    def workspace_for(self, key: str, kind: KeyKind) -> str | None:
        """The workspace the key opens, or None for an unknown or revoked key."""
        found = self.access_for(key, kind)
        return None if found is None else found.workspace_id

    def access_for(self, key: str, kind: KeyKind) -> Access | None:
        digest = hash_key(key)
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get((digest, kind))
        if cached is not None and cached[1] > now:
            return cached[0]
        with self._engine.connect() as connection:
            row = connection.execute(
                select(api_keys.c.workspace_id, api_keys.c.browser).where(
                    api_keys.c.key_hash == digest, api_keys.c.kind == kind
                )
            ).one_or_none()
        found = None if row is None else Access(row.workspace_id, bool(row.browser))
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(digest, kind)] = (found, now + _CACHE_TTL)
        return found
