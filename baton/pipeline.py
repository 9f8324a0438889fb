"""The background work behind the API, in stages: events become profiles (identity),
profiles get their segments and computed traits (segments), new or edited definitions are
evaluated for everyone (builds), journeys react to events and timers (journeys), and the
outbox's messages go out (delivery), and the analytics store follows the database
(analytics).

`baton serve` runs the stages in child processes (or threads), `baton worker` runs any of
them on its own, and any number of workers can run side by side. On PostgreSQL the
segments and journey-inbox workers split the profiles between them by leased hash slots
(`storage/leases.py`); other steps, and every step on SQLite, take a lock shared by all
processes or claim their rows with SKIP LOCKED. Identity and segments in separate
processes use both cores: each event passes through both, and neither waits for the
other's batch.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, Table, select

from baton.analytics import AnalyticsStore
from baton.campaigns import advance_broadcasts, next_broadcast_at
from baton.channels import dispatch_due
from baton.channels import next_due_at as next_message_at
from baton.core.clock import Clock
from baton.core.logging import log_context
from baton.core.metrics import count_stage
from baton.destinations import next_destination_work, run_destinations
from baton.identity import DEFAULT_BATCH_SIZE, compact_erased, process_pending, refresh_statistics
from baton.ingest import purge_expired_events
from baton.journeys import (
    fire_timers,
    inbox_waiting,
    next_timer_at,
    optimize_splits,
    process_inbox,
    run_schedules,
)
from baton.journeys import listen_to_events as journeys_listen
from baton.predict import (
    analyze_due,
    next_prediction_work,
    reads_new_events,
    score_due,
    train_due,
)
from baton.segments import build_pending, evaluate_due
from baton.segments import listen_to_events as segments_listen
from baton.storage.changes import ChangeWatcher
from baton.storage.database import checkpoint, write_transaction
from baton.storage.leases import Leases, new_worker_id
from baton.storage.settled import SettledEvents
from baton.storage.tables import broadcasts, destinations, journeys, workspaces
from baton.timeline import next_due_at

log = logging.getLogger(__name__)
# Seconds between housekeeping rounds: a look for definitions to build (a build takes
# seconds anyway) and a SQLite checkpoint (the pipeline's engine leaves them to this
# thread; ingestion's connections checkpoint on their own).
_HOUSEKEEPING_POLL = 0.5
# Compaction after erasures, and the purge of expired events: seldom, on the clock.
_COMPACT_EVERY = timedelta(minutes=1)
_PURGE_EVERY = timedelta(hours=1)
_OPTIMIZE_EVERY = timedelta(minutes=1)
# The shortest wait of a stage that found nothing due before it looks again, in seconds.
_RECHECK_GAP = 0.02
# Seconds between analytics syncs: each reads again the profiles changed in the last
# seconds, so a sync every instant would mostly repeat itself.
_ANALYTICS_EVERY = 2.0
_READ_EVERY = timedelta(seconds=2)
_AT_ONCE = datetime(1970, 1, 1, tzinfo=UTC)


def refresh_listeners(engine: Engine, now: datetime) -> None:
    """Tell the timeline again which events every workspace's journeys and segments hear
    (each does on every change; a database migrated from before the timeline had none)."""
    with write_transaction(engine) as connection:
        for workspace_id in connection.execute(select(workspaces.c.id)).scalars().all():
            journeys_listen(connection, workspace_id, now)
            segments_listen(connection, workspace_id, now)


def run_until_idle(engine: Engine, clock: Clock, rng: random.Random, region: str) -> None:
    """Every stage once at the clock's instant, again and again until nothing moves: the
    pipeline in the caller's thread, for a simulated clock (the demo, tests). `rng`
    spreads the delivery's retries."""
    settled = SettledEvents()
    while True:
        moved = 0
        while claimed := process_pending(engine, clock, region):
            moved += claimed
        build_pending(engine, clock)
        while evaluated := evaluate_due(engine, clock):
            moved += evaluated
        moved += process_inbox(engine, clock) + fire_timers(engine, clock)
        moved += run_schedules(engine, clock) + advance_broadcasts(engine, clock)
        moved += dispatch_due(engine, clock, rng)
        moved += run_destinations(engine, clock, rng, region)
        moved += (
            train_due(engine, clock)
            + score_due(engine, clock)
            + analyze_due(engine, clock, settled)
        )
        if not moved:
            return


