"""Turns stored events into profiles: the queue is every event whose profile is not set yet.

Events are claimed in `seq` order; everything a batch decides, the events' profile ids
included, is written in one transaction, so a crash either loses the whole batch's work
(its events stay pending and are redone) or none of it: each event is processed once.

SQLite has a single writer: one processor runs at a time there. On PostgreSQL any number
run at once, each batch in one transaction: it claims its events with SKIP LOCKED and locks
the identifiers and profiles it reads (locks.py), so processors serialize only where their
people meet. Since resolution does not depend on the order or the batching of messages
(graph.py), the profiles do not depend on how the events were shared out.

A person's events still reach journeys in `seq` order, though batches commit in any order
(journeys read their inbox in the order it was written): before it locks any part, a
batch waits for the earlier pending events that name one of its identifiers (FOR UPDATE
blocks on those another processor claimed until it commits, and the committed ones are no
longer pending), and takes into itself those nobody holds. Waits only go to lower `seq`s
and hold no part lock; where two batches each hold an event earlier than one of the
other's (a late writer's), PostgreSQL breaks the cycle and the batch it rolls back starts
again, finding the other's claims gone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    String,
    Table,
    all_,
    any_,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import OperationalError

from baton.core.batches import UNAVAILABLE, one_at_a_time
from baton.core.clock import Clock
from baton.core.tracing import began, enabled, record_stage
from baton.identity.devices import devices_of, remember_devices
from baton.identity.erasure import drop_suppressed, suppressed
from baton.identity.graph import IdentityGraph
from baton.identity.locks import BUCKETS, Contended, Part, PartLocks, profiles_behind
from baton.identity.normalize import EMAIL, USER_ID
from baton.identity.observations import OBSERVED_COLUMNS, Observation, observe
from baton.storage.database import any_row, exclusive, write_transaction
from baton.storage.tables import (
    PENDING_EVENTS,
    component_users,
    events,
    identifiers,
    identity_components,
    journey_inbox,
    journey_instances,
    journey_steps,
    messages,
    profile_due,
    profiles,
    segment_memberships,
    user_aliases,
)
from baton.timeline import FinalEvent, announce, announced_where_made

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
# Batches restarted because another processor held a part below theirs, before one takes
# every bucket in order, which nothing can contend with.
_CONTENDED_ATTEMPTS = 5
_DEADLOCK = "40P01"


def process_pending(
    engine: Engine, clock: Clock, default_region: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Resolve up to `batch_size` pending events; returns how many were claimed.

    SQLite: one processor at a time (a lock shared by all processes) reads and resolves
    in a read transaction, then writes in a short write transaction, so the single writer
    the API's ingestion shares is held only for the writes. PostgreSQL: processors run
    concurrently, a batch in one transaction.
    """
    if not any_row(engine, select(events.c.seq).where(PENDING_EVENTS).order_by(events.c.seq)):
        return 0
    process = _process_locked if engine.dialect.name == "postgresql" else _process_batch
    claimed: list[int] = []

    def attempt(size: int) -> int:
        claimed.clear()
        return process(engine, clock, default_region, size, claimed)

    with nullcontext() if process is _process_locked else exclusive(engine, "identity-processor"):
        try:
            return attempt(batch_size)
        except UNAVAILABLE:
            raise  # the database, not an event, is at fault: retry the batch later
        except Exception:
            log.exception("identity batch failed; retrying its events one at a time")
        return one_at_a_time(
            attempt, lambda error: _mark_culprit(engine, error, claimed), batch_size
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
    query = select(*OBSERVED_COLUMNS).where(PENDING_EVENTS).order_by(events.c.seq).limit(limit)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=events)
    return connection.execute(query).mappings().all()


class _Batch(NamedTuple):
    """Claimed events by workspace, as observations, less those of erased people."""

    workspaces: dict[str, tuple[list[Any], list[Observation]]]
    dropped: dict[int, str]


def _observe_batch(connection: Connection, rows: Sequence[Any], default_region: str) -> _Batch:
    by_workspace: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_workspace[row["workspace_id"]].append(row)
    batch = _Batch({}, {})
    for workspace_id, workspace_rows in by_workspace.items():
        observations = [observe(row, default_region) for row in workspace_rows]
        # Events of a person erased for good are dropped unread.
        erased = suppressed(connection, workspace_id, observations)
        if erased:
            batch.dropped.update(erased)
            observations = [o for o in observations if o.seq not in erased]
            workspace_rows = [row for row in workspace_rows if row["seq"] not in erased]
        batch.workspaces[workspace_id] = (workspace_rows, observations)
    return batch


def _resolve(connection: Connection, batch: _Batch, now: datetime) -> list[IdentityGraph]:
    graphs = []
    for workspace_id, (_, observations) in batch.workspaces.items():
        graph = IdentityGraph(connection, workspace_id, now)
        graph.resolve_all(observations)
        graphs.append(graph)
    return graphs


def _process_batch(
    engine: Engine, clock: Clock, default_region: str, limit: int, claimed: list[int]
) -> int:
    with engine.connect() as reader:
        rows = _claim(reader, limit)
        claimed[:] = [row["seq"] for row in rows]
        batch = _observe_batch(reader, rows, default_region)
        graphs = _resolve(reader, batch, clock.now())
    if graphs:
        with write_transaction(engine) as writer:
            _write(writer, batch, graphs, clock.now(), default_region)
    return len(rows)


