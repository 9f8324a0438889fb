"""`baton demo`: a living demo workspace from synthetic customers (docs/demo.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from baton.cli.common import clock_of, console, ensure_workspace, errors
from baton.cli.common import settings as load_settings
from baton.core.clock import ManualClock
from baton.demo.workspace import build_demo, is_empty
from baton.storage.database import connect
from baton.storage.migrate import upgrade


def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=730, help="Days of history.")] = 30,
    seed: Annotated[int, typer.Option(help="The same seed, the same customers.")] = 7,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database holds events.")
    ] = False,
) -> None:
    """Fill the default workspace with ready journeys and `days` days of synthetic
    e-commerce, telecom and banking customers, lived through the real pipeline on a
    simulated clock up to now."""
    settings = load_settings()
    engine = connect(settings.database_url)
    upgrade(engine)
    if not is_empty(engine):
        if if_empty:
            console.print("the database holds events already: no demo data added")
            return
        errors.print("[red]the database holds events already[/red]: the demo needs an empty one")
        raise typer.Exit(1)
    clock = ManualClock(clock_of(ctx).now() - timedelta(days=days))
    workspace_id = ensure_workspace(engine, clock, settings)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=errors) as bar:
        task = bar.add_task(f"living {days} days of {customers} customers", total=days * 24)
        result = build_demo(
            engine,
            workspace_id,
            clock,
            customers=customers,
            days=days,
            seed=seed,
            region=settings.default_region,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    console.print(
        f"demo workspace ready: {result.customers} customers, {result.events} events and "
        f"{result.messages} messages over {result.days} days"
    )
