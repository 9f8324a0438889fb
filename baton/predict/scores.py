"""Writing a model's scores where everything else reads them: `prediction_scores` for the
API, and the profile's computed traits (`predicted.<key>`, `predicted.<key>_decile`,
`predicted.<key>_<name>`) for segments, branches and templates.

The computed document is the segment evaluator's too, so each chunk is written under its
lock; the profiles whose values changed are marked due, and segments that read them follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from baton.predict.kinds import Score
from baton.segments import PREDICTED_KEY, SEGMENTS_LOCK, same_values, store_computed
from baton.storage.database import (
    among,
    exclusive,
    upsert,
    write_transaction,
)
from baton.storage.tables import prediction_scores, predictions, profiles
from baton.timeline import mark_due

_CHUNK = 5_000


def score_traits(key: str, score: Score) -> dict[str, Any]:
    """A score's computed traits, by their names under `predicted.`."""
    found: dict[str, Any] = {key: score.value}
    if score.decile is not None:
        found[f"{key}_decile"] = score.decile
    found.update({f"{key}_{name}": value for name, value in score.traits.items()})
    return {name: value for name, value in found.items() if value is not None}


def write_scores(
    engine: Engine,
    workspace_id: str,
    prediction_id: str,
    key: str,
    version: int,
    scores: Iterable[Score],
    now: datetime,
) -> int:
    """Store every score of one round and forget the profiles it no longer scores; returns
    how many were written."""
    written = 0
    for chunk in _chunks(iter(scores)):
        with scores_lock(engine), write_transaction(engine) as connection:
            if not _exists(connection, prediction_id):
                # Deleted while it trained or scored: its traits are gone and stay gone.
                return written
            upsert(
                connection,
                prediction_scores,
                [
                    {
                        "prediction_id": prediction_id,
                        "profile_id": s.profile_id,
                        "workspace_id": workspace_id,
                        "version": version,
                        "score": s.value,
                        "decile": s.decile,
                        "detail": _detail(s),
                        "scored_at": now,
                    }
                    for s in chunk
                ],
                keys=("prediction_id", "profile_id"),
                replace=("version", "score", "decile", "detail", "scored_at"),
            )
            traits = {s.profile_id: score_traits(key, s) for s in chunk}
            _mirror(connection, workspace_id, key, traits, now)
        written += len(chunk)
    with scores_lock(engine), write_transaction(engine) as connection:
        stale = list(
            connection.execute(
                select(prediction_scores.c.profile_id).where(
                    prediction_scores.c.prediction_id == prediction_id,
                    prediction_scores.c.scored_at < now,
                )
            ).scalars()
        )
        forget_scores(connection, workspace_id, prediction_id, key, stale, now)
    return written


def forget_all_scores(
    connection: Connection, prediction_id: str, workspace_id: str, key: str, now: datetime
) -> None:
    """Remove every score of a prediction (it is being deleted); hold `scores_lock`."""
    held = connection.execute(
        select(prediction_scores.c.profile_id).where(
            prediction_scores.c.prediction_id == prediction_id
        )
    ).scalars()
    forget_scores(connection, workspace_id, prediction_id, key, list(held), now)


def scores_lock(engine: Engine) -> AbstractContextManager[None]:
    """Held by every writer of computed traits (the segment evaluator too)."""
    return exclusive(engine, SEGMENTS_LOCK)


def forget_scores(
    connection: Connection,
    workspace_id: str,
    prediction_id: str,
    key: str,
    profile_ids: list[str],
    now: datetime,
) -> None:
    """Remove the scores of these profiles, stored and mirrored (a deleted prediction, a
    profile no longer scored)."""
    for start in range(0, len(profile_ids), _CHUNK):
        part = profile_ids[start : start + _CHUNK]
        connection.execute(
            delete(prediction_scores).where(
                prediction_scores.c.prediction_id == prediction_id,
                among(prediction_scores.c.profile_id, part, connection.dialect),
            )
        )
        _mirror(connection, workspace_id, key, {profile_id: {} for profile_id in part}, now)


def stored_scores(connection: Connection, workspace_id: str, profile_ids: list[str]) -> list[Any]:
    """The stored score rows of these profiles, every prediction's."""
    return list(
        connection.execute(
            select(prediction_scores).where(
                prediction_scores.c.workspace_id == workspace_id,
                among(prediction_scores.c.profile_id, profile_ids, connection.dialect),
            )
        )
    )


def _mirror(
    connection: Connection,
    workspace_id: str,
    key: str,
    values: dict[str, dict[str, Any]],
    now: datetime,
) -> None:
    """Replace the profile's computed traits of prediction `key` with `values` (by name
    under `predicted.`), leaving every other computed trait as it is."""
    rows = connection.execute(
        select(profiles.c.id, profiles.c.computed).where(
            profiles.c.workspace_id == workspace_id,
            among(profiles.c.id, sorted(values), connection.dialect),
        )
    )
    changed: dict[str, dict[str, Any]] = {}
    for profile_id, computed in rows:
        before = computed or {}
        predicted = {
            name: value
            for name, value in (before.get(PREDICTED_KEY) or {}).items()
            if not _of(name, key)
        }
        predicted.update(values[profile_id])
        after = {k: v for k, v in before.items() if k != PREDICTED_KEY}
        if predicted:
            after[PREDICTED_KEY] = predicted
        if not same_values(before, after):
            changed[profile_id] = after
    store_computed(connection, changed)
    mark_due(connection, workspace_id, [(p, now) for p in changed])


def _of(name: str, key: str) -> bool:
    """Whether a name under `predicted.` is prediction `key`'s: `key` or `key_suffix`
    (keys hold no underscore, so `churn_decile` is never `churn-2`'s)."""
    return name.split("_", 1)[0] == key


def _exists(connection: Connection, prediction_id: str) -> bool:
    found = select(predictions.c.id).where(predictions.c.id == prediction_id)
    return connection.execute(found).first() is not None


def _detail(score: Score) -> dict[str, Any] | None:
    """What is stored beside the score: its detail, and its further traits for the API."""
    found = {**score.detail, "traits": score.traits} if score.traits else score.detail
    return found or None


def _chunks(scores: Iterator[Score]) -> Iterator[list[Score]]:
    while chunk := list(islice(scores, _CHUNK)):
        yield chunk
