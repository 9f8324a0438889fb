"""The destinations' stage of the pipeline: inbox to items, items to batches, batches
sent, audiences uploaded; one process at a time (a lock every worker shares), so no
delivery goes out twice at once."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import Connection, Engine

from baton.core.clock import Clock
from baton.destinations.audiences import next_audience_at, run_audiences
from baton.destinations.deliveries import next_send_at, send_due
from baton.destinations.forwarding import collect, fill_batches, next_collect_at
from baton.storage.database import exclusive

_LOCK = "destinations"


def run_destinations(engine: Engine, clock: Clock, rng: random.Random, region: str) -> int:
    """Everything due now; how much moved. `rng` spreads the retries."""
    with exclusive(engine, _LOCK):
        moved = 0
        while taken := collect(engine, clock):
            moved += taken
        moved += fill_batches(engine, clock)
        moved += send_due(engine, clock, rng)
        moved += run_audiences(engine, clock, region)
        return moved


def next_destination_work(connection: Connection) -> datetime | None:
    """When the stage has something to do next (None: nothing waits)."""
    found = [
        at
        for at in (
            next_collect_at(connection),
            next_send_at(connection),
            next_audience_at(connection),
        )
        if at is not None
    ]
    return min(found, default=None)
