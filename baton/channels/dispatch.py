"""The dispatcher: claims the outbox's due messages, arbitrates them against the
workspace policy (baton/channels/arbitration.py), records every decision and hands the
messages that may go to their channel (baton/channels/delivery.py).

Until a workspace configures a provider for a channel, the channel delivers through
`log`, which records the message as delivered and sends nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, func, literal_column, or_, select, text

from baton.channels import delivery
from baton.channels.arbitration import SENT, SKIPPED, Contender, Ledger, OwnLimit, arbitrate
from baton.channels.consent import allowed, consents_of
from baton.channels.outbox import (
    DELIVERED,
    PENDING,
    SENDING,
    Decided,
    record_decisions,
)
from baton.channels.preferences import own_limits
from baton.core.clock import Clock
from baton.core.faults import fault
from baton.core.local_time import zone, zone_or
from baton.segments import members_among
from baton.storage.database import among, any_row, executemany_fast, write_transaction
from baton.storage.tables import message_decisions, messages
from baton.workspaces import Policy

__all__ = ["DEFAULT_BATCH_SIZE", "dispatch_due", "load_ledgers", "next_due_at"]

DEFAULT_BATCH_SIZE = 500
# Pending or sending, spelled with literals: SQLite uses the partial index of due
# messages only when the query's condition is visibly the index's, not bound parameters.
_DUE_STATUS = messages.c.status.in_([literal_column(f"'{s}'") for s in (PENDING, SENDING)])


def next_due_at(connection: Connection) -> datetime | None:
    query = select(messages.c.due_at).where(_DUE_STATUS)
    return connection.execute(query.order_by(messages.c.due_at).limit(1)).scalar()


# Profiles a dispatcher holds (PostgreSQL): caps count what the others sent first. The
# function scan keeps the candidates' order and stops at the limit, so it locks no more
# than it takes; dispatchers side by side skip each other's profiles.
_PROFILE_LOCKS = text(
    "SELECT p FROM unnest(CAST(:profiles AS text[])) AS p "
    "WHERE pg_try_advisory_xact_lock(7411, hashtext(p)) LIMIT :wanted"
)
# How far past its batch a dispatcher looks for profiles others do not hold.
_WINDOW = 4


def dispatch_due(
    engine: Engine,
    clock: Clock,
    rng: random.Random,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Arbitrate the due messages of up to `batch_size` profiles, send those that may go
    and record the outcomes; returns how many were claimed. `rng` spreads retries.

    A profile's due messages are judged together, by one dispatcher at a time (an
    advisory lock per profile on PostgreSQL, the single writer on SQLite), so caps hold
    however many dispatchers run. A message already handed to its channel (a retry, or
    one whose sending lease ran out) is sent again without being judged again.
    """
    now = clock.now()
    due = _DUE_STATUS & (messages.c.due_at <= now)
    if not any_row(engine, select(messages.c.id).where(due).order_by(messages.c.due_at)):
        return 0
    with write_transaction(engine) as connection:
        claimed = _claim(connection, due, batch_size)
        fresh = [row for row in claimed if row.status == PENDING and row.attempts == 0]
        by_workspace: dict[str, list[Any]] = defaultdict(list)
        for row in fresh:
            by_workspace[row.workspace_id].append(row)
        known = delivery.Known.read(connection, claimed)
        decided: list[Decided] = []
        for workspace_id, rows in by_workspace.items():
            decided.extend(_arbitrate(connection, rows, known.policies[workspace_id], known, now))
        sending = {d.message_id for d in decided if d.decision == SENT}
        fresh_ids = {row.id for row in fresh}
        sending.update(row.id for row in claimed if row.id not in fresh_ids)
        handed = [delivery.Claimed.of(row, now) for row in claimed if row.id in sending]
        attempts = delivery.prepare(connection, handed, known, now)
        remote = [a for a in attempts if a.remote]
        settled = [_settled(d, now) for d in decided if d.decision != SENT]
        settled += [
            {
                "b_id": a.claimed.id,
                "b_status": SENDING,
                "b_due": now + delivery.LEASE,
                "b_at": a.claimed.first_sent,
                "b_reason": None,
                "b_attempts": a.claimed.attempts,
                "b_detail": None,
            }
            for a in remote
        ]
        executemany_fast(connection, delivery.SETTLE, settled)
        record_decisions(connection, decided)
        local = [a for a in attempts if not a.remote]
        delivery.record(connection, local, [delivery.attempt(a) for a in local], now, rng)
    fault("dispatch.leased")
    delivery.send_remote(engine, remote, clock, rng)
    return len(claimed)


