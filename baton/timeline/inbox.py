"""The journey inbox: final events the journey engine has yet to look at, in the order
they became final; and the destinations' inbox, which holds changed profiles too."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, text

from baton.storage.database import executemany_fast
from baton.storage.leases import slot_of
from baton.storage.tables import destination_inbox, journey_inbox

_INSERT = insert(journey_inbox)
_INSERT_DESTINATION = insert(destination_inbox)
_INSERT_ARRAY = text(
    "INSERT INTO journey_inbox (workspace_id, message_id, slot) "
    "SELECT :ws, m, s FROM unnest(CAST(:ids AS varchar[]), CAST(:slots AS smallint[])) AS t(m, s)"
)


def put_in_inbox(
    connection: Connection, workspace_id: str, entries: Sequence[tuple[str, str]]
) -> None:
    """(message id, profile id) each, in order: the profile gives the row its slot."""
    if not entries:
        return
    if connection.dialect.name == "postgresql":
        # One statement for the whole batch instead of a row each.
        ids = [m for m, _ in entries]
        slots = [slot_of(p) for _, p in entries]
        connection.execute(_INSERT_ARRAY, {"ws": workspace_id, "ids": ids, "slots": slots})
    else:
        rows = [
            {"workspace_id": workspace_id, "message_id": m, "slot": slot_of(p)} for m, p in entries
        ]
        executemany_fast(connection, _INSERT, rows)


def put_in_destination_inbox(
    connection: Connection, workspace_id: str, entries: Sequence[tuple[str, str | None]]
) -> None:
    """(profile id, message id) each: an event heard, or (message id None) a profile
    whose traits may have changed."""
    rows = [{"workspace_id": workspace_id, "profile_id": p, "message_id": m} for p, m in entries]
    if rows:
        executemany_fast(connection, _INSERT_DESTINATION, rows)
