"""Compaction after an erasure on PostgreSQL: `VACUUM FULL` keeps a deleted row while an
older transaction could still see it, so compaction first outlives older transactions, and
gives up (Busy, for the next round) rather than leave the row on disk."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from baton.core.errors import Busy
from baton.storage import database
from baton.storage.database import compact, connect


@pytest.fixture
def probe(postgresql_url: str) -> Iterator[tuple[Engine, str]]:
    """A table of its own holding one row to erase, on this session's PostgreSQL."""
    engine = connect(postgresql_url)
    table = f"compaction_probe_{secrets.token_hex(4)}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {table} (value text)"))
        connection.execute(text(f"INSERT INTO {table} VALUES ('erased-{table}')"))
    yield engine, table
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {table}"))
    engine.dispose()


def file_bytes(engine: Engine, table: str) -> bytes:
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        path = connection.execute(text("SELECT pg_relation_filepath(:t)"), {"t": table}).scalar()
        read = text("SELECT pg_read_binary_file(:p, 0, 67108864, true)")
        found: bytes = connection.execute(read, {"p": path}).scalar() or b""
        return found


# What keeps an erased row for an older transaction: a report's snapshot (it holds no lock
# on the table, so only the snapshot itself can make compaction wait); a read-committed
# writer idle between statements, which holds no snapshot but whose open transaction id
# keeps every row deleted after it began; and such a writer in another database, which
# holds back the snapshot VACUUM FULL itself runs under.
HOLDERS = {"snapshot": (False, "REPEATABLE READ", "SELECT 1"),
           "transaction id": (False, "READ COMMITTED", "SELECT txid_current()"),
           "other database": (True, "READ COMMITTED", "SELECT txid_current()")}  # fmt: skip


@pytest.mark.parametrize("holder", sorted(HOLDERS))
def test_compaction_waits_for_an_older_transaction_that_could_keep_the_erased_row(
    probe: tuple[Engine, str], holder: str
) -> None:
    engine, table = probe
    trace = f"erased-{table}".encode()
    elsewhere, isolation, statement = HOLDERS[holder]
    other = create_engine(engine.url.set(database="postgres")) if elsewhere else engine
    with other.connect().execution_options(isolation_level=isolation) as older:
        older.execute(text(statement))
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))
        compacting = threading.Thread(target=compact, args=(engine, [table]))
        compacting.start()
        compacting.join(timeout=0.5)
        waited = compacting.is_alive()
        older.commit()
    other.dispose()
    compacting.join(timeout=10)
    assert waited  # for the older transaction
    assert not compacting.is_alive()
    assert trace not in file_bytes(engine, table)


def test_compaction_gives_up_rather_than_keep_the_row(
    probe: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, table = probe
    monkeypatch.setattr(database, "_SNAPSHOT_POLLS", 4)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as reader:
        reader.execute(text("SELECT 1"))
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))
        with pytest.raises(Busy, match="compact again"):
            compact(engine, [table])
