"""Stored predictions: their definitions, training requests and model versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from baton.core.errors import Conflict, NotFound
from baton.core.ids import new_id
from baton.predict.definitions import AnyDefinition, dump_prediction, parse_prediction
from baton.storage.tables import events, prediction_scores, prediction_versions, predictions


class Status(StrEnum):
    """Where a prediction's training stands."""

    NEW = "new"
    TRAINING = "training"
    READY = "ready"
    FAILED = "failed"


class VersionStatus(StrEnum):
    """Whether a model version may score: only `ready` ones are ever active."""

    READY = "ready"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"
    # Its fairness gap is over the workspace's bound, and the workspace blocks such models.
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Prediction:
    id: str
    workspace_id: str
    key: str
    definition: AnyDefinition
    status: Status
    progress: float
    error: str | None
    train_requested_at: datetime | None
    train_requested_by: str | None
    train_needs_review: bool
    training_started_at: datetime | None
    active_version: int | None
    next_train_at: datetime | None
    next_score_at: datetime | None
    event_cursor: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def kind(self) -> str:
        return self.definition.kind


@dataclass(frozen=True)
class Version:
    prediction_id: str
    version: int
    status: VersionStatus
    definition: dict[str, Any]
    metrics: dict[str, Any]
    features: list[dict[str, Any]]
    model_card: dict[str, Any]
    window_start: datetime | None
    window_end: datetime | None
    trained_at: datetime
    review_id: str | None


_VERSION_COLUMNS = [c for c in prediction_versions.c if c.name != "model"]


def save_prediction(
    connection: Connection, workspace_id: str, definition: AnyDefinition, now: datetime
) -> tuple[Prediction, bool]:
    """Create or change the definition; a new one is queued for training. Returns it and
    whether it was created."""
    document = dump_prediction(definition)
    found = _row(connection, workspace_id, definition.key)
    if found is None:
        connection.execute(
            insert(predictions).values(
                id=new_id("prd", now),
                workspace_id=workspace_id,
                key=definition.key,
                name=definition.title,
                kind=definition.kind,
                definition=document,
                status=Status.NEW.value,
                progress=0.0,
                train_requested_at=now,
                train_needs_review=False,
                event_cursor=newest_event(connection) if definition.kind == "sentiment" else None,
                created_at=now,
                updated_at=now,
            )
        )
        return get_prediction(connection, workspace_id, definition.key), True
    if found.kind != definition.kind:
        raise Conflict(
            f"prediction {definition.key!r} is a {found.kind}: "
            f"delete it to make a {definition.kind}",
            field="kind",
        )
    connection.execute(
        update(predictions)
        .where(predictions.c.id == found.id)
        .values(name=definition.title, definition=document, updated_at=now)
    )
    return get_prediction(connection, workspace_id, definition.key), False


def get_prediction(connection: Connection, workspace_id: str, key: str) -> Prediction:
    found = find_prediction(connection, workspace_id, key)
    if found is None:
        raise NotFound(f"no prediction {key!r} in this workspace")
    return found


def find_prediction(connection: Connection, workspace_id: str, key: str) -> Prediction | None:
    row = _row(connection, workspace_id, key)
    return None if row is None else prediction_of_row(row)


def list_predictions(connection: Connection, workspace_id: str) -> list[Prediction]:
    rows = connection.execute(
        select(predictions)
        .where(predictions.c.workspace_id == workspace_id)
        .order_by(predictions.c.key)
    )
    return [prediction_of_row(row) for row in rows]


def delete_prediction(connection: Connection, workspace_id: str, key: str) -> Prediction:
    """Delete the definition, its versions and its stored scores (the caller removes the
    mirrored computed traits)."""
    found = get_prediction(connection, workspace_id, key)
    for table in (prediction_scores, prediction_versions):
        connection.execute(delete(table).where(table.c.prediction_id == found.id))
    connection.execute(delete(predictions).where(predictions.c.id == found.id))
    return found


def request_training(
    connection: Connection,
    prediction: Prediction,
    now: datetime,
    requested_by: str | None,
    needs_review: bool,
) -> Prediction:
    """Queue a training; a request while one runs is kept and runs after it."""
    connection.execute(
        update(predictions)
        .where(predictions.c.id == prediction.id)
        .values(
            train_requested_at=now,
            train_requested_by=requested_by,
            train_needs_review=needs_review,
            updated_at=now,
        )
    )
    return get_prediction(connection, prediction.workspace_id, prediction.key)


def list_versions(connection: Connection, prediction_id: str) -> list[Version]:
    """Newest first."""
    rows = connection.execute(
        select(*_VERSION_COLUMNS)
        .where(prediction_versions.c.prediction_id == prediction_id)
        .order_by(prediction_versions.c.version.desc())
    )
    return [_version(row) for row in rows]


def get_version(connection: Connection, prediction: Prediction, version: int) -> Version:
    row = connection.execute(
        select(*_VERSION_COLUMNS).where(
            prediction_versions.c.prediction_id == prediction.id,
            prediction_versions.c.version == version,
        )
    ).first()
    if row is None:
        raise NotFound(f"prediction {prediction.key!r} has no version {version}", field="version")
    return _version(row)


def model_of(connection: Connection, prediction_id: str, version: int) -> bytes | None:
    """The stored model of a version; None when the version was dropped."""
    found: bytes | None = connection.execute(
        select(prediction_versions.c.model).where(
            prediction_versions.c.prediction_id == prediction_id,
            prediction_versions.c.version == version,
        )
    ).scalar_one_or_none()
    return found


