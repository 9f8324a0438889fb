"""Turns stored events into profiles: the queue is every event whose profile is not set yet.

Events are claimed in `seq` order; everything a batch decides, the events' profile ids
included, is written in one transaction, so a crash either loses the whole batch's work
(its events stay pending and are redone) or none of it: each event is processed once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update

from baton.core.batches import UNAVAILABLE, one_at_a_time
from baton.core.clock import Clock
from baton.identity.devices import devices_of, remember_devices
from baton.identity.erasure import drop_suppressed, suppressed
from baton.identity.graph import IdentityGraph
from baton.identity.observations import OBSERVED_COLUMNS, observe
from baton.storage.database import any_row, exclusive, write_transaction
from baton.storage.tables import events
from baton.timeline import FinalEvent, announce, announced_where_made

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000


def process_pending(
    engine: Engine, clock: Clock, default_region: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Resolve up to `batch_size` pending events; returns how many were claimed.

    One processor runs at a time (a lock shared by all processes). It reads and resolves
    in a read transaction, then writes in a short write transaction: on SQLite, whose
    single writer the API's ingestion shares, the write lock is held only for the writes.
    """
    pending = events.c.profile_id.is_(None) & events.c.error.is_(None)
    if not any_row(engine, select(events.c.seq).where(pending).order_by(events.c.seq)):
        return 0
    with exclusive(engine, "identity-processor"):
        try:
            return _process_batch(engine, clock, default_region, batch_size)
        except UNAVAILABLE:
            raise  # the database, not an event, is at fault: retry the batch later
        except Exception:
            log.exception("identity batch failed; retrying its events one at a time")
        return one_at_a_time(
            lambda size: _process_batch(engine, clock, default_region, size),
            lambda error: _mark_culprit(engine, error),
            batch_size,
        )


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


def _process_batch(engine: Engine, clock: Clock, default_region: str, limit: int) -> int:
    with engine.connect() as reader:
        rows = _claim(reader, limit)
        by_workspace: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_workspace[row["workspace_id"]].append(row)
        graphs: list[tuple[str, IdentityGraph, list[Any]]] = []
        dropped: dict[int, str] = {}
        for workspace_id, workspace_rows in by_workspace.items():
            observations = [observe(row, default_region) for row in workspace_rows]
            # Events of a person erased for good are dropped unread.
            erased = suppressed(reader, workspace_id, observations)
            if erased:
                dropped.update(erased)
                observations = [o for o in observations if o.seq not in erased]
                workspace_rows = [row for row in workspace_rows if row["seq"] not in erased]
            graph = IdentityGraph(reader, workspace_id, clock.now())
            graph.resolve_all(observations)
            graphs.append((workspace_id, graph, workspace_rows))
    if graphs:
        now = clock.now()
        with write_transaction(engine) as writer:
            if dropped:
                drop_suppressed(writer, dropped)
            for workspace_id, graph, workspace_rows in graphs:
                graph.flush(writer, default_region)
                with_devices = {row["seq"]: devices_of(row) for row in workspace_rows}
                with_devices = {seq: found for seq, found in with_devices.items() if found}
                if with_devices:
                    owners = graph.profiles_of(with_devices)
                    devices = [(d, owners[s]) for s in sorted(owners) for d in with_devices[s]]
                    remember_devices(writer, workspace_id, devices, now)
                owners = graph.profiles_of({row["seq"] for row in workspace_rows})
                # A client's event under a name Baton emits, stored before ingestion refused
                # them, stays on the timeline but moves no journey: only Baton's own
                # records, announced where they are made, carry those names.
                finals = [
                    FinalEvent(row["message_id"], owners[row["seq"]], row["type"], row["event"])
                    for row in workspace_rows
                    if row["seq"] in owners
                    and not (row["event"] and announced_where_made(row["event"]))
                ]
                announce(writer, workspace_id, finals, now, changed_profiles=graph.changed_profiles)
    return len(rows)


def _mark_culprit(engine: Engine, error: Exception) -> None:
    """The first pending event broke a batch on its own: mark it with its error."""
    with write_transaction(engine) as connection:
        (culprit,) = _claim(connection, 1)
        log.exception("event seq=%s cannot be resolved; marking it", culprit["seq"])
        connection.execute(
            update(events)
            .where(events.c.seq == culprit["seq"])
            .values(error=f"{type(error).__name__}: {error}"[:2000])
        )


# The events table too: segment evaluation reads a batch of profiles' events by index, and
# a planner that still believes the table tiny scans the whole workspace instead.
_GROWING_TABLES = (
    "identifiers, identity_components, component_users, profiles, user_aliases, events, "
    "profile_due, segment_memberships, journey_instances, journey_steps, journey_inbox, messages"
)


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE the tables that grow with events (PostgreSQL).

    A young database grows faster than autovacuum re-analyzes it (a minute apart at the
    earliest): with stale statistics the planner stops using the identifier index for
    IN lookups and each lookup scans a whole kind. The processor calls this as its
    processed count doubles, which costs little and bridges that first stretch.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {_GROWING_TABLES}"))
