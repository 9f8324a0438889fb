"""Engines for SQLite and PostgreSQL, and the few dialect differences Baton relies on."""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Engine,
    Select,
    String,
    Table,
    any_,
    create_engine,
    event,
    text,
)
from sqlalchemy import literal as sql_literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import ColumnElement

from baton.core.errors import Busy, ConfigurationError
from baton.storage.bulk import CopyPlan, copy_plan, copy_rows
from baton.storage.tables import Instant, instant_to_sqlite

_WRITE = "baton_write"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def sqlalchemy_url(url: str) -> str:
    """Accept the plain `postgresql://` form and pick the psycopg 3 driver for it."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise ConfigurationError(
        f"unsupported database URL scheme in {url.split('://', 1)[0]!r}: "
        "use sqlite:///path or postgresql://user@host/db"
    )


def connect(
    url: str, *, sync_every_commit: bool = True, checkpoints_elsewhere: bool = False
) -> Engine:
    """An engine for the URL, tuned for Baton's access pattern.

    `sync_every_commit=False` is for work that can be redone, such as resolving stored
    events into profiles: on SQLite its commits skip the fsync. A lost commit of that kind
    only leaves its events pending again, and since the WAL is replayed in order, any
    later synced commit (an ingestion) makes it durable too.

    Such background engines also skip the ping before each use of a pooled PostgreSQL
    connection (a round trip per transaction): their callers retry a failed step anyway,
    on a fresh connection.

    `checkpoints_elsewhere=True`: this engine's commits never run a SQLite checkpoint; the
    owner calls `checkpoint()` regularly instead (the pipeline does, twice a second), so
    the copying stays off the path of latency-sensitive commits.
    """
    url = sqlalchemy_url(url)
    engine = create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        # A server connection can drop while pooled; a SQLite file cannot.
        pool_pre_ping=sync_every_commit and not url.startswith("sqlite"),
    )
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, "FULL" if sync_every_commit else "NORMAL", checkpoints_elsewhere)
    return engine


def _tune_sqlite(engine: Engine, synchronous: str, checkpoints_elsewhere: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's late, implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA page_size=8192")  # takes effect only on a new database
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed transaction survives a power loss, not only a process crash.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        # SQLite's default 2 MB of page cache per connection. In WAL mode a connection
        # drops its cache whenever another one has written since its last read, which
        # under ingestion is always; 32 MB held memory in every pooled connection of
        # every process (120 MB of the family's peak in `make bench`) for no speed.
        cursor.execute("PRAGMA cache_size=-2048")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, so an erased person's data does not
        # linger in free space (privacy/erasure.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: a reader upgrading to writer in WAL mode
        # fails with SQLITE_BUSY instead of waiting.
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Listened to by `changes.ChangeWatcher`.
CHANGE_CHANNEL = "baton_changed"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that will write; commits on success.

    SQLite has one writer at a time. Writers queue on a lock file instead of on SQLite's
    busy handler, which sleeps and polls (up to 100 ms a try) and so adds long tail
    latency when the API and a worker process write to the same file. On PostgreSQL the
    commit notifies the workers' change watchers (`changes.py`).
    """
    sqlite = engine.dialect.name == "sqlite"
    lock = _file_lock(engine, "writer") if sqlite else nullcontext()
    with lock, engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection
            if not sqlite:
                connection.exec_driver_sql(f"NOTIFY {CHANGE_CHANNEL}")


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold a named lock shared by every thread and process using this database.

    SQLite: flock on a file beside the database. PostgreSQL: a session advisory lock,
    released by the server if the process dies.
    """
    if engine.dialect.name == "sqlite":
        with _file_lock(engine, name):
            yield
        return
    with _advisory(engine, name, ""):
        yield


@contextmanager
def shared_lock(engine: Engine, name: str) -> Iterator[None]:
    """PostgreSQL: hold the lock `exclusive(name)` takes, in shared mode: holders of it
    run side by side, never beside a holder of `exclusive(name)`."""
    with _advisory(engine, name, "_shared"):
        yield


@contextmanager
def _advisory(engine: Engine, name: str, mode: str) -> Iterator[None]:
    key = zlib.crc32(name.encode())
    with engine.connect() as connection:
        connection.execute(text(f"SELECT pg_advisory_lock{mode}(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock{mode}(:key)"), {"key": key})
            connection.commit()


class _FileLock:
    """Exclusive across threads (a mutex) and across processes (flock on a file)."""

    def __init__(self, path: str) -> None:
        self._mutex = threading.Lock()
        self._file = open(path, "a+b")  # noqa: SIM115 - held for the life of the process

    def __enter__(self) -> None:
        self._mutex.acquire()
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._mutex.release()
            raise

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._mutex.release()


_file_locks: dict[str, _FileLock] = {}
_registry_lock = threading.Lock()


def _file_lock(engine: Engine, name: str) -> _FileLock | nullcontext[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        return nullcontext()  # private to one connection: nobody to wait for
    path = f"{os.path.abspath(database)}-{name}.lock"
    with _registry_lock:
        if path not in _file_locks:
            _file_locks[path] = _FileLock(path)
        return _file_locks[path]


class PreparedRows(NamedTuple):
    """A statement in the driver's SQL and its rows, encoded for the driver; with `copy`,
    the same rows as a COPY (`storage/bulk.py`), for when there are enough of them."""

    sql: str
    params: list[Any]
    copy: CopyPlan | None = None


def prepare_rows(
    dialect: Dialect, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]
) -> PreparedRows:
    """Encode rows for `statement` once, so a hot path can skip SQLAlchemy's per-value work.

    SQLAlchemy's per-value processing costs more than the database work at these volumes.
    The encodings match what the column types produce, so reads and comparisons agree.
    Every row must have the same keys: the statement's bind parameter or column names.
    """
    if not rows:
        return PreparedRows("", [])
    names = tuple(rows[0])
    sql, order, encoders, copy = _plan(dialect, statement, names)
    if order is None:
        params: list[Any] = [{name: encoders[name](row[name]) for name in names} for row in rows]
    else:
        params = [tuple(encoders[name](row[name]) for name in order) for row in rows]
    return PreparedRows(sql, params, copy)


# From this many rows a COPY beats an INSERT per row (it costs two round trips, not one).
_COPY_FROM = 8


def execute_prepared(connection: Connection, prepared: PreparedRows) -> None:
    if prepared.copy is not None and len(prepared.params) >= _COPY_FROM:
        copy_rows(connection, prepared.copy, prepared.params)
    elif prepared.params:
        connection.exec_driver_sql(prepared.sql, prepared.params)


def executemany_fast(
    connection: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run a statement once per row (see `prepare_rows`), for hot paths."""
    execute_prepared(connection, prepare_rows(connection.dialect, statement, rows))


