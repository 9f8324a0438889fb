"""`baton demo`: a living demo workspace from synthetic customers (docs/demo.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from sqlalchemy import Engine

from baton.cli.common import clock_of, console, ensure_workspace, errors
from baton.cli.common import settings as load_settings
from baton.core.clock import Clock, ManualClock
from baton.core.config import Settings
from baton.demo.owner import DEMO_OWNER, create_demo_owner
from baton.demo.workspace import build_demo, is_empty
from baton.storage.database import connect
from baton.storage.migrate import upgrade
from baton.workspaces import default_workspace_id


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
            with engine.connect() as connection:
                default = default_workspace_id(connection)
            if default is not None:  # a database from before there were users
                _offer_owner(engine, default, settings, clock_of(ctx))
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
    _offer_owner(engine, workspace_id, settings, clock_of(ctx))


def _offer_owner(engine: Engine, workspace_id: str, settings: Settings, clock: Clock) -> None:
    """Make the demo's owner on an installation with no users, and say how to sign in."""
    password = create_demo_owner(engine, workspace_id, clock.now())
    if password is not None:
        console.print(
            f"sign in at [bold]{settings.public_base()}[/bold] as [bold]{DEMO_OWNER}[/bold] "
            f"with the password [bold]{password}[/bold] (shown once)",
            soft_wrap=True,
        )
