"""`baton worker`: the background stages, without HTTP.

`baton serve` starts its workers as `python -m baton.cli.worker`: this module loads the
pipeline alone, where the whole `baton` command would also load the API, nearly doubling
each worker's memory.
"""

from __future__ import annotations

import os
import random
import signal
import threading
from typing import Annotated

import typer

from baton.analytics import AnalyticsStore
from baton.cli.common import clock_of, console
from baton.cli.common import settings as load_settings
from baton.core.logging import configure_logging
from baton.core.tracing import configure_tracing, stop_tracing
from baton.pipeline import Pipeline, Stage
from baton.storage.database import connect


def worker(
    ctx: typer.Context,
    parent: Annotated[
        int | None, typer.Option(help="Exit when this process is gone (used by serve).")
    ] = None,
    stage: Annotated[
        list[Stage] | None,
        typer.Option(
            help="Run only these stages (repeatable); default: all of them. Any number of "
            "workers may run the same stage, on one machine or many. On PostgreSQL the "
            "segments and journeys workers split the profiles between them: each worker "
            "(named host:pid:random) leases its share of 64 profile hash slots; the others "
            "rebalance within two seconds when one joins or stops, and once its lease expires "
            "(5 s) when one dies. The other stages share their queues row by row or take "
            "turns. On SQLite a stage runs one batch at a time whatever the number of workers."
        ),
    ] = None,
) -> None:
    """Run the background stages (identity, segments, journeys, delivery, analytics)
    without HTTP. Start it several times to add workers; Ctrl-C or SIGTERM stops it
    after the batches under way and gives its leases back at once."""
    configure_logging()
    traced = configure_tracing()
    settings = load_settings()
    engine = connect(settings.database_url, sync_every_commit=False, checkpoints_elsewhere=True)
    analytics = settings.analytics_file()
    # Commits anywhere wake the stages (a change watcher); nothing polls queues idly.
    thread = Pipeline(
        engine,
        clock_of(ctx),
        random.Random(),  # seeded by the system: retries of processes side by side spread apart
        settings.default_region,
        stages=stage or tuple(Stage),
        analytics=AnalyticsStore(analytics) if analytics else None,
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    thread.start()
    if parent is None:
        console.print("worker running; Ctrl-C to stop")
    # A parent killed with SIGKILL cannot stop us; notice that we were re-parented.
    while not stopped.wait(0.5):
        if parent is not None and os.getppid() != parent:
            break
    thread.stop()
    if traced:
        stop_tracing()


if __name__ == "__main__":
    typer.run(worker)
