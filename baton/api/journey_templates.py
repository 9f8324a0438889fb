"""Admin API for the library of ready journeys: browse it, install one with parameters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import read_object
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.journeys.library import find_journey_templates, get_journey_template, install
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["journey templates"])


@router.get("/journey-templates", summary="The library: every template, with its tags")
def list_journey_templates(_: AdminWorkspace, stage: str | None = None,
                           industry: str | None = None) -> JSONBody:  # fmt: skip
    items = [t.summary() for t in find_journey_templates(stage, industry)]
    return JSONBody({"items": items})


@router.get("/journey-templates/{name}", summary="One template: parameters and every part")
def show_journey_template(_: AdminWorkspace, name: str) -> JSONBody:
    return JSONBody(get_journey_template(name).json())


@router.post(
    "/journey-templates",
    status_code=201,
    summary="Install a template: {name, parameters, publish (default true)}",
)
async def install_journey_template(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    body = await read_object(request, required=True)
    name = body.get("name")
    if not isinstance(name, str):
        raise InvalidInput("name: the template to install (see GET /api/v1/journey-templates)",
                           field="name")  # fmt: skip
    parameters: Any = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters: an object of parameter values", field="parameters")
    publish = body.get("publish", True)
    if not isinstance(publish, bool):
        raise InvalidInput("publish: true or false", field="publish")
    template = get_journey_template(name)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        done = install(
            connection, workspace_id, template, parameters, runtime.clock.now(), publish=publish
        )
    return JSONBody(
        {
            "name": name,
            "parameters": template.values(parameters),
            "installed": [{"kind": d.kind, "key": d.key, "action": d.action} for d in done],
        },
        201,
    )
