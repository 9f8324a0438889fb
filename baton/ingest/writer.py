"""Group commit: requests that arrive together are stored in one transaction.

Each commit costs an fsync; under load many requests share one, so throughput grows with
concurrency while every request still waits for its own messages to be durable.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine

from baton.ingest.messages import Message
from baton.ingest.store import prepare_messages, store_prepared
from baton.storage.database import PreparedRows

log = logging.getLogger(__name__)

# A transaction takes what is waiting up to this many messages; the rest go in the next.
MAX_GROUP_MESSAGES = 10_000


@dataclass
class _Request:
    rows: PreparedRows
    done: Future[None] = field(default_factory=Future)


class IngestWriter:
    def __init__(self, engine: Engine, on_stored: Callable[[], None] = lambda: None) -> None:
        self._engine = engine
        self._on_stored = on_stored
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="baton-ingest-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    async def store(
        self, workspace_id: str, messages: Sequence[Message], traceparent: str | None = None
    ) -> None:
        """Returns once the messages are committed; raises if the commit failed.
        `traceparent`: the trace they arrived in (baton/core/tracing.py), kept with each."""
        if not messages:
            return
        # Encoding happens here, in the caller, so the writer thread only writes.
        prepared = prepare_messages(self._engine.dialect, workspace_id, messages, traceparent)
        request = _Request(prepared)
        self._queue.put(request)
        await asyncio.wrap_future(request.done)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, size, stopping = [first], len(first.rows.params), False
            while size < MAX_GROUP_MESSAGES:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                group.append(nxt)
                size += len(nxt.rows.params)
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[_Request]) -> None:
        try:
            # Requests share their statement: one executemany per statement for the group.
            by_sql: dict[str, PreparedRows] = {}
            for request in group:
                rows = request.rows
                if rows.sql in by_sql:
                    by_sql[rows.sql].params.extend(rows.params)
                else:
                    by_sql[rows.sql] = rows._replace(params=list(rows.params))
            store_prepared(self._engine, list(by_sql.values()))
        except Exception as error:
            log.exception("storing %d requests failed", len(group))
            for request in group:
                request.done.set_exception(error)
            return
        for request in group:
            request.done.set_result(None)
        self._on_stored()
