"""Admin API for the library of ready journeys: browse it, install one with parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StrictBool, StrictStr
from sqlalchemy import Connection

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.callers import Caller
from baton.api.responses import JSONBody
from baton.api.reviews import held
from baton.core.errors import Conflict, Forbidden
from baton.journeys import Installed, find_journey_templates, get_journey_template, install
from baton.predict import get_prediction, request_training
from baton.storage.database import write_transaction
from baton.teams import Permission
from baton.teams.audit import record
from baton.teams.reviews import Kind

router = APIRouter(prefix="/api/v1", tags=["journey templates"], route_class=DocumentRoute)


@router.get("/journey-templates", summary="The library: every template, with its tags")
def list_journey_templates(_: AdminWorkspace, stage: str | None = None,
                           industry: str | None = None) -> JSONBody:  # fmt: skip
    items = [t.summary() for t in find_journey_templates(stage, industry)]
    return JSONBody({"items": items})


@router.get("/journey-templates/{name}", summary="One template: parameters and every part")
def show_journey_template(_: AdminWorkspace, name: str) -> JSONBody:
    return JSONBody(get_journey_template(name).json())


class Installation(BaseModel):
    """A template of the library to install, its parameter values, and whether to publish
    its journeys."""

    name: StrictStr = Field(description="The template (see GET /api/v1/journey-templates)")
    parameters: dict[str, Any] = Field(default_factory=dict)
    publish: StrictBool = True


@router.post(
    "/journey-templates",
    status_code=201,
    summary="Install a template: {name, parameters, publish (default true)}",
)
def install_journey_template(
    request: Request, workspace_id: AdminWorkspace, who: Staff, installation: Installation
) -> JSONBody:
    template = get_journey_template(installation.name)
    parameters = installation.parameters
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        if installation.publish and held(connection, who, Kind.JOURNEYS):
            raise Conflict(
                "journeys here are published after approval: install with publish false, "
                "then ask for a review of each journey",
                field="publish",
            )
        done = install(
            connection,
            workspace_id,
            template,
            parameters,
            runtime.clock.now(),
            publish=installation.publish,
        )
        _refuse_what_the_caller_may_not_change(connection, who, done)
        _train_as_asked_by(connection, who, done, runtime.clock.now())
        found = {
            "name": installation.name,
            "parameters": template.values(parameters),
            "installed": [{"kind": d.kind, "key": d.key, "action": d.action} for d in done],
        }
        record(
            connection,
            workspace_id,
            who.actor,
            "journey_template.install",
            runtime.clock.now(),
            object_type="journey_template",
            object_id=installation.name,
            detail={**found, "publish": installation.publish},
        )
    return JSONBody(found, 201)


def _train_as_asked_by(
    connection: Connection, who: Caller, done: list[Installed], now: datetime
) -> None:
    """A model the template created trains as the caller's request: where models are
    approved and the caller is no approver, it waits for a review before it scores."""
    for part in done:
        if part.kind == "prediction" and part.action == "created":
            prediction = get_prediction(connection, who.workspace, part.key)
            request_training(connection, prediction, now, who.actor_id,
                             held(connection, who, Kind.MODELS))  # fmt: skip


def _refuse_what_the_caller_may_not_change(
    connection: Connection, who: Caller, done: list[Installed]
) -> None:
    """Raises (so the installation rolls back) where it changed what the caller may not
    change by hand: the workspace policy, or message templates that need approval."""
    policy = [part.key for part in done if part.kind == "policy"]
    if policy and not who.holds(Permission.MANAGE_WORKSPACE):
        raise Forbidden(
            f"this template adds to the workspace policy ({', '.join(policy)}): only an "
            "owner or admin may install it"
        )
    changed = [d.key for d in done if d.kind == "message template" and d.action != "unchanged"]
    if changed and held(connection, who, Kind.TEMPLATES):
        raise Conflict(
            f"message templates here change after approval, and this template would change "
            f"{', '.join(changed)}: ask an owner or admin to install it"
        )
