"""Durable storage of accepted messages, deduplicated by message id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from baton.ingest.messages import Message
from baton.storage.database import (
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import events


def store_messages(engine: Engine, workspace_id: str, messages: Sequence[Message]) -> None:
    """Commit the messages in one transaction; when this returns they are durable."""
    store_rows(engine, [message.row(workspace_id) for message in messages])


def store_rows(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `events` rows in one transaction.

    A message whose `messageId` its workspace already holds is skipped: the unique key
    (workspace_id, message_id) makes deduplication last as long as the event is kept.
    """
    if not rows:
        return
    with write_transaction(engine) as connection:
        executemany_fast(connection, insert_ignoring_duplicates(connection, events), rows)
