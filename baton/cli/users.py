"""`baton users`: the people who work in Baton and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Connection

from baton.channels.staff_mail import installation_mail, link_url, mail_invitation
from baton.cli.common import CLI_ACTOR, clock_of, console, errors, named_workspace, settings
from baton.core.errors import BatonError
from baton.core.formats import minute_utc
from baton.storage.database import connect, write_transaction
from baton.teams import (
    Role,
    User,
    close_sessions_of,
    create_user,
    grant,
    members,
    role_in,
    user_by_email,
)
from baton.teams.audit import record
from baton.teams.membership import change_role, invite
from baton.workspaces.departures import take_out

users_app = typer.Typer(help="Staff users and their roles.", no_args_is_help=True)


_Workspace = Annotated[str, typer.Option(help="The workspace's key or id.")]


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their e-mail address: how they sign in.")],
    role: Annotated[Role, typer.Option(help="Their role in the workspace.")],
    workspace: _Workspace = "default",
    name: Annotated[str, typer.Option(help="Default: the address's local part.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    installation_owner: Annotated[
        bool, typer.Option(help="May also create and delete workspaces.")
    ] = False,
) -> None:
    """Create a user with a role in a workspace, or give an existing one a role there (a
    workspace's last owner stays owner)."""
    engine = connect(settings().database_url)
    now = clock_of(ctx).now()
    try:
        with write_transaction(engine) as connection:
            found = named_workspace(connection, workspace)
            user = user_by_email(connection, email.strip())
            existed = user is not None
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
                record(connection, None, CLI_ACTOR, "user.create", now,
                       object_type="user", object_id=user.id,
                       after={"email": user.email})  # fmt: skip
            before = role_in(connection, user.id, found.id)
            if before is None:
                grant(connection, found.id, user.id, role, now)
            else:
                change_role(connection, found.id, user.id, role, now, by=None)
            record(connection, found.id, CLI_ACTOR, "member.role", now,
                   object_type="user", object_id=user.id,
                   before=None if before is None else {"role": before.value},
                   after={"role": role.value})  # fmt: skip
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if existed:
        # Whoever made the account chose its password: say so, as it is not this one.
        errors.print(
            f"{user.email} had an account already: it was only given the role; its "
            "password, name and installation ownership stay as they were"
        )
    console.print(f"{user.email} is {role.value} of the workspace {found.key}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@users_app.command("list")
def users_list(workspace: _Workspace = "default") -> None:
    """The workspace's people and their roles."""
    engine = connect(settings().database_url)
    with engine.connect() as connection:
        found = named_workspace(connection, workspace)
        people = members(connection, found.id)
    # E-mail addresses are what people look for: they are never cut short.
    table = Table("e-mail", "name", "role", "since (UTC)", "id")
    table.columns[0].no_wrap = True
    for member in people:
        table.add_row(
            member.user.email,
            member.user.name,
            member.role.value,
            f"{member.since:%Y-%m-%d %H:%M}",
            member.user.id,
        )
    console.print(table)


@users_app.command("invite")
def users_invite(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their e-mail address.")],
    role: Annotated[Role, typer.Option(help="Their role once they accept.")],
    workspace: _Workspace = "default",
) -> None:
    """E-mail someone an invitation to the workspace; without a mail server, print the
    link to pass on."""
    chosen = settings()
    engine = connect(chosen.database_url)
    now = clock_of(ctx).now()
    try:
        with write_transaction(engine) as connection:
            found = named_workspace(connection, workspace)
            link, token = invite(connection, found.id, email, role, now, by=None, actor=CLI_ACTOR)
            server = installation_mail(connection, chosen)
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    unsent = mail_invitation(engine, chosen, server, link, token, "The administrator", now)
    if unsent is None:
        console.print(f"invitation e-mailed to {link.email}")
        return
    errors.print(f"the invitation was not e-mailed: {unsent}")
    until = minute_utc(link.expires_at)
    console.print(f"pass this link on to {link.email} (it works once, until {until}):")
    console.print(link_url(chosen, link, token), soft_wrap=True)


@users_app.command("remove")
def users_remove(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their e-mail address.")],
    workspace: _Workspace = "default",
) -> None:
    """Take someone out of a workspace, sign them out everywhere, and revoke the admin
    keys they made there (with the keys those keys made)."""
    now = clock_of(ctx).now()
    try:
        with write_transaction(connect(settings().database_url)) as connection:
            found = named_workspace(connection, workspace)
            user = _user(connection, email)
            gone = take_out(connection, found.id, user.id, CLI_ACTOR, now, by=None)
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"{user.email} is no longer in the workspace {found.key}; "
        f"{gone.keys_revoked} admin keys they made are revoked"
    )


@users_app.command("sign-out")
def users_sign_out(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="Their e-mail address.")]
) -> None:
    """End every session of someone: they sign in again."""
    with write_transaction(connect(settings().database_url)) as connection:
        user = _user(connection, email)
        ended = close_sessions_of(connection, user.id)
        record(connection, None, CLI_ACTOR, "sessions.revoke", clock_of(ctx).now(),
               object_type="user", object_id=user.id, detail={"ended": ended})  # fmt: skip
    console.print(f"{ended} sessions of {user.email} ended")


def _user(connection: Connection, email: str) -> User:
    found = user_by_email(connection, email.strip())
    if found is None:
        errors.print(f"[red]no user {email!r}[/red]")
        raise typer.Exit(1)
    return found
