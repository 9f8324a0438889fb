"""`baton`: serve, work, migrate, manage keys, import data, inspect profiles."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
import uvicorn
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from baton.api import create_app
from baton.api.profiles import profile_json
from baton.channels import reseal_settings
from baton.cli.analytics import analytics_app
from baton.cli.broadcasts import broadcasts_app
from baton.cli.common import clock_of, console, default_workspace, ensure_workspace, errors
from baton.cli.common import settings as load_settings
from baton.cli.demo import demo
from baton.cli.journeys import journeys_app
from baton.cli.keys import keys_app
from baton.cli.policy import policy_app
from baton.cli.predictions import predictions_app
from baton.cli.reports import kpis, report_app
from baton.cli.secrets import secrets_app
from baton.cli.segments import segments_app
from baton.cli.status import status
from baton.cli.templates import templates_app
from baton.cli.users import users_app
from baton.cli.worker import worker
from baton.cli.workspaces import workspaces_app
from baton.core.clock import Clock
from baton.core.config import Settings, redact_url
from baton.core.errors import BatonError
from baton.core.logging import configure_logging
from baton.core.metrics import MULTIPROCESS_DIRECTORY, process_ended, shared_counts
from baton.core.sealing import key_source
from baton.core.tracing import configure_tracing, stop_tracing
from baton.identity import find_profile
from baton.ingest import ImportReport, import_csv, import_ndjson
from baton.pipeline import Stage, refresh_listeners
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from baton.storage.migrate import upgrade

# Seconds the requests still running when `baton serve` stops get to end: a console's
# live activity stream would otherwise hold the stop for its whole lifetime (minutes).
STOP_GRACE_SECONDS = 5

app = typer.Typer(help="Baton: customer journey orchestration.", no_args_is_help=True)
profiles_app = typer.Typer(help="Unified customer profiles.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(profiles_app, name="profiles")
app.add_typer(segments_app, name="segments")
app.add_typer(predictions_app, name="predictions")
app.add_typer(journeys_app, name="journeys")
app.add_typer(broadcasts_app, name="broadcasts")
app.add_typer(policy_app, name="policy")
app.add_typer(templates_app, name="templates")
app.add_typer(analytics_app, name="analytics")
app.add_typer(report_app, name="report")
app.add_typer(secrets_app, name="secrets")
app.add_typer(users_app, name="users")
app.add_typer(workspaces_app, name="workspaces")
app.command("kpis")(kpis)
app.command("demo")(demo)
app.command()(worker)
app.command()(status)


@app.command()
def openapi() -> None:
    """Print the API's OpenAPI document (JSON): the console's client is generated from it."""
    runtime = Runtime.create(
        Settings(database_url="sqlite://", analytics_path="off"), run_processor=False
    )
    document = create_app(runtime).openapi()
    runtime.engine.dispose()
    pretty = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    sys.stdout.buffer.write(orjson.dumps(document, option=pretty))


class ProcessorMode(StrEnum):
    PROCESS = "process"
    THREAD = "thread"
    OFF = "off"


class ImportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


def _prepare_database(settings: Settings, clock: Clock) -> None:
    """The newest schema and the default workspace, whose new keys are printed once: a
    scripted set-up works from `baton migrate` on, without a server started first."""
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
    source = key_source()
    source.keyring()
    if source.generated:
        errors.print(
            f"generated the key that seals stored secrets: {source.key_file} (mode 0600). "
            "Back it up with the database: without it, the stored provider secrets are lost. "
            "Set BATON_SECRET_KEY to keep it elsewhere."
        )
    engine = connect(settings.database_url)
    upgrade(engine)
    with write_transaction(engine) as connection:
        reseal_settings(connection)  # secrets stored before sealing existed
    refresh_listeners(engine, clock.now())
    ensure_workspace(engine, clock, settings)
    engine.dispose()


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Bring the database to the newest schema; create the default workspace if missing."""
    settings = load_settings()
    _prepare_database(settings, clock_of(ctx))
    console.print(f"database {redact_url(settings.database_url)} is up to date")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (BATON_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (BATON_PORT).")] = None,
    processor: Annotated[
        ProcessorMode,
        typer.Option(
            help="Where events become profiles and segments: `baton worker` child processes "
            "that live and die with this one (using the other core), threads of this "
            "process, or off (run `baton worker` yourself)."
        ),
    ] = ProcessorMode.PROCESS,
) -> None:
    """Serve the HTTP API and, by default, the background workers."""
    # The ingest writer and identity threads spend most of their time in the database
    # with the GIL released; a shorter switch interval lets them take it back sooner.
    sys.setswitchinterval(0.002)
    configure_logging()
    settings = load_settings()
    clock = clock_of(ctx)
    _prepare_database(settings, clock)
    # Before anything is counted: the children inherit the directory (baton/core/metrics.py).
    with shared_counts(os.environ.get(MULTIPROCESS_DIRECTORY) or None):
        _serve(settings, clock, host, port, processor)


