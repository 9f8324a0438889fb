"""The background work behind the API: events become profiles, profiles get their
segments and computed traits, and new or edited definitions are evaluated for everyone.

`baton serve` runs it in a child process (or a thread), `baton worker` on its own; every
step takes a lock shared by all processes, so any number of them can run side by side.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import Engine

from baton.core.clock import Clock
from baton.identity.processor import DEFAULT_BATCH_SIZE, process_pending, refresh_statistics
from baton.segments import build_pending, evaluate_due
from baton.segments.due import next_due_at

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        default_region: str,
        idle_wait: float = 0.2,
        coalesce: float = 0.005,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._region = default_region
        self._idle_wait = idle_wait
        self._coalesce = coalesce
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run_profiles, name="baton-profiles", daemon=True),
            threading.Thread(target=self._run_builds, name="baton-builds", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Called after new events are stored, so they are processed without waiting."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch under way, then release the engine (the threads own it)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._engine.dispose()

    def _run_profiles(self) -> None:
        processed, next_analyze = 0, 5_000
        while not self._stop.is_set():
            claimed = evaluated = 0
            try:
                claimed = process_pending(self._engine, self._clock, self._region)
                processed += claimed
                if processed >= next_analyze:
                    refresh_statistics(self._engine)
                    next_analyze *= 2
                evaluated = evaluate_due(self._engine, self._clock)
            except Exception:
                log.exception("profile pipeline failed; retrying")
            if claimed == 0 and evaluated == 0:
                self._wake.wait(self._until_next_due())
                self._wake.clear()
            elif claimed < DEFAULT_BATCH_SIZE // 2:
                # A thin stream: let a few more events arrive so each transaction (and
                # its share of the single SQLite writer) does more work.
                self._stop.wait(self._coalesce)

    def _until_next_due(self) -> float:
        """Sleep no longer than the idle wait, and wake for the next time window."""
        try:
            with self._engine.connect() as connection:
                due = next_due_at(connection)
        except Exception:
            log.exception("reading the next due instant failed")
            return self._idle_wait
        if due is None:
            return self._idle_wait
        wait = (due - self._clock.now()) / timedelta(seconds=1)
        return min(self._idle_wait, max(wait, 0.0))

    def _run_builds(self) -> None:
        while not self._stop.is_set():
            try:
                built = build_pending(self._engine, self._clock)
            except Exception:
                log.exception("segment build failed; retrying")
                built = 0
            if built == 0:
                self._stop.wait(self._idle_wait)
