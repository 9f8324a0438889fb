"""The analytics store: a columnar copy (DuckDB) of processed events, for queries that
scan many of them (funnels, KPIs, reports). The operational database stays the source
of truth; the store follows it and can be rebuilt from it.

`sync` appends the events identity has resolved since the last sync, in `seq` order,
never past an event still pending nor past one that could still commit below a copied
one (`SettledEvents`), so none is skipped, along with the profiles that
changed: merged-away profiles map to their survivor (`profile_roots`), since the copy
keeps the profile id an event had when it was copied. It also applies erasures (the
erased profiles' events go) and each workspace's event retention.

The pipeline's analytics stage syncs every two seconds (`baton worker --stage
analytics`, a child of `baton serve` by default); the API answers queries from the same
file. DuckDB lets one process open a file at a time, so each use opens it briefly under a
file lock (`_session`). DuckDB itself (60 MB of library) is loaded on first use: an API
process nobody asks for a report never loads it. The writes put their values in the SQL
as literals (`_literal`): the first parameter DuckDB binds loads pandas and numpy (55 MB)
into the process, which the analytics worker would then hold for its lifetime.
"""

from __future__ import annotations

import csv
import fcntl
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, Text, cast, func, select

from baton.core.durations import parse_duration
from baton.core.metrics import analytics_synced
from baton.storage.backlog import oldest_pending_event
from baton.storage.settled import SettledEvents
from baton.storage.tables import erasures, events, profiles, workspaces
from baton.workspaces import load_policy

if TYPE_CHECKING:
    import duckdb