def _process_locked(
    engine: Engine, clock: Clock, default_region: str, limit: int, claimed: list[int]
) -> int:
    """A batch among concurrent processors (PostgreSQL); see locks.py."""
    known: set[int] = set()
    attempts = 0
    while True:
        attempts += 1
        try:
            with write_transaction(engine) as connection:
                rows = _with_earlier(connection, _claim(connection, limit))
                claimed[:] = [row["seq"] for row in rows]
                batch = _observe_batch(connection, rows, default_region)
                locks = PartLocks(connection)
                named = _named_parts(batch)
                locks.take(named, known if attempts <= _CONTENDED_ATTEMPTS else range(BUCKETS))
                locks.take(profiles_behind(connection, named))
                # Whatever was read before its lock was taken may have changed since: a
                # batch resolves again until it held every part it read before reading it.
                graphs = _resolve(connection, batch, clock.now())
                while locks.take(part for graph in graphs for part in graph.parts()):
                    graphs = _resolve(connection, batch, clock.now())
                if graphs:
                    _write(connection, batch, graphs, clock.now(), default_region)
                return len(rows)
        except Contended as contended:
            known = contended.buckets
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != _DEADLOCK:
                raise


def _with_earlier(connection: Connection, rows: Sequence[Any]) -> Sequence[Any]:
    """The claimed rows, once every earlier pending event naming one of their identifiers
    has been resolved by the processor that claimed it, or locked and added to them.

    Matched on the columns that name people and on e-mails: events that share only a
    phone or an external id (normalized in Python, not in SQL) are not waited for.
    """
    while rows:
        seqs = [row["seq"] for row in rows]
        by_workspace: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for row in rows:
            ids, emails = by_workspace[row["workspace_id"]]
            ids.update(v for v in (row["user_id"], row["anonymous_id"], row["previous_id"]) if v)
            emails.update(_email(row["traits"]), _email(row["context_traits"]))
        earlier = (
            connection.execute(
                select(*OBSERVED_COLUMNS)
                .where(
                    PENDING_EVENTS,
                    events.c.seq < max(seqs),
                    events.c.seq != all_(literal(seqs, ARRAY(events.c.seq.type))),
                    or_(*(_naming(ws, ids, emails) for ws, (ids, emails) in by_workspace.items())),
                )
                .order_by(events.c.seq)
                .with_for_update(of=events)
            )
            .mappings()
            .all()
        )
        if not earlier:
            return rows
        rows = sorted([*rows, *earlier], key=lambda row: int(row["seq"]))
    return rows


def _email(traits: Any) -> str:
    """A raw e-mail trait as `_naming` compares it (so the two sides agree)."""
    email = traits.get(EMAIL) if isinstance(traits, dict) else None
    return email.strip(" ").lower() if isinstance(email, str) else ""


def _naming(workspace_id: str, ids: set[str], emails: set[str]) -> Any:
    named = literal(sorted(ids), ARRAY(String))
    mailed = literal(sorted(emails - {""}), ARRAY(String))
    return (events.c.workspace_id == workspace_id) & or_(
        events.c.user_id == any_(named),
        events.c.anonymous_id == any_(named),
        events.c.previous_id == any_(named),
        func.lower(func.btrim(events.c.traits["email"].as_string())) == any_(mailed),
        func.lower(func.btrim(events.c.context["traits"]["email"].as_string())) == any_(mailed),
    )


def _named_parts(batch: _Batch) -> set[Part]:
    """The identifiers the batch's messages name, known before anything is read."""
    parts: set[Part] = set()
    for workspace_id, (_, observations) in batch.workspaces.items():
        for o in observations:
            users = [u for u in (o.user_id, o.previous_id) if u is not None]
            parts.update(("identifier", workspace_id, USER_ID, u) for u in users)
            parts.update(("identifier", workspace_id, kind, value) for kind, value in o.weak)
    return parts


def _write(
    writer: Connection,
    batch: _Batch,
    graphs: list[IdentityGraph],
    now: datetime,
    default_region: str,
) -> None:
    started = began()
    if batch.dropped:
        drop_suppressed(writer, batch.dropped)
    for graph, (workspace_id, (workspace_rows, _)) in zip(
        graphs, batch.workspaces.items(), strict=True
    ):
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
            if row["seq"] in owners and not (row["event"] and announced_where_made(row["event"]))
        ]
        announce(writer, workspace_id, finals, now, changed_profiles=graph.changed_profiles)
        if enabled():
            traced = [
                (row["traceparent"], {"baton.workspace": workspace_id,
                                      "baton.event": row["message_id"],
                                      "baton.profile": owners[row["seq"]]})
                for row in workspace_rows if row["seq"] in owners
            ]  # fmt: skip
            record_stage("identity", traced, started)


def _mark_culprit(engine: Engine, error: Exception, claimed: list[int]) -> None:
    """The event a batch of one claimed broke it on its own: mark it with its error."""
    with write_transaction(engine) as connection:
        for seq in claimed:
            log.exception("event seq=%s cannot be resolved; marking it", seq)
            connection.execute(
                update(events)
                .where(events.c.seq == seq, events.c.profile_id.is_(None))
                .values(error=f"{type(error).__name__}: {error}"[:2000])
            )


def _analyzed(table: Table) -> str:
    """`table (columns)` without its documents. Queries filter on expressions over them,
    which have no statistics of their own, so skipping them loses only their widths until
    autovacuum's own ANALYZE reads every column; sampling their values was a third of
    `ANALYZE events` at 200,000 events (0.54 against 0.35 s)."""
    kept = (column.name for column in table.columns if not isinstance(column.type, JSON))
    return f"{table.name} ({', '.join(kept)})"


# The events table too: segment evaluation reads a batch of profiles' events by index, and
# a planner that still believes the table tiny scans the whole workspace instead.
_GROWING_TABLES = ", ".join(
    _analyzed(table)
    for table in (
        identifiers, identity_components, component_users, profiles, user_aliases, events,
        profile_due, segment_memberships, journey_instances, journey_steps, journey_inbox,
        messages,
    )
)  # fmt: skip


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
