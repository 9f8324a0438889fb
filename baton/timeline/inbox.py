"""The journey inbox: final events the journey engine has yet to look at, in the order
they became final; and the destinations' inbox, which holds changed profiles too."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, text

from baton.storage.database import executemany_fast
from baton.storage.tables import destination_inbox, journey_inbox

_INSERT = insert(journey_inbox)
_INSERT_DESTINATION = insert(destination_inbox)
_INSERT_ARRAY = text(
    "INSERT INTO journey_inbox (workspace_id, message_id) "
    "SELECT :ws, unnest(CAST(:ids AS varchar[]))"
)


def put_in_inbox(connection: Connection, workspace_id: str, message_ids: Sequence[str]) -> None:
    if not message_ids:
        return
    if connection.dialect.name == "postgresql":
        # One statement for the whole batch instead of a row each.
        connection.execute(_INSERT_ARRAY, {"ws": workspace_id, "ids": list(message_ids)})
    else:
        rows = [{"workspace_id": workspace_id, "message_id": m} for m in message_ids]
        executemany_fast(connection, _INSERT, rows)


def put_in_destination_inbox(
    connection: Connection, workspace_id: str, entries: Sequence[tuple[str, str | None]]
) -> None:
    """(profile id, message id) each: an event heard, or (message id None) a profile
    whose traits may have changed."""
    rows = [{"workspace_id": workspace_id, "profile_id": p, "message_id": m} for p, m in entries]
    if rows:
        executemany_fast(connection, _INSERT_DESTINATION, rows)
