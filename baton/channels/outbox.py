"""The message outbox: journeys write messages here in the transaction that decided
them, and cancel them there when an instance ends first.

A message exists once per idempotency key (instance, node, visit), so a retried or
replayed step never makes a second one. A goal or exit cancels the instance's messages
still pending. The dispatcher (baton/channels/dispatch.py) takes them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, update

from baton.channels.arbitration import HELD_OUT, SKIPPED
from baton.core.ids import new_id
from baton.core.tracing import current_traceparent, enabled
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import message_decisions, messages

__all__ = [
    "CANCELLED",
    "DELIVERED",
    "FAILED",
    "PENDING",
    "SENDING",
    "STATUSES",
    "Decided",
    "NewMessage",
    "cancel_pending",
    "enqueue",
    "record_decisions",
]

PENDING, SENDING, DELIVERED = "pending", "sending", "delivered"
CANCELLED, FAILED = "cancelled", "failed"
STATUSES = (PENDING, SENDING, DELIVERED, SKIPPED, CANCELLED, FAILED)
INSTANCE_ENDED = "instance_ended"


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
    priority: int = 50
    transactional: bool = False
    on_cap: str = "skip"
    # None: the workspace's quiet hours; {}: none; else the journey's own window.
    quiet_hours: dict[str, Any] | None = None
    held_out: bool = False
    # When it may go (a broadcast's throttle or local time); None: now.
    due_at: datetime | None = None
    broadcast_id: str | None = None
    # The span it was queued under, when traces are on: delivery's span continues it.
    traceparent: str | None = field(default_factory=current_traceparent)


def enqueue(connection: Connection, new: Sequence[NewMessage], now: datetime) -> None:
    """Add messages; one whose idempotency key exists already is skipped. A held-out
    message is recorded as skipped, with its decision."""
    rows = [{"id": new_id("msg", now), **_row(m, now)} for m in new]
    if enabled():  # the column is left out otherwise: it would only be NULL
        for row, m in zip(rows, new, strict=True):
            row["traceparent"] = m.traceparent
    executemany_fast(connection, insert_ignoring_duplicates(connection, messages), rows)
    record_decisions(
        connection,
        [Decided(row["id"], 0, now, SKIPPED, HELD_OUT) for row in rows if row["reason"]],
    )


def _row(m: NewMessage, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": m.workspace_id,
        "profile_id": m.profile_id,
        "journey_id": m.journey_id,
        "version": m.version,
        "instance_id": m.instance_id,
        "node": m.node,
        "channel": m.channel,
        "template": m.template,
        "subscription_group": m.subscription_group,
        "status": SKIPPED if m.held_out else PENDING,
        "idempotency_key": m.idempotency_key,
        "payload": m.payload,
        "created_at": now,
        "due_at": m.due_at or now,
        "dispatched_at": now if m.held_out else None,
        "detail": None,
        "priority": m.priority,
        "transactional": int(m.transactional),
        "on_cap": m.on_cap,
        "quiet_hours": m.quiet_hours,
        "reason": HELD_OUT if m.held_out else None,
        "attempts": 0,
        "broadcast_id": m.broadcast_id,
    }


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
            .values(status=CANCELLED, dispatched_at=now, detail=why, reason=INSTANCE_ENDED)
        )


@dataclass(frozen=True)
class Decided:
    """One decision on a message (its `n`th): sent, deferred until, or skipped."""

    message_id: str
    n: int
    at: datetime
    decision: str
    reason: str | None
    until: datetime | None = None


def record_decisions(connection: Connection, decided: Sequence[Decided]) -> None:
    executemany_fast(
        connection,
        insert(message_decisions),
        [
            {
                "message_id": d.message_id,
                "n": d.n,
                "at": d.at,
                "decision": d.decision,
                "reason": d.reason,
                "until": d.until,
            }
            for d in decided
        ],
    )