def _serve(
    settings: Settings, clock: Clock, host: str | None, port: int | None, processor: ProcessorMode
) -> None:
    runtime = Runtime.create(settings, clock=clock, run_processor=processor is ProcessorMode.THREAD)
    # Off unless the OTEL_* settings ask; only what this call turned on is turned off.
    traced = configure_tracing()
    children = []
    if processor is ProcessorMode.PROCESS:
        # Identity and the stages after it each get a process, so both cores work; both
        # deliver (dispatchers share the outbox safely), so a burst of messages, with
        # identity idle, still has two processes sending. The analytics store follows
        # the database there too, not here: its syncs held the API's interpreter long
        # enough to double the tracking API's p99 (`make bench`). Each runs the worker
        # module alone: through `baton` it would load the API too.
        worker = [sys.executable, "-m", "baton.cli.worker", "--parent", str(os.getpid())]
        after_identity = (Stage.SEGMENTS, Stage.JOURNEYS, Stage.DELIVERY, Stage.ANALYTICS)
        first = (Stage.IDENTITY, Stage.BUILDS, Stage.DELIVERY, Stage.PREDICTIONS)
        for stages in (first, after_identity):
            chosen = [option for stage in stages for option in ("--stage", stage.value)]
            children.append(subprocess.Popen([*worker, *chosen]))
    api = create_app(runtime)
    # Everything loaded so far lives as long as the process: out of the collector's sight,
    # a full collection walks only what requests allocate, instead of pausing them all
    # for every module, route and model.
    gc.freeze()
    try:
        uvicorn.run(
            api,
            host=host or settings.host,
            port=port or settings.port,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=STOP_GRACE_SECONDS,
        )
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)
            process_ended(child.pid)
        if traced:
            stop_tracing()


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[
        ImportFormat | None, typer.Option(help="Default: from the file extension.")
    ] = None,
    map: Annotated[
        list[str] | None,
        typer.Option(help="CSV column mapping COLUMN=userId|anonymousId|traits.NAME; repeatable."),
    ] = None,
) -> None:
    """Import NDJSON Segment messages or a CSV of profiles into the default workspace."""
    settings = load_settings()
    workspace_id = default_workspace(settings)
    chosen = format or (ImportFormat.CSV if file.suffix.lower() == ".csv" else ImportFormat.NDJSON)
    mapping = {}
    for item in map or []:
        column, sep, target = item.partition("=")
        if not sep:
            errors.print(f"[red]--map {item!r}:[/red] expected COLUMN=TARGET")
            raise typer.Exit(2)
        mapping[column] = target
    engine = connect(settings.database_url)
    clock = clock_of(ctx)
    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*Progress.get_default_columns()[:1], *columns, console=errors) as bar:
        task = bar.add_task(f"importing {file.name}", total=file.stat().st_size)

        def advance(size: int) -> None:
            bar.advance(task, size)

        try:
            if chosen is ImportFormat.CSV:
                report = import_csv(engine, workspace_id, file, clock, mapping, advance)
            else:
                report = import_ndjson(engine, workspace_id, file, clock, advance)
        except BatonError as error:
            errors.print(f"[red]import failed:[/red] {error.message}")
            raise typer.Exit(1) from None
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    console.print(f"imported {report.accepted} rows; {len(report.errors)} rejected")
    for line, reason in report.errors[:100]:
        errors.print(f"line {line}: {reason}")
    if len(report.errors) > 100:
        errors.print(f"... and {len(report.errors) - 100} more")
    if report.errors:
        raise typer.Exit(1)


@profiles_app.command("show")
def profiles_show(
    reference: Annotated[str, typer.Argument(help="E-mail, user id or profile id.")],
) -> None:
    """Print a profile as JSON."""
    settings = load_settings()
    workspace_id = default_workspace(settings)
    with connect(settings.database_url).connect() as connection:
        try:
            found = find_profile(connection, workspace_id, reference, settings.default_region)
            profile = profile_json(connection, workspace_id, found)
        except BatonError as error:
            errors.print(f"[red]{error.message}[/red]")
            raise typer.Exit(1) from None
    console.print_json(orjson.dumps(profile).decode())
