"""Broadcasts as stored: drafts saved and deleted, and the moves staff make (send,
pause, resume, cancel), each checked against where the broadcast is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from baton.campaigns.definitions import BroadcastDefinition, dump_broadcast
from baton.channels import CANCELLED, PENDING, template_of
from baton.core.batches import chunked
from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.core.validation import refuse_nul
from baton.identity import profile_of_identifier, resolve_profile_id
from baton.identity.normalize import normalize_identifier
from baton.segments import Kind, get_definition
from baton.storage.database import executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import broadcast_recipients, broadcasts, messages

PAUSED_REASON, CANCELLED_REASON = "broadcast_paused", "broadcast_cancelled"
# What a CSV upload may name people by: a profile id, or an identifier of theirs.
UPLOAD_COLUMNS = ("profile_id", "user_id", "email", "phone", "anonymous_id")
MAX_UPLOAD_ROWS = 1_000_000


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"  # everyone's message is in the outbox
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Broadcast:
    id: str
    workspace_id: str
    key: str
    status: Status
    definition: BroadcastDefinition
    row: Any

    def json(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": self.id,
            "key": self.key,
            "name": r.name,
            "status": self.status.value,
            "definition": dump_broadcast(self.definition),
            "created_at": iso_instant(r.created_at),
            "updated_at": iso_instant(r.updated_at),
            "started_at": iso_instant(r.started_at),
            "finished_at": iso_instant(r.finished_at),
            "queued": r.enqueued,
            "winner": r.winner,
            "winner_reason": r.winner_reason,
        }


def _of(row: Any) -> Broadcast:
    definition = BroadcastDefinition.model_validate(row.definition)
    return Broadcast(row.id, row.workspace_id, row.key, Status(row.status), definition, row)


def get_broadcast(
    connection: Connection, workspace_id: str, key: str, *, for_update: bool = False
) -> Broadcast:
    query = select(broadcasts).where(broadcasts.c.workspace_id == workspace_id,
                                     broadcasts.c.key == key)  # fmt: skip
    row = connection.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"no broadcast {key!r}")
    return _of(row)


def broadcasts_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[Broadcast, str]:
    query = select(broadcasts).where(broadcasts.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(broadcasts.c.key > after)
    rows = connection.execute(query.order_by(broadcasts.c.key).limit(limit + 1)).all()
    found = [_of(row) for row in rows[:limit]]
    return Page(found, found[-1].key if len(rows) > limit else None)


def save_draft(
    connection: Connection, workspace_id: str, definition: BroadcastDefinition, now: datetime
) -> tuple[Broadcast, bool]:
    """Create or replace a draft; returns it and whether it was created."""
    document = dump_broadcast(definition)
    try:
        current = get_broadcast(connection, workspace_id, definition.key, for_update=True)
    except NotFound:
        connection.execute(
            insert(broadcasts).values(
                id=new_id("bc", now), workspace_id=workspace_id, key=definition.key,
                name=definition.name, status=Status.DRAFT, definition=document,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return get_broadcast(connection, workspace_id, definition.key), True
    _require(current, Status.DRAFT, "changed")
    connection.execute(
        update(broadcasts)
        .where(broadcasts.c.id == current.id)
        .values(name=definition.name, definition=document, updated_at=now)
    )
    return get_broadcast(connection, workspace_id, definition.key), False


def delete_broadcast(connection: Connection, workspace_id: str, key: str) -> Broadcast:
    """A draft, or one that is over; its messages stay in the outbox's history."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, (Status.DRAFT, Status.SENT, Status.CANCELLED), "deleted")
    connection.execute(
        delete(broadcast_recipients).where(broadcast_recipients.c.broadcast_id == current.id)
    )
    connection.execute(delete(broadcasts).where(broadcasts.c.id == current.id))
    return current


def start(connection: Connection, workspace_id: str, key: str, now: datetime) -> Broadcast:
    """Send a draft: now, or at its `send` time; its audience is snapshotted then."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, Status.DRAFT, "sent")
    definition = current.definition
    for field, template in _templates(definition):
        try:
            template_of(connection, workspace_id, template)
        except NotFound:
            raise InvalidInput(f"{field}: no template {template!r}", field=field) from None
    audience = definition.audience
    if audience.segment is not None:
        try:
            get_definition(connection, workspace_id, Kind.SEGMENT, audience.segment)
        except NotFound:
            message = f"audience.segment: no segment {audience.segment!r}"
            raise InvalidInput(message, field="audience.segment") from None
    if audience.upload and recipient_count(connection, current.id) == 0:
        raise InvalidInput("audience.upload: upload the recipients first", field="audience")
    at = definition.send.instant(now)
    later = at > now
    connection.execute(
        update(broadcasts)
        .where(broadcasts.c.id == current.id)
        .values(
            status=Status.SCHEDULED if later else Status.SENDING,
            started_at=None if later else now,
            wake_at=at,
            updated_at=now,
        )
    )
    return get_broadcast(connection, workspace_id, key)


def _templates(definition: BroadcastDefinition) -> list[tuple[str, str]]:
    found = [("template", definition.template)]
    if definition.ab_test is not None:
        found += [
            (f"ab_test.variants.{n}.template", v.template)
            for n, v in enumerate(definition.ab_test.variants)
        ]
    return found


def pause(connection: Connection, workspace_id: str, key: str, now: datetime) -> Broadcast:
    """Stop: nothing more is queued, and its messages not sent yet are held back."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, (Status.SCHEDULED, Status.SENDING, Status.SENT), "paused")
    connection.execute(
        update(broadcasts)
        .where(broadcasts.c.id == current.id)
        .values(status=Status.PAUSED, paused_at=now, wake_at=None, updated_at=now)
    )
    _cancel_pending(connection, current.id, now, PAUSED_REASON)
    return get_broadcast(connection, workspace_id, key)