def add_version(
    connection: Connection,
    prediction: Prediction,
    *,
    status: VersionStatus,
    definition: dict[str, Any],
    metrics: dict[str, Any],
    features: list[dict[str, Any]],
    model_card: dict[str, Any],
    model: bytes,
    window: tuple[datetime | None, datetime],
    now: datetime,
) -> int:
    """Store a new model version (numbered after the last) and drop the oldest beyond
    `keep_versions`, never the active one or one awaiting review."""
    newest = connection.execute(
        select(func.max(prediction_versions.c.version)).where(
            prediction_versions.c.prediction_id == prediction.id
        )
    ).scalar_one()
    version = (newest or 0) + 1
    connection.execute(
        insert(prediction_versions).values(
            prediction_id=prediction.id,
            version=version,
            workspace_id=prediction.workspace_id,
            status=status.value,
            definition=definition,
            metrics=metrics,
            features=features,
            model_card={**model_card, "version": version},
            model=model,
            window_start=window[0],
            window_end=window[1],
            trained_at=now,
        )
    )
    kept = {
        v.version
        for v in list_versions(connection, prediction.id)[: prediction.definition.keep_versions]
    }
    # Read again: a rollback may have changed the active version since `prediction` was read.
    active = connection.execute(
        select(predictions.c.active_version).where(predictions.c.id == prediction.id)
    ).scalar_one_or_none()
    spared = kept | {version} | ({active} - {None})
    pending = VersionStatus.PENDING_APPROVAL.value
    connection.execute(
        delete(prediction_versions).where(
            prediction_versions.c.prediction_id == prediction.id,
            prediction_versions.c.version.not_in(spared),
            prediction_versions.c.status != pending,
        )
    )
    return version


def set_version_status(
    connection: Connection,
    prediction: Prediction,
    version: int,
    status: VersionStatus,
    review_id: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": status.value}
    if review_id is not None:
        values["review_id"] = review_id
    connection.execute(
        update(prediction_versions)
        .where(
            prediction_versions.c.prediction_id == prediction.id,
            prediction_versions.c.version == version,
        )
        .values(**values)
    )


def activate(
    connection: Connection, prediction: Prediction, version: int, now: datetime
) -> Prediction:
    """Make a ready version the one that scores (a rollback, an approval); its scores are
    written on the next scoring round, which is due at once."""
    found = get_version(connection, prediction, version)
    if found.status is not VersionStatus.READY:
        raise Conflict(
            f"version {version} is {found.status.value.replace('_', ' ')}: it cannot score",
            field="version",
        )
    connection.execute(
        update(predictions)
        .where(predictions.c.id == prediction.id)
        .values(active_version=version, next_score_at=now, updated_at=now)
    )
    return get_prediction(connection, prediction.workspace_id, prediction.key)


def set_state(connection: Connection, prediction: Prediction, **values: Any) -> None:
    """Change the columns of the prediction's row the orchestration keeps."""
    connection.execute(
        update(predictions).where(predictions.c.id == prediction.id).values(**values)
    )


def _row(connection: Connection, workspace_id: str, key: str) -> Any:
    return connection.execute(
        select(predictions).where(
            predictions.c.workspace_id == workspace_id, predictions.c.key == key
        )
    ).first()


def prediction_of_row(row: Any) -> Prediction:
    return Prediction(
        id=row.id,
        workspace_id=row.workspace_id,
        key=row.key,
        definition=parse_prediction(row.definition),
        status=Status(row.status),
        progress=row.progress,
        error=row.error,
        train_requested_at=row.train_requested_at,
        train_requested_by=row.train_requested_by,
        train_needs_review=bool(row.train_needs_review),
        training_started_at=row.training_started_at,
        active_version=row.active_version,
        next_train_at=row.next_train_at,
        next_score_at=row.next_score_at,
        event_cursor=row.event_cursor,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version(row: Any) -> Version:
    return Version(
        prediction_id=row.prediction_id,
        version=row.version,
        status=VersionStatus(row.status),
        definition=row.definition,
        metrics=row.metrics,
        features=row.features,
        model_card=row.model_card,
        window_start=row.window_start,
        window_end=row.window_end,
        trained_at=row.trained_at,
        review_id=row.review_id,
    )


def decide_version(
    connection: Connection, workspace_id: str, key: str, version: int, approved: bool, now: datetime
) -> Prediction:
    """An approver's decision on a version awaiting review: approved, it scores from now
    on; rejected, it never does."""
    prediction = get_prediction(connection, workspace_id, key)
    found = get_version(connection, prediction, version)
    if found.status is not VersionStatus.PENDING_APPROVAL:
        raise Conflict(f"version {version} of {key!r} is {found.status.value.replace('_', ' ')}")
    status = VersionStatus.READY if approved else VersionStatus.REJECTED
    set_version_status(connection, prediction, version, status)
    # A version trained after it and already scoring stays: approving an older model does
    # not roll back a newer one (a rollback can, on purpose).
    newer_active = (prediction.active_version or 0) > version
    return (
        activate(connection, prediction, version, now)
        if approved and not newer_active
        else prediction
    )


def newest_event(connection: Connection) -> int | None:
    """Where a kind that reads new events starts: after the events stored already, so
    that old tickets do not start service recovery today."""
    newest: int | None = connection.execute(select(func.max(events.c.seq))).scalar_one()
    return newest
