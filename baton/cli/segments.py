"""`baton segments ...`: definitions as code, applied from YAML, and their members."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID
from rich.table import Table

from baton.cli.common import clock_of, console, database_and_workspace, errors
from baton.core.errors import BatonError
from baton.segments import (
    Kind,
    Stored,
    apply_definitions,
    build_pending,
    get_definition,
    list_definitions,
    members,
    read_definitions,
)
from baton.storage.database import write_transaction

segments_app = typer.Typer(help="Segments and computed traits.", no_args_is_help=True)


@segments_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    wait: Annotated[
        bool, typer.Option(help="Evaluate for every profile now, with progress.")
    ] = True,
) -> None:
    """Create or update segments and computed traits by key (idempotent); prints a diff."""
    engine, workspace_id = database_and_workspace()
    clock = clock_of(ctx)
    try:
        items = read_definitions(file)
        with write_transaction(engine) as connection:
            results = apply_definitions(connection, workspace_id, items, clock.now())
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    for result in results:
        label = result.kind.label
        console.print(f"{result.action} {label} [bold]{result.key}[/bold] (v{result.version})")
        if result.diff:
            console.print(result.diff, markup=False, highlight=False, end="")
    if wait:
        with Progress(*Progress.get_default_columns()[:1], BarColumn(), console=errors) as bar:
            tasks: dict[str, TaskID] = {}

            def advance(stored: Stored, done: float) -> None:
                if stored.id not in tasks:
                    tasks[stored.id] = bar.add_task(f"evaluating {stored.key}", total=1.0)
                bar.update(tasks[stored.id], completed=done)

            build_pending(engine, clock, advance)


@segments_app.command("list")
def list_all() -> None:
    """Segments and computed traits of the default workspace."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        stored = list_definitions(connection, workspace_id, None)
    table = Table("kind", "key", "name", "version", "status")
    for item in stored:
        status = "live" if item.live else f"building {item.progress:.0%}"
        table.add_row(item.kind.label, item.key, item.name, str(item.version), status)
    console.print(table)


@segments_app.command("members")
def list_members(
    key: Annotated[str, typer.Argument(help="Segment key or id.")],
    limit: Annotated[int, typer.Option(min=1)] = 1000,
) -> None:
    """Print the profile ids in a segment, one a line."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        try:
            segment = get_definition(connection, workspace_id, Kind.SEGMENT, key)
        except BatonError as error:
            errors.print(f"[red]{error.message}[/red]")
            raise typer.Exit(1) from None
        after = None
        shown = 0
        while shown < limit:
            page = members(connection, segment.id, after, min(500, limit - shown))
            for profile_id, _ in page.items:
                console.print(profile_id)
            shown += len(page.items)
            after = page.after
            if after is None:
                break
