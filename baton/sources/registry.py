"""Sources as stored: definitions, their sealed secrets, and their delivery counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.core.sealing import key_source
from baton.sources.definitions import KEY, Definition, Saved
from baton.storage.tables import sources

# What the console shows of the last refused delivery: enough to tell why, no payload.
_LONGEST_ERROR = 500


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    workspace_id: str
    definition: Definition
    secret: str


def webhook_path(key: str) -> str:
    return f"/v1/sources/{key}/webhook"


def _context(workspace_id: str, key: str) -> str:
    return f"sources/{workspace_id}/{key}/secret"


def reseal_sources(connection: Connection) -> int:
    """Seals every source's secret under the current key; returns how many changed."""
    rows = connection.execute(select(sources.c.key, sources.c.workspace_id, sources.c.secret))
    changed = 0
    for key, workspace_id, stored in rows.all():
        fresh = key_source().resealed(stored, _context(workspace_id, key))
        if fresh is not None:
            connection.execute(update(sources).where(sources.c.key == key).values(secret=fresh))
            changed += 1
    return changed


def _definition(saved: Saved) -> Definition:
    return Definition.model_validate(saved.model_dump(exclude={"secret"}))


def _check_key(key: str) -> None:
    if not KEY.match(key):
        raise InvalidInput(
            "a source key is 8 to 64 lowercase letters, digits and hyphens, starting and "
            "ending with a letter or digit",
            field="key",
        )


def save_source(
    connection: Connection, workspace_id: str, key: str, saved: Saved, now: datetime
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Create or replace a source; the source as shown before (None when new) and after.
    A secret left out keeps the stored one."""
    _check_key(key)
    row = _row(connection, key)
    if row is not None and row["workspace_id"] != workspace_id:
        raise Conflict(f"the source key {key!r} is taken: choose another", field="key")
    if saved.secret is None and row is None:
        raise InvalidInput("a new source needs its sender's signing secret", field="secret")
    definition = _definition(saved).model_dump(mode="json", exclude_none=True)
    values: dict[str, Any] = {"preset": saved.preset, "definition": definition, "updated_at": now}
    if saved.secret is not None:
        values["secret"] = key_source().seal(saved.secret, _context(workspace_id, key))
    if row is None:
        connection.execute(
            insert(sources).values(
                key=key,
                workspace_id=workspace_id,
                received=0,
                rejected=0,
                created_at=now,
                **values,
            )
        )
    else:
        connection.execute(update(sources).where(sources.c.key == key).values(**values))
    after = _row(connection, key)
    assert after is not None
    return (None if row is None else _shown(row)), _shown(after)


def get_source(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    row = _row(connection, key)
    if row is None or row["workspace_id"] != workspace_id:
        raise NotFound(f"no source {key!r}")
    return _shown(row)


def list_sources(connection: Connection, workspace_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(sources).where(sources.c.workspace_id == workspace_id).order_by(sources.c.key)
    ).mappings()
    return [_shown(row) for row in rows]


def delete_source(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    """The source as it was."""
    found = get_source(connection, workspace_id, key)
    connection.execute(delete(sources).where(sources.c.key == key))
    return found


def find_source(connection: Connection, key: str) -> Source | None:
    """The source a webhook names, with its secret opened; None when there is none."""
    row = _row(connection, key) if KEY.match(key) else None
    if row is None:
        return None
    return Source(
        key=key,
        workspace_id=row["workspace_id"],
        definition=Definition.model_validate(row["definition"]),
        secret=key_source().unseal(row["secret"], _context(row["workspace_id"], key)),
    )


def record_delivery(connection: Connection, key: str, now: datetime, error: str | None) -> None:
    """Count a delivery as received, or as rejected with why."""
    if error is None:
        values: dict[str, Any] = {"received": sources.c.received + 1, "last_received_at": now}
    else:
        values = {
            "rejected": sources.c.rejected + 1,
            "last_error": error[:_LONGEST_ERROR],
            "last_error_at": now,
        }
    connection.execute(update(sources).where(sources.c.key == key).values(**values))


def _row(connection: Connection, key: str) -> RowMapping | None:
    return connection.execute(select(sources).where(sources.c.key == key)).mappings().first()


def _shown(row: RowMapping) -> dict[str, Any]:
    """A source as the API shows it: never its secret."""
    return {
        "key": row["key"],
        **row["definition"],
        "path": webhook_path(row["key"]),
        "received": row["received"],
        "rejected": row["rejected"],
        "last_received_at": iso_instant(row["last_received_at"]),
        "last_error": row["last_error"],
        "last_error_at": iso_instant(row["last_error_at"]),
        "created_at": iso_instant(row["created_at"]),
        "updated_at": iso_instant(row["updated_at"]),
    }
