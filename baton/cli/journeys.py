"""`baton journeys ...`: journeys as code, applied from YAML, and how they are doing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from baton.cli.common import clock_of, console, database_and_workspace, errors
from baton.core.errors import BatonError
from baton.journeys import (
    apply_journey,
    backtest,
    chosen_version,
    get_journey,
    journey_stats,
    list_journeys,
    read_journeys,
)
from baton.segments import parse_instant
from baton.storage.database import write_transaction

journeys_app = typer.Typer(help="Journeys.", no_args_is_help=True)


@journeys_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    publish: Annotated[bool, typer.Option(help="Publish what changed.")] = False,
) -> None:
    """Create or update journeys by key (idempotent); prints a diff of what changed."""
    engine, workspace_id = database_and_workspace()
    now = clock_of(ctx).now()
    try:
        definitions = read_journeys(file)
        with write_transaction(engine) as connection:
            results = [
                apply_journey(connection, workspace_id, d, now, publish_it=publish)
                for d in definitions
            ]
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    for result in results:
        journey = result.journey
        console.print(
            f"{result.action} journey [bold]{result.key}[/bold] "
            f"(v{journey.version}, {journey.status.value})"
        )
        if result.diff:
            console.print(result.diff, markup=False, highlight=False, end="")


@journeys_app.command("list")
def list_all() -> None:
    """Journeys of the default workspace."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        found = list_journeys(connection, workspace_id)
    table = Table("key", "name", "status", "version", "published")
    for journey in found:
        published = "-" if journey.published_version is None else f"v{journey.published_version}"
        table.add_row(
            journey.key, journey.name, journey.status.value, f"v{journey.version}", published
        )
    console.print(table)


@journeys_app.command("stats")
def stats(key: Annotated[str, typer.Argument(help="Journey key.")]) -> None:
    """Per node: entered, waiting now, exited; outcomes and goals."""
    engine, workspace_id = database_and_workspace()
    with engine.connect() as connection:
        try:
            found = journey_stats(connection, get_journey(connection, workspace_id, key))
        except BatonError as error:
            errors.print(f"[red]{error.message}[/red]")
            raise typer.Exit(1) from None
    table = Table("node", "entered", "waiting", "exited")
    for node, counts in found["nodes"].items():
        table.add_row(node, *(str(counts[k]) for k in ("entered", "waiting", "exited")))
    console.print(table)
    goals = found["goals"]
    outcomes = ", ".join(f"{k} {v}" for k, v in found["outcomes"].items()) or "none yet"
    console.print(f"instances {found['instances']} (live {found['live']}); ended: {outcomes}")
    console.print(f"goals reached {goals['reached']} ({goals['rate']:.1%})")


@journeys_app.command("simulate")
def simulate(
    key: Annotated[str, typer.Argument(help="Journey key.")],
    start: Annotated[str, typer.Option("--from", help="First day or instant (UTC).")],
    end: Annotated[str, typer.Option("--to", help="Day or instant the replay stops at.")],
    version: Annotated[
        int | None, typer.Option(help="Version to replay (default: the latest, draft included).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Backtest: replay the stored events of a window through a journey; sends nothing."""
    engine, workspace_id = database_and_workspace()
    window = [parse_instant(start), parse_instant(end)]
    if window[0] is None or window[1] is None:
        errors.print("[red]--from and --to take dates like 2026-10-01 or ISO instants[/red]")
        raise typer.Exit(2)
    try:
        with engine.connect() as connection:
            journey = get_journey(connection, workspace_id, key)
            chosen = chosen_version(journey, version)
            report = backtest(connection, workspace_id, journey, chosen, window[0], window[1])
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(orjson.dumps(report).decode())
        return
    console.print(
        f"journey [bold]{key}[/bold] v{chosen}, {report['from']} to {report['to']}: "
        f"{report['events_replayed']} events replayed, {report['entered']} entered, "
        f"goals {report['goals']['reached']} ({report['goals']['rate']:.1%})"
    )
    table = Table("node", "entered", "waiting at end", "exited")
    for node, counts in report["nodes"].items():
        table.add_row(node, *(str(counts[k]) for k in ("entered", "waiting", "exited")))
    console.print(table)
    sends = Table("channel", "sent", "skipped", "deferred")
    for channel, counts in report["messages"].items():
        sends.add_row(
            channel,
            str(counts["sent"]),
            _reasons(counts["skipped"]),
            _reasons(counts["deferred"]),
        )
    console.print(sends)
    outcomes = ", ".join(f"{k} {v}" for k, v in report["outcomes"].items()) or "none"
    console.print(f"ended: {outcomes}; still live at the end: {report['live_at_end']}")


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in counts.items()) or "0"
