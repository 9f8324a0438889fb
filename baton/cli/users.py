"""`baton users`: the people who work in Baton and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from baton.cli.common import clock_of, console, errors, settings
from baton.core.errors import BatonError
from baton.storage.database import connect, write_transaction
from baton.teams import Role, create_user, grant, members, user_by_email
from baton.teams.audit import Actor, record
from baton.workspaces.workspaces import workspace_by_key

users_app = typer.Typer(help="Staff users and their roles.", no_args_is_help=True)

CLI_ACTOR = Actor("cli", None, "baton command line")


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their e-mail address: how they sign in.")],
    role: Annotated[Role, typer.Option(help="Their role in the workspace.")],
    workspace: Annotated[str, typer.Option(help="The workspace's key or id.")] = "default",
    name: Annotated[str, typer.Option(help="Default: the address's local part.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    installation_owner: Annotated[
        bool, typer.Option(help="May also create and delete workspaces.")
    ] = False,
) -> None:
    """Create a user with a role in a workspace, or give an existing one a role there."""
    chosen = settings()
    engine = connect(chosen.database_url)
    now = clock_of(ctx).now()
    try:
        with write_transaction(engine) as connection:
            found = workspace_by_key(connection, workspace)
            if found is None:
                errors.print(f"[red]no workspace {workspace!r}[/red]")
                raise typer.Exit(1)
            user = user_by_email(connection, email.strip())
            if user is None:
                password = _password(password_stdin)
                user = create_user(
                    connection,
                    email,
                    name,
                    now,
                    password=password,
                    installation_owner=installation_owner,
                )
                record(
                    connection,
                    None,
                    CLI_ACTOR,
                    "user.create",
                    now,
                    object_type="user",
                    object_id=user.id,
                    after={"email": user.email},
                )
            grant(connection, found.id, user.id, role, now)
            record(
                connection,
                found.id,
                CLI_ACTOR,
                "member.role",
                now,
                object_type="user",
                object_id=user.id,
                after={"role": role.value},
            )
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{user.email} is {role.value} of the workspace {found.key}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@users_app.command("list")
def users_list(
    workspace: Annotated[str, typer.Option(help="The workspace's key or id.")] = "default",
) -> None:
    """The workspace's people and their roles."""
    engine = connect(settings().database_url)
    with engine.connect() as connection:
        found = workspace_by_key(connection, workspace)
        if found is None:
            errors.print(f"[red]no workspace {workspace!r}[/red]")
            raise typer.Exit(1)
        people = members(connection, found.id)
    table = Table("id", "e-mail", "name", "role", "since")
    for member in people:
        table.add_row(
            member.user.id,
            member.user.email,
            member.user.name,
            member.role.value,
            member.since.isoformat(),
        )
    console.print(table)
