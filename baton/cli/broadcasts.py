"""`baton broadcasts ...`: broadcasts as code, applied from YAML, sent, listed, cancelled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baton.campaigns import (
    broadcast_report,
    broadcasts_page,
    cancel,
    get_broadcast,
    parse_broadcast,
    save_draft,
    start,
)
from baton.cli.common import CLI_ACTOR, clock_of, console, database_and_workspace, errors
from baton.core.documents import parse_document
from baton.core.errors import BatonError, NotFound
from baton.storage.database import write_transaction
from baton.teams.audit import record

broadcasts_app = typer.Typer(help="Broadcasts.", no_args_is_help=True)


@broadcasts_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    send: Annotated[bool, typer.Option(help="Send it too (now or at its `send` time).")] = False,
) -> None:
    """Create or replace a broadcast's draft from a YAML or JSON file, by its key."""
    engine, workspace_id = database_and_workspace()
    now = clock_of(ctx).now()
    try:
        definition = parse_broadcast(parse_document(file.read_text(encoding="utf-8")))
        with write_transaction(engine) as connection:
            try:
                before = get_broadcast(connection, workspace_id, definition.key).json()
            except NotFound:
                before = None
            saved, created = save_draft(connection, workspace_id, definition, now)
            record(connection, workspace_id, CLI_ACTOR, "broadcast.save", now,
                   object_type="broadcast", object_id=saved.key, before=before,
                   after=saved.json())  # fmt: skip
            if send:
                sent = start(connection, workspace_id, saved.key, now)
                record(connection, workspace_id, CLI_ACTOR, "broadcast.send", now,
                       object_type="broadcast", object_id=saved.key, before=saved.json(),
                       after=sent.json())  # fmt: skip
                saved = sent
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    action = "created" if created else "updated"
    console.print(f"{action} broadcast [bold]{saved.key}[/bold] ({saved.status.value})")


@broadcasts_app.command("list")
def list_all() -> None:
    """Broadcasts of the default workspace."""
    engine, workspace_id = database_and_workspace()
    table = Table("key", "name", "status", "queued", "started")
    after = None
    with engine.connect() as connection:
        while True:
            page = broadcasts_page(connection, workspace_id, after, 500)
            for b in page.items:
                shown = b.json()
                table.add_row(b.key, shown["name"], shown["status"], str(shown["queued"]),
                              shown["started_at"] or "-")  # fmt: skip
            if page.after is None:
                break
            after = page.after
    console.print(table)


@broadcasts_app.command("show")
def show(key: Annotated[str, typer.Argument(help="Broadcast key.")]) -> None:
    """A broadcast's status and report figures."""
    engine, workspace_id = database_and_workspace()
    try:
        with engine.connect() as connection:
            found = get_broadcast(connection, workspace_id, key)
            report = broadcast_report(connection, found)
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"broadcast [bold]{key}[/bold]: {found.status.value}, "
        f"{report['recipients']} recipients, {report['holdout_size']} held out"
    )
    table = Table("group", "sent", "delivered", "opens", "clicks", "conversions", "revenue")
    figures = ("sent", "delivered", "opens", "clicks", "conversions", "revenue")
    for name, counts in [("all", report["totals"]), *report["variants"].items()]:
        table.add_row(name, *(str(counts[k]) for k in figures))
    console.print(table)


@broadcasts_app.command("cancel")
def cancel_one(
    ctx: typer.Context, key: Annotated[str, typer.Argument(help="Broadcast key.")]
) -> None:
    """Cancel a broadcast: what is not sent yet never will be."""
    engine, workspace_id = database_and_workspace()
    now = clock_of(ctx).now()
    try:
        with write_transaction(engine) as connection:
            before = get_broadcast(connection, workspace_id, key).json()
            after = cancel(connection, workspace_id, key, now)
            record(connection, workspace_id, CLI_ACTOR, "broadcast.cancel", now,
                   object_type="broadcast", object_id=key, before=before,
                   after=after.json())  # fmt: skip
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"cancelled broadcast [bold]{key}[/bold]")