class Stage(StrEnum):
    IDENTITY = "identity"
    SEGMENTS = "segments"
    BUILDS = "builds"
    JOURNEYS = "journeys"
    DELIVERY = "delivery"
    ANALYTICS = "analytics"
    PREDICTIONS = "predictions"


class Pipeline:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        rng: random.Random,
        default_region: str,
        stages: Collection[Stage] = tuple(Stage),
        analytics: AnalyticsStore | None = None,
        idle_wait: float = 0.2,
        coalesce: float = 0.005,
        worker_id: str | None = None,
    ) -> None:
        self._engine = engine
        # PostgreSQL: segments and the journey inbox are partitioned by profile among the
        # workers running them (`storage/leases.py`); SQLite has one writer anyway.
        self.worker_id = worker_id or new_worker_id()
        self._leases = {
            stage: Leases(engine, stage, clock, self.worker_id)
            for stage in (Stage.SEGMENTS, Stage.JOURNEYS)
            if stage in stages and engine.dialect.name == "postgresql"
        }
        self._clock = clock
        self._rng = rng  # the delivery thread's alone
        # The destinations thread's: a copy, so the delivery thread's draws stay the same.
        self._destinations_rng = random.Random()
        self._destinations_rng.setstate(rng.getstate())
        self._region = default_region
        self._idle_wait = idle_wait
        self._coalesce = coalesce
        self._events_stored = threading.Event()
        self._profiles_changed = threading.Event()
        self._journey_work = threading.Event()
        self._timer_work = threading.Event()
        self._messages_queued = threading.Event()
        self._destination_work = threading.Event()
        self._prediction_work = threading.Event()
        self._stop = threading.Event()
        self._processed, self._next_analyze = 0, 5_000
        self._next_schedules = self._next_reading = clock.now()
        self._settled = SettledEvents()  # how far sentiment may read the events
        self._next_compaction = self._next_purge = self._next_optimization = clock.now()
        self._configured: set[str] = set()
        self._builds = Stage.BUILDS in stages
        self._analytics = analytics if Stage.ANALYTICS in stages else None
        steps = [
            (Stage.IDENTITY in stages, self._run_identity, "identity"),
            (Stage.SEGMENTS in stages, self._run_segments, "segments"),
            (Stage.JOURNEYS in stages, self._run_journeys, "journeys"),
            (Stage.JOURNEYS in stages, self._run_timers, "timers"),
            (Stage.DELIVERY in stages, self._run_delivery, "delivery"),
            (Stage.DELIVERY in stages, self._run_destinations, "destinations"),
            (self._analytics is not None, self._run_analytics, "analytics"),
            (Stage.PREDICTIONS in stages, self._run_predictions, "predictions"),
            (True, self._run_housekeeping, "housekeeping"),
        ]
        self._threads = [
            threading.Thread(target=step, name=f"baton-{name}", daemon=True)
            for wanted, step, name in steps
            if wanted
        ]
        self._watcher = ChangeWatcher(engine, self._wake_all)

    def start(self) -> None:
        self._watcher.start()
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Called after new events are stored, so they are processed without waiting."""
        self._events_stored.set()

    def _wake_all(self) -> None:
        """Something was committed: every stage looks at its queue."""
        for wakeup in (
            self._events_stored,
            self._profiles_changed,
            self._journey_work,
            self._timer_work,
            self._messages_queued,
            self._destination_work,
        ):
            wakeup.set()

    def wake_predictions(self) -> None:
        """Called after a training was asked for or a model version changed."""
        self._prediction_work.set()

    def wake_journeys(self) -> None:
        """Called after the API moved an instance or queued a message itself."""
        self._journey_work.set()
        self._timer_work.set()
        self._messages_queued.set()

    def stop(self) -> None:
        """Finish the batches under way, then release the engine (the threads own it)."""
        self._stop.set()
        self._watcher.stop()
        self._wake_all()
        for thread in self._threads:
            thread.join(timeout=30)
        for leases in self._leases.values():
            try:
                leases.release()
            except Exception:  # the leases expire anyway
                log.exception("releasing the %s leases failed", leases.stage)
        self._engine.dispose()

    def _run_identity(self) -> None:
        while not self._stop.is_set():
            claimed = self._attempt(self._identity_batch, "identity")
            if claimed:
                self._profiles_changed.set()
                self._journey_work.set()
                self._timer_work.set()  # the events that held timers back are resolved
            if claimed == 0:
                self._events_stored.wait(self._idle_wait)
                self._events_stored.clear()
            elif claimed < DEFAULT_BATCH_SIZE // 2:
                # A thin stream: let a few more events arrive so each transaction (and
                # its share of the single SQLite writer) does more work.
                self._stop.wait(self._coalesce)

    def _identity_batch(self) -> int:
        claimed = process_pending(self._engine, self._clock, self._region)
        self._processed += claimed
        if self._processed >= self._next_analyze:
            # ANALYZE of a large table takes a while: not on the path of new events.
            threading.Thread(target=self._analyze, name="baton-analyze", daemon=True).start()
            self._next_analyze *= 2
        return claimed

    def _analyze(self) -> None:
        try:
            refresh_statistics(self._engine)
        except Exception:
            log.exception("refreshing statistics failed")

    def _run_segments(self) -> None:
        self._serve(
            "segments",
            lambda: evaluate_due(
                self._engine, self._clock, leases=self._leases.get(Stage.SEGMENTS)
            ),
            next_due_at,
            self._profiles_changed,
            then=(self._journey_work,),  # segment changes are journey events
        )

    def _run_journeys(self) -> None:
        """Events matched against journeys, and the schedules. Timers fire in a thread of
        their own (`_run_timers`): a burst of starts does not hold back the reminders
        coming due, and on PostgreSQL each has its own connection at work."""
        self._serve(
            "journeys", self._journey_step, self._next_journey_work, self._journey_work,
            then=(self._messages_queued, self._timer_work),  # matched: timers may fire
        )  # fmt: skip

    def _journey_step(self) -> int:
        leases = self._leases.get(Stage.JOURNEYS)
        moved = process_inbox(self._engine, self._clock, leases=leases)
        if self._clock.now() >= self._next_schedules:
            # Schedules have minute granularity: a look a second is plenty.
            self._next_schedules = self._clock.now() + timedelta(seconds=1)
            moved += run_schedules(self._engine, self._clock)
        return moved

    def _next_journey_work(self, connection: Connection) -> datetime | None:
        if not self._configured_any(connection, journeys):
            return None
        return _AT_ONCE if inbox_waiting(connection) else self._next_schedules

    def _run_timers(self) -> None:
        def next_timer(connection: Connection) -> datetime | None:
            if not self._configured_any(connection, journeys):
                return None
            return next_timer_at(connection)

        self._serve(
            "journeys", lambda: fire_timers(self._engine, self._clock), next_timer,
            self._timer_work, then=(self._messages_queued,),
        )  # fmt: skip

    def _run_delivery(self) -> None:
        def next_message(connection: Connection) -> datetime | None:
            if not (
                self._configured_any(connection, journeys)
                or self._configured_any(connection, broadcasts)
            ):
                return None
            due = (next_message_at(connection), next_broadcast_at(connection))
            return min((at for at in due if at is not None), default=None)

        self._serve("delivery", self._delivery_step, next_message, self._messages_queued)

    def _delivery_step(self) -> int:
        """A step of the broadcast due first (it queues messages), then the outbox's."""
        moved = advance_broadcasts(self._engine, self._clock)
        return moved + dispatch_due(self._engine, self._clock, self._rng)

    def _run_destinations(self) -> None:
        rng = self._destinations_rng

        def next_at(connection: Connection) -> datetime | None:
            if not self._configured_any(connection, destinations):
                return None
            return next_destination_work(connection)

        self._serve(
            "destinations", lambda: run_destinations(self._engine, self._clock, rng, self._region),
            next_at, self._destination_work,
        )  # fmt: skip

    def _configured_any(self, connection: Connection, table: Table) -> bool:
        """Whether any journey, broadcast or destination (`table`) exists: until one does,
        the stages that serve them have nothing to look for, and a commit wakes them
        hundreds of times a second under ingestion. Once one has, the answer stays."""
        if table.name in self._configured:
            return True
        if connection.execute(select(table.c.id).limit(1)).first() is None:
            return False
        self._configured.add(table.name)
        return True

    def _serve(
        self,
        stage: str,
        work: Callable[[], int],
        next_at: Callable[[Connection], datetime | None],
        wakeup: threading.Event,
        then: Collection[threading.Event] = (),
    ) -> None:
        """Run `work` whenever `next_at` (one query) says something is due; else sleep
        until it will be, no longer than the idle wait, or until a commit wakes the stage."""
        while not self._stop.is_set():
            try:
                with self._engine.connect() as connection:
                    due = next_at(connection)
            except Exception:
                log.exception("reading when %s has work failed", stage)
                due = None
            now = self._clock.now()
            timeout = self._idle_wait
            if due is not None and due <= now:
                if self._attempt(work, stage):
                    for next_stage in then:
                        next_stage.set()
                    continue
                # Due but not claimable yet (a timer held for an event in flight): the
                # commit that frees it wakes us.
            elif due is not None:
                timeout = min(timeout, (due - now) / timedelta(seconds=1))
            # Commits wake every stage, hundreds a second under ingestion, and most of them
            # bring this stage nothing: look again no sooner than `_RECHECK_GAP`.
            gap = min(timeout, _RECHECK_GAP)
            self._stop.wait(gap)
            wakeup.wait(timeout - gap)
            wakeup.clear()

    def _run_predictions(self) -> None:
        self._serve(
            "predictions", self._prediction_step, self._next_prediction_work,
            self._prediction_work,
        )  # fmt: skip

    def _prediction_step(self) -> int:
        moved = train_due(self._engine, self._clock) + score_due(self._engine, self._clock)
        if self._clock.now() >= self._next_reading:
            # New texts are read in small rounds: a look every few seconds is plenty.
            self._next_reading = self._clock.now() + _READ_EVERY
            moved += analyze_due(self._engine, self._clock, self._settled)
        return moved

    def _next_prediction_work(self, connection: Connection) -> datetime | None:
        found = next_prediction_work(connection)
        if reads_new_events(connection):
            found = self._next_reading if found is None else min(found, self._next_reading)
        return found

    def _run_analytics(self) -> None:
        assert self._analytics is not None
        store = self._analytics
        while not self._stop.wait(_ANALYTICS_EVERY):
            self._attempt(lambda: store.sync(self._engine, self._clock.now()), "analytics")

    def _run_housekeeping(self) -> None:
        while not self._stop.is_set():
            if self.housekeep() == 0:
                self._stop.wait(_HOUSEKEEPING_POLL)

    def housekeep(self) -> int:
        """One round of housekeeping at the clock's instant: segment builds (when this
        pipeline runs that stage), a SQLite checkpoint, and whichever of compaction after
        erasures, split optimization and the purge of expired events is due; returns how
        many builds moved."""
        built = 0
        if self._builds:
            built = self._attempt(lambda: build_pending(self._engine, self._clock), "builds")
        self._attempt(self._checkpoint, "checkpoint")
        now = self._clock.now()
        if now >= self._next_compaction:
            self._next_compaction = now + _COMPACT_EVERY
            self._attempt(self._compact, "compaction")
        if now >= self._next_optimization:
            self._next_optimization = now + _OPTIMIZE_EVERY
            self._attempt(self._optimize, "split optimization")
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            self._attempt(self._purge, "retention")
        return built

    def _compact(self) -> int:
        return compact_erased(self._engine, self._clock.now())

    def _optimize(self) -> int:
        return optimize_splits(self._engine, self._clock.now())

    def _purge(self) -> int:
        return purge_expired_events(self._engine, self._clock.now())

    def _checkpoint(self) -> int:
        checkpoint(self._engine)
        return 0

    def _attempt(self, step: Callable[[], int], stage: str) -> int:
        with log_context(stage=stage):
            try:
                moved = step()
            except Exception:
                log.exception("%s stage failed; retrying", stage)
                count_stage(stage, 0, failed=True)
                return 0
        count_stage(stage, moved)
        return moved
