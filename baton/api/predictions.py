"""Admin API for predictions: definitions, training, model versions, each profile's
scores with their reasons (baton/predict)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.callers import Caller
from baton.api.responses import JSONBody
from baton.api.reviews import held
from baton.core.errors import InvalidInput
from baton.predict import (
    ClassificationDefinition,
    activate,
    delete_prediction,
    find_prediction,
    forget_all_scores,
    get_prediction,
    list_predictions,
    parse_prediction,
    prediction_json,
    profile_predictions,
    request_training,
    save_prediction,
    scores_lock,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record
from baton.teams.reviews import Kind as ReviewKind
from baton.teams.reviews import withdraw

router = APIRouter(prefix="/api/v1", tags=["predictions"], route_class=DocumentRoute)

# The domain parses it by its `kind` (classification, clv, recommendations, sentiment).
Definition = Annotated[dict[str, Any], described_by(ClassificationDefinition)]


class Rollback(BaseModel):
    version: int = Field(ge=1)


@router.get("/predictions", summary="The workspace's predictions with their headline metrics")
def list_all(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        found = [
            prediction_json(connection, p, full=False)
            for p in list_predictions(connection, workspace_id)
        ]
    return JSONBody({"items": found})


@router.put("/predictions/{key}", summary="Create or change a prediction; a new one trains")
def put(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: Definition
) -> JSONBody:
    if body.setdefault("key", key) != key:
        raise InvalidInput("the key in the body differs from the one in the path", field="key")
    definition = parse_prediction(body)
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        before = _json_or_none(connection, workspace_id, key)
        saved, created = save_prediction(connection, workspace_id, definition, now)
        if created:
            saved = request_training(
                connection, saved, now, who.actor_id, held(connection, who, ReviewKind.MODELS)
            )
        found = prediction_json(connection, saved)
        _audit(connection, who, "save", key, now, before, found)
    _wake(request)
    return JSONBody(found, 201 if created else 200)


@router.get("/predictions/{key}", summary="A prediction: status, metrics, features, model card")
def get(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(prediction_json(connection, get_prediction(connection, workspace_id, key)))


@router.delete("/predictions/{key}", status_code=204, summary="Delete a prediction and its scores")
def delete(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with scores_lock(runtime.engine), write_transaction(runtime.engine) as connection:
        prediction = get_prediction(connection, workspace_id, key)
        before = prediction_json(connection, prediction)
        forget_all_scores(connection, prediction.id, workspace_id, key, now)
        delete_prediction(connection, workspace_id, key)
        withdraw(connection, workspace_id, ReviewKind.MODELS, key, who.actor_id, now)
        _audit(connection, who, "delete", key, now, before, None)
    return Response(status_code=204)


@router.post("/predictions/{key}/train", status_code=202, summary="Train again, in the background")
def train(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> JSONBody:
    """Where the workspace requires approval of models and the caller is no approver, the
    model it makes waits for a review before it scores."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        prediction = get_prediction(connection, workspace_id, key)
        needs_review = held(connection, who, ReviewKind.MODELS)
        found = prediction_json(
            connection, request_training(connection, prediction, now, who.actor_id, needs_review)
        )
        _audit(connection, who, "train", key, now, None, None)
    _wake(request)
    return JSONBody(found, 202)


@router.post("/predictions/{key}/rollback", summary="Make an earlier model version the active one")
def roll_back(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, body: Rollback
) -> JSONBody:
    """Its scores are written again in the background, at once."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        prediction = get_prediction(connection, workspace_id, key)
        before = {"version": prediction.active_version}
        found = prediction_json(connection, activate(connection, prediction, body.version, now))
        _audit(connection, who, "rollback", key, now, before, {"version": body.version})
    _wake(request)
    return JSONBody(found)


@router.get("/profiles/{profile_id}/predictions", summary="A profile's scores with their reasons")
def of_profile(request: Request, workspace_id: AdminWorkspace, profile_id: str) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        return JSONBody(
            profile_predictions(connection, workspace_id, profile_id, runtime.clock.now())
        )


def _json_or_none(connection: Connection, workspace_id: str, key: str) -> dict[str, Any] | None:
    found = find_prediction(connection, workspace_id, key)
    return prediction_json(connection, found) if found else None


def _audit(
    connection: Connection,
    who: Caller,
    action: str,
    key: str,
    now: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    record(connection, who.workspace, who.actor, f"prediction.{action}", now,
           object_type="prediction", object_id=key,
           before=_definition(before), after=_definition(after))  # fmt: skip


def _definition(found: dict[str, Any] | None) -> Any:
    """What the audit trail keeps of a prediction: its definition (the rest is the
    machine's work, not the person's change)."""
    return found["definition"] if found and "definition" in found else found


def _wake(request: Request) -> None:
    processor = runtime_of(request).processor
    if processor is not None:
        processor.wake_predictions()