def resume(connection: Connection, workspace_id: str, key: str, now: datetime) -> Broadcast:
    """Go on where it stopped: the held-back messages and the A/B wait move later by the
    pause's length, so the throttle's spacing holds."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, Status.PAUSED, "resumed")
    row = current.row
    gap = now - row.paused_at
    held = connection.execute(
        select(messages.c.id, messages.c.due_at).where(
            messages.c.broadcast_id == current.id,
            messages.c.status == CANCELLED,
            messages.c.reason == PAUSED_REASON,
        )
    ).all()
    requeue = (
        update(messages)
        .where(messages.c.id == bindparam("b_id"))
        .values(status=PENDING, reason=None, dispatched_at=None, due_at=bindparam("b_due"))
    )
    for batch in chunked(held, 5_000):
        connection.execute(requeue, [{"b_id": m.id, "b_due": max(m.due_at + gap, now)}
                                     for m in batch])  # fmt: skip
    started = row.started_at is not None
    connection.execute(
        update(broadcasts)
        .where(broadcasts.c.id == current.id)
        .values(
            status=Status.SENDING if started else Status.SCHEDULED,
            paused_at=None,
            wake_at=now if started else current.definition.send.instant(now),
            decide_at=None if row.decide_at is None else row.decide_at + gap,
            updated_at=now,
        )
    )
    return get_broadcast(connection, workspace_id, key)


def cancel(connection: Connection, workspace_id: str, key: str, now: datetime) -> Broadcast:
    """End it: what is not sent yet never will be."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, (Status.SCHEDULED, Status.SENDING, Status.PAUSED, Status.SENT), "cancelled")
    connection.execute(
        update(broadcasts)
        .where(broadcasts.c.id == current.id)
        .values(status=Status.CANCELLED, wake_at=None, finished_at=now, updated_at=now)
    )
    _cancel_pending(connection, current.id, now, CANCELLED_REASON)
    return get_broadcast(connection, workspace_id, key)


def _cancel_pending(connection: Connection, broadcast_id: str, now: datetime, why: str) -> None:
    connection.execute(
        update(messages)
        .where(messages.c.broadcast_id == broadcast_id, messages.c.status == PENDING)
        .values(status=CANCELLED, dispatched_at=now, reason=why)
    )


def _require(current: Broadcast, allowed: Status | tuple[Status, ...], what: str) -> None:
    wanted = allowed if isinstance(allowed, tuple) else (allowed,)
    if current.status not in wanted:
        names = " or ".join(s.value for s in wanted)
        raise Conflict(
            f"broadcast {current.key!r} is {current.status.value}: only one {names} can be {what}"
        )


def recipient_count(connection: Connection, broadcast_id: str) -> int:
    query = select(func.count()).where(broadcast_recipients.c.broadcast_id == broadcast_id)
    return int(connection.execute(query).scalar_one())


@dataclass(frozen=True)
class Upload:
    rows: int
    added: int
    unknown: int


def upload_recipients(
    connection: Connection, workspace_id: str, key: str, text: str, region: str
) -> Upload:
    """Add the people a CSV names (its header names the column: `profile_id`, `email`,
    `user_id`, `phone` or `anonymous_id`) to an upload audience's draft; names that
    match nobody are counted, not added."""
    current = get_broadcast(connection, workspace_id, key, for_update=True)
    _require(current, Status.DRAFT, "given recipients")
    if not current.definition.audience.upload:
        raise InvalidInput("audience: only an upload audience takes a CSV", field="audience")
    refuse_nul(text, "file")
    try:
        rows, found, unknown = _people_named(connection, workspace_id, text, region)
    except csv.Error as error:  # a field over the csv module's limit, for one
        raise InvalidInput(f"file: {error}", field="file") from None
    before = recipient_count(connection, current.id)
    for batch in chunked(sorted(found), 5_000):
        executemany_fast(
            connection,
            insert_ignoring_duplicates(connection, broadcast_recipients),
            [{"broadcast_id": current.id, "profile_id": p, "queued": False} for p in batch],
        )
    return Upload(rows, recipient_count(connection, current.id) - before, unknown)


def _people_named(
    connection: Connection, workspace_id: str, text: str, region: str
) -> tuple[int, set[str], int]:
    """(rows, the profiles they name, how many name nobody)."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    column = next((name for name in UPLOAD_COLUMNS if name in header), None)
    if column is None:
        raise InvalidInput(
            f"file: the header names none of {', '.join(UPLOAD_COLUMNS)}", field="file"
        )
    at = header.index(column)
    found: set[str] = set()
    rows = unknown = 0
    for row in reader:
        if not row or at >= len(row) or not row[at].strip():
            continue
        rows += 1
        if rows > MAX_UPLOAD_ROWS:
            raise InvalidInput(f"file: more than {MAX_UPLOAD_ROWS:,} rows", field="file")
        profile_id = _profile_named(connection, workspace_id, column, row[at].strip(), region)
        if profile_id is None:
            unknown += 1
        else:
            found.add(profile_id)
    return rows, found, unknown


def _profile_named(
    connection: Connection, workspace_id: str, column: str, value: str, region: str
) -> str | None:
    if column == "profile_id":
        try:
            return resolve_profile_id(connection, workspace_id, value[:40])
        except NotFound:
            return None
    canonical = normalize_identifier(column, value, region)
    if canonical is None:
        return None
    found = profile_of_identifier(connection, workspace_id, column, canonical)
    return None if found is None else resolve_profile_id(connection, workspace_id, found)