def _claim(connection: Connection, due: Any, batch_size: int) -> list[Any]:
    """Every due message of the profiles of the first `batch_size` due messages; on
    PostgreSQL, of the first `batch_size` profiles no other dispatcher holds."""
    postgres = connection.dialect.name == "postgresql"
    window = batch_size * _WINDOW if postgres else batch_size
    candidates = connection.execute(
        select(messages.c.profile_id).where(due).order_by(messages.c.due_at).limit(window)
    ).scalars()
    held = list(dict.fromkeys(candidates))
    if postgres:
        locked = connection.execute(_PROFILE_LOCKS, {"profiles": held, "wanted": batch_size})
        held = list(locked.scalars())
    query = select(messages).where(due, among(messages.c.profile_id, held, connection.dialect))
    if postgres:
        query = query.with_for_update()
    return list(connection.execute(query.order_by(messages.c.due_at)).all())


def _arbitrate(
    connection: Connection,
    rows: list[Any],
    policy: Policy,
    known: delivery.Known,
    now: datetime,
) -> list[Decided]:
    """Each message's decision (rows of one workspace)."""
    default_zone = zone(policy.timezone or "UTC")
    profile_ids = sorted({row.profile_id for row in rows})
    own = own_limits(connection, profile_ids, now)
    span = max(policy.longest_cap, OwnLimit.SPAN) if own else policy.longest_cap
    ledgers = load_ledgers(connection, policy, profile_ids, now - span, own_caps=bool(own))
    recorded = consents_of(connection, profile_ids)
    holding = members_among(
        connection, rows[0].workspace_id, [p.segment for p in policy.pauses], profile_ids
    )
    judged = _decisions_so_far(connection, [row.id for row in rows if row.reason is not None])
    contenders: dict[str, list[Contender]] = defaultdict(list)
    for row in rows:
        contenders[row.profile_id].append(
            Contender(
                row.id,
                row.channel,
                row.subscription_group,
                row.priority,
                bool(row.transactional),
                row.on_cap,
                row.quiet_hours,
                row.due_at,
            )
        )
    decided: list[Decided] = []
    for profile_id, mine in contenders.items():
        profile_traits = known.traits(profile_id)
        verdicts = arbitrate(
            policy,
            mine,
            ledgers[profile_id],
            zone_or(profile_traits.get("timezone"), default_zone),
            partial(
                allowed,
                recorded.get(profile_id, {}),
                profile_traits,
                explicit=policy.explicit_groups,
            ),
            now,
            [p for p in policy.pauses if p.segment in holding.get(profile_id, ())],
            own.get(profile_id),
        )
        decided.extend(
            Decided(
                contender.id,
                judged.get(contender.id, 0),
                now,
                verdict.decision,
                verdict.reason,
                verdict.until,
            )
            for contender, verdict in verdicts
        )
    return decided


def load_ledgers(
    connection: Connection,
    policy: Policy,
    profile_ids: Sequence[str],
    since: datetime,
    other_than: str | None = None,
    *,
    own_caps: bool = False,
) -> dict[str, Ledger]:
    """What caps count for each profile: messages delivered since `since` (of journeys
    other than `other_than`, when given). Nothing when neither the policy nor (with
    `own_caps`) one of the profiles' own limits caps anything."""
    ledgers: dict[str, Ledger] = defaultdict(Ledger)
    if not policy.caps and not own_caps:
        return ledgers
    query = select(
        messages.c.profile_id,
        messages.c.dispatched_at,
        messages.c.channel,
        messages.c.subscription_group,
    ).where(
        among(messages.c.profile_id, profile_ids, connection.dialect),
        # Judged `sent`: delivered, being sent, or waiting to be retried.
        or_(
            messages.c.status.in_([DELIVERED, SENDING]),
            (messages.c.status == PENDING) & (messages.c.attempts > 0),
        ),
        messages.c.transactional == 0,
        messages.c.dispatched_at > since,
    )
    if other_than is not None:
        query = query.where(messages.c.journey_id.is_distinct_from(other_than))
    for profile_id, at, channel, group in connection.execute(query):
        ledgers[profile_id].sent.append((at, channel, group))
    return ledgers


def _decisions_so_far(connection: Connection, message_ids: list[str]) -> dict[str, int]:
    if not message_ids:
        return {}
    return dict(
        connection.execute(
            select(message_decisions.c.message_id, func.count())
            .where(among(message_decisions.c.message_id, message_ids, connection.dialect))
            .group_by(message_decisions.c.message_id)
        ).all()
    )


def _settled(decided: Decided, now: datetime) -> dict[str, Any]:
    """A message skipped, or deferred (pending, due later)."""
    skipped = decided.decision == SKIPPED
    return {
        "b_id": decided.message_id,
        "b_status": SKIPPED if skipped else PENDING,
        "b_due": decided.until or now,
        "b_at": now if skipped else None,
        "b_reason": decided.reason,
        "b_attempts": 0,
        "b_detail": None,
    }
