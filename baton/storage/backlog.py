"""What waits in each background stage's queues, read from the tables alone: for
`/metrics` and `baton status`, in any process, whichever process runs the stage.

Every query is bounded: counts stop at `COUNT_CAP` and the oldest item is found through
the index its stage's own claim uses, so a scrape costs milliseconds at any backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    func,
    literal,
    literal_column,
    select,
)

from baton.storage.leases import DEFAULT_TTL
from baton.storage.tables import (
    PENDING_EVENTS,
    broadcasts,
    destination_deliveries,
    destination_inbox,
    destination_items,
    events,
    journey_inbox,
    journey_instances,
    journeys,
    messages,
    profile_due,
    stage_workers,
)

# Counts stop here: past it, a queue is "at least this long" and counting on costs more.
COUNT_CAP = 100_000


@dataclass(frozen=True)
class Queue:
    """One queue of a stage: items waiting, how many of them are due now, and the
    instant the oldest due one was due (None when none is)."""

    stage: str
    name: str
    waiting: int
    due: int
    oldest_due: datetime | None

    def lag(self, now: datetime) -> float:
        """Seconds the oldest due item has waited past its time (0 when none is due)."""
        if self.oldest_due is None:
            return 0.0
        return max(0.0, (now - self.oldest_due).total_seconds())


def oldest_pending_event(connection: Connection) -> int | None:
    """The `seq` of the oldest event identity has yet to resolve (by its queue's index)."""
    found: int | None = connection.execute(
        select(func.min(events.c.seq)).where(PENDING_EVENTS)
    ).scalar()
    return found


# Messages the dispatcher has yet to send; the statuses literals, as the dispatcher's:
# SQLite uses a partial index only for those.
UNSENT_MESSAGES = messages.c.status.in_([literal_column("'pending'"), literal_column("'sending'")])


def capped_count(connection: Connection, query: Select[Any], cap: int = COUNT_CAP) -> int:
    """The rows of `query`, counted up to `cap`: reading past it would cost more."""
    capped = query.limit(cap).subquery()
    return int(connection.execute(select(func.count()).select_from(capped)).scalar_one())


def _oldest(connection: Connection, query: Select[Any]) -> datetime | None:
    found: datetime | None = connection.execute(query.limit(1)).scalar()
    return found


def _timed(
    stage: str,
    name: str,
    column: ColumnElement[datetime],
    *conditions: ColumnElement[bool],
    joined: Callable[[Select[Any]], Select[Any]] = lambda query: query,
) -> Callable[[Connection, datetime], Queue]:
    """A queue whose items carry the instant they are due in `column`."""

    def read(connection: Connection, now: datetime) -> Queue:
        waiting = joined(select(literal(1)).where(column.is_not(None), *conditions))
        due = waiting.where(column <= now)
        oldest = joined(select(column).where(column <= now, *conditions)).order_by(column)
        return Queue(
            stage,
            name,
            capped_count(connection, waiting),
            capped_count(connection, due),
            _oldest(connection, oldest),
        )

    return read


def _pending_events(connection: Connection, now: datetime) -> Queue:
    """Events not yet resolved: due on arrival, the oldest the first in `seq` order."""
    count = capped_count(connection, select(literal(1)).where(PENDING_EVENTS))
    first = select(events.c.received_at).where(PENDING_EVENTS).order_by(events.c.seq)
    return Queue("identity", "events", count, count, _oldest(connection, first))


def _journey_inbox(connection: Connection, now: datetime) -> Queue:
    """Final events journeys have yet to read: the oldest is the arrival of the first."""
    count = capped_count(connection, select(literal(1)).select_from(journey_inbox))
    first = (
        select(events.c.received_at)
        .join(
            journey_inbox,
            (events.c.workspace_id == journey_inbox.c.workspace_id)
            & (events.c.message_id == journey_inbox.c.message_id),
        )
        .order_by(journey_inbox.c.seq)
    )
    return Queue("journeys", "inbox", count, count, _oldest(connection, first) if count else None)


def _destination_inbox(connection: Connection, now: datetime) -> Queue:
    count = capped_count(connection, select(literal(1)).select_from(destination_inbox))
    return Queue("destinations", "inbox", count, count, None)


def _published(query: Select[Any]) -> Select[Any]:
    # A paused journey's timers wait for it on purpose: no lag.
    published = select(journeys.c.id).where(journeys.c.status == "published")
    return query.where(journey_instances.c.journey_id.in_(published))


_QUEUES: tuple[Callable[[Connection, datetime], Queue], ...] = (
    _pending_events,
    _timed("segments", "profiles", profile_due.c.due_at),
    _journey_inbox,
    _timed("journeys", "timers", journey_instances.c.wake_at, joined=_published),
    _timed(
        "delivery",
        "outbox",
        messages.c.due_at,
        UNSENT_MESSAGES,
    ),
    _timed("delivery", "broadcasts", broadcasts.c.wake_at),
    _destination_inbox,
    _timed("destinations", "batches", destination_items.c.due_at),
    _timed(
        "destinations",
        "deliveries",
        destination_deliveries.c.next_at,
        destination_deliveries.c.status == "pending",
    ),
)


def read_backlog(engine: Engine, now: datetime) -> list[Queue]:
    """Every stage's queues at `now`, in pipeline order."""
    with engine.connect() as connection:
        return [read(connection, now) for read in _QUEUES]


@dataclass(frozen=True)
class Workers:
    """The workers of a stage that share its queue by leases (baton/storage/leases.py):
    how many heartbeat, and the latest heartbeat."""

    alive: int
    last_heartbeat: datetime


def read_workers(engine: Engine, now: datetime) -> dict[str, Workers]:
    """The live workers of each leasing stage (PostgreSQL; none on SQLite)."""
    workers = stage_workers.c
    with engine.connect() as connection:
        found = connection.execute(
            select(workers.stage, func.count(), func.max(workers.expires_at))
            .where(workers.expires_at > now)
            .group_by(workers.stage)
        ).all()
    return {stage: Workers(alive, latest - DEFAULT_TTL) for stage, alive, latest in found}
