"""Training and scoring in the background: a requested or scheduled training runs the
kind's trainer, checks fairness, writes the model card and stores a version, which scores
at once unless an approver must review it first or its fairness gap blocks it. Active
models score every profile again daily.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, case, func, or_, select

from baton.core.clock import Clock
from baton.core.errors import BatonError
from baton.core.formats import iso_instant
from baton.predict.kinds import Score, Trained
from baton.predict.registry import kind_of
from baton.predict.scores import write_scores
from baton.predict.store import (
    Prediction,
    Status,
    VersionStatus,
    add_version,
    get_prediction,
    list_versions,
    model_of,
    prediction_of_row,
    set_state,
    set_version_status,
)
from baton.storage.database import any_row, write_transaction
from baton.storage.tables import predictions, profiles
from baton.teams.audit import diff
from baton.teams.reviews import Kind as ReviewKind
from baton.teams.reviews import request_review
from baton.workspaces import load_policy, workspace_of

log = logging.getLogger(__name__)

# A training claimed this long ago is taken to have died with its process.
_STALE = timedelta(hours=2)
SCORE_EVERY = timedelta(days=1)
# Who asked for a scheduled training, in a review request.
SCHEDULE = "schedule"


def train_due(engine: Engine, clock: Clock) -> int:
    """Run one training that is due (requested or scheduled); returns how many ran."""
    prediction = _claim(engine, clock.now())
    if prediction is None:
        return 0
    _train(engine, clock, prediction)
    return 1


def score_due(engine: Engine, clock: Clock) -> int:
    """Score everyone again with one active model whose scores are due; returns how many
    predictions were scored."""
    now = clock.now()
    due = (predictions.c.active_version.is_not(None)) & (predictions.c.next_score_at <= now)
    if not any_row(engine, select(predictions.c.id).where(due).order_by(predictions.c.id)):
        return 0
    with write_transaction(engine) as connection:
        row = connection.execute(_claimed(connection, select(predictions).where(due))).first()
        if row is None:
            return 0
        prediction = prediction_of_row(row)
        set_state(connection, prediction, next_score_at=now + SCORE_EVERY)
    version = prediction.active_version
    assert version is not None
    try:
        with engine.connect() as reader:
            model = model_of(reader, prediction.id, version)
            assert model is not None, "the active version is never dropped"
            kind = kind_of(prediction.kind)
            scores = list(
                kind.score(reader, prediction.workspace_id, prediction.definition, model, now)
            )
        write_scores(
            engine, prediction.workspace_id, prediction.id, prediction.key, version, scores, now
        )
    except Exception:
        log.exception("scoring prediction %s failed", prediction.key)
    return 1


def next_prediction_work(connection: Connection) -> datetime | None:
    """When a training or a scoring round is next due, if ever."""
    free = predictions.c.status != Status.TRAINING.value
    scores = predictions.c.active_version.is_not(None)
    found = connection.execute(
        select(
            func.min(predictions.c.train_requested_at),
            func.min(case((free, predictions.c.next_train_at))),
            func.min(case((scores, predictions.c.next_score_at))),
        )
    ).one()
    return min((at for at in found if at is not None), default=None)


def _claim(engine: Engine, now: datetime) -> Prediction | None:
    due = or_(predictions.c.train_requested_at <= now, predictions.c.next_train_at <= now)
    free = or_(
        predictions.c.status != Status.TRAINING.value,
        predictions.c.training_started_at < now - _STALE,
    )
    if not any_row(engine, select(predictions.c.id).where(due, free).order_by(predictions.c.id)):
        return None
    with write_transaction(engine) as connection:
        first = func.coalesce(predictions.c.train_requested_at, predictions.c.next_train_at)
        row = connection.execute(
            _claimed(connection, select(predictions).where(due, free).order_by(first))
        ).first()
        if row is None:
            return None
        found = prediction_of_row(row)
        # The schedule asks for no one: its models wait wherever the workspace reviews models.
        needs_review = (
            found.train_needs_review
            if found.train_requested_at is not None
            else ReviewKind.MODELS in workspace_of(connection, found.workspace_id).require_approval
        )
        set_state(
            connection,
            found,
            status=Status.TRAINING.value,
            progress=0.0,
            error=None,
            training_started_at=now,
            train_requested_at=None,
            train_needs_review=needs_review,
            next_train_at=None,
        )
        return get_prediction(connection, found.workspace_id, found.key)


def _claimed(connection: Connection, query: Select[Any]) -> Select[Any]:
    """One row, which no other worker claims at the same time (SQLite has one writer)."""
    query = query.limit(1)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


class _Progress:
    """Writes the share of training done, at most every 5 points."""

    def __init__(self, engine: Engine, prediction: Prediction) -> None:
        self._engine = engine
        self._prediction = prediction
        self._written = 0.0

    def __call__(self, share: float) -> None:
        share = min(max(share, 0.0), 0.99)
        if share - self._written < 0.05:
            return
        self._written = share
        with write_transaction(self._engine) as connection:
            set_state(connection, self._prediction, progress=round(share, 2))


def _train(engine: Engine, clock: Clock, prediction: Prediction) -> None:
    now = clock.now()
    kind = kind_of(prediction.kind)
    definition = prediction.definition
    try:
        with engine.connect() as reader:
            trained = kind.train(
                reader, prediction.workspace_id, definition, now, _Progress(engine, prediction)
            )
            scores = list(
                kind.score(reader, prediction.workspace_id, definition, trained.model, now)
            )
            fairness = _fairness(reader, prediction, scores)
    except BatonError as error:
        _failed(engine, prediction, str(error), now)
        return
    except Exception as error:
        log.exception("training prediction %s failed", prediction.key)
        _failed(engine, prediction, f"{type(error).__name__}: {error}", now)
        return
    if fairness is not None and fairness["blocks"]:
        status = VersionStatus.BLOCKED
    elif prediction.train_needs_review:
        status = VersionStatus.PENDING_APPROVAL
    else:
        status = VersionStatus.READY
    every = definition.schedule.every
    with write_transaction(engine) as connection:
        version = add_version(
            connection,
            prediction,
            status=status,
            definition=dict(definition.model_dump(mode="json", exclude_none=True)),
            metrics=trained.metrics,
            features=trained.features,
            model_card=model_card(prediction, trained, fairness, now),
            model=trained.model,
            window=(trained.window_start, trained.window_end),
            now=now,
        )
        if status is VersionStatus.PENDING_APPROVAL:
            _request_review(connection, prediction, version, trained, now)
        state: dict[str, Any] = {
            "status": Status.READY.value,
            "progress": 1.0,
            "error": None,
            "training_started_at": None,
            "next_train_at": now + every if every else None,
            "updated_at": now,
        }
        if status is VersionStatus.READY:
            state |= {"active_version": version, "next_score_at": now + SCORE_EVERY}
        set_state(connection, prediction, **state)
    if status is VersionStatus.READY:
        write_scores(
            engine, prediction.workspace_id, prediction.id, prediction.key, version, scores, now
        )


def _failed(engine: Engine, prediction: Prediction, reason: str, now: datetime) -> None:
    """The reason is kept for the API; the schedule tries again when its turn comes (the
    data may suffice by then)."""
    every = prediction.definition.schedule.every
    with write_transaction(engine) as connection:
        set_state(
            connection,
            prediction,
            status=Status.FAILED.value,
            error=reason[:2000],
            training_started_at=None,
            progress=0.0,
            next_train_at=now + every if every else None,
            updated_at=now,
        )


def _request_review(
    connection: Any, prediction: Prediction, version: int, trained: Trained, now: datetime
) -> None:
    live = next(
        (
            v
            for v in list_versions(connection, prediction.id)
            if v.version == prediction.active_version
        ),
        None,
    )
    before = {"version": live.version, "metrics": live.metrics} if live else {}
    after = {"version": version, "metrics": trained.metrics}
    review = request_review(
        connection,
        prediction.workspace_id,
        ReviewKind.MODELS,
        prediction.key,
        {"version": version},
        diff(before, after),
        prediction.train_requested_by or SCHEDULE,
        now,
    )
    set_version_status(
        connection, prediction, version, VersionStatus.PENDING_APPROVAL, review_id=review.id
    )


def _fairness(
    connection: Any, prediction: Prediction, scores: list[Score]
) -> dict[str, Any] | None:
    """The fairness report of these scores across the workspace's sensitive traits, with
    `blocks` where the workspace blocks models over its bound; None where it names none.
    Scores that are no probabilities (a CLV) are compared by their rank: the share of
    each group in the top half."""
    fairness = load_policy(connection, prediction.workspace_id).fairness
    if fairness is None:
        return None
    # fairlearn loads where models train, not in every process (registry.py says why).
    from baton.predict.fairness import fairness_report

    values = {s.profile_id: s.value for s in scores if s.value is not None}
    if prediction.kind != "classification" and values:
        order = sorted(values, key=lambda p: values[p])
        values = {p: (rank + 1) / len(order) for rank, p in enumerate(order)}
    groups: dict[str, dict[str, Any]] = {}
    rows = connection.execute(
        select(profiles.c.id, profiles.c.traits).where(
            profiles.c.workspace_id == prediction.workspace_id, profiles.c.merged_into.is_(None)
        )
    )
    for profile_id, traits in rows:
        if profile_id in values:
            groups[profile_id] = {t: (traits or {}).get(t) for t in fairness.sensitive_traits}
    report = fairness_report(values, groups, fairness.sensitive_traits, fairness.max_gap)
    report["blocks"] = fairness.block and not report["within_bound"]
    return report


def model_card(
    prediction: Prediction, trained: Trained, fairness: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """What the model is, how it was made and checked, and what it is not for."""
    definition = prediction.definition
    return {
        "prediction": prediction.key,
        "name": definition.title,
        "kind": definition.kind,
        "trained_at": iso_instant(now),
        "data_window": {
            "start": iso_instant(trained.window_start) if trained.window_start else None,
            "end": iso_instant(trained.window_end),
        },
        "features": [f["name"] for f in trained.features],
        "metrics": trained.metrics,
        "fairness": fairness
        if fairness is not None
        else {
            "checked": False,
            "note": "the workspace names no sensitive traits (policy: fairness.sensitive_traits)",
        },
        "intended_use": trained.intended_use,
        "limits": trained.limits,
        "scores_as": f"computed trait {definition.trait}",
    }
