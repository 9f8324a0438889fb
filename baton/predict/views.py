"""Predictions as the API and the CLI show them, and one profile's scores with their
reasons in plain words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from baton.core.formats import iso_instant
from baton.identity.profiles import resolve_profile_id
from baton.predict.definitions import dump_prediction
from baton.predict.kinds import Score
from baton.predict.registry import kind_of
from baton.predict.scores import score_traits, stored_scores
from baton.predict.store import (
    Prediction,
    Version,
    list_predictions,
    list_versions,
    model_of,
)

# Reasons given per score.
_REASONS = 5


def prediction_json(
    connection: Connection, prediction: Prediction, *, full: bool = True
) -> dict[str, Any]:
    """The definition, where training stands and, from the active version (else the
    newest), its metrics, features, window and model card."""
    versions = list_versions(connection, prediction.id)
    shown = next((v for v in versions if v.version == prediction.active_version), None)
    shown = shown or (versions[0] if versions else None)
    found: dict[str, Any] = {
        "key": prediction.key,
        "name": prediction.definition.title,
        "kind": prediction.kind,
        "status": prediction.status.value,
        "progress": prediction.progress,
        "error": prediction.error,
        "version": prediction.active_version,
        "trait": prediction.definition.trait,
        "training_requested": prediction.train_requested_at is not None,
        "training_started_at": _instant(prediction.training_started_at),
        "next_train_at": _instant(prediction.next_train_at),
        "next_score_at": _instant(prediction.next_score_at),
        "updated_at": iso_instant(prediction.updated_at),
        "trained_at": iso_instant(shown.trained_at) if shown else None,
        "definition": dump_prediction(prediction.definition),
    }
    if not full:
        found["metrics"] = shown.metrics if shown else None
        return found
    found |= {
        "metrics": shown.metrics if shown else None,
        "features": shown.features if shown else [],
        "window": _window(shown),
        "model_card": shown.model_card if shown else None,
        "versions": [version_json(v, prediction) for v in versions],
    }
    return found


def version_json(version: Version, prediction: Prediction) -> dict[str, Any]:
    return {
        "version": version.version,
        "status": version.status.value,
        "active": version.version == prediction.active_version,
        "trained_at": iso_instant(version.trained_at),
        "window": _window(version),
        "metrics": version.metrics,
        "review_id": version.review_id,
    }


def profile_predictions(
    connection: Connection, workspace_id: str, profile_id: str, now: datetime
) -> dict[str, Any]:
    """Each active prediction's score of the person, with its top reasons."""
    live = resolve_profile_id(connection, workspace_id, profile_id)
    rows = {row.prediction_id: row for row in stored_scores(connection, workspace_id, [live])}
    found = []
    for prediction in list_predictions(connection, workspace_id):
        row = rows.get(prediction.id)
        if row is None or prediction.active_version is None:
            continue
        model = model_of(connection, prediction.id, row.version)
        if model is None:  # its version was dropped since it scored: new scores are due
            continue
        kind = kind_of(prediction.kind)
        reasons = kind.explain(connection, workspace_id, prediction.definition, model, live, now)[
            :_REASONS
        ]
        detail = dict(row.detail or {})
        score = Score(live, row.score, row.decile, detail.pop("traits", {}), detail)
        found.append(
            {
                "key": prediction.key,
                "name": prediction.definition.title,
                "kind": prediction.kind,
                "trait": prediction.definition.trait,
                "score": row.score,
                "decile": row.decile,
                "traits": score_traits(prediction.key, score),
                "detail": detail,
                "version": row.version,
                "scored_at": iso_instant(row.scored_at),
                "reasons": [
                    {"text": r.text, "feature": r.feature, "effect": r.effect} for r in reasons
                ],
            }
        )
    return {"profile_id": live, "predictions": found}


def _window(version: Version | None) -> dict[str, str | None] | None:
    if version is None:
        return None
    return {"start": _instant(version.window_start), "end": _instant(version.window_end)}


def _instant(value: datetime | None) -> str | None:
    return iso_instant(value) if value else None
