"""Group commit: requests that arrive while a commit runs share the next transaction, all
are stored, and a failed commit fails them all."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.exc import OperationalError

from baton.ingest import Message, parse_message
from baton.ingest.writer import IngestWriter
from baton.storage.database import connect
from baton.storage.tables import events
from tests.conftest import Workspace

NOW = datetime(2026, 4, 1, tzinfo=UTC)
REQUESTS = 20


def messages(prefix: str, count: int) -> list[Message]:
    return [
        parse_message(
            {"type": "track", "event": "E", "userId": "u", "messageId": f"{prefix}-{i}"},
            received_at=NOW,
            ip=None,
            size=0,
        )
        for i in range(count)
    ]


def test_requests_that_queue_while_a_commit_runs_share_the_next_transaction(
    engine: Engine, workspace: Workspace
) -> None:
    # Transactions are counted on the engine itself, whatever the writer reports, and the
    # first one is held open until the other requests wait behind it: no timing luck.
    transactions: list[Connection] = []
    stored_calls: list[int] = []
    busy, queued = threading.Event(), threading.Event()

    def on_begin(connection: Connection) -> None:
        transactions.append(connection)
        if len(transactions) == 1:
            busy.set()
            queued.wait(timeout=60)  # only a guard against hanging the suite

    writer = IngestWriter(engine, on_stored=lambda: stored_calls.append(1))
    writer.start()
    event.listen(engine, "begin", on_begin)

    async def many() -> None:
        first = asyncio.ensure_future(writer.store(workspace.id, messages("first", 50)))
        await asyncio.to_thread(busy.wait, 60)
        rest = asyncio.gather(
            *(writer.store(workspace.id, messages(f"r{r}", 50)) for r in range(REQUESTS - 1))
        )
        await asyncio.sleep(0)  # one turn of the loop: each store has queued its request
        queued.set()
        await asyncio.gather(first, rest)

    try:
        asyncio.run(many())
    finally:
        event.remove(engine, "begin", on_begin)
        writer.stop()
    with engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).where(events.c.workspace_id == workspace.id)
        ).scalar_one()
    assert stored == REQUESTS * 50
    # The first request alone, then the other nineteen together.
    assert (len(transactions), len(stored_calls)) == (2, 2)


def test_a_failed_commit_fails_every_waiting_request(tmp_sqlite_url: str) -> None:
    writer = IngestWriter(connect(tmp_sqlite_url))  # no migrations: the table is missing
    writer.start()

    async def one(prefix: str) -> None:
        await writer.store("ws", messages(prefix, 3))

    async def both() -> tuple[BaseException | None, BaseException | None]:
        return await asyncio.gather(one("a"), one("b"), return_exceptions=True)

    try:
        results = asyncio.run(both())
    finally:
        writer.stop()
    assert all(isinstance(result, OperationalError) for result in results)


def test_storing_nothing_returns_at_once(engine: Engine) -> None:
    writer = IngestWriter(engine)  # never started: an empty store must not wait for it
    asyncio.run(asyncio.wait_for(writer.store("ws", []), timeout=1))
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(writer.store("ws", messages("x", 1)), timeout=0.2))