_Encoder = Callable[[Any], Any]
_plans: weakref.WeakKeyDictionary[UpdateBase, dict[tuple[str, tuple[str, ...]], Any]] = (
    weakref.WeakKeyDictionary()
)


_Plan = tuple[str, tuple[str, ...] | None, dict[str, _Encoder], CopyPlan | None]


def _plan(dialect: Dialect, statement: UpdateBase, names: tuple[str, ...]) -> _Plan:
    cache = _plans.setdefault(statement, {})
    key = (dialect.name, names)
    if key not in cache:
        compiled = statement.compile(dialect=dialect, column_keys=list(names))
        encoders = {name: _encoder(compiled.binds[name].type, dialect.name) for name in names}
        sql = str(compiled)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        copy = copy_plan(sql) if dialect.name == "postgresql" else None
        if copy is not None:
            # Rows as tuples in the COPY's order; the INSERT, for a few, takes them so too.
            sql, order = copy.positional, copy.binds
        cache[key] = (sql, order, encoders, copy)
    plan: _Plan = cache[key]
    return plan


def _encoder(column_type: Any, dialect: str) -> _Encoder:
    if isinstance(column_type, Instant) and dialect == "sqlite":
        return instant_to_sqlite
    if isinstance(column_type, JSON):
        return _json_text
    return _identity


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else _json_dumps(value)


