"""`baton templates ...`: message templates as code, applied from YAML by key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baton.channels.template_store import list_templates, save_template
from baton.channels.templates import MessageTemplate, parse_template
from baton.cli.common import console, database_and_workspace, errors
from baton.core.clock import SystemClock
from baton.core.documents import parse_document
from baton.core.errors import BatonError, InvalidInput
from baton.storage.database import write_transaction

templates_app = typer.Typer(help="Message templates.", no_args_is_help=True)


def read_templates(path: Path) -> list[MessageTemplate]:
    """One template mapping, or `templates:` with a list of them."""
    data = parse_document(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name}: expected a mapping at the top")
    items = data.get("templates", [data])
    if not isinstance(items, list):
        raise InvalidInput("templates must be a list", field="templates")
    found = []
    for index, item in enumerate(items):
        try:
            found.append(parse_template(item))
        except InvalidInput as error:
            if "templates" not in data:
                raise
            raise InvalidInput(f"templates.{index}.{error.message}", field=error.field) from None
    return found


@templates_app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create or replace templates by key (idempotent); prints a diff of what changed."""
    engine, workspace_id = database_and_workspace()
    now = SystemClock().now()
    try:
        found = read_templates(file)
        with write_transaction(engine) as connection:
            results = [(t.key, *save_template(connection, workspace_id, t, now)) for t in found]
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    for key, action, diff in results:
        console.print(f"{action} template [bold]{key}[/bold]")
        if diff:
            console.print(diff, markup=False, highlight=False, end="")


@templates_app.command("list")
def list_all() -> None:
    """Message templates of the default workspace."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        found = list_templates(connection, workspace_id)
    table = Table("key", "channel", "name", "updated")
    for template in found:
        table.add_row(
            template["key"], template["channel"], template.get("name", ""), template["updated_at"]
        )
    console.print(table)
