"""Admin API for message templates: CRUD by key, and previews for a real profile."""

from __future__ import annotations

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import profile_of, read_object
from baton.api.responses import JSONBody
from baton.channels.template_store import (
    delete_template,
    get_template,
    list_templates,
    render_for,
    save_template,
)
from baton.channels.templates import parse_template
from baton.core.errors import InvalidInput
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["templates"])


@router.put("/templates/{key}", summary="Create or replace a template (JSON or YAML body)")
async def put_template(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    data = await read_object(request, required=True)
    if data.setdefault("key", key) != key:
        raise InvalidInput(f"key: {data['key']!r} differs from the URL's {key!r}", field="key")
    template = parse_template(data)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        action, _ = save_template(connection, workspace_id, template, runtime.clock.now())
        found = get_template(connection, workspace_id, key)
    return JSONBody({**found, "change": action}, 201 if action == "created" else 200)


@router.get("/templates", summary="Every template of the workspace")
def get_templates(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody({"items": list_templates(connection, workspace_id)})


@router.get("/templates/{key}", summary="A template")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(get_template(connection, workspace_id, key))


@router.delete("/templates/{key}", status_code=204, summary="Delete an unused template")
def delete_one(request: Request, workspace_id: AdminWorkspace, key: str) -> None:
    with write_transaction(runtime_of(request).engine) as connection:
        delete_template(connection, workspace_id, key)


@router.post("/templates/{key}/preview", summary="The template rendered for a profile")
async def preview(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """Body: one profile identifier (`user_id`, `email`, `profile_id`, ...), optional
    `event` (`{"event": ..., "properties": {...}}`) and `journey` context."""
    body = await read_object(request, required=True)
    extra = {name: body.get(name) for name in ("event", "journey")}
    for name, value in extra.items():
        if value is not None and not isinstance(value, dict):
            raise InvalidInput(f"{name}: must be an object", field=name)
    with runtime_of(request).engine.connect() as connection:
        profile_id = profile_of(request, connection, workspace_id, body)
        rendered = render_for(
            connection,
            workspace_id,
            key,
            profile_id,
            event=extra["event"],
            journey=extra["journey"],
        )
    return JSONBody({"profile_id": profile_id, **rendered.json()})
