"""Kinds that read events as they come: sentiment scores each new text once, as an event
of its own (`Sentiment Analyzed`) that journeys can start on."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from baton.core.clock import Clock
from baton.predict.definitions import SentimentDefinition
from baton.predict.store import prediction_of_row, set_state
from baton.storage.database import write_transaction
from baton.storage.settled import SettledEvents
from baton.storage.tables import events, predictions

_READING = (predictions.c.kind == "sentiment") & predictions.c.active_version.is_not(None)


def reads_new_events(connection: Connection) -> bool:
    """Whether any active prediction reads new events."""
    return connection.execute(select(predictions.c.id).where(_READING).limit(1)).first() is not None


def analyze_due(engine: Engine, clock: Clock, settled: SettledEvents) -> int:
    """Analyze every active sentiment prediction's new events, up to those `settled`
    (one for the caller's lifetime); returns how many events were recorded."""
    with engine.connect() as connection:
        ids = list(connection.execute(select(predictions.c.id).where(_READING)).scalars())
    if not ids:
        return 0
    # lingua and VADER load where texts are read, not in every process (registry.py).
    from baton.predict.sentiment import analyze_new

    recorded, settled_through = 0, settled.through(engine)
    for prediction_id in ids:
        if not _unread(engine, prediction_id):
            continue
        with write_transaction(engine) as connection:
            row = connection.execute(
                select(predictions).where(predictions.c.id == prediction_id, _READING)
            ).first()
            if row is None:
                continue
            prediction = prediction_of_row(row)
            assert isinstance(prediction.definition, SentimentDefinition)
            cursor, count = analyze_new(
                connection,
                prediction.workspace_id,
                prediction.id,
                prediction.definition,
                prediction.event_cursor,
                clock.now(),
                settled_through=settled_through,
            )
            if cursor != prediction.event_cursor:
                set_state(connection, prediction, event_cursor=cursor)
            recorded += count
    return recorded


def _unread(engine: Engine, prediction_id: str) -> bool:
    """Whether the prediction's event has come since it last read (a read first: an idle
    poll must not take SQLite's single write lock)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(
                predictions.c.workspace_id, predictions.c.definition, predictions.c.event_cursor
            ).where(predictions.c.id == prediction_id)
        ).first()
        if row is None:
            return False
        e = events.c
        newer = select(e.seq).where(
            e.workspace_id == row.workspace_id,
            e.event == row.definition["event"],
            e.seq > (row.event_cursor or 0),
        )
        return connection.execute(newer.limit(1)).first() is not None
