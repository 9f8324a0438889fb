"""`baton workspaces`: create, list, rename and delete workspaces."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from baton.analytics import AnalyticsStore
from baton.cli.common import CLI_ACTOR, clock_of, console, errors, named_workspace, settings
from baton.core.errors import BatonError
from baton.storage.database import connect, write_transaction
from baton.teams import user_by_email
from baton.workspaces import (
    delete_workspace,
    list_workspaces,
    provision_workspace,
    rename_workspace,
)

workspaces_app = typer.Typer(help="Workspaces: each with its own keys, settings and data.",
                             no_args_is_help=True)  # fmt: skip


@workspaces_app.command("create")
def workspaces_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What people call it.")],
    key: Annotated[
        str | None, typer.Option(help="Its short name for scripts. Default: from the name.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="The e-mail of a user who becomes its owner.")
    ] = None,
) -> None:
    """Create a workspace and print its id, key, write key and admin key (shown once)."""
    engine = connect(settings().database_url)
    try:
        with write_transaction(engine) as connection:
            owner_id = None
            if owner is not None:
                user = user_by_email(connection, owner.strip())
                if user is None:
                    errors.print(f"[red]no user {owner!r}:[/red] add it with `baton users create`")
                    raise typer.Exit(1)
                owner_id = user.id
            made = provision_workspace(
                connection, name, clock_of(ctx), CLI_ACTOR, key=key, owner_id=owner_id
            )
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"created the workspace {made.workspace.name!r}")
    console.print(f"id: [bold]{made.workspace.id}[/bold]")
    console.print(f"key: [bold]{made.workspace.key}[/bold]")
    console.print(f"write key (shown once): [bold]{made.write_key}[/bold]")
    console.print(f"admin key (shown once): [bold]{made.admin_key}[/bold]")


@workspaces_app.command("list")
def workspaces_list() -> None:
    """Every workspace: key, id, name, when made."""
    with connect(settings().database_url).connect() as connection:
        found = list_workspaces(connection).items
    table = Table("key", "id", "name", "created")
    for workspace in found:
        label = f"{workspace.name} (default)" if workspace.is_default else workspace.name
        table.add_row(workspace.key, workspace.id, label, workspace.created_at.isoformat())
    console.print(table)


@workspaces_app.command("rename")
def workspaces_rename(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The workspace's key or id.")],
    name: Annotated[str, typer.Argument(help="Its new name (its key stays).")],
) -> None:
    """Give a workspace another name."""
    engine = connect(settings().database_url)
    try:
        with write_transaction(engine) as connection:
            found = named_workspace(connection, key)
            renamed = rename_workspace(connection, found.id, name, CLI_ACTOR, clock_of(ctx).now())
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"the workspace {renamed.key} is now called {renamed.name!r}")


@workspaces_app.command("delete")
def workspaces_delete(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The workspace's key or id.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Yes: erase everything in it, for good.")
    ] = False,
) -> None:
    """Delete a workspace and everything in it: profiles, events, journeys, messages,
    keys, memberships, its audit trail. There is no undo. A server running now may
    accept its keys for ten more seconds."""
    if not yes:
        errors.print(
            f"[red]this erases the workspace {key!r} and everything in it:[/red] "
            "add --yes if you mean it"
        )
        raise typer.Exit(2)
    chosen = settings()
    path = chosen.analytics_file()
    beside = [AnalyticsStore(path)] if path and os.path.exists(path) else []
    try:
        done = delete_workspace(
            connect(chosen.database_url), key, CLI_ACTOR, clock_of(ctx).now(), beside=beside
        )
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    total = sum(done.rows.values())
    console.print(
        f"deleted the workspace {done.workspace.key} ({done.workspace.name!r}) and its {total} rows"
    )
