"""`baton predictions ...`: prediction definitions as code, training and model versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import yaml
from rich.table import Table

from baton.cli.common import CLI_ACTOR, clock_of, console, database_and_workspace, errors
from baton.core.errors import BatonError, InvalidInput
from baton.predict import (
    dump_prediction,
    get_prediction,
    list_predictions,
    parse_prediction,
    prediction_json,
    request_training,
    save_prediction,
    score_due,
    train_due,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record

predictions_app = typer.Typer(help="Predictions: churn, CLV, recommendations, sentiment.")


@predictions_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    train: Annotated[
        bool, typer.Option(help="Train every prediction of the file now, in this process.")
    ] = False,
) -> None:
    """Create or update predictions by key (idempotent). A file holds one definition, a
    list, or `predictions:` with a list. New ones are queued for training."""
    engine, workspace_id = database_and_workspace()
    clock = clock_of(ctx)
    try:
        definitions = [parse_prediction(item) for item in _documents(file)]
        with write_transaction(engine) as connection:
            for definition in definitions:
                saved, created = save_prediction(connection, workspace_id, definition, clock.now())
                if train and not created:
                    request_training(connection, saved, clock.now(), None, needs_review=False)
                record(connection, workspace_id, CLI_ACTOR, "prediction.save", clock.now(),
                       object_type="prediction", object_id=saved.key,
                       after=dump_prediction(definition))  # fmt: skip
                console.print(f"{'created' if created else 'updated'} [bold]{saved.key}[/bold]")
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    if train:
        _train_queued(ctx, [d.key for d in definitions])


@predictions_app.command("train")
def train(ctx: typer.Context, key: str) -> None:
    """Train one prediction now, in this process, and score every profile with it."""
    engine, workspace_id = database_and_workspace()
    clock = clock_of(ctx)
    try:
        with write_transaction(engine) as connection:
            prediction = get_prediction(connection, workspace_id, key)
            request_training(connection, prediction, clock.now(), None, needs_review=False)
            record(connection, workspace_id, CLI_ACTOR, "prediction.train", clock.now(),
                   object_type="prediction", object_id=key)  # fmt: skip
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    _train_queued(ctx, [key])


@predictions_app.command("list")
def list_all() -> None:
    """Every prediction with its status and headline metric."""
    engine, workspace_id = database_and_workspace()
    table = Table("key", "kind", "status", "version", "headline")
    with engine.connect() as connection:
        for prediction in list_predictions(connection, workspace_id):
            found = prediction_json(connection, prediction, full=False)
            table.add_row(
                prediction.key,
                prediction.kind,
                prediction.status.value,
                str(prediction.active_version or "-"),
                _headline(found.get("metrics") or {}),
            )
    console.print(table)


@predictions_app.command("show")
def show(key: str) -> None:
    """A prediction as the API gives it: status, metrics, features, model card (JSON)."""
    engine, workspace_id = database_and_workspace()
    try:
        with engine.connect() as connection:
            found = prediction_json(connection, get_prediction(connection, workspace_id, key))
    except BatonError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print_json(orjson.dumps(found).decode())


def _train_queued(ctx: typer.Context, keys: list[str]) -> None:
    engine, workspace_id = database_and_workspace()
    clock = clock_of(ctx)
    with console.status("training..."):
        while train_due(engine, clock):
            pass
        while score_due(engine, clock):
            pass
    failed = False
    with engine.connect() as connection:
        for key in keys:
            found = prediction_json(connection, get_prediction(connection, workspace_id, key))
            if found["status"] == "failed":
                failed = True
                errors.print(f"[red]{key}: {found['error']}[/red]")
            else:
                console.print(f"{key}: v{found['version']} {_headline(found['metrics'] or {})}")
    if failed:
        raise typer.Exit(1)


def _headline(metrics: dict[str, Any]) -> str:
    if "auc" in metrics:
        return f"AUC {metrics['auc']:.3f}"
    if "params" in metrics:
        return ", ".join(f"{k}={v:.3g}" for k, v in metrics["params"].items())
    if "precision_at_k" in metrics:
        return f"precision@k {metrics['precision_at_k']:.3f}"
    return ""


def _documents(file: Path) -> list[Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidInput(f"{file.name} is not valid YAML: {error}") from None
    if isinstance(data, dict) and "predictions" in data:
        data = data["predictions"]
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise InvalidInput(f"{file.name}: expected a definition, a list of them or predictions:")
    return items
