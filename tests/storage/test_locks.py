"""The one-consumer-per-stage locks (`exclusive`) on both databases: while one holder has
a lock, a holder in another process (another connection) waits, and gets it on release."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, text

from baton.storage.database import connect, exclusive

# Takes the lock named argv[2] of the database at argv[1], then lets it go and exits.
SECOND_HOLDER = """
import sys
from baton.storage.database import connect, exclusive
with exclusive(connect(sys.argv[1]), sys.argv[2]):
    pass
"""
PATIENCE = 60.0  # a guard against a hang, not a measure of speed


def waiting(engine: Engine, pid: int) -> bool:
    """Whether process `pid` waits for a lock: a flock (SQLite; marked `->` in
    /proc/locks), an advisory lock not granted in this database (PostgreSQL, where the
    test's own connection is the only other user)."""
    if engine.dialect.name == "sqlite":
        lines = Path("/proc/locks").read_text().splitlines()
        return any(line.split()[1:3] == ["->", "FLOCK"] and str(pid) in line.split()
                   for line in lines)  # fmt: skip
    with engine.connect() as connection:
        blocked = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = pg_locks.database"
                " WHERE locktype = 'advisory' AND NOT granted AND d.datname = current_database()"
            )
        )
        return bool(blocked.scalar_one())


def test_a_second_holder_waits_for_the_first_and_gets_the_lock_on_release(
    database_url: str,
) -> None:
    engine = connect(database_url)
    name = f"test-{secrets.token_hex(4)}"
    with exclusive(engine, name):
        second = subprocess.Popen([sys.executable, "-c", SECOND_HOLDER, database_url, name])
        deadline = time.monotonic() + PATIENCE
        while not waiting(engine, second.pid):
            assert second.poll() is None, (
                f"the second holder ran (exit {second.returncode}) while the first held the lock"
            )
            assert time.monotonic() < deadline, "the second holder never asked for the lock"
            time.sleep(0.01)
        assert second.poll() is None
    assert second.wait(timeout=PATIENCE) == 0
    engine.dispose()
