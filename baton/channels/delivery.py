"""Handing claimed messages to their channel, and recording what came of it.

The dispatcher (dispatch.py) decides and claims messages in one transaction. A message
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
import os
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from baton.channels.chat import ChatSender
from baton.channels.email import SmtpSender
from baton.channels.in_app import InAppSender, keep_in_inbox
from baton.channels.preferences import preferences_url
from baton.channels.push import PushSender
from baton.channels.ratelimit import LIMITS
from baton.channels.senders import (
    DELIVERED,
    FAILED,
    MESSAGE_DELIVERED,
    MESSAGE_FAILED,
    MESSAGE_SENT,
    RETRY,
    SKIPPED,
    LogSender,
    Outcome,
    Outgoing,
    Refused,
    Sender,
    Skipped,
)
from baton.channels.settings import (
    ChatSettings,
    EmailSettings,
    PushSettings,
    SmsSettings,
    TaskSettings,
    WebhookSettings,
    WhatsAppSettings,
    load_settings,
    save_settings,
)
from baton.channels.sms import SmsSender
from baton.channels.suppressions import SUPPRESSED, suppressed_among
from baton.channels.task import TaskSender
from baton.channels.template_store import template_of
from baton.channels.templates import (
    PREFERENCES_URL,
    RECOMMENDATIONS,
    MessageTemplate,
    Rendered,
    recommendations_read,
    render_localized,
    sources_of,
    strings_of,
)
from baton.channels.webhook import WebhookSender
from baton.channels.whatsapp import WhatsAppSender, last_received
from baton.core.clock import Clock
from baton.core.errors import BatonError, NotFound
from baton.core.faults import fault
from baton.core.logging import log_context
from baton.core.metrics import count_sent
from baton.core.tracing import stage_span
from baton.identity import EMAIL, merge_tree, message_from_baton, normalize_email
from baton.predict.recommended import recommended_items
from baton.storage.database import (
    among,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import events, message_attempts, messages, profiles, push_tokens
from baton.timeline import timeline_row, write_timeline
from baton.workspaces import Policy, load_policy

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
_FIRST_BACKOFF = timedelta(seconds=30)
_LONGEST_BACKOFF = timedelta(hours=1)
_SENDERS = 16
# Outcomes recorded per transaction while a batch is being sent.
_RECORD_EVERY = 32


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
    traceparent: str | None
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
    rate: float | None  # the provider's messages per second, when limited

    @property
    def remote(self) -> bool:
        return not isinstance(self.sender, LogSender | Refused | Skipped | InAppSender)


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
) -> list[Attempt]:
    """What each claimed message needs to be sent: its rendered template and sender
    (`connection` writes: the first webhook of a workspace makes its signing secret)."""
    if not claimed:
        return []
    outgoing, senders, rates = _prepare(connection, claimed, known, now)
    languages = [
        {"b_id": o.message_id, "b_locale": o.rendered.locale}
        for o in outgoing
        if o.rendered is not None
    ]
    executemany_fast(connection, _LOCALE, languages)
    return [Attempt(*found) for found in zip(claimed, outgoing, senders, rates, strict=True)]


# The language a message is rendered in, for reports by locale.
_LOCALE = (
    update(messages).where(messages.c.id == bindparam("b_id")).values(locale=bindparam("b_locale"))
)


def attempt(item: Attempt) -> tuple[Outcome, int]:
    """One hand-over to the channel: the outcome and how long it took (ms)."""
    if item.rate is not None:
        LIMITS.take(item.outgoing.workspace_id, item.outgoing.channel, item.rate)
    claimed = item.claimed
    fields = log_context(
        workspace=claimed.workspace_id, message_id=claimed.id, channel=claimed.channel
    )
    span = stage_span("delivery", claimed.traceparent, **{"baton.message": claimed.id})
    began = time.perf_counter()
    with fields, span:
        try:
            outcome = item.sender.send(item.outgoing)
        except Exception as error:  # a channel bug must not lose the batch
            log.exception("sending message %s failed", claimed.id)
            outcome = Outcome(RETRY, type(error).__name__)
    seconds = time.perf_counter() - began
    failed = item.remote and outcome.status in (RETRY, FAILED)
    count_sent(
        claimed.channel, _provider(item.sender), outcome.status, seconds, provider_error=failed
    )
    return outcome, round(seconds * 1000)


def _provider(sender: Sender) -> str:
    """The label of a sender in metrics: `smtp`, `sms`, `log`..."""
    return type(sender).__name__.removesuffix("Sender").lower()


def send_remote(
    engine: Engine, attempts: Sequence[Attempt], clock: Clock, rng: random.Random
) -> None:
    """Call the providers side by side and record their outcomes as the answers come,
    `_RECORD_EVERY` at a time: a process that dies then calls again (after the lease,
    under the same key) only what was in flight or answered since the last record, not
    its whole batch."""
    if not attempts:
        return
    calls = {_senders().submit(attempt, item): item for item in attempts}
    answered: list[Attempt] = []
    results: list[tuple[Outcome, int]] = []
    try:
        for count, call in enumerate(as_completed(calls), 1):
            answered.append(calls[call])
            results.append(call.result())
            if len(answered) == _RECORD_EVERY or count == len(calls):
                fault("dispatch.answered")
                with write_transaction(engine) as connection:
                    record(connection, answered, results, clock.now(), rng)
                answered, results = [], []
    except BaseException:
        # Unrecorded calls are made again after the lease: make no more of them.
        for call in calls:
            call.cancel()
        raise
    fault("dispatch.recorded")


@cache
def _senders() -> ThreadPoolExecutor:
    """The sending threads of the process, kept (each keeps its HTTP connections)."""
    return ThreadPoolExecutor(max_workers=_SENDERS, thread_name_prefix="baton-send")


# A forked child has none of its parent's threads: it makes its own.
os.register_at_fork(after_in_child=_senders.cache_clear)


def _prepare(
    connection: Connection,
    claimed: Sequence[Claimed],
    known: Known,
    now: datetime,
) -> tuple[list[Outgoing], list[Sender], list[float | None]]:
    settings = {ws: load_settings(connection, ws) for ws in {row.workspace_id for row in claimed}}
    templates: dict[tuple[str, str], MessageTemplate | None] = {
        (row.workspace_id, row.template): None for row in claimed if row.template is not None
    }
    for workspace_id, key in templates:
        templates[workspace_id, key] = _stored(connection, workspace_id, key)
    recommended = _recommended(connection, claimed, templates)
    devices = _devices(connection, claimed)
    replied = {
        workspace_id: last_received(connection, workspace_id, profile_ids, now)
        for workspace_id, profile_ids in _whatsapp_profiles(claimed).items()
    }
    suppressed = _suppressed(connection, claimed, known)
    outgoing: list[Outgoing] = []
    senders: list[Sender] = []
    rates: list[float | None] = []
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
            "journey": {
                "id": row.journey_id,
                "node": row.node,
                "version": row.version,
                # What the instance's decide nodes chose: `journey.decisions.<node>.offer`.
                "decisions": payload.get("decisions") or {},
            },
            "workspace": policy.constants,
        }
        if row.id in recommended:
            data[RECOMMENDATIONS] = recommended[row.id]
        email = settings[row.workspace_id].get("email")
        if row.channel == "email" and isinstance(email, EmailSettings):
            data[PREFERENCES_URL] = preferences_url(email, row.workspace_id, row.profile_id, now)
        sender: Sender = LogSender()
        rendered = None
        if row.template is not None:
            template = templates[row.workspace_id, row.template]
            if template is None:
                sender = LogSender(f"no template {row.template!r}")
            else:
                try:
                    rendered = render_localized(template, data, policy.locales)
                except BatonError as error:
                    sender = Refused(f"template {row.template!r}: {error.message}")
        provider = settings[row.workspace_id].get(row.channel)
        if row.channel == "webhook" and provider is None:
            # A secret receivers can check: made once, kept with the workspace.
            provider = settings[row.workspace_id]["webhook"] = WebhookSettings()
            save_settings(connection, row.workspace_id, "webhook", provider, now)
        sender = _sender(row, provider, rendered, sender)
        if _address(row, traits) in suppressed.get((row.workspace_id, row.channel), ()):
            sender = Skipped(SUPPRESSED)
        rates.append(provider.rate if provider is not None else None)
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
                devices.get(row.profile_id, ()) if row.channel == "push" else (),
                replied.get(row.workspace_id, {}).get(row.profile_id),
            )
        )
        senders.append(sender)
    return outgoing, senders, rates


def _recommended(
    connection: Connection,
    claimed: Sequence[Claimed],
    templates: dict[tuple[str, str], MessageTemplate | None],
) -> dict[str, dict[str, Any]]:
    """By message id, the recommendations its template (or webhook call) reads, for the
    messages whose do; read once per workspace for the batch."""
    wanted: dict[str, tuple[str, str, frozenset[str]]] = {}
    for row in claimed:
        template = templates.get((row.workspace_id, row.template or ""))
        sources = sources_of(template) if template is not None else []
        if row.channel == "webhook" and row.payload:
            calls = {name: row.payload.get(name) for name in ("url", "headers", "body")}
            sources += [source for _, source in strings_of(calls, "")]
        keys = recommendations_read(sources)
        if keys:
            wanted[row.id] = (row.workspace_id, row.profile_id, keys)
    by_workspace: dict[str, tuple[list[str], set[str]]] = defaultdict(lambda: ([], set()))
    for workspace_id, profile_id, keys in wanted.values():
        by_workspace[workspace_id][0].append(profile_id)
        by_workspace[workspace_id][1].update(keys)
    loaded = {
        workspace_id: recommended_items(connection, workspace_id, profile_ids, keys)
        for workspace_id, (profile_ids, keys) in by_workspace.items()
    }
    return {
        message_id: loaded[workspace_id][profile_id]
        for message_id, (workspace_id, profile_id, _) in wanted.items()
    }


def _sender(row: Claimed, provider: Any, rendered: Rendered | None, fallback: Sender) -> Sender:
    """The sender of a message: its channel's provider when the workspace has one (a
    message that cannot be rendered is refused), the inbox, or the log."""
    if isinstance(fallback, Refused):
        return fallback
    if row.channel == "inbox":
        return InAppSender()
    if isinstance(provider, TaskSettings):
        return TaskSender(provider)  # a template is optional: the profile is the task
    if isinstance(provider, WebhookSettings):
        return WebhookSender(provider)
    if provider is None:
        return fallback
    if rendered is None:
        return Refused(f"no template {row.template!r} to send by {row.channel}")
    if isinstance(provider, EmailSettings):
        return SmtpSender(provider)
    sender: type[SmsSender | WhatsAppSender | PushSender | ChatSender]
    sender = _HTTP_SENDERS[type(provider)]
    return sender(provider)


_HTTP_SENDERS: dict[type, type[SmsSender | WhatsAppSender | PushSender | ChatSender]] = {
    SmsSettings: SmsSender,
    WhatsAppSettings: WhatsAppSender,
    PushSettings: PushSender,
    ChatSettings: ChatSender,
}


def _address(row: Claimed, traits: dict[str, Any]) -> str | None:
    """The e-mail address a message goes to, as suppressions keep it."""
    value = traits.get(EMAIL) if row.channel == "email" else None
    return normalize_email(value) if isinstance(value, str) else None


def _suppressed(
    connection: Connection, claimed: Sequence[Claimed], known: Known
) -> dict[tuple[str, str], set[str]]:
    """The suppressed addresses among the batch's, by workspace and channel."""
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in claimed:
        address = _address(row, known.traits(row.profile_id))
        if address is not None:
            wanted[(row.workspace_id, row.channel)].append(address)
    return {
        (ws, channel): suppressed_among(connection, ws, channel, addresses)
        for (ws, channel), addresses in wanted.items()
    }


