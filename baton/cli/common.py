"""What every `baton` command shares: output consoles, the clock, settings, the default
workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console
from sqlalchemy import Connection, Engine

from baton.core.clock import Clock, SystemClock
from baton.core.config import Settings
from baton.core.errors import BatonError
from baton.storage.database import connect, write_transaction
from baton.teams.audit import Actor
from baton.workspaces import KeyKind, default_workspace_id, ensure_default_workspace
from baton.workspaces.workspaces import WorkspaceInfo, workspace_by_key

console = Console()
# Who the audit trail names for a change made here.
CLI_ACTOR = Actor("cli", None, "baton command line")
errors = Console(stderr=True)


@dataclass(frozen=True)
class Invocation:
    """What one `baton` invocation runs with, made once: its clock. Tests pass their own
    as the context object, `CliRunner().invoke(app, args, obj=Invocation(clock))`."""

    clock: Clock = field(default_factory=SystemClock)


def clock_of(ctx: typer.Context) -> Clock:
    """The clock of this invocation (the wall clock unless the caller gave one)."""
    return ctx.ensure_object(Invocation).clock


def settings() -> Settings:
    try:
        return Settings.from_env()
    except BatonError as error:
        errors.print(f"[red]configuration error:[/red] {error.message}")
        raise typer.Exit(2) from None


def default_workspace(chosen: Settings) -> str:
    with connect(chosen.database_url).connect() as connection:
        workspace_id = default_workspace_id(connection)
    if workspace_id is None:
        errors.print("[red]no workspace yet:[/red] run `baton migrate` to create it")
        raise typer.Exit(1)
    return workspace_id


def named_workspace(connection: Connection, key: str) -> WorkspaceInfo:
    """The workspace with this key (or id); exits saying so when there is none."""
    found = workspace_by_key(connection, key)
    if found is None:
        errors.print(f"[red]no workspace {key!r}[/red]")
        raise typer.Exit(1)
    return found


def database_and_workspace() -> tuple[Engine, str]:
    chosen = settings()
    return connect(chosen.database_url), default_workspace(chosen)


def ensure_workspace(engine: Engine, clock: Clock, chosen: Settings) -> str:
    """The default workspace, created with its keys (printed once) when missing."""
    with write_transaction(engine) as connection:
        result = ensure_default_workspace(
            connection, clock, write_key=chosen.write_key, admin_token=chosen.admin_token
        )
    if result.created:
        console.print(f"created the default workspace [bold]{result.workspace_id}[/bold]")
    for kind, key in result.generated_keys.items():
        label = "write key" if kind is KeyKind.WRITE else "admin token"
        console.print(f"{label} (shown once): [bold]{key}[/bold]")
    return result.workspace_id
