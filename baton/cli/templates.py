"""`baton templates ...`: the library of ready journeys (`list`, `show`, `install`), and
message templates as code (`apply` from YAML by key, `messages` to list them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from baton.channels import MessageTemplate, list_templates, parse_template, save_template
from baton.cli.common import clock_of, console, database_and_workspace, errors
from baton.core.documents import parse_document
from baton.core.errors import BatonError, InvalidInput
from baton.journeys import find_journey_templates, get_journey_template, install
from baton.storage.database import write_transaction

templates_app = typer.Typer(
    help="Ready journeys from the library, and message templates.", no_args_is_help=True
)


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
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create or replace templates by key (idempotent); prints a diff of what changed."""
    engine, workspace_id = database_and_workspace()
    now = clock_of(ctx).now()
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


@templates_app.command("messages")
def list_messages() -> None:
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


@templates_app.command("list")
def list_library(
    stage: Annotated[str | None, typer.Option(help="Only this lifecycle stage.")] = None,
    industry: Annotated[str | None, typer.Option(help="Only this industry.")] = None,
) -> None:
    """The ready journeys of the library."""
    table = Table()
    table.add_column("name", no_wrap=True)
    table.add_column("stage", no_wrap=True)
    table.add_column("industries")
    table.add_column("title")
    for template in find_journey_templates(stage, industry):
        table.add_row(template.name, template.stage, ", ".join(template.industries), template.title)
    console.print(table)


@templates_app.command("show")
def show(name: str) -> None:
    """A template of the library: what it does, its parameters and every part (YAML)."""
    try:
        template = get_journey_template(name)
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[bold]{template.title}[/bold] ({template.stage}; "
                  f"{', '.join(template.industries)})")  # fmt: skip
    console.print(template.description, highlight=False)
    table = Table("parameter", "default", "description")
    for parameter in template.parameters.values():
        table.add_row(parameter.name, str(parameter.default), parameter.description)
    console.print(table)
    console.print(yaml.safe_dump(template.parts, sort_keys=False, allow_unicode=True),
                  markup=False, highlight=False)  # fmt: skip


@templates_app.command("install")
def install_template(
    ctx: typer.Context,
    name: str,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="A parameter: NAME=VALUE (repeatable).", metavar="NAME=VALUE"),
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="Publish the journeys (--no-publish leaves drafts).")
    ] = True,
) -> None:
    """Install a ready journey into the default workspace: its segments, message
    templates, policy pauses and journeys (idempotent)."""
    engine, workspace_id = database_and_workspace()
    given: dict[str, str] = {}
    for item in set_ or []:
        key, sep, value = item.partition("=")
        if not sep:
            errors.print(f"[red]--set {item}: write NAME=VALUE[/red]")
            raise typer.Exit(2)
        given[key.strip()] = value
    try:
        template = get_journey_template(name)
        with write_transaction(engine) as connection:
            done = install(
                connection, workspace_id, template, given, clock_of(ctx).now(), publish=publish
            )
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    for part in done:
        console.print(f"{part.action} {part.kind} [bold]{part.key}[/bold]")
