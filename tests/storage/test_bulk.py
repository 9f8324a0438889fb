"""Batches of rows written by `executemany_fast`: on PostgreSQL a COPY from this many rows
(`storage/bulk.py`), an INSERT a row below; the same rows either way, on both databases."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from baton.storage.bulk import copy_plan
from baton.storage.database import (
    connect,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import events, journey_steps

_AWKWARD = ["tab\there", "line\nbreak", "back\\slash", 'quote\'s "both"', "ünïcödé ✓", "\\N", ""]
_AT = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)


def _steps(instance: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "instance_id": instance,
            "n": n,
            "at": _AT + timedelta(microseconds=n),
            "node": _AWKWARD[n % len(_AWKWARD)],
            "action": "wait",
            "detail": None if n % 3 == 0 else {"text": _AWKWARD[n % len(_AWKWARD)], "n": [n, None]},
        }
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 40])
def test_rows_come_back_as_written(engine: Engine, count: int) -> None:
    instance = f"jin_{secrets.token_hex(8)}"
    rows = _steps(instance, count)
    with write_transaction(engine) as connection:
        executemany_fast(connection, insert(journey_steps), rows)
    with engine.connect() as connection:
        stored = connection.execute(
            select(journey_steps).where(journey_steps.c.instance_id == instance)
        ).mappings()
        assert sorted((dict(row) for row in stored), key=lambda row: row["n"]) == rows


def test_a_duplicate_key_fails_the_batch_as_any_statement_would(engine: Engine) -> None:
    instance = f"jin_{secrets.token_hex(8)}"
    rows = _steps(instance, 20)
    with pytest.raises(IntegrityError), write_transaction(engine) as connection:
        executemany_fast(connection, insert(journey_steps), [*rows, rows[5]])
    with engine.connect() as connection:
        left = connection.execute(
            select(journey_steps.c.n).where(journey_steps.c.instance_id == instance)
        ).all()
    assert left == []  # the transaction rolled back whole


def _event(workspace_id: str, message_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "message_id": message_id,
        "type": "track",
        "event": extra.pop("event", "Viewed"),
        "timestamp": _AT,
        "received_at": _AT,
        "error": "kept out of identity's queue",
        **extra,
    }


def test_duplicates_are_skipped_and_the_rest_keep_their_order(own_database: str) -> None:
    engine = connect(own_database)
    workspace_id = "ws_bulk"
    table = insert_ignoring_duplicates
    with write_transaction(engine) as connection:
        executemany_fast(connection, table(connection, events), [_event(workspace_id, "old")])
    # A duplicate of a stored event, one of an earlier row of the batch, and two batches
    # with different columns in one transaction.
    names = [f"m{n:02d}" for n in range(30)]
    batch = [_event(workspace_id, name) for name in names]
    batch.insert(10, _event(workspace_id, "old", event="Again"))
    batch.insert(20, _event(workspace_id, "m03", event="Again"))
    other = [_event(workspace_id, f"p{n:02d}", properties={"n": n}) for n in range(12)]
    with write_transaction(engine) as connection:
        executemany_fast(connection, table(connection, events), batch)
        executemany_fast(connection, table(connection, events), other)
    with engine.connect() as connection:
        stored = connection.execute(
            select(events.c.message_id, events.c.event, events.c.properties)
            .where(events.c.workspace_id == workspace_id)
            .order_by(events.c.seq)
        ).all()
    engine.dispose()
    assert [row.message_id for row in stored] == ["old", *names, *(r["message_id"] for r in other)]
    assert all(row.event == "Viewed" for row in stored)  # the first of each kept
    assert [row.properties for row in stored[-12:]] == [{"n": n} for n in range(12)]


def test_only_a_plain_insert_has_a_copy() -> None:
    plain = "INSERT INTO t (a, b) VALUES (%(a)s::VARCHAR, %(b)s::JSONB)"
    assert copy_plan(plain) is not None
    assert copy_plan(plain + " ON CONFLICT DO NOTHING") is not None
    for other in (
        plain + " RETURNING t.a",
        plain + " ON CONFLICT (a) DO UPDATE SET b = excluded.b",
        "INSERT INTO t (a, b) VALUES (%(a)s::VARCHAR, now())",
        "INSERT INTO t (a, b) VALUES (%(a)s::VARCHAR, NOT %(b)s)",
        'INSERT INTO t (a, b) VALUES (%(a)s::VARCHAR, %(b)s COLLATE "C")',
        "INSERT INTO t (a, b) SELECT a, b FROM u",
        "UPDATE t SET a=%(a)s::VARCHAR WHERE t.b = %(b)s::VARCHAR",
    ):
        assert copy_plan(other) is None, other
