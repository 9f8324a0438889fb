"""Many rows into PostgreSQL in one COPY instead of one INSERT each.

An INSERT run for each row of a batch costs the driver's per-statement work in Python and
the server's per-statement work, several times the row's own. COPY streams the rows:
about a third of the time on the driver's side, measured. An INSERT that skips rows whose
unique key exists (`ON CONFLICT DO NOTHING`) cannot be a COPY, so its rows are copied
into a temporary table of the session and inserted from there in one statement, in
their order. That table is emptied in place at each commit (no new file, no catalog
write), and after each use within one.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

# What `prepare_rows` compiles for a plain INSERT on PostgreSQL, with or without skipping
# duplicates. Anything else (RETURNING, a SELECT, an upsert) does not match.
# Each value must be a bare bind with at most a cast: COPY applies no expression.
_VALUE = r"%\(\w+\)s(?:::[A-Z ]+)?"
_INSERT = re.compile(
    rf"INSERT INTO (?P<table>\w+) \((?P<columns>[\w, ]+)\) "
    rf"VALUES \((?P<values>{_VALUE}(?:, {_VALUE})*)\)(?P<skip> ON CONFLICT DO NOTHING)?"
)
_BIND = re.compile(r"%\((\w+)\)s")


class CopyPlan(NamedTuple):
    """How rows of one INSERT are copied: `binds` orders each row's values."""

    binds: tuple[str, ...]
    copy: str
    # The INSERT taking the same tuples, for a batch too small to copy.
    positional: str
    # With duplicates to skip: the staging table, how to make it, and the INSERT from it.
    staging: str | None = None
    create: str | None = None
    insert: str | None = None


def copy_plan(insert: str) -> CopyPlan | None:
    """The COPY form of a compiled INSERT, or None when it has none."""
    found = _INSERT.fullmatch(insert)
    if found is None:
        return None
    binds = tuple(_BIND.findall(found["values"]))
    columns = found["columns"]
    if len(binds) != len(columns.split(",")):
        return None
    table = found["table"]
    positional = _BIND.sub("%s", insert)
    if not found["skip"]:
        return CopyPlan(binds, f"COPY {table} ({columns}) FROM STDIN", positional)
    # One staging table for each set of columns: callers insert different ones.
    staging = f"baton_copy_{table}_{zlib.crc32(columns.encode()):08x}"
    return CopyPlan(
        binds,
        f"COPY {staging} (copy_order, {columns}) FROM STDIN",
        positional,
        staging,
        # The columns' types, none of their constraints; gone with the session. Made
        # again if missing in every transaction: one that made it may have rolled back.
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
        f"SELECT 0 AS copy_order, {columns} FROM {table} WITH NO DATA",
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
        "ORDER BY copy_order ON CONFLICT DO NOTHING",
    )


def copy_rows(connection: Connection, plan: CopyPlan, rows: Sequence[Sequence[Any]]) -> None:
    """Copy the rows (each in `plan.binds` order) within the connection's transaction.

    Driver errors reach the caller as SQLAlchemy's, as from any other statement, and a
    lost connection is invalidated: callers tell a database outage from a bad row by
    those types."""
    import psycopg  # here: a SQLite installation never loads the driver (about 8 MB)

    if not connection.in_transaction():
        connection.begin()  # as a statement through SQLAlchemy would: the caller commits
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with driver.cursor() as cursor:
        statement = plan.copy
        try:
            if plan.staging is None:
                with cursor.copy(plan.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            statement = plan.create or ""
            cursor.execute(statement)
            statement = plan.copy
            with cursor.copy(plan.copy) as copy:
                for order, row in enumerate(rows):
                    copy.write_row((order, *row))
            statement = plan.insert or ""
            cursor.execute(statement)
            statement = f"DELETE FROM {plan.staging}"
            cursor.execute(statement)
        except psycopg.Error as error:
            lost = driver.broken or driver.closed
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                statement,
                None,
                error,
                psycopg.Error,
                connection_invalidated=lost,
                dialect=connection.dialect,
            ) from error
