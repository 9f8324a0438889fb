"""Turns stored events into profiles: the queue is every event whose profile is not set yet.

Events are claimed in `seq` order inside one transaction that also writes their profile,
so a crash at any point either loses the whole batch's work (and it is redone) or none of
it: every event is processed exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.exc import InterfaceError, OperationalError

from baton.core.clock import Clock
from baton.identity.graph import IdentityGraph
from baton.identity.observations import OBSERVED_COLUMNS, observe
from baton.storage.database import write_transaction
from baton.storage.tables import events

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
_UNAVAILABLE = (OperationalError, InterfaceError)
# Serializes processors across processes on PostgreSQL; SQLite's write lock already does.
_ADVISORY_LOCK = 7_304_211_988


def process_pending(
    engine: Engine, clock: Clock, default_region: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Resolve up to `batch_size` pending events; returns how many were claimed."""
    try:
        with write_transaction(engine) as connection:
            rows = _claim(connection, batch_size)
            _resolve(connection, rows, clock, default_region)
            return len(rows)
    except _UNAVAILABLE:
        raise  # the database, not an event, is at fault: retry the batch later
    except Exception:
        log.exception("identity batch failed; retrying its events one at a time")
    return _process_one_by_one(engine, clock, default_region, batch_size)


def pending_count(connection: Connection, workspace_id: str) -> int:
    """Events stored but not yet resolved into profiles."""
    query = select(func.count()).where(
        events.c.workspace_id == workspace_id,
        events.c.profile_id.is_(None),
        events.c.error.is_(None),
    )
    return int(connection.execute(query).scalar_one())


def failed_count(connection: Connection, workspace_id: str) -> int:
    """Events that could not be resolved (each keeps its error)."""
    query = select(func.count()).where(
        events.c.workspace_id == workspace_id, events.c.error.is_not(None)
    )
    return int(connection.execute(query).scalar_one())


def _claim(connection: Connection, limit: int) -> Sequence[Any]:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    return (
        connection.execute(
            select(*OBSERVED_COLUMNS)
            .where(events.c.profile_id.is_(None), events.c.error.is_(None))
            .order_by(events.c.seq)
            .limit(limit)
        )
        .mappings()
        .all()
    )


def _resolve(
    connection: Connection, rows: Sequence[Any], clock: Clock, default_region: str
) -> None:
    by_workspace: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_workspace[row["workspace_id"]].append(row)
    for workspace_id, workspace_rows in by_workspace.items():
        graph = IdentityGraph(connection, workspace_id, clock.now())
        graph.resolve_all([observe(row, default_region) for row in workspace_rows])
        graph.flush(default_region)


def _process_one_by_one(engine: Engine, clock: Clock, default_region: str, limit: int) -> int:
    """Find the event that breaks a batch and mark it with its error, so the queue moves on."""
    done = 0
    for _ in range(limit):
        with write_transaction(engine) as connection:
            rows = _claim(connection, 1)
            if not rows:
                break
        done += 1
        try:
            with write_transaction(engine) as connection:
                _resolve(connection, _claim(connection, 1), clock, default_region)
        except _UNAVAILABLE:
            raise
        except Exception as error:
            log.exception("event seq=%s cannot be resolved; marking it", rows[0]["seq"])
            with write_transaction(engine) as connection:
                connection.execute(
                    update(events)
                    .where(events.c.seq == rows[0]["seq"])
                    .values(error=f"{type(error).__name__}: {error}"[:2000])
                )
            break
    return done


_IDENTITY_TABLES = "identifiers, identity_components, component_users, profiles, user_aliases"


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE the identity tables (PostgreSQL).

    A young database grows faster than autovacuum re-analyzes it (a minute apart at the
    earliest): with stale statistics the planner stops using the identifier index for
    IN lookups and each lookup scans a whole kind. The processor calls this as its
    processed count doubles, which costs little and bridges that first stretch.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {_IDENTITY_TABLES}"))


class ProcessorThread:
    """Runs `process_pending` in the background of `baton serve` or `baton worker`."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        default_region: str,
        idle_wait: float = 0.2,
        coalesce: float = 0.01,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._region = default_region
        self._idle_wait = idle_wait
        self._coalesce = coalesce
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baton-identity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Called after new events are stored, so they are processed without waiting."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch under way, then release the engine (the thread owns it)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self._engine.dispose()

    def _run(self) -> None:
        processed, next_analyze = 0, 5_000
        while not self._stop.is_set():
            try:
                claimed = process_pending(self._engine, self._clock, self._region)
                processed += claimed
                if processed >= next_analyze:
                    refresh_statistics(self._engine)
                    next_analyze *= 2
            except Exception:
                log.exception("identity processor failed; retrying")
                claimed = 0
            if claimed == 0:
                self._wake.wait(self._idle_wait)
                self._wake.clear()
            elif claimed < DEFAULT_BATCH_SIZE // 10:
                # A thin stream: let a few more events arrive so each transaction (and
                # its share of the single SQLite writer) does more work.
                self._stop.wait(self._coalesce)
