"""What every `baton` command shares: output consoles, settings, the default workspace."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy import Engine

from baton.core.config import Settings
from baton.core.errors import BatonError
from baton.storage.database import connect
from baton.workspaces import default_workspace_id

console = Console()
errors = Console(stderr=True)


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
        errors.print("[red]no workspace yet:[/red] run `baton serve` once to create it")
        raise typer.Exit(1)
    return workspace_id


def database_and_workspace() -> tuple[Engine, str]:
    chosen = settings()
    return connect(chosen.database_url), default_workspace(chosen)
