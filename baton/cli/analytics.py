"""`baton analytics`: the analytics store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from baton.analytics import AnalyticsStore
from baton.cli.common import clock_of, console, errors, settings
from baton.core.config import Settings
from baton.storage.database import connect

analytics_app = typer.Typer(help="The analytics store (DuckDB).", no_args_is_help=True)


@contextmanager
def open_store(chosen: Settings) -> Iterator[AnalyticsStore]:
    """The analytics store, for a command; while `baton serve` runs it owns the file."""
    path = chosen.analytics_file()
    if path is None:
        errors.print("[red]the analytics store is off[/red] (BATON_ANALYTICS_PATH=off)")
        raise typer.Exit(2)
    try:
        store = AnalyticsStore(path)
    except duckdb.IOException:
        errors.print(f"[red]{path} is in use by `baton serve`:[/red] stop it, or ask its API")
        raise typer.Exit(1) from None
    try:
        yield store
    finally:
        store.close()


@analytics_app.command()
def rebuild(ctx: typer.Context) -> None:
    """Copy every processed event into a fresh analytics store, with progress. The store
    belongs to `baton serve` while it runs: stop it first."""
    chosen = settings()
    engine = connect(chosen.database_url)
    columns = (TextColumn("events"), BarColumn(), MofNCompleteColumn())
    with open_store(chosen) as store, Progress(*columns, console=console) as progress:
        task = progress.add_task("events", total=None)
        copied = store.rebuild(
            engine,
            clock_of(ctx).now(),
            lambda done, total: progress.update(task, completed=done, total=total),
        )
    engine.dispose()
    console.print(f"rebuilt the analytics store: {copied} events", soft_wrap=True)
