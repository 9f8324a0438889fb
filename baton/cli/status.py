"""`baton status`: each background stage's health, in the terminal."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from baton.cli.common import clock_of, console
from baton.cli.common import settings as load_settings
from baton.core.metrics import stage_errors
from baton.storage.backlog import COUNT_CAP, Queue, Workers, read_backlog, read_workers
from baton.storage.database import connect

# A queue whose oldest due item waited longer than these many seconds is shown amber, red.
SLOW, STUCK = 5.0, 60.0


def status(ctx: typer.Context) -> None:
    """Show each stage's queues (waiting, due now, oldest due, lag), its live workers and
    the errors counted since `baton serve` started (with PROMETHEUS_MULTIPROC_DIR)."""
    settings = load_settings()
    now = clock_of(ctx).now()
    engine = connect(settings.database_url)
    try:
        queues = read_backlog(engine, now)
        workers = read_workers(engine, now)
    finally:
        engine.dispose()
    errors = stage_errors()
    table = Table(title=f"Baton stages at {now:%Y-%m-%d %H:%M:%S} UTC")
    for name in ("stage", "queue"):
        table.add_column(name)
    for name in ("waiting", "due now", "oldest due", "lag", "workers", "errors"):
        table.add_column(name, justify="right")
    shown: set[str] = set()
    for queue in queues:
        first = queue.stage not in shown
        shown.add(queue.stage)
        table.add_row(
            queue.stage if first else "",
            queue.name,
            _count(queue.waiting),
            _count(queue.due),
            _age(now, queue.oldest_due),
            _lag(queue, now),
            _workers(workers.get(queue.stage), now) if first else "",
            _errors(errors, queue.stage) if first else "",
        )
    console.print(table)
    others = sorted(set(errors or {}) - shown)
    if errors and others:
        listed = ", ".join(f"{stage} {int(errors[stage])}" for stage in others)
        console.print(f"errors of the other steps since the start: {listed}")


def _count(number: int) -> str:
    return f"≥{number:,}" if number >= COUNT_CAP else f"{number:,}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {seconds}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m"


def _age(now: datetime, then: datetime | None) -> str:
    return "—" if then is None else f"{then:%H:%M:%S} ({_duration((now - then).total_seconds())})"


def _lag(queue: Queue, now: datetime) -> str:
    lag = queue.lag(now)
    shown = _duration(lag)
    if lag > STUCK:
        return f"[red]{shown}[/red]"
    if lag > SLOW:
        return f"[yellow]{shown}[/yellow]"
    return shown


def _workers(found: Workers | None, now: datetime) -> str:
    if found is None:
        return "—"
    return f"{found.alive} (beat {_duration((now - found.last_heartbeat).total_seconds())} ago)"


def _errors(errors: dict[str, float] | None, stage: str) -> str:
    if errors is None:
        return "—"
    return str(int(errors.get(stage, 0)))
