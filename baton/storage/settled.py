"""How far a reader that follows the events by `seq` may go without skipping one.

PostgreSQL gives an event its `seq` when the row is inserted and shows the row when its
transaction commits, so an event can appear below one already seen: two API processes
store batches at once, and the one with the lower numbers commits second. A reader that
had moved past those numbers would never read them. SQLite runs one write transaction at
a time, so there an event below a visible one is visible too.

`SettledEvents` notes the newest visible `seq` and the transactions then holding a write
lock on the events table: an INSERT takes it before it draws a `seq`, and keeps it until
its transaction ends. Once every one of them has ended, each event up to the noted `seq`
is visible or never will be. Transactions that only read the events, or write elsewhere,
do not count; those that update or delete events (identity, erasure, retention) do. A
busy installation's reader so trails by one or two reads, and a write transaction on
`events` left open (a hung client, an operator's `BEGIN`) holds every reader back until
it ends: the analytics lag shows it.

It relies on the sequence handing out `seq` in order, one value at a time (`CACHE 1`, the
default): with a cache per session, a value drawn later could be lower.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text

from baton.storage.tables import events

# Virtual transaction ids: unique while the server runs, so a transaction begun since is
# never taken for one noted.
_WRITING_EVENTS = text(
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND relation = 'events'::regclass AND mode = 'RowExclusiveLock'"
)


@dataclass(frozen=True)
class _Noted:
    seq: int
    writing: frozenset[str]


class SettledEvents:
    """The `seq` a reader may read up to, followed across its reads (keep one per reader
    for its lifetime)."""

    def __init__(self) -> None:
        self._settled = 0
        self._noted: _Noted | None = None

    @property
    def settled(self) -> int:
        """The `seq` the last `through` returned on PostgreSQL."""
        return self._settled

    @property
    def awaited(self) -> int | None:
        """The `seq` noted while writers were open, until they have all ended."""
        return None if self._noted is None else self._noted.seq

    def through(self, engine: Engine) -> int | None:
        """Every event up to the `seq` returned is visible or never will be; None when
        every visible event is settled (SQLite)."""
        if engine.dialect.name != "postgresql":
            return None
        # The newest first: a transaction that drew a `seq` below it and has not committed
        # still holds its lock when the locks are read.
        with engine.connect() as connection:
            newest = connection.execute(select(func.max(events.c.seq))).scalar() or 0
            writing = frozenset(connection.execute(_WRITING_EVENTS).scalars())
        if self._noted is not None and not self._noted.writing & writing:
            self._settled, self._noted = max(self._settled, self._noted.seq), None
        if self._noted is None:
            if writing:
                self._noted = _Noted(newest, writing)
            else:
                self._settled = max(self._settled, newest)
        return self._settled
