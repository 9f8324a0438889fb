"""Handing claimed messages to their channel, and recording what came of it.

The dispatcher (outbox.py) decides and claims messages in one transaction. A message
whose channel has no provider (`log`), or that cannot be sent at all (its template
fails), is settled in that same transaction: a crash redoes it whole. A message for a
provider over the network is marked `sending` with a lease; `send_remote` calls the
providers outside any transaction (network calls never hold database locks) and
records the outcomes in another: `delivered`, a retry with exponential backoff and
jitter, or `failed` (dead letter, the provider's error kept). A crash between the two
leaves the message `sending`: when its lease runs out it is sent again, with the same
idempotency key for providers that honour one.

Every attempt is a row of `message_attempts`; `Message Sent` and `Message Failed` land
on the profile's timeline, so segments and journeys can react to them.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from baton.channels.email import SmtpSender
from baton.channels.policy import Policy, load_policy
from baton.channels.senders import (
    DELIVERED,
    FAILED,
    RETRY,
    LogSender,
    Outcome,
    Outgoing,
    Refused,
    Sender,
)
from baton.channels.settings import (
    EmailSettings,
    WebhookSettings,
    load_settings,
    save_settings,
)
from baton.channels.template_store import template_of
from baton.channels.templates import MessageTemplate, render
from baton.channels.webhook import WebhookSender
from baton.core.errors import BatonError, NotFound
from baton.journeys.inbox import enqueue_events
from baton.journeys.store import live_journeys
from baton.segments.due import mark_due
from baton.segments.store import load_catalog
from baton.storage.database import (
    among,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import events, message_attempts, messages, profiles

log = logging.getLogger(__name__)

MESSAGE_SENT, MESSAGE_FAILED = "Message Sent", "Message Failed"
OUTCOME_EVENTS = frozenset({MESSAGE_SENT, MESSAGE_FAILED})
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
_FIRST_BACKOFF = timedelta(seconds=30)
_LONGEST_BACKOFF = timedelta(hours=1)
_SENDERS = 16


@dataclass(frozen=True)
class Claimed:
    """A message handed to its channel now, on attempt `attempts`."""

    id: str
    workspace_id: str
    profile_id: str
    journey_id: str | None
    version: int | None
    node: str | None
    channel: str
    template: str | None
    subscription_group: str | None
    transactional: int
    payload: dict[str, Any] | None
    idempotency_key: str
    attempts: int
    first_sent: datetime

    @classmethod
    def of(cls, row: Any, now: datetime) -> Claimed:
        """The `messages` row, one attempt further."""
        return cls(
            **{name: getattr(row, name) for name in _FIELDS},
            attempts=row.attempts + 1,
            first_sent=row.dispatched_at or now,
        )


_FIELDS = [f for f in Claimed.__dataclass_fields__ if f not in ("attempts", "first_sent")]


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """30 s, 1 min, 2 min ... up to an hour, each ±20%."""
    base = min(_FIRST_BACKOFF * (1 << max(attempt - 1, 0)), _LONGEST_BACKOFF)
    return base * rng.uniform(0.8, 1.2)


@dataclass(frozen=True)
class Attempt:
    claimed: Claimed
    outgoing: Outgoing
    sender: Sender

    @property
    def remote(self) -> bool:
        return not isinstance(self.sender, LogSender | Refused)


@dataclass(frozen=True)
class Known:
    """What the dispatcher read for a batch, shared by arbitration and sending: each
    workspace's policy, each profile's traits and computed values."""

    policies: dict[str, Policy]
    profiles: dict[str, tuple[dict[str, Any], dict[str, Any]]]

    @classmethod
    def read(cls, connection: Connection, rows: Sequence[Any]) -> Known:
        policies = {ws: load_policy(connection, ws) for ws in {r.workspace_id for r in rows}}
        found = connection.execute(
            select(profiles.c.id, profiles.c.traits, profiles.c.computed).where(
                among(profiles.c.id, sorted({r.profile_id for r in rows}), connection.dialect)
            )
        )
        return cls(
            policies,
            {profile_id: (traits or {}, computed or {}) for profile_id, traits, computed in found},
        )

    def traits(self, profile_id: str) -> dict[str, Any]:
        return self.profiles.get(profile_id, ({}, {}))[0]


def prepare(
    connection: Connection,
    claimed: Sequence[Claimed],
    known: Known,
    now: datetime,
    client: httpx.Client,
) -> list[Attempt]:
    """What each claimed message needs to be sent: its rendered template and sender
    (`connection` writes: the first webhook of a workspace makes its signing secret)."""
    if not claimed:
        return []
    outgoing, senders = _prepare(connection, claimed, known, now, client)
    return [Attempt(*found) for found in zip(claimed, outgoing, senders, strict=True)]


def attempt(item: Attempt) -> tuple[Outcome, int]:
    """One hand-over to the channel: the outcome and how long it took (ms)."""
    began = time.perf_counter()
    try:
        outcome = item.sender.send(item.outgoing)
    except Exception as error:  # a channel bug must not lose the batch
        log.exception("sending message %s failed", item.claimed.id)
        outcome = Outcome(RETRY, type(error).__name__)
    return outcome, round((time.perf_counter() - began) * 1000)


def send_remote(
    engine: Engine, attempts: Sequence[Attempt], now: datetime, rng: random.Random
) -> None:
    """Call the providers side by side, then record every outcome in one transaction."""
    if not attempts:
        return
    with ThreadPoolExecutor(max_workers=min(_SENDERS, len(attempts))) as pool:
        results = list(pool.map(attempt, attempts))
    with write_transaction(engine) as connection:
        record(connection, attempts, results, now, rng)


def _prepare(
    connection: Connection,
    claimed: Sequence[Claimed],
    known: Known,
    now: datetime,
    client: httpx.Client,
) -> tuple[list[Outgoing], list[Sender]]:
    settings = {ws: load_settings(connection, ws) for ws in {row.workspace_id for row in claimed}}
    templates: dict[tuple[str, str], MessageTemplate | None] = {}
    outgoing, senders = [], []
    for row in claimed:
        traits, computed = known.profiles.get(row.profile_id, ({}, {}))
        policy = known.policies[row.workspace_id]
        payload = row.payload or {}
        data = {
            "profile": {
                "id": row.profile_id,
                "traits": traits,
                "computed": computed,
                "timezone": traits.get("timezone") or policy.timezone or "UTC",
            },
            "event": payload.get("trigger") or {},
            "journey": {"id": row.journey_id, "node": row.node, "version": row.version},
            "workspace": policy.constants,
        }
        sender: Sender = LogSender()
        rendered = None
        if row.template is not None:
            key = (row.workspace_id, row.template)
            if key not in templates:
                templates[key] = _stored(connection, row.workspace_id, row.template)
            template = templates[key]
            if template is None:
                sender = LogSender(f"no template {row.template!r}")
            else:
                try:
                    rendered = render(template, data)
                except BatonError as error:
                    sender = Refused(f"template {row.template!r}: {error.message}")
        provider = settings[row.workspace_id].get(row.channel)
        if row.channel == "webhook":
            if provider is None:
                # A secret receivers can check: made once, kept with the workspace.
                provider = settings[row.workspace_id]["webhook"] = WebhookSettings()
                save_settings(connection, row.workspace_id, "webhook", provider, now)
            sender = WebhookSender(provider, client)
        elif isinstance(provider, EmailSettings) and not isinstance(sender, Refused):
            sender = (
                SmtpSender(provider)
                if rendered is not None
                else Refused(f"no template {row.template!r} to send by e-mail")
            )
        outgoing.append(
            Outgoing(
                row.id,
                row.workspace_id,
                row.profile_id,
                row.channel,
                row.subscription_group,
                bool(row.transactional),
                payload,
                row.idempotency_key,
                row.attempts,
                now,
                data,
                rendered,
            )
        )
        senders.append(sender)
    return outgoing, senders


def _stored(connection: Connection, workspace_id: str, key: str) -> MessageTemplate | None:
    try:
        return template_of(connection, workspace_id, key)
    except NotFound:
        return None


# Where a message stands after a decision or an attempt (the dispatcher's and ours).
SETTLE = (
    update(messages)
    .where(messages.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        due_at=bindparam("b_due"),
        dispatched_at=bindparam("b_at"),
        attempts=bindparam("b_attempts"),
        reason=bindparam("b_reason"),
        detail=bindparam("b_detail"),
    )
)


def record(
    connection: Connection,
    attempts: Sequence[Attempt],
    results: Sequence[tuple[Outcome, int]],
    now: datetime,
    rng: random.Random,
) -> None:
    """Settle each message by its outcome, keep the attempt, tell the timeline."""
    settled, kept, timeline = [], [], []
    for item, (outcome, duration_ms) in zip(attempts, results, strict=True):
        row = item.claimed
        status = outcome.status
        if status == RETRY and row.attempts >= MAX_ATTEMPTS:
            status = FAILED
        settled.append(
            {
                "b_id": row.id,
                "b_status": {RETRY: "pending"}.get(status, status),
                "b_due": now + backoff(row.attempts, rng) if status == RETRY else now,
                "b_detail": outcome.detail[:1000],
                "b_attempts": row.attempts,
                "b_at": row.first_sent,
                "b_reason": None,
            }
        )
        kept.append(
            {
                "message_id": row.id,
                "n": row.attempts,
                "at": now,
                "outcome": status,
                "detail": outcome.detail[:1000],
                "provider_id": outcome.provider_id,
                "duration_ms": duration_ms,
            }
        )
        if status != RETRY:
            timeline.append(_timeline_event(row, status, outcome, now))
    executemany_fast(connection, SETTLE, settled)
    executemany_fast(connection, insert(message_attempts), kept)
    _on_timeline(connection, timeline, now)


def _on_timeline(connection: Connection, rows: list[dict[str, Any]], now: datetime) -> None:
    """Outcome events, written resolved: Baton knows whose they are, so they skip
    identity (and never hold journey timers back) and go straight to segments and
    journeys, as identity would send them."""
    if not rows:
        return
    survivors = {
        profile_id: merged_into or profile_id
        for profile_id, merged_into in connection.execute(
            select(profiles.c.id, profiles.c.merged_into).where(
                among(profiles.c.id, sorted({r["profile_id"] for r in rows}), connection.dialect)
            )
        )
    }
    for row in rows:
        row["profile_id"] = survivors.get(row["profile_id"], row["profile_id"])
    executemany_fast(connection, insert_ignoring_duplicates(connection, events), rows)
    by_workspace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_workspace[row["workspace_id"]].append(row)
    for workspace_id, mine in by_workspace.items():
        journeys_hear, segments_read = _listeners(connection, workspace_id, now)
        if segments_read:
            mark_due(connection, workspace_id, ((row["profile_id"], now) for row in mine))
        if journeys_hear:
            enqueue_events(connection, workspace_id, [row["message_id"] for row in mine])


def _listeners(connection: Connection, workspace_id: str, now: datetime) -> tuple[bool, bool]:
    """Whether a live journey hears outcome events, and whether a segment or computed
    trait reads them: only then do they cost journeys or segments any work."""
    heard: set[str] = set()
    for journey in live_journeys(connection, workspace_id):
        heard |= journey.definition.events_heard()
    catalog, _ = load_catalog(connection, workspace_id)
    read = catalog.oldest_events_needed(now).keys()
    return bool(heard & OUTCOME_EVENTS), bool(read & OUTCOME_EVENTS)


def _timeline_event(row: Claimed, status: str, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The `Message Sent` / `Message Failed` events row, already resolved to the profile."""
    properties: dict[str, Any] = {
        "message_id": row.id,
        "channel": row.channel,
        "template": row.template,
        "journey_id": row.journey_id,
        "node": row.node,
        "attempts": row.attempts,
    }
    if status == FAILED:
        properties["error"] = outcome.detail[:500]
    return {
        "workspace_id": row.workspace_id,
        "message_id": f"message:{row.id}:{status}",
        "type": "track",
        "event": MESSAGE_SENT if status == DELIVERED else MESSAGE_FAILED,
        "timestamp": now,
        "received_at": now,
        "properties": properties,
        "context": {"library": {"name": "baton-delivery"}},
        "profile_id": row.profile_id,
    }
