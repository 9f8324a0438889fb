"""Durable storage of accepted messages, deduplicated by message id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from baton.ingest.messages import Message
from baton.storage.database import (
    PreparedRows,
    execute_prepared,
    insert_ignoring_duplicates_for,
    prepare_rows,
    write_transaction,
)
from baton.storage.tables import events


def prepare_messages(
    dialect: Dialect,
    workspace_id: str,
    messages: Sequence[Message],
    traceparent: str | None = None,
) -> PreparedRows:
    """The INSERT of `messages` into `events`, encoded and ready for `store_prepared`;
    with `traceparent`, the trace they arrived in goes with each (only then: a column
    left out costs nothing).

    A message whose `messageId` its workspace already holds is skipped: the unique key
    (workspace_id, message_id) makes deduplication last as long as the event is kept.
    """
    statement = insert_ignoring_duplicates_for(dialect, events)
    rows = [m.row(workspace_id) for m in messages]
    if traceparent is not None:
        for row in rows:
            row["traceparent"] = traceparent
    return prepare_rows(dialect, statement, rows)


def store_prepared(engine: Engine, batches: Sequence[PreparedRows]) -> None:
    """Commit the batches in one transaction; when this returns they are durable."""
    with write_transaction(engine) as connection:
        for batch in batches:
            execute_prepared(connection, batch)


def store_messages(engine: Engine, workspace_id: str, messages: Sequence[Message]) -> None:
    """Commit the messages in one transaction; when this returns they are durable."""
    if messages:
        store_prepared(engine, [prepare_messages(engine.dialect, workspace_id, messages)])
