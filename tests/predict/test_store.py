"""Versions and scores against what changed while a model trained, on both databases: a
deleted prediction gets no scores back, pruning spares the version active now, and
approving an older version leaves a newer active one scoring."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.identity import find_profile
from baton.predict.definitions import parse_prediction
from baton.predict.kinds import Score
from baton.predict.scores import write_scores
from baton.predict.store import (
    Prediction,
    VersionStatus,
    activate,
    add_version,
    decide_version,
    delete_prediction,
    get_prediction,
    list_versions,
    save_prediction,
)
from baton.storage.database import write_transaction
from baton.storage.tables import prediction_scores, profiles
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.segments.helpers import identify

CHURN = {
    "key": "churn",
    "kind": "classification",
    "label": {"trait": {"name": "Churn", "positive": "Yes"}},
}


def _saved(engine: Engine, clock: ManualClock, workspace_id: str, **given: Any) -> Prediction:
    with write_transaction(engine) as connection:
        saved, _ = save_prediction(
            connection, workspace_id, parse_prediction({**CHURN, **given}), clock.now()
        )
    return saved


def _version(
    engine: Engine, clock: ManualClock, prediction: Prediction, status: VersionStatus
) -> int:
    with write_transaction(engine) as connection:
        return add_version(connection, prediction, status=status, definition={}, metrics={},
                           features=[], model_card={}, model=b"m",
                           window=(None, clock.now()), now=clock.now())  # fmt: skip


def test_a_prediction_deleted_while_it_trained_writes_no_scores(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id, identify("ann", clock.now()))
    with engine.connect() as connection:
        ann: str = find_profile(connection, workspace.id, "ann", "US")["id"]
    prediction = _saved(engine, clock, workspace.id)
    with write_transaction(engine) as connection:
        delete_prediction(connection, workspace.id, "churn")

    written = write_scores(
        engine, workspace.id, prediction.id, "churn", 1, [Score(ann, 0.8, 1)], clock.now()
    )

    assert written == 0
    with engine.connect() as connection:
        computed = connection.execute(
            select(profiles.c.computed).where(profiles.c.id == ann)
        ).scalar_one()
        assert "predicted" not in (computed or {})
        assert not connection.execute(
            select(prediction_scores).where(prediction_scores.c.profile_id == ann)
        ).first()


def test_pruning_spares_the_version_rolled_back_to_while_one_trained(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    prediction = _saved(engine, clock, workspace.id, keep_versions=1)
    for version in (1, 2):
        _version(engine, clock, prediction, VersionStatus.READY)
        with write_transaction(engine) as connection:
            prediction = activate(connection, prediction, version, clock.now())
    # A training starts with version 2 active (as its claim read it); a rollback makes
    # version 1 active, and the training ends with a blocked version 3.
    training = prediction
    with write_transaction(engine) as connection:
        activate(connection, training, 1, clock.now())
    _version(engine, clock, training, VersionStatus.BLOCKED)

    with engine.connect() as connection:
        assert [v.version for v in list_versions(connection, training.id)] == [3, 1]
        assert get_prediction(connection, workspace.id, "churn").active_version == 1


def test_approving_an_older_version_leaves_the_newer_active_one(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    prediction = _saved(engine, clock, workspace.id)
    pending = _version(engine, clock, prediction, VersionStatus.PENDING_APPROVAL)
    newer = _version(engine, clock, prediction, VersionStatus.READY)
    with write_transaction(engine) as connection:
        activate(connection, prediction, newer, clock.now())

    with write_transaction(engine) as connection:
        decided = decide_version(connection, workspace.id, "churn", pending, True, clock.now())

    assert decided.active_version == newer
    with engine.connect() as connection:
        statuses = {v.version: v.status for v in list_versions(connection, prediction.id)}
    assert statuses == {pending: VersionStatus.READY, newer: VersionStatus.READY}
