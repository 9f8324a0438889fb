"""The broadcast engine: a started broadcast's audience is snapshotted into its recipients,
then their messages go to the outbox in batches, where the dispatcher judges them like
any journey's (caps, quiet hours, consent, priority).

Each batch is one transaction that also advances the broadcast's progress, and each
message's idempotency key is `broadcast:{id}:{profile_id}`: a crash at any point
resumes where the last commit left it, and nobody is queued twice.

Who is held out, who tries which A/B variant and who waits for the winner follows from a
hash of (broadcast, profile): the same on every run and every machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update

from baton.campaigns.definitions import BroadcastDefinition
from baton.campaigns.outcomes import choose_winner
from baton.campaigns.store import Broadcast, Status, get_broadcast
from baton.channels import NewMessage, enqueue
from baton.core.clock import Clock
from baton.core.durations import parse_duration
from baton.core.errors import NotFound
from baton.core.faults import fault
from baton.core.local_time import zone, zone_or
from baton.identity import resolve_profile_id
from baton.segments import Kind, get_definition, members
from baton.storage.database import (
    among,
    any_row,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import broadcast_recipients, broadcasts, messages, profiles
from baton.workspaces import load_policy

__all__ = ["HOLDOUT", "REST", "SAMPLE", "advance_broadcasts", "cohort_of", "next_broadcast_at"]

DEFAULT_BATCH_SIZE = 5_000
HOLDOUT, SAMPLE, REST = "holdout", "sample", "rest"
_R = broadcast_recipients.c


def next_broadcast_at(connection: Connection) -> datetime | None:
    """When some broadcast has work next (None: none has)."""
    query = select(func.min(broadcasts.c.wake_at))
    found: datetime | None = connection.execute(query).scalar()
    return found


def advance_broadcasts(engine: Engine, clock: Clock, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """One step of the broadcast due first: a batch of its audience snapshotted or
    queued, its A/B winner chosen, or its end; returns how much moved (0: nothing due)."""
    now = clock.now()
    due = select(broadcasts.c.id).where(broadcasts.c.wake_at <= now)
    if not any_row(engine, due):
        return 0
    with write_transaction(engine) as connection:
        row = connection.execute(
            select(broadcasts.c.workspace_id, broadcasts.c.key)
            .where(broadcasts.c.wake_at <= now)
            .order_by(broadcasts.c.wake_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return 0
        found = get_broadcast(connection, row.workspace_id, row.key, for_update=True)
        return _step(connection, found, now, batch_size)


def _step(connection: Connection, b: Broadcast, now: datetime, batch_size: int) -> int:
    if b.status is Status.SCHEDULED:
        _set(connection, b, status=Status.SENDING, started_at=now, wake_at=now)
        return 1
    if b.status is not Status.SENDING:
        _set(connection, b, wake_at=None)
        return 0
    if not b.row.snapshotted:
        return max(_snapshot(connection, b, batch_size), 1)
    ab = b.definition.ab_test
    cohorts = (
        [HOLDOUT, SAMPLE] if ab is not None and b.row.winner is None else [HOLDOUT, SAMPLE, REST]
    )
    waiting = connection.execute(
        select(_R.profile_id, _R.cohort, _R.variant)
        .where(_R.broadcast_id == b.id, _R.queued.is_(False), _R.cohort.in_(cohorts))
        .order_by(_R.profile_id)
        .limit(batch_size)
    ).all()
    if waiting:
        _queue(connection, b, waiting, now)
        return len(waiting)
    if ab is None or b.row.winner is not None:
        _set(connection, b, status=Status.SENT, finished_at=now, wake_at=None)
        return 1
    if b.row.decide_at is None:
        # The wait runs from the last sample message's slot.
        last = connection.execute(
            select(func.max(messages.c.due_at)).where(messages.c.broadcast_id == b.id)
        ).scalar()
        decide_at = max(now, last or now) + parse_duration(ab.wait)
        _set(connection, b, decide_at=decide_at, wake_at=decide_at)
        return 1
    if now < b.row.decide_at:  # woken early (a resume): the wait still runs
        _set(connection, b, wake_at=b.row.decide_at)
        return 1
    winner, reason = choose_winner(connection, b, now)
    # The rest's throttle starts now: its slots count from 0 again.
    _set(connection, b, winner=winner, winner_reason=reason, decide_at=now, enqueued=0,
         wake_at=now)  # fmt: skip
    return 1


def _snapshot(connection: Connection, b: Broadcast, batch_size: int) -> int:
    """A batch of the audience into the recipients, each with its cohort."""
    audience = b.definition.audience
    after = b.row.snapshot_after
    if audience.segment is not None:
        segment = get_definition(connection, b.workspace_id, Kind.SEGMENT, audience.segment)
        page = members(connection, segment.id, after, batch_size)
        people = [profile_id for profile_id, _ in page.items]
        done, after = page.after is None, page.after
    elif audience.profiles is not None:
        people = sorted(set(_live_people(connection, b, list(audience.profiles)).values()))
        done = True
    else:
        # Uploaded ids were live at upload; merges since make two of them one person.
        named = list(
            connection.execute(
                select(_R.profile_id)
                .where(_R.broadcast_id == b.id, _R.cohort.is_(None))
                .order_by(_R.profile_id)
                .limit(batch_size)
            ).scalars()
        )
        done = len(named) < batch_size
        connection.execute(
            delete(broadcast_recipients).where(
                _R.broadcast_id == b.id, among(_R.profile_id, named, connection.dialect)
            )
        )
        people = sorted(set(_live_people(connection, b, named).values()))
    rows = [_recipient(b, profile_id) for profile_id in people]
    if rows:
        executemany_fast(
            connection, insert_ignoring_duplicates(connection, broadcast_recipients), rows
        )
    _set(connection, b, snapshot_after=after, snapshotted=done)
    return len(rows)


def _live(connection: Connection, b: Broadcast, profile_id: str) -> str | None:
    try:
        return resolve_profile_id(connection, b.workspace_id, profile_id)
    except NotFound:
        return None


def _live_people(connection: Connection, b: Broadcast, named: list[str]) -> dict[str, str]:
    """Each named profile's live profile, those erased left out. The rows stay locked
    until the batch commits, so an erasure running now either ends first (and is seen)
    or waits and then takes the messages of this batch too."""
    found = connection.execute(
        select(profiles.c.id, profiles.c.merged_into)
        .where(
            profiles.c.workspace_id == b.workspace_id,
            among(profiles.c.id, named, connection.dialect),
        )
        .order_by(profiles.c.id)
        .with_for_update()
    ).all()
    live = {p: p if merged is None else _live(connection, b, p) for p, merged in found}
    return {p: survivor for p, survivor in live.items() if survivor is not None}


def _recipient(b: Broadcast, profile_id: str) -> dict[str, Any]:
    cohort, variant = cohort_of(b.id, profile_id, b.definition)
    return {
        "broadcast_id": b.id,
        "profile_id": profile_id,
        "cohort": cohort,
        "variant": variant,
        "queued": False,
    }


def cohort_of(
    broadcast_id: str, profile_id: str, definition: BroadcastDefinition
) -> tuple[str, str | None]:
    """(holdout | sample | rest, the sample's variant): a pure function of the person."""
    digest = hashlib.sha256(f"{broadcast_id}:{profile_id}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw < definition.holdout:
        return HOLDOUT, None
    ab = definition.ab_test
    if ab is not None and draw < definition.holdout + ab.sample:
        return SAMPLE, ab.variants[int.from_bytes(digest[8:16], "big") % len(ab.variants)].key
    return REST, None


def _queue(connection: Connection, b: Broadcast, waiting: Sequence[Any], now: datetime) -> None:
    """The recipients' messages into the outbox, each at its slot of the throttle (and at
    its local time), and the recipients marked queued, in one transaction."""
    definition = b.definition
    row = b.row
    named = [w.profile_id for w in waiting]
    live = _live_people(connection, b, named)
    # One message a live person: erased ones get none, merged ones their survivor's.
    targets: dict[str, Any] = {}
    for w in waiting:
        if w.profile_id in live:
            targets.setdefault(live[w.profile_id], w)
    start = row.decide_at if row.winner is not None else row.started_at
    total = _phase_size(connection, b) if definition.throttle is not None else 0
    local = definition.send.local()
    zones: dict[str, Any] = {}
    if local is not None:
        default = zone(load_policy(connection, b.workspace_id).timezone or "UTC")
        timezone = profiles.c.traits["timezone"].as_string()
        found = connection.execute(
            select(profiles.c.id, timezone).where(
                among(profiles.c.id, sorted(targets), connection.dialect)
            )
        )
        zones = {profile_id: zone_or(name, default) for profile_id, name in found}
        zones = {p: zones.get(p, default) for p in targets}
    slot = row.enqueued
    new: list[NewMessage] = []
    for profile_id, w in targets.items():
        held_out = w.cohort == HOLDOUT
        due = now
        if local is not None:
            day, at = local
            due = datetime.combine(day, at, zones[profile_id]).astimezone(now.tzinfo)
        if definition.throttle is not None and not held_out:
            due = max(due, start) + definition.throttle.offset(slot, total)
            slot += 1
        variant = w.variant if w.cohort == SAMPLE else row.winner
        new.append(
            NewMessage(
                b.workspace_id, profile_id, None, None, None, None,
                definition.channel, definition.variant_template(variant),
                definition.subscription_group, f"broadcast:{b.id}:{profile_id}",
                {"broadcast": {"key": b.key, "variant": variant}},
                priority=definition.priority, held_out=held_out,
                due_at=max(due, now), broadcast_id=b.id,
            )
        )  # fmt: skip
    enqueue(connection, new, now)
    connection.execute(
        update(broadcast_recipients)
        .where(
            _R.broadcast_id == b.id,
            among(_R.profile_id, named, connection.dialect),
        )
        .values(queued=True)
    )
    _set(connection, b, enqueued=slot, wake_at=now)
    fault("broadcast.queued")


def _phase_size(connection: Connection, b: Broadcast) -> int:
    """How many messages the current phase sends (holdout aside): the throttle's spread."""
    cohorts = [REST] if b.row.winner is not None else [SAMPLE]
    if b.definition.ab_test is None:
        cohorts = [SAMPLE, REST]
    query = select(func.count()).where(_R.broadcast_id == b.id, _R.cohort.in_(cohorts))
    return int(connection.execute(query).scalar_one())


def _set(connection: Connection, b: Broadcast, **values: Any) -> None:
    connection.execute(update(broadcasts).where(broadcasts.c.id == b.id).values(**values))
