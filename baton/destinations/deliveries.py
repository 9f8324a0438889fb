"""Sending batches: each delivery is one signed request (a CRM's, one upsert a contact),
tried again with exponential backoff and jitter on a timeout, 408, 425, 429 or 5xx, and
dead after its destination's last attempt (or at once on another answer), where it waits
for a replay.

Its id is the `webhook-id` of every attempt: a request whose answer was lost (a crash
between the call and its record) goes again under the same id, for the receiver to
dedupe.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from baton.channels.calls import Answer, judge
from baton.channels.senders import DELIVERED as SENT
from baton.channels.senders import RETRY, Outcome
from baton.core.clock import Clock
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.destinations.audiences import upload_audience
from baton.destinations.crm import upsert_contacts
from baton.destinations.forwarding import DEAD, DELIVERED, PENDING
from baton.destinations.outbound import post_signed, signed_call
from baton.destinations.settings import AudienceSettings, Batched, CrmSettings, Remote
from baton.destinations.store import Destination, destinations_by_id
from baton.storage.database import among, write_transaction
from baton.storage.tables import destination_deliveries

_SEND_BATCH = 20
_FIRST_BACKOFF = timedelta(seconds=10)
_LONGEST_BACKOFF = timedelta(hours=1)
REPLAY_LIMIT = 1000


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """10 s, 20 s, 40 s ... up to an hour, each with up to half again of jitter."""
    base = min(_FIRST_BACKOFF * (1 << max(attempt - 1, 0)), _LONGEST_BACKOFF)
    return base * (1 + rng.random() / 2)


def send_due(engine: Engine, clock: Clock, rng: random.Random) -> int:
    """Try the deliveries due now; how many were tried."""
    now = clock.now()
    with engine.connect() as connection:
        due = connection.execute(
            select(destination_deliveries)
            .where(
                destination_deliveries.c.status == PENDING,
                destination_deliveries.c.next_at <= now,
            )
            .order_by(destination_deliveries.c.next_at)
            .limit(_SEND_BATCH)
        ).all()
        found = destinations_by_id(connection, sorted({row.destination_id for row in due}))
    for row in due:
        destination = found[row.destination_id]
        outcome = _attempt(engine, destination, row.id, row.items, clock.now())
        _record(engine, destination, row, outcome, clock.now(), rng)
    return len(due)


def _attempt(
    engine: Engine, destination: Destination, delivery_id: str, items: list[Any], at: datetime
) -> Outcome:
    settings = destination.settings
    if isinstance(settings, CrmSettings):
        return upsert_contacts(engine, destination, delivery_id, items, at)
    assert isinstance(settings, Remote)
    return post_signed(settings, delivery_id, at, {"destination": destination.key, "items": items})


def _record(
    engine: Engine,
    destination: Destination,
    row: Any,
    outcome: Outcome,
    now: datetime,
    rng: random.Random,
) -> None:
    settings = destination.settings
    assert isinstance(settings, Batched)
    attempts = row.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_error": None}
    if outcome.status == SENT:
        values.update(status=DELIVERED, next_at=None, delivered_at=now)
    elif outcome.status == RETRY and attempts < settings.max_attempts:
        values.update(next_at=now + backoff(attempts, rng), last_error=outcome.detail)
    else:
        values.update(status=DEAD, next_at=None, last_error=outcome.detail)
    with write_transaction(engine) as connection:
        connection.execute(
            update(destination_deliveries)
            .where(destination_deliveries.c.id == row.id)
            .values(**values)
        )


def next_send_at(connection: Connection) -> datetime | None:
    found: datetime | None = connection.execute(
        select(func.min(destination_deliveries.c.next_at)).where(
            destination_deliveries.c.status == PENDING
        )
    ).scalar()
    return found


def deliveries(
    connection: Connection,
    destination: Destination,
    status: str | None,
    after: str | None,
    limit: int,
) -> Page[dict[str, Any], str]:
    """The destination's deliveries, newest first, from the one before `after`."""
    d = destination_deliveries.c
    query = select(destination_deliveries).where(d.destination_id == destination.id)
    if status is not None:
        query = query.where(d.status == status)
    if after is not None:
        query = query.where(d.id < after)
    rows = connection.execute(query.order_by(d.id.desc()).limit(limit + 1)).mappings().all()
    page = [dict(row) for row in rows[:limit]]
    return Page(page, page[-1]["id"] if len(rows) > limit else None)


def replay(
    connection: Connection, destination: Destination, ids: Sequence[str] | None, now: datetime
) -> int:
    """Send dead deliveries again (all of them, or those of `ids`), each with its attempts
    counted anew and its own id; how many."""
    if ids is not None and len(ids) > REPLAY_LIMIT:
        raise InvalidInput(f"replay at most {REPLAY_LIMIT} deliveries at a time", field="ids")
    d = destination_deliveries.c
    query = update(destination_deliveries).where(
        d.destination_id == destination.id, d.status == DEAD
    )
    if ids is not None:
        query = query.where(among(d.id, list(ids), connection.dialect))
    result = connection.execute(query.values(status=PENDING, attempts=0, next_at=now))
    return int(result.rowcount)


def send_test(
    engine: Engine, destination: Destination, region: str, now: datetime
) -> dict[str, Any]:
    """One request now, outside the queue: a webhook gets a `test` item, a CRM is asked
    for a contact that does not exist (404 is the answer it should give), an audience is
    uploaded. What came back."""
    settings = destination.settings
    if isinstance(settings, AudienceSettings):
        return upload_audience(engine, destination.workspace_id, settings, region, now)
    message_id = new_id("tst", now)
    if isinstance(settings, CrmSettings):
        url = f"{settings.url.rstrip('/')}/contacts/baton-test-{message_id}"
        answer = signed_call(settings, "GET", url, message_id, now, b"")
        if isinstance(answer, Answer) and answer.status_code == 404:
            return {"status": "delivered", "detail": "HTTP 404 for an unknown contact"}
        outcome = judge(answer) if isinstance(answer, Answer) else answer
    else:
        assert isinstance(settings, Remote)
        test = {"id": message_id, "type": "test", "timestamp": iso_instant(now)}
        outcome = post_signed(
            settings, message_id, now, {"destination": destination.key, "items": [test]}
        )
    status = "delivered" if outcome.status == SENT else "failed"
    return {"status": status, "detail": outcome.detail}
