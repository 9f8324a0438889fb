"""The message outbox: journeys write messages here in the transaction that decided
them; the dispatcher claims due ones and hands each to its channel.

A message exists once per idempotency key (instance, node, visit), so a retried or
replayed step never makes a second one. A goal or exit cancels the instance's messages
still pending. Until real channels exist every channel delivers through `log`, which
records the message as delivered and sends nothing (also what a dry run wants).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from baton.core.clock import Clock
from baton.core.errors import InvalidInput
from baton.core.formats import decode_cursor, encode_cursor, iso_instant
from baton.core.ids import new_id
from baton.storage.database import (
    among,
    any_row,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import journeys, messages

PENDING, DELIVERED, CANCELLED, FAILED = "pending", "delivered", "cancelled", "failed"
STATUSES = (PENDING, DELIVERED, CANCELLED, FAILED)
DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class NewMessage:
    workspace_id: str
    profile_id: str
    journey_id: str | None
    version: int | None
    instance_id: str | None
    node: str | None
    channel: str
    template: str | None
    subscription_group: str | None
    idempotency_key: str
    payload: dict[str, Any]


def enqueue(connection: Connection, new: Sequence[NewMessage], now: datetime) -> None:
    """Add messages; one whose idempotency key exists already is skipped."""
    executemany_fast(
        connection,
        insert_ignoring_duplicates(connection, messages),
        [
            {
                "id": new_id("msg", now),
                "workspace_id": m.workspace_id,
                "profile_id": m.profile_id,
                "journey_id": m.journey_id,
                "version": m.version,
                "instance_id": m.instance_id,
                "node": m.node,
                "channel": m.channel,
                "template": m.template,
                "subscription_group": m.subscription_group,
                "status": PENDING,
                "idempotency_key": m.idempotency_key,
                "payload": m.payload,
                "created_at": now,
                "due_at": now,
                "dispatched_at": None,
                "detail": None,
            }
            for m in new
        ],
    )


def cancel_pending(
    connection: Connection, instance_ids: Sequence[str], now: datetime, why: str
) -> None:
    if instance_ids:
        connection.execute(
            update(messages)
            .where(
                among(messages.c.instance_id, instance_ids, connection.dialect),
                messages.c.status == PENDING,
            )
            .values(status=CANCELLED, dispatched_at=now, detail=why)
        )


def next_due_at(connection: Connection) -> datetime | None:
    query = select(messages.c.due_at).where(messages.c.status == PENDING)
    return connection.execute(query.order_by(messages.c.due_at).limit(1)).scalar()


_DELIVER = (
    update(messages)
    .where(messages.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"), dispatched_at=bindparam("b_at"), detail=bindparam("b_detail")
    )
)


def dispatch_due(engine: Engine, clock: Clock, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Hand due pending messages to their channel; returns how many were claimed.

    Claimed rows are locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on
    SQLite), so any number of dispatchers never take the same message twice.
    """
    now = clock.now()
    due = (messages.c.status == PENDING) & (messages.c.due_at <= now)
    if not any_row(engine, select(messages.c.id).where(due)):
        return 0
    with write_transaction(engine) as connection:
        query = (
            select(messages.c.id, messages.c.channel)
            .where(due)
            .order_by(messages.c.due_at)
            .limit(batch_size)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = connection.execute(query).all()
        executemany_fast(
            connection,
            _DELIVER,
            [
                {
                    "b_id": message_id,
                    "b_status": DELIVERED,
                    "b_at": now,
                    "b_detail": f"log:{channel}",
                }
                for message_id, channel in claimed
            ],
        )
    return len(claimed)


def list_messages(
    connection: Connection,
    workspace_id: str,
    *,
    profile_id: str | None,
    journey: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """A page of messages, newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    query = (
        select(messages, journeys.c.key.label("journey_key"))
        .select_from(messages.outerjoin(journeys, journeys.c.id == messages.c.journey_id))
        .where(messages.c.workspace_id == workspace_id)
    )
    if profile_id is not None:
        query = query.where(messages.c.profile_id == profile_id)
    if journey is not None:
        query = query.where(journeys.c.key == journey)
    if status is not None:
        query = query.where(messages.c.status == status)
    if cursor:
        query = query.where(messages.c.id < decode_cursor(cursor))
    rows = connection.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return {
        "items": [_message_json(row) for row in page],
        "next": encode_cursor(page[-1].id) if len(rows) > limit else None,
    }


def _message_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "profile_id": row.profile_id,
        "journey": row.journey_key,
        "version": row.version,
        "instance_id": row.instance_id,
        "node": row.node,
        "channel": row.channel,
        "template": row.template,
        "subscription_group": row.subscription_group,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "payload": row.payload,
        "created_at": iso_instant(row.created_at),
        "dispatched_at": iso_instant(row.dispatched_at),
        "detail": row.detail,
    }
