"""Waking background workers when the database changes, instead of polling its queues.

Every write transaction on PostgreSQL ends with `NOTIFY baton_changed` (delivered at
commit, once per transaction); a watcher LISTENs on a connection of its own. On SQLite
every commit writes the write-ahead log file, so a watcher notices a commit by the file's
size and modification time: a `stat` every couple of milliseconds, with no query. Either
way an idle worker costs almost nothing and a busy one hears of new work at once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from baton.storage.database import CHANGE_CHANNEL

log = logging.getLogger(__name__)

_STAT_EVERY = 0.002
_LISTEN_TIMEOUT = 0.5


class ChangeWatcher:
    """Calls `on_change` (from its own thread) soon after any commit to the database."""

    def __init__(self, engine: Engine, on_change: Callable[[], None]) -> None:
        self._engine = engine
        self._on_change = on_change
        self._stop = threading.Event()
        watch = self._watch_file if engine.dialect.name == "sqlite" else self._listen
        self._thread = threading.Thread(target=watch, name="baton-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch_file(self) -> None:
        path = f"{os.path.abspath(self._engine.url.database or '')}-wal"
        seen: tuple[int, int] | None = None
        while not self._stop.wait(_STAT_EVERY):
            try:
                status = os.stat(path)
                now = (status.st_size, status.st_mtime_ns)
            except FileNotFoundError:
                now = (0, 0)
            if now != seen:
                seen = now
                self._on_change()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen_once()
            except Exception:
                log.exception("listening for database changes failed; retrying")
                self._on_change()  # something may have been missed meanwhile
                self._stop.wait(1)

    def _listen_once(self) -> None:
        pooled = self._engine.raw_connection()
        try:
            connection = pooled.driver_connection
            assert connection is not None
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANGE_CHANNEL}")
            while not self._stop.is_set():
                for _ in connection.notifies(timeout=_LISTEN_TIMEOUT, stop_after=1):
                    self._on_change()
        finally:
            pooled.invalidate()  # LISTEN state must not return to the pool
