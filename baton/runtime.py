"""What one Baton process runs: the database engine, the clock, the key ring and, unless
another process does it, the background pipeline (identity, segments, analytics...)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import Engine

from baton.analytics import AnalyticsStore
from baton.core.clock import Clock, SystemClock
from baton.core.config import Settings
from baton.ingest import IngestWriter
from baton.pipeline import Pipeline
from baton.storage.database import connect
from baton.workspaces import KeyRing


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    keys: KeyRing
    writer: IngestWriter
    processor: Pipeline | None = field(default=None)
    analytics: AnalyticsStore | None = field(default=None)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        run_processor: bool = True,
    ) -> Runtime:
        """The process's parts; `rng` (seeded by the system when not given) spreads the
        delivery's retries."""
        clock = clock or SystemClock()
        engine = connect(settings.database_url)
        path = settings.analytics_file()
        analytics = AnalyticsStore(path) if path else None
        processor = (
            Pipeline(
                connect(settings.database_url, sync_every_commit=False, checkpoints_elsewhere=True),
                clock,
                rng or random.Random(),
                settings.default_region,
                analytics=analytics,
            )
            if run_processor
            else None
        )
        writer = IngestWriter(engine, on_stored=processor.wake if processor else lambda: None)
        keys = KeyRing(engine, clock)
        return cls(settings, engine, clock, keys, writer, processor, analytics)

    def start(self) -> None:
        self.writer.start()
        if self.processor is not None:
            self.processor.start()

    def stop(self) -> None:
        self.writer.stop()
        if self.processor is not None:
            self.processor.stop()
        self.engine.dispose()
