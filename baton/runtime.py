"""What one Baton process runs: the database engine, the clock, the key ring and, unless
another process does it, the background pipeline (identity, segments)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from baton.core.clock import Clock, SystemClock
from baton.core.config import Settings
from baton.ingest.writer import IngestWriter
from baton.pipeline import Pipeline
from baton.storage.database import connect
from baton.workspaces.keys import KeyRing


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    keys: KeyRing
    writer: IngestWriter
    processor: Pipeline | None = field(default=None)

    @classmethod
    def create(
        cls, settings: Settings, *, clock: Clock | None = None, run_processor: bool = True
    ) -> Runtime:
        clock = clock or SystemClock()
        engine = connect(settings.database_url)
        processor = (
            Pipeline(
                connect(settings.database_url, sync_every_commit=False, checkpoints_elsewhere=True),
                clock,
                settings.default_region,
            )
            if run_processor
            else None
        )
        writer = IngestWriter(engine, on_stored=processor.wake if processor else lambda: None)
        return cls(settings, engine, clock, KeyRing(engine, clock), writer, processor)

    def start(self) -> None:
        self.writer.start()
        if self.processor is not None:
            self.processor.start()

    def stop(self) -> None:
        self.writer.stop()
        if self.processor is not None:
            self.processor.stop()
        self.engine.dispose()
