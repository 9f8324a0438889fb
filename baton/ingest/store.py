"""Durable storage of accepted messages, deduplicated by message id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from baton.ingest.messages import Message
from baton.storage.database import insert_ignoring_duplicates, write_transaction
from baton.storage.tables import events


def store_messages(engine: Engine, workspace_id: str, messages: Sequence[Message]) -> None:
    """Commit the messages in one transaction; when this returns they are durable.

    A message whose `messageId` the workspace already holds is skipped: the unique key
    (workspace_id, message_id) makes deduplication last as long as the event is kept.
    """
    if not messages:
        return
    rows = [message.row(workspace_id) for message in messages]
    with write_transaction(engine) as connection:
        connection.execute(insert_ignoring_duplicates(connection, events), rows)