def among(
    column: ColumnElement[Any], values: Sequence[str], dialect: Dialect
) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL.

    SQLAlchemy renders an IN list as one parameter per value, which PostgreSQL must parse
    and plan anew for every list; `= ANY(array)` is one parameter and one plan shape.
    """
    if dialect.name == "postgresql":
        return column == any_(sql_literal(list(values), ARRAY(String())))
    return column.in_(values)


def insert_ignoring_duplicates(connection: Connection, table: Table) -> Insert:
    """INSERT that silently skips rows whose unique key already exists."""
    return insert_ignoring_duplicates_for(connection.dialect, table)


def insert_ignoring_duplicates_for(dialect: Dialect, table: Table) -> Insert:
    return _insert_ignoring_duplicates(dialect.name, table)


@lru_cache(maxsize=32)
def _insert_ignoring_duplicates(dialect: str, table: Table) -> Insert:
    # One statement object per table, so prepare_rows compiles it once; inline() leaves
    # out the RETURNING clause nobody reads.
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing().inline()
    return sqlite.insert(table).on_conflict_do_nothing().inline()


def upsert(
    connection: Connection,
    table: Table,
    rows: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    replace: Sequence[str],
) -> None:
    """Insert `rows`; a row whose `keys` exist already replaces the `replace` columns."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={name: statement.excluded[name] for name in replace},
        ),
        rows,
    )


def any_row(engine: Engine, query: Select[Any]) -> bool:
    """A read that tells a poller whether a write transaction is worth opening: idle
    workers must not take SQLite's single write lock (nor a PostgreSQL commit) per poll.

    Give queue probes an ORDER BY on an indexed column: on PostgreSQL an index scan skips
    (and marks) the entries of rows a consumer deleted, where a sequential scan would read
    every dead row of the queue until vacuum reclaims it."""
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).first() is not None


def checkpoint(engine: Engine) -> None:
    """Copy the SQLite write-ahead log into the database file without blocking anyone."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def compact(engine: Engine, tables: Sequence[str]) -> None:
    """Leave no copy of deleted rows in the database files: on SQLite (whose deletes
    zero the freed space) the write-ahead log is emptied into the file and truncated;
    on PostgreSQL, `VACUUM FULL` rewrites `tables` and their indexes without the dead
    rows, which plain VACUUM only marks as free space."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            busy, *_ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            raise Busy("readers held the write-ahead log; compact again")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        _outlive_older_snapshots(connection)
        for table in tables:
            connection.exec_driver_sql(f"VACUUM FULL {table}")


# How long compaction waits for transactions older than it, in polls of 50 ms.
_SNAPSHOT_POLLS = 200


def _outlive_older_snapshots(connection: Connection) -> None:
    """Waits until no other session of this database holds a snapshot, and no session of
    any database an open transaction id, from before now. `VACUUM FULL` copies a deleted
    row into the new file while any such snapshot could still see it (an auto-analyze, a
    long report); a read-committed writer idle between statements holds no snapshot but
    keeps the same rows through its id; and a writer in another database holds back the
    snapshot `VACUUM FULL` itself runs under, which keeps them too. Any of them would
    leave the erased data on disk. Raises Busy after ten seconds, for the next round."""
    horizon = connection.execute(text("SELECT mod(txid_current(), 4294967296)")).scalar_one()
    older = text(
        "SELECT count(*) FROM pg_stat_activity, "
        "(SELECT CAST(CAST(:horizon AS text) AS xid) AS erased) AS horizon "
        "WHERE pid <> pg_backend_pid() AND ((datname = current_database() "
        "AND age(backend_xmin) > age(erased)) OR age(backend_xid) > age(erased))"
    )
    pause = threading.Event()
    for _ in range(_SNAPSHOT_POLLS):
        if not connection.execute(older, {"horizon": horizon}).scalar_one():
            return
        pause.wait(0.05)
    raise Busy("transactions older than the erasure still run; compact again")