_BATCH = 5_000
# A rebuild waits up to 100 x 50 ms for the writers of `events` open when it started.
_REBUILD_WAITS = 100
_REBUILD_PAUSE = 0.05
_RETENTION_EVERY = timedelta(hours=1)
_PROFILES_OVERLAP = timedelta(seconds=5)
# An erasure committed this long after a later-stamped one is still found.
_ERASURES_OVERLAP = timedelta(hours=1)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY, workspace_id VARCHAR, profile_id VARCHAR, type VARCHAR,
    event VARCHAR, ts TIMESTAMPTZ, received_at TIMESTAMPTZ, properties JSON
);
CREATE TABLE IF NOT EXISTS profiles (
    id VARCHAR PRIMARY KEY, workspace_id VARCHAR, traits JSON, updated_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS profile_roots (id VARCHAR PRIMARY KEY, root VARCHAR);
CREATE TABLE IF NOT EXISTS applied_erasures (id VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sync_state (
    name VARCHAR PRIMARY KEY, seq BIGINT, instant TIMESTAMPTZ
);
"""
_EVENT_COLUMNS = (
    "{'seq': 'BIGINT', 'workspace_id': 'VARCHAR', 'profile_id': 'VARCHAR', 'type': "
    "'VARCHAR', 'event': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'received_at': 'TIMESTAMPTZ', "
    "'properties': 'JSON'}"
)
_PROFILE_COLUMNS = (
    "{'id': 'VARCHAR', 'workspace_id': 'VARCHAR', 'traits': 'JSON', 'updated_at': 'TIMESTAMPTZ'}"
)
# The csv module's dialect, stated: told nothing, DuckDB samples every file to detect it,
# which costs more than the load itself.
_CSV = "header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"
_MERGE_COLUMNS = "{'id': 'VARCHAR', 'root': 'VARCHAR'}"
# `merges` holds each merged-away profile and the last survivor the rows read name; that
# survivor may have been merged before (`profile_roots` maps every merged profile to a
# live one).
_FOLLOW_MERGES = (
    "UPDATE merges SET root = r.root FROM profile_roots r WHERE merges.root = r.id",
    "INSERT OR REPLACE INTO profile_roots SELECT id, root FROM merges",
    "UPDATE profile_roots SET root = m.root FROM merges m WHERE profile_roots.root = m.id",
    "DELETE FROM profiles WHERE id IN (SELECT id FROM merges)",
    "DROP TABLE merges",
)
_TABLES = ("events", "profiles", "profile_roots", "applied_erasures", "sync_state")
# Events with their profile as it stands: a merged-away profile's events are its survivor's.
RESOLVED_EVENTS = """
SELECT e.seq, e.workspace_id, coalesce(r.root, e.profile_id) AS profile_id, e.type,
       e.event, e.ts, e.received_at, e.properties
FROM events e LEFT JOIN profile_roots r ON r.id = e.profile_id
"""


class AnalyticsStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db_open: duckdb.DuckDBPyConnection | None = None
        self._retained_at: datetime | None = None
        self._settled = SettledEvents()
        # The profile rows the last sync read, by id: the next one reads most of them again
        # (the overlap) and copies only those that changed. A row read the same (its
        # `updated_at` included) is in the file, whoever synced since.
        self._profiles_read: dict[str, tuple[Any, ...]] = {}
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)

    @property
    def _db(self) -> duckdb.DuckDBPyConnection:
        assert self._db_open is not None, "used outside a session"
        return self._db_open

    @contextmanager
    def _session(self) -> Iterator[None]:
        """The file, open for one sync or query, in one thread of one process at a time.

        DuckDB lets a single process open a file; the pipeline's analytics stage writes it
        and the API reads it, each in its own process, so each opens it under a lock on a
        file beside it and closes it after. Closing also hands back the memory DuckDB
        keeps for what a process wrote or read, in processes that live for weeks. Opening
        takes milliseconds."""
        with self._lock, open(f"{self.path}.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            self._db_open = _connect(self.path)
            try:
                self._db.execute(_SCHEMA)
                yield
            finally:
                self._db_open.close()
                self._db_open = None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for queries; it waits for a sync under way."""
        with self._session():
            yield self._db

    def rows(self, sql: str, params: list[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        with self.cursor() as cursor:
            return cursor.execute(sql, params).fetchall()

    def synced_through(self) -> int:
        """The `seq` of the last event copied."""
        with self._session():
            return self._synced_through()

    def sync(self, engine: Engine, now: datetime) -> int:
        """Copy what is new; returns how many events were appended."""
        with self._session():
            appended = self._append_settled(engine, 0, lambda done: None)
            with self._transaction():
                self._sync_profiles(engine)
                erased = self._apply_erasures(engine)
                # Retention is counted in days: deleting scans the events, so hourly will do.
                if self._retained_at is None or now - self._retained_at >= _RETENTION_EVERY:
                    self._apply_retention(engine, now)
                    self._retained_at = now
            if erased:
                self._rewrite()
            analytics_synced("duckdb", appended, lag_seconds(engine, self._synced_through()))
            return appended

    def rebuild(self, engine: Engine, now: datetime, progress: Callable[[int, int], None]) -> int:
        """Empty the store and copy everything again; `progress(done, total)`."""
        with engine.connect() as connection:
            total = connection.execute(
                select(func.count()).where(events.c.profile_id.is_not(None))
            ).scalar_one()
        with self._session():
            for table in _TABLES:
                self._db.execute(f"DELETE FROM {table}")
            self._profiles_read = {}

            def report(done: int) -> None:
                progress(done, total)

            done = self._append_settled(engine, 0, report)
            # While `baton serve` stores events, writers are open at the first look: wait
            # for them (a sync would get their events later), or it rebuilds nothing.
            awaited, pause = self._settled.awaited, threading.Event()
            for _ in range(_REBUILD_WAITS):
                if awaited is None or self._settled.settled >= awaited:
                    break
                pause.wait(_REBUILD_PAUSE)
                done = self._append_settled(engine, done, report)
            self._sync_profiles(engine)
            self._apply_erasures(engine)
            self._apply_retention(engine, now)
        return done

    def drop_workspace(self, workspace_id: str) -> int:
        """Delete the rows of a deleted workspace, leaving no copy of them in the file;
        returns how many events went."""
        with self._session():
            with self._transaction():
                workspace = _literal(workspace_id)
                self._db.execute(
                    "DELETE FROM profile_roots WHERE id IN (SELECT profile_id FROM events "
                    f"WHERE workspace_id = {workspace}) OR root IN (SELECT id FROM profiles "
                    f"WHERE workspace_id = {workspace})"
                )
                found = self._db.execute(
                    f"DELETE FROM events WHERE workspace_id = {workspace}"
                ).fetchone()
                self._db.execute(f"DELETE FROM profiles WHERE workspace_id = {workspace}")
            self._rewrite()
        return int(found[0]) if found else 0

    def _synced_through(self) -> int:
        found = self._db.execute("SELECT seq FROM sync_state WHERE name = 'events'").fetchone()
        return int(found[0]) if found else 0

    def _append_settled(
        self, engine: Engine, appended: int, progress: Callable[[int], None]
    ) -> int:
        """Copy the resolved events up to the settled `seq`; returns `appended` plus how
        many were."""
        settled = self._settled.through(engine)
        while copied := self._append_events(engine, settled):
            appended += copied
            progress(appended)
            if copied < _BATCH:
                break
        return appended

    def _append_events(self, engine: Engine, settled: int | None) -> int:
        after = self._synced_through()
        with engine.connect() as connection:
            pending = oldest_pending_event(connection)
            # Every column as the text the CSV holds, made by the database: converting to
            # Python values and back cost the API process more than the copy itself.
            dialect = connection.dialect.name
            query = (
                select(
                    events.c.seq,
                    events.c.workspace_id,
                    events.c.profile_id,
                    events.c.type,
                    events.c.event,
                    _utc_text(events.c.timestamp, dialect),
                    _utc_text(events.c.received_at, dialect),
                    func.coalesce(cast(events.c.properties, Text), "{}"),
                )
                .where(events.c.seq > after, events.c.profile_id.is_not(None))
                .order_by(events.c.seq)
                .limit(_BATCH)
            )
            if pending is not None:
                query = query.where(events.c.seq < pending)
            if settled is not None:
                query = query.where(events.c.seq <= settled)
            rows = connection.execute(query).all()
        if not rows:
            return 0
        with self._transaction():
            self._bulk("INSERT OR IGNORE INTO events", _EVENT_COLUMNS, rows)
            last = _literal(rows[-1][0])
            self._db.execute(f"INSERT OR REPLACE INTO sync_state VALUES ('events', {last}, NULL)")
        return len(rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The statements inside commit together: one write (and fsync) of DuckDB's log
        instead of one per statement."""
        self._db.begin()
        try:
            yield
        except BaseException:
            self._db.rollback()
            self._profiles_read = {}  # what it recorded was not kept
            raise
        self._db.commit()

    def _bulk(self, insert: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        """`insert` the rows through a CSV file: DuckDB reads one in bulk many times
        faster than it takes rows one statement at a time."""
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as file:
            writer = csv.writer(file)
            before = file.tell()
            writer.writerows(rows)
            written = file.tell() > before
        if not written:
            os.unlink(file.name)
            return
        try:
            self._db.execute(
                f"{insert} SELECT * FROM read_csv({_literal(file.name)}, {_CSV}, "
                f"columns = {columns})"
            )
        finally:
            os.unlink(file.name)

    def _marked(self, name: str) -> datetime | None:
        """The newest instant copied or applied under `name`."""
        found = self._db.execute(
            f"SELECT instant FROM sync_state WHERE name = {_literal(name)}"
        ).fetchone()
        return found[0] if found else None

    def _since(self, name: str, overlap: timedelta) -> datetime | None:
        """Where to read again from: `overlap` before the newest instant marked, since a
        row stamped earlier can commit later."""
        marked = self._marked(name)
        return None if marked is None else marked - overlap

    def _mark(self, name: str, newest: datetime) -> None:
        marked = self._marked(name)
        newest = newest if marked is None else max(marked, newest)
        self._db.execute(
            f"INSERT OR REPLACE INTO sync_state VALUES ({_literal(name)}, NULL, {_literal(newest)})"
        )

    def _sync_profiles(self, engine: Engine) -> None:
        since = self._since("profiles", _PROFILES_OVERLAP)
        with engine.connect() as connection:
            # As text, like the events: compared with what the last read saw, and copied.
            query = select(
                profiles.c.id,
                profiles.c.workspace_id,
                func.coalesce(cast(profiles.c.traits, Text), "null"),
                _utc_text(profiles.c.updated_at, connection.dialect.name).label("updated"),
                profiles.c.merged_into,
            )
            if since is not None:
                query = query.where(profiles.c.updated_at >= since)
            rows = connection.execute(query.order_by(profiles.c.updated_at)).all()
        if not rows:
            return
        read, self._profiles_read = self._profiles_read, {r.id: tuple(r) for r in rows}
        changed = [r for r in rows if read.get(r.id) != tuple(r)]
        self._bulk(
            "INSERT OR REPLACE INTO profiles",
            _PROFILE_COLUMNS,
            (r[:4] for r in changed if r.merged_into is None),
        )
        merged = {r.id: r.merged_into for r in changed if r.merged_into is not None}
        if merged:
            self._follow_merges(merged)
        self._mark("profiles", datetime.fromisoformat(rows[-1].updated))

    def _follow_merges(self, merged: dict[str, str]) -> None:
        """Map each merged-away profile, and every profile whose root it was, to its
        survivor, in a few statements for them all: DuckDB's cost is per statement (and
        per parameter), and a burst of logins merges thousands of profiles a second."""

        def last_named(profile_id: str) -> str:
            while profile_id in merged:
                profile_id = merged[profile_id]
            return profile_id

        self._bulk(
            "CREATE OR REPLACE TEMP TABLE merges AS",
            _MERGE_COLUMNS,
            ([profile_id, last_named(profile_id)] for profile_id in merged),
        )
        for statement in _FOLLOW_MERGES:
            self._db.execute(statement)

    def _apply_erasures(self, engine: Engine) -> bool:
        """Delete the rows of profiles erased since; whether there were any. Only the
        erasures from shortly before the newest one applied are read again."""
        since = self._since("erasures", _ERASURES_OVERLAP)
        query = select(erasures.c.id, erasures.c.profile_ids, erasures.c.at)
        if since is not None:
            query = query.where(erasures.c.at >= since)
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        applied = {r[0] for r in self._db.execute("SELECT id FROM applied_erasures").fetchall()}
        fresh = [row for row in rows if row.id not in applied]
        for erasure_id, erased, _ in fresh:
            for profile_id in map(_literal, erased):
                self._db.execute(f"DELETE FROM events WHERE profile_id = {profile_id}")
                self._db.execute(f"DELETE FROM profiles WHERE id = {profile_id}")
                self._db.execute(f"DELETE FROM profile_roots WHERE id = {profile_id}")
            self._db.execute(f"INSERT INTO applied_erasures VALUES ({_literal(erasure_id)})")
        if fresh:
            self._mark("erasures", max(row.at for row in fresh))
        return bool(fresh)

    def _rewrite(self) -> None:
        """Copy what is left into a new file that replaces this one: DuckDB frees the
        blocks of deleted rows without erasing them, so the old file would still hold
        the erased people's bytes."""
        fresh = f"{self.path}.new"
        if os.path.exists(fresh):
            os.unlink(fresh)
        copy = _connect(fresh)
        copy.execute(_SCHEMA)
        copy.close()
        self._db.execute(f"ATTACH {_literal(fresh)} AS fresh")
        for table in _TABLES:
            self._db.execute(f"INSERT INTO fresh.{table} SELECT * FROM {table}")
        self._db.execute("DETACH fresh")
        self._db.close()
        os.replace(fresh, self.path)
        self._db_open = _connect(self.path)

    def _apply_retention(self, engine: Engine, now: datetime) -> None:
        with engine.connect() as connection:
            kept = {
                ws: load_policy(connection, ws).event_retention
                for ws in connection.execute(select(workspaces.c.id)).scalars()
            }
        for workspace_id, retention in kept.items():
            if retention is not None:
                before = now - parse_duration(retention)
                self._db.execute(
                    f"DELETE FROM events WHERE workspace_id = {_literal(workspace_id)} "
                    f"AND ts < {_literal(before)}"
                )


def lag_seconds(engine: Engine, synced_through: int) -> float:
    """How far a store that holds the events up to `synced_through` is behind: the age, at
    the arrival of the newest event it could hold, of the newest event it holds (0 when it
    holds everything it could, or nothing yet). It could hold the resolved events before
    the oldest pending one, as a sync copies them; an event still pending holds the copy
    back as it holds identity, whose own lag reports it. Events a sync leaves for writers
    still open (`SettledEvents`) count as behind. It reads the database only: the
    caller has the store's mark.

    The newest is the last by `seq`, found from the oldest pending event backwards: a
    maximum of `received_at` over every event past the mark read each of them (90 ms a
    sync with a burst behind identity), and `seq` follows arrival to within a commit."""
    with engine.connect() as connection:
        copyable = select(events.c.received_at).where(
            events.c.profile_id.is_not(None), events.c.seq > synced_through
        )
        oldest_pending = oldest_pending_event(connection)
        if oldest_pending is not None:
            copyable = copyable.where(events.c.seq < oldest_pending)
        newest = connection.execute(
            copyable.order_by(events.c.seq.desc()).limit(1)
        ).scalar_one_or_none()
        held = connection.execute(
            select(events.c.received_at).where(events.c.seq == synced_through)
        ).scalar_one_or_none()
    if newest is None or held is None:
        return 0.0
    return max(0.0, float((newest - held).total_seconds()))


def _utc_text(column: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """An instant as ISO text with its offset, as the database writes it."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    # SQLite holds UTC as `YYYY-MM-DD HH:MM:SS.ffffff` (storage.tables.Instant).
    return cast(column, Text) + "+00:00"


def _literal(value: str | int | datetime) -> str:
    """A value as a DuckDB SQL literal. Only for values of ours (ids, names, paths,
    instants, sequence numbers); queries with a user's input bind parameters."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("an instant without its offset")
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, int):
        return str(int(value))
    if "\x00" in value:
        raise ValueError("a NUL character in a literal")
    return "'" + value.replace("'", "''") + "'"


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    import duckdb

    connection = duckdb.connect(path)
    # No progress bar on stdout: the store answers an API, not a terminal.
    connection.execute("SET enable_progress_bar = false")
    return connection
