"""`baton policy ...`: the workspace's frequency caps and quiet hours, as code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from baton.cli.common import console, database_and_workspace, errors
from baton.core.documents import parse_document
from baton.core.errors import BatonError
from baton.storage.database import write_transaction
from baton.workspaces import Policy, load_policy, parse_policy, policy_json, save_policy

policy_app = typer.Typer(help="Frequency caps, quiet hours, time zone.", no_args_is_help=True)


@policy_app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Replace the workspace's policy with the file's (YAML or JSON)."""
    engine, workspace_id = database_and_workspace()
    try:
        policy = parse_policy(parse_document(file.read_text(encoding="utf-8")))
        with write_transaction(engine) as connection:
            saved = save_policy(connection, workspace_id, policy)
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"policy applied: {len(saved.caps)} caps, quiet hours {_quiet(saved)}")


@policy_app.command("show")
def show() -> None:
    """The workspace's policy, as YAML."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        policy = load_policy(connection, workspace_id)
    console.print(yaml.safe_dump(policy_json(policy), sort_keys=False), end="", markup=False)


def _quiet(policy: Policy) -> str:
    quiet = policy.quiet_hours
    return "none" if quiet is None else f"{quiet.start}-{quiet.end}"
