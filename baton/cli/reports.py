"""`baton report journey KEY` and `baton kpis`: the figures in the terminal, or as JSON
or CSV for other tools."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import orjson
import typer
from rich.table import Table

from baton.analytics import csv_text, event_names, journey_report, node_rows, segment_members
from baton.analytics import kpis as compute_kpis
from baton.cli.analytics import open_store
from baton.cli.common import clock_of, console, database_and_workspace, errors, settings
from baton.core.durations import parse_duration
from baton.core.errors import BatonError
from baton.journeys import get_journey
from baton.segments import parse_instant

report_app = typer.Typer(help="Reports.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[Format, typer.Option("--format", help="table, json or csv")]
Since = Annotated[str | None, typer.Option("--from", help="Date or instant (UTC).")]
Until = Annotated[str | None, typer.Option("--to", help="Date or instant (UTC).")]


def _instant(value: str | None, name: str, default: datetime) -> datetime:
    if value is None:
        return default
    found = parse_instant(value)
    if found is None:
        errors.print(f"[red]--{name}: give a date or an instant like 2026-10-01[/red]")
        raise typer.Exit(2)
    return found


@report_app.command("journey")
def journey(
    ctx: typer.Context,
    key: str,
    start: Since = None,
    end: Until = None,
    version: Annotated[int | None, typer.Option(min=1)] = None,
    window: Annotated[str, typer.Option(help="Attribution window.")] = "7d",
    output: FormatOption = Format.TABLE,
) -> None:
    """A journey's report: nodes, goals, revenue, experiments (docs/analytics.md)."""
    engine, workspace_id = database_and_workspace()
    try:
        with engine.connect() as connection:
            found = get_journey(connection, workspace_id, key)
            report = journey_report(
                connection,
                found,
                start=_instant(start, "from", found.created_at),
                end=_instant(end, "to", clock_of(ctx).now()),
                version=version,
                window=parse_duration(window),
            )
    except (BatonError, ValueError) as error:
        errors.print(f"[red]{getattr(error, 'message', error)}[/red]")
        raise typer.Exit(1) from None
    nodes = node_rows(report)
    if output is Format.JSON:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if output is Format.CSV:
        sys.stdout.write(csv_text(nodes))
        return
    goals, revenue = report["goals"], report["revenue"]
    console.print(
        f"[bold]{key}[/bold]: {report['entries']} entries, {goals['conversions']} "
        f"goals ({goals['rate']:.1%}), revenue {revenue['last_touch']} (last touch)"
    )
    table = Table("node", "entered", "exited", "goals", "dropped", "waiting")
    for row in nodes:
        table.add_row(
            *(str(row[c]) for c in ("node", "entered", "exited", "goals", "dropped", "waiting"))
        )
    console.print(table)
    for name, experiment in report["experiments"].items():
        arms = Table(name, "profiles", "rate", "95% interval", "lift", "p", "P(best)")
        for arm, figures in experiment["arms"].items():
            low, high = figures["rate_interval"]
            arms.add_row(
                arm,
                str(figures["profiles"]),
                f"{figures['rate']:.2%}",
                f"{low:.2%} to {high:.2%}",
                _signed(figures.get("lift")),
                str(figures.get("p_value", "")),
                f"{figures['probability_to_be_best']:.2%}",
            )
        console.print(arms)


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2%}"


def kpis(
    ctx: typer.Context,
    start: Since = None,
    end: Until = None,
    segment: Annotated[str | None, typer.Option(help="Only this segment's members.")] = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """The customer-experience KPIs of a period (default: the last 30 days)."""
    chosen = settings()
    engine, workspace_id = database_and_workspace()
    now = clock_of(ctx).now()
    until = _instant(end, "to", now)
    since = _instant(start, "from", until - timedelta(days=30))
    try:
        with engine.connect() as connection:
            names = event_names(connection, workspace_id)
            members = segment_members(connection, workspace_id, segment) if segment else None
        store = open_store(chosen)
        store.sync(engine, now)
        found = compute_kpis(
            store,
            workspace_id,
            names=names,
            members=members,
            start=since,
            end=until,
            churn_window=timedelta(days=90),
        )
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if output is Format.JSON:
        sys.stdout.write(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if output is Format.CSV:
        sys.stdout.write(csv_text([{"kpi": name, "value": value} for name, value in found.items()]))
        return
    table = Table("KPI", "value")
    for name, value in found.items():
        table.add_row(name, "—" if value is None else str(value))
    console.print(table)