def _devices(connection: Connection, claimed: Sequence[Claimed]) -> dict[str, tuple[str, ...]]:
    """The push tokens of the profiles of push messages (kept under any of their ids)."""
    found: dict[str, tuple[str, ...]] = {}
    for row in claimed:
        if row.channel != "push" or row.profile_id in found:
            continue
        ids = sorted(merge_tree(connection, row.workspace_id, row.profile_id))
        found[row.profile_id] = tuple(
            connection.execute(
                select(push_tokens.c.token)
                .where(
                    push_tokens.c.workspace_id == row.workspace_id,
                    among(push_tokens.c.profile_id, ids, connection.dialect),
                )
                .order_by(push_tokens.c.updated_at.desc())
            ).scalars()
        )
    return found


def _whatsapp_profiles(claimed: Sequence[Claimed]) -> dict[str, list[str]]:
    """The profiles of WhatsApp messages, by workspace (whose 24-hour window matters)."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in claimed:
        if row.channel == "whatsapp":
            found[row.workspace_id].append(row.profile_id)
    return found


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
    """Settle each message by its outcome, keep the attempt, tell the timeline. The result
    of a message erased while it was being sent is dropped: nothing may bring back the
    address it went to. The messages still there are locked until the transaction ends,
    so an erasure waits for this record and then deletes it with the rest."""
    ids = [item.claimed.id for item in attempts]
    remaining = set(
        connection.execute(
            select(messages.c.id)
            .where(among(messages.c.id, ids, connection.dialect))
            .with_for_update()
        ).scalars()
    )
    if len(remaining) < len(ids):
        kept_pairs = [
            (a, r) for a, r in zip(attempts, results, strict=True) if a.claimed.id in remaining
        ]
        attempts, results = [a for a, _ in kept_pairs], [r for _, r in kept_pairs]
    settled, kept, timeline = [], [], []
    for item, (outcome, duration_ms) in zip(attempts, results, strict=True):
        row = item.claimed
        status = outcome.status
        if status == SKIPPED:
            settled.append(
                {
                    "b_id": row.id,
                    "b_status": SKIPPED,
                    "b_due": now,
                    "b_detail": None,
                    "b_attempts": row.attempts - 1,  # nothing was handed over
                    "b_at": None,
                    "b_reason": outcome.detail,
                }
            )
            continue
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
            timeline.extend(_timeline_events(row, status, outcome, now))
    executemany_fast(connection, SETTLE, settled)
    executemany_fast(connection, insert(message_attempts), kept)
    write_timeline(connection, timeline, now)
    _effects(connection, attempts, [outcome for outcome, _ in results], now)


def _effects(
    connection: Connection, attempts: Sequence[Attempt], outcomes: Sequence[Outcome], now: datetime
) -> None:
    """What outcomes change besides the message: in-app messages wait in the inbox,
    traits a webhook's answer maps go to the profile (as an identify, through identity
    like any), push tokens the provider no longer knows are forgotten."""
    keep_in_inbox(
        connection,
        [
            a.outgoing
            for a, o in zip(attempts, outcomes, strict=True)
            if a.claimed.channel == "inbox" and o.status == DELIVERED
        ],
        now,
    )
    learned = [
        message_from_baton(
            connection,
            a.claimed.workspace_id,
            a.claimed.profile_id,
            {"type": "identify", "traits": o.traits},
            f"webhook:{a.claimed.id}:response",
            now,
            {"library": {"name": "baton-delivery"}, "message_id": a.claimed.id},
        )
        for a, o in zip(attempts, outcomes, strict=True)
        if o.traits
    ]
    rows = [row for row in learned if row is not None]
    if rows:
        executemany_fast(connection, insert_ignoring_duplicates(connection, events), rows)
    gone = sorted({token for outcome in outcomes for token in outcome.forget})
    if gone:
        connection.execute(
            delete(push_tokens).where(among(push_tokens.c.token, gone, connection.dialect))
        )


def _timeline_events(
    row: Claimed, status: str, outcome: Outcome, now: datetime
) -> list[dict[str, Any]]:
    """`Message Sent` or `Message Failed`; `Message Delivered` too when the provider's
    acceptance is the delivery (webhook, task, chat); `Task Created` for a task."""
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
        names = [MESSAGE_FAILED]
    else:
        names = [MESSAGE_SENT]
        if row.channel in DELIVERED_ON_ACCEPTANCE:
            names.append(MESSAGE_DELIVERED)
        if row.channel == "task":
            names.append(TASK_CREATED)
    return [
        timeline_row(
            row.workspace_id,
            row.profile_id,
            name,
            properties,
            now,
            f"message:{row.id}:{_KEYS.get(name, status)}",
        )
        for name in names
    ]


# Channels whose provider hands the message straight to its reader.
DELIVERED_ON_ACCEPTANCE = frozenset({"webhook", "task", "chat"})
TASK_CREATED = "Task Created"
# The event's part of its message id (Sent and Failed keep the status, as ever).
_KEYS = {MESSAGE_DELIVERED: "confirmed", TASK_CREATED: "task"}
