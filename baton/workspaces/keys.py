"""API keys: write keys for the tracking API, admin tokens for the admin API.

Only a key's digest (baton/teams/tokens.py) and a short hint are stored; the key itself
is shown once, when it is made.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    delete,
    insert,
    select,
    update,
)

from baton.core.clock import Clock
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.storage.database import write_transaction
from baton.storage.tables import api_keys
from baton.teams.audit import Actor, record
from baton.teams.roles import Role
from baton.teams.tokens import token_digest

_CACHE_TTL = timedelta(seconds=10)
# A key's last use is written at most this often.
_LAST_USED_EVERY = timedelta(minutes=1)


class KeyKind(StrEnum):
    WRITE = "write"
    ADMIN = "admin"


_PREFIX = {KeyKind.WRITE: "bw_", KeyKind.ADMIN: "ba_"}


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
    role: Role = Role.ADMIN,
    expires_at: datetime | None = None,
    created_by: str | None = None,
) -> str:
    """Store a key (a new random one unless given) for the workspace and return it. A
    `browser` write key, the kind a web page embeds, may not set a person's contact
    points (e-mail, phone, push tokens, chat ids) without their userHash. An admin key
    acts with `role`; any key stops working at `expires_at`. `created_by` is the id of
    the user or admin key that made it, None for the command line or environment."""
    key = key or generate_key(kind)
    connection.execute(
        insert(api_keys).values(
            id=new_id("key", now),
            workspace_id=workspace_id,
            kind=kind.value,
            key_hash=token_digest(key),
            hint=hint_of(key),
            browser=browser and kind is KeyKind.WRITE,
            role=role.value if kind is KeyKind.ADMIN else None,
            expires_at=expires_at,
            created_at=now,
            created_by=created_by,
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
    role: Role | None
    expires_at: datetime | None
    last_used_at: datetime | None
    created_by: str | None


def list_keys(connection: Connection, workspace_id: str) -> list[KeyInfo]:
    return _key_infos(connection, api_keys.c.workspace_id == workspace_id)


def keys_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[KeyInfo, str]:
    """The workspace's keys by id, so oldest first, from the one after the key `after`."""
    query = _key_query(api_keys.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(api_keys.c.id > after)
    rows = connection.execute(query.order_by(api_keys.c.id).limit(limit + 1)).all()
    page = [_key_info(row) for row in rows[:limit]]
    return Page(page, page[-1].id if len(rows) > limit else None)


def find_key(connection: Connection, workspace_id: str, key_id: str) -> KeyInfo | None:
    """The workspace's key with this id, if it has one."""
    found = _key_infos(
        connection, (api_keys.c.workspace_id == workspace_id) & (api_keys.c.id == key_id)
    )
    return next(iter(found), None)


def key_info(connection: Connection, key: str) -> KeyInfo | None:
    """How `key` itself is listed."""
    return next(iter(_key_infos(connection, api_keys.c.key_hash == token_digest(key))), None)


def _key_infos(connection: Connection, where: ColumnElement[bool]) -> list[KeyInfo]:
    rows = connection.execute(_key_query(where).order_by(api_keys.c.created_at, api_keys.c.id))
    return [_key_info(row) for row in rows]


def _key_query(where: ColumnElement[bool]) -> Select[Any]:
    return select(
        api_keys.c.id, api_keys.c.kind, api_keys.c.browser, api_keys.c.hint,
        api_keys.c.created_at, api_keys.c.role, api_keys.c.expires_at,
        api_keys.c.last_used_at, api_keys.c.created_by,
    ).where(where)  # fmt: skip


def _key_info(r: Row[Any]) -> KeyInfo:
    return KeyInfo(
        r.id, KeyKind(r.kind), bool(r.browser), r.hint, r.created_at,
        None if r.role is None else Role(r.role), r.expires_at, r.last_used_at, r.created_by,
    )  # fmt: skip


def make_key(
    connection: Connection,
    workspace_id: str,
    kind: KeyKind,
    actor: Actor,
    now: datetime,
    *,
    browser: bool = False,
    role: Role = Role.ADMIN,
    expires_at: datetime | None = None,
) -> tuple[str, KeyInfo]:
    """A key someone asked for (`create_key`, made by `actor`), and how it is listed;
    audited."""
    key = create_key(connection, workspace_id, kind, now, browser=browser, role=role,
                     expires_at=expires_at, created_by=actor.id)  # fmt: skip
    made = key_info(connection, key)
    assert made is not None
    record(connection, workspace_id, actor, "key.create", now,
           object_type="key", object_id=made.id, after=_audited(made))  # fmt: skip
    return key, made


def revoke_key(
    connection: Connection,
    workspace_id: str,
    key: KeyInfo,
    actor: Actor,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Delete a key of the workspace; audited. Processes that looked it up in the last
    seconds may accept it until their cache forgets it."""
    connection.execute(
        delete(api_keys).where(api_keys.c.workspace_id == workspace_id, api_keys.c.id == key.id)
    )
    record(connection, workspace_id, actor, "key.revoke", now,
           object_type="key", object_id=key.id, before=_audited(key), detail=detail)  # fmt: skip


def _audited(key: KeyInfo) -> dict[str, Any]:
    """What the audit trail keeps of a key."""
    return {
        "kind": key.kind.value,
        "browser": key.browser,
        "role": None if key.role is None else key.role.value,
        "hint": key.hint,
        "expires_at": iso_instant(key.expires_at),
    }


def revoke_keys_made_by(
    connection: Connection, workspace_id: str, creator_id: str, actor: Actor, now: datetime
) -> int:
    """Revoke the admin keys that a user (or key) made in the workspace, then the keys
    those keys made, and so on, so no key outlives its maker's place there; each
    revocation is audited. How many were revoked."""
    revoked = 0
    makers = {creator_id}
    while makers:
        made = _key_infos(
            connection,
            (api_keys.c.workspace_id == workspace_id)
            & (api_keys.c.kind == KeyKind.ADMIN.value)
            & api_keys.c.created_by.in_(makers),
        )
        for key in made:
            revoke_key(connection, workspace_id, key, actor, now, {"maker_removed": creator_id})
        revoked += len(made)
        makers = {key.id for key in made}
    return revoked


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
    """What a key opens: its workspace, whether it is a browser write key, and for an
    admin key its id and role."""

    workspace_id: str
    browser: bool = False
    key_id: str = ""
    role: Role | None = None


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
        digest = token_digest(key)
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get((digest, kind))
        if cached is not None and cached[1] > now:
            return cached[0]
        with self._engine.connect() as connection:
            row = connection.execute(
                select(
                    api_keys.c.id, api_keys.c.workspace_id, api_keys.c.browser,
                    api_keys.c.role, api_keys.c.expires_at, api_keys.c.last_used_at,
                ).where(api_keys.c.key_hash == digest, api_keys.c.kind == kind)
            ).one_or_none()  # fmt: skip
        found = None
        expires = now + _CACHE_TTL
        if row is not None and (row.expires_at is None or row.expires_at > now):
            role = None if row.role is None else Role(row.role)
            found = Access(row.workspace_id, bool(row.browser), row.id, role)
            if row.expires_at is not None:
                expires = min(expires, row.expires_at)
            if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_EVERY:
                self._mark_used(row.id, now)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(digest, kind)] = (found, expires)
        return found

    def _mark_used(self, key_id: str, now: datetime) -> None:
        # Between cache refreshes a key is not looked up, so this is to the minute or so.
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now)
            )

    def forget(self) -> None:
        """Drop every cached answer: a revoked key stops working at once in this process."""
        with self._lock:
            self._cache.clear()
