"""`baton keys`: a workspace's write keys and admin keys (with a role and an expiry)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from baton.cli.common import (
    CLI_ACTOR,
    clock_of,
    console,
    default_workspace,
    errors,
    named_workspace,
    settings,
)
from baton.core.durations import parse_duration
from baton.core.formats import minute_utc
from baton.storage.database import connect, write_transaction
from baton.teams import Role
from baton.workspaces import KeyKind, list_keys, revoke_key
from baton.workspaces.keys import find_key, make_key

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)

_Workspace = Annotated[
    str | None, typer.Option(help="The workspace's key or id. Default: the default workspace.")
]


def _chosen(workspace: str | None) -> tuple[Engine, str]:
    chosen = settings()
    engine = connect(chosen.database_url)
    if workspace is None:
        return engine, default_workspace(chosen)
    with engine.connect() as connection:
        return engine, named_workspace(connection, workspace).id


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    kind: Annotated[KeyKind, typer.Option(help="write (tracking API) or admin (admin API).")],
    role: Annotated[Role | None, typer.Option(help="An admin key's role. Default: admin.")] = None,
    expires: Annotated[
        str | None, typer.Option(help="It stops working after this long: 90d, 12h, 2w.")
    ] = None,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser",
            help="A write key for web pages: it may not set e-mail, phone, push tokens or "
            "chat ids without the person's userHash.",
        ),
    ] = False,
    workspace: _Workspace = None,
) -> None:
    """Create a key and print it (it is stored hashed, and shown this once)."""
    if browser and kind is not KeyKind.WRITE:
        errors.print("[red]--browser is for write keys[/red]")
        raise typer.Exit(2)
    if role is not None and kind is not KeyKind.ADMIN:
        errors.print("[red]--role is for admin keys[/red]")
        raise typer.Exit(2)
    now = clock_of(ctx).now()
    try:
        expires_at = None if expires is None else now + parse_duration(expires)
    except ValueError as error:
        errors.print(f"[red]--expires:[/red] {error}")
        raise typer.Exit(2) from None
    engine, workspace_id = _chosen(workspace)
    with write_transaction(engine) as connection:
        key, _ = make_key(connection, workspace_id, kind, CLI_ACTOR, now, browser=browser,
                          role=role or Role.ADMIN, expires_at=expires_at)  # fmt: skip
    console.print(key)


@keys_app.command("list")
def keys_list(workspace: _Workspace = None) -> None:
    """The workspace's keys, two lines each: id, kind and role, the last four characters;
    when made and by whom (the user or key id), when they expire and when they were last
    used (to the minute)."""
    engine, workspace_id = _chosen(workspace)
    with engine.connect() as connection:
        found = list_keys(connection, workspace_id)
    for key in found:
        kind = f"{key.kind.value} (browser)" if key.browser else key.kind.value
        role = f", role {key.role.value}" if key.role else ""
        console.print(f"{key.id}  {kind}{role}  …{key.hint}", soft_wrap=True)
        maker = f"by {key.created_by}" if key.created_by else "outside the API"
        console.print(
            f"    made {minute_utc(key.created_at)} {maker}"
            f", expires {minute_utc(key.expires_at) or 'never'}"
            f", last used {minute_utc(key.last_used_at) or 'never'}",
            soft_wrap=True,
        )


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The id `baton keys list` shows.")],
    workspace: _Workspace = None,
) -> None:
    """Revoke a key (running processes may accept it for 10 more seconds)."""
    engine, workspace_id = _chosen(workspace)
    with write_transaction(engine) as connection:
        found = find_key(connection, workspace_id, key_id)
        if found is not None:
            revoke_key(connection, workspace_id, found, CLI_ACTOR, clock_of(ctx).now())
    if found is None:
        errors.print(f"[red]no key {key_id!r} in this workspace[/red]")
        raise typer.Exit(1)
    console.print(f"key {key_id} revoked")
