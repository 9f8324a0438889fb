"""`baton analytics`: the analytics store."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from baton.analytics import AnalyticsStore
from baton.cli.common import clock_of, console, errors, settings
from baton.core.config import Settings
from baton.storage.database import connect

analytics_app = typer.Typer(help="The analytics store (DuckDB).", no_args_is_help=True)


def open_store(chosen: Settings) -> AnalyticsStore:
    """The analytics store, for a command; alongside `baton serve`, each waits for the
    other's use of the file to end."""
    path = chosen.analytics_file()
    if path is None:
        errors.print("[red]the analytics store is off[/red] (BATON_ANALYTICS_PATH=off)")
        raise typer.Exit(2)
    return AnalyticsStore(path)


@analytics_app.command()
def rebuild(ctx: typer.Context) -> None:
    """Copy every processed event into a fresh analytics store, with progress. `baton
    serve` may run meanwhile: its syncs and queries wait for the rebuild."""
    chosen = settings()
    engine = connect(chosen.database_url)
    columns = (TextColumn("events"), BarColumn(), MofNCompleteColumn())
    store = open_store(chosen)
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("events", total=None)
        copied = store.rebuild(
            engine,
            clock_of(ctx).now(),
            lambda done, total: progress.update(task, completed=done, total=total),
        )
    engine.dispose()
    console.print(f"rebuilt the analytics store: {copied} events", soft_wrap=True)
