"""Backpressure and ingest limits on the tracking API (docs/ingestion.md).

- Past `BATON_MAX_BACKLOG` events not yet resolved into profiles, or `BATON_MAX_OUTBOX`
  messages due but not yet sent, every tracking or source webhook request is answered 503 with
  `Retry-After` before its body is read: the stages catch up instead of the database
  filling with work nobody will do soon. The admin API stays served. The backlog is read
  at most every half second, whatever the request rate, in the background.
- Each workspace may send so many events per second (its `ingest_per_second`, else
  `BATON_INGEST_PER_SECOND`); past them it is answered 429 with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from baton.api.responses import JSONBody, error_body
from baton.api.tracking_paths import ROUTES, TRACKING_PATHS
from baton.core.clock import Clock
from baton.core.errors import TooManyRequests
from baton.core.metrics import count_refused
from baton.storage.backlog import UNSENT_MESSAGES, capped_count, oldest_pending_event
from baton.storage.tables import PENDING_EVENTS, events, messages
from baton.workspaces import ingest_limits

log = logging.getLogger(__name__)

_READ_EVERY = timedelta(seconds=0.5)
# Seconds a caller turned away for backpressure waits: a few readings later.
BUSY_RETRY_AFTER = 2
# How long a workspace's own limit is trusted before it is read again.
_LIMIT_READ_EVERY = timedelta(seconds=5)
# Workspaces whose buckets are remembered at most; the least recently seen go first.
_WORKSPACES = 10_000
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Source webhooks store events as the tracking API does (baton/api/sources.py).
_WEBHOOK = re.compile(r"/v1/sources/[^/]+/webhook")
WEBHOOK_ROUTE = "webhook"


def _storing_route(path: str) -> str | None:
    """The route metrics name a path that stores events by; None for the other paths."""
    if path in TRACKING_PATHS:
        return ROUTES[path]
    return WEBHOOK_ROUTE if _WEBHOOK.fullmatch(path) else None


def unresolved_events(connection: Connection, bound: int) -> int:
    """Events not yet resolved into profiles, counted up to `bound + 1`."""
    # Cheap first: the pending ones all lie between the oldest pending and the newest.
    oldest = oldest_pending_event(connection)
    if oldest is None:
        return 0
    newest = connection.execute(select(func.max(events.c.seq))).scalar() or oldest
    if newest - oldest < bound:
        return int(newest - oldest + 1)
    return capped_count(connection, select(literal(1)).where(PENDING_EVENTS), bound + 1)


def unsent_messages(connection: Connection, bound: int, now: datetime) -> int:
    """Messages due but not yet sent, counted up to `bound + 1`."""
    due = select(literal(1)).where(UNSENT_MESSAGES, messages.c.due_at <= now)
    return capped_count(connection, due, bound + 1)


@dataclass(frozen=True)
class Reading:
    backlog: int = 0
    outbox: int = 0


class Backpressure:
    """Answers requests that store events 503 while the backlog or the outbox is over
    its bound."""

    def __init__(
        self, app: ASGIApp, engine: Engine, clock: Clock, max_backlog: int, max_outbox: int
    ) -> None:
        self.app = app
        self._engine = engine
        self._clock = clock
        self._max_backlog = max_backlog
        self._max_outbox = max_outbox
        self._reading = Reading()
        self._read_at: datetime | None = None
        self._reading_now = False
        # Held so the reading under way is not collected before it is done.
        self._next_reading: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _storing_route(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        await self._refresh()
        reading = self._reading
        if reading.backlog > self._max_backlog:
            what = f"more than {self._max_backlog} events wait to be processed"
        elif reading.outbox > self._max_outbox:
            what = f"more than {self._max_outbox} messages wait to be sent"
        else:
            await self.app(scope, receive, send)
            return
        message = f"Baton is catching up ({what}): retry after {BUSY_RETRY_AFTER} s"
        body = error_body("overloaded", message)
        # Segment-style SDKs read `code` and `message` at the top (baton/api/errors.py).
        body.update(code="overloaded", message=message)
        answer = JSONBody(body, 503, headers={"Retry-After": str(BUSY_RETRY_AFTER)})
        count_refused(route, "overloaded")
        await answer(scope, receive, send)

    async def _refresh(self) -> None:
        """A new reading when the last is old, taken in the background: requests meanwhile
        go by the last one, so none waits for the count (only the very first, which has
        no reading to go by)."""
        now = self._clock.now()
        if self._reading_now or (self._read_at is not None and now - self._read_at < _READ_EVERY):
            return
        self._reading_now = True
        first = self._read_at is None
        self._read_at = now
        self._next_reading = asyncio.ensure_future(self._take_reading(now))
        if first:
            await self._next_reading

    async def _take_reading(self, now: datetime) -> None:
        try:
            self._reading = await run_in_threadpool(self._read, now)
        except SQLAlchemyError as error:
            # The database is away: storing fails on its own (503), nothing to add here.
            log.warning("reading the backlog failed: %s", type(error).__name__)
        finally:
            self._reading_now = False

    def _read(self, now: datetime) -> Reading:
        with self._engine.connect() as connection:
            return Reading(
                unresolved_events(connection, self._max_backlog),
                unsent_messages(connection, self._max_outbox, now),
            )


class _Bucket:
    __slots__ = ("limit", "limit_read_at", "tokens", "updated")

    def __init__(self, limit: int, now: float, read_at: datetime) -> None:
        self.limit = limit
        self.limit_read_at = read_at
        self.tokens = float(limit)
        self.updated = now


class IngestRates:
    """A token bucket per workspace holding one second of its limit. A request is let in
    while the bucket is not empty and then pays for all its events, so a batch may
    overdraw it: the next requests wait until it has refilled."""

    def __init__(self, engine: Engine, clock: Clock, default_per_second: int) -> None:
        self._engine = engine
        self._clock = clock
        self._default = default_per_second
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    async def check(self, workspace_id: str) -> None:
        """Raises TooManyRequests while the workspace's bucket is empty."""
        bucket = await self._bucket(workspace_id)
        with self._lock:
            self._fill(bucket)
            if bucket.tokens > 0:
                return
            wait = math.floor(-bucket.tokens / bucket.limit) + 1
        raise TooManyRequests(
            f"the workspace sends more than {bucket.limit} events per second: retry after {wait} s",
            retry_after=wait,
        )

    def charge(self, workspace_id: str, count: int) -> None:
        """Takes `count` events from the workspace's bucket (checked just before)."""
        with self._lock:
            bucket = self._buckets.get(workspace_id)
            if bucket is not None:
                self._fill(bucket)
                bucket.tokens -= count

    def _fill(self, bucket: _Bucket) -> None:
        now = self._seconds(self._clock.now())
        bucket.tokens = min(bucket.limit, bucket.tokens + (now - bucket.updated) * bucket.limit)
        bucket.updated = now

    async def _bucket(self, workspace_id: str) -> _Bucket:
        now = self._clock.now()
        with self._lock:
            bucket = self._buckets.get(workspace_id)
            if bucket is not None:
                self._buckets.move_to_end(workspace_id)
                if now - bucket.limit_read_at < _LIMIT_READ_EVERY:
                    return bucket
        limit = await run_in_threadpool(self._limit_of, workspace_id)
        with self._lock:
            bucket = self._buckets.get(workspace_id)
            if bucket is None:
                bucket = _Bucket(limit, self._seconds(now), now)
                self._buckets[workspace_id] = bucket
                while len(self._buckets) > _WORKSPACES:
                    self._buckets.popitem(last=False)
            bucket.limit, bucket.limit_read_at = limit, now
            return bucket

    def _limit_of(self, workspace_id: str) -> int:
        with self._engine.connect() as connection:
            own = ingest_limits(connection, [workspace_id]).get(workspace_id)
        return own or self._default

    @staticmethod
    def _seconds(at: datetime) -> float:
        return (at - _EPOCH).total_seconds()
