"""Group commit: concurrent requests are all stored, and a failed commit fails them all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from baton.ingest import Message, parse_message
from baton.ingest.writer import IngestWriter
from baton.storage.database import connect
from baton.storage.tables import events
from tests.conftest import Workspace

NOW = datetime(2026, 4, 1, tzinfo=UTC)


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


def test_concurrent_requests_are_all_committed(engine: Engine, workspace: Workspace) -> None:
    commits = []
    writer = IngestWriter(engine, on_stored=lambda: commits.append(1))
    writer.start()

    async def many() -> None:
        await asyncio.gather(
            *(writer.store(workspace.id, messages(f"r{r}", 50)) for r in range(40))
        )

    try:
        asyncio.run(many())
    finally:
        writer.stop()
    with engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).where(events.c.workspace_id == workspace.id)
        ).scalar_one()
    assert stored == 40 * 50
    assert 1 <= len(commits) <= 40


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
