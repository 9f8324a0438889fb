"""Admin API for workspaces: the installation's owner creates and lists them; a
workspace's people read, rename and set up the one they work in, and its owner deletes
it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from baton.api.auth import Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.teams.reviews import Kind
from baton.workspaces import (
    WorkspaceInfo,
    approval_names,
    delete_workspace,
    limit_ingest,
    list_workspaces,
    provision_workspace,
    rename_workspace,
    require_approval,
    workspace_of,
)

router = APIRouter(prefix="/api/v1", tags=["workspaces"], route_class=DocumentRoute)

_Name = Annotated[str, Field(min_length=1, max_length=200)]


class NewWorkspace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: _Name
    key: Annotated[
        str | None,
        Field(min_length=1, max_length=64, description="lower-case letters, digits, dashes"),
    ] = None


@router.post(
    "/workspaces", status_code=201, summary="Create a workspace; its keys are shown this once"
)
def create(request: Request, who: Staff, body: NewWorkspace) -> JSONBody:
    """You become its owner. The answer holds its write key and admin key: they are
    stored hashed and never shown again."""
    runtime = runtime_of(request)
    owner = None if who.user is None else who.user.id
    with write_transaction(runtime.engine) as connection:
        made = provision_workspace(
            connection, body.name, runtime.clock, who.actor, key=body.key, owner_id=owner
        )
    return JSONBody(
        {
            "workspace": workspace_json(made.workspace),
            "write_key": made.write_key,
            "admin_key": made.admin_key,
        },
        status_code=201,
    )


@router.get("/workspaces", summary="Every workspace of the installation, in pages by key")
def list_all(
    request: Request, who: Staff, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        found = list_workspaces(connection, after=after, limit=limit)
    return JSONBody(page_json([workspace_json(w) for w in found.items], found.after))


@router.get("/workspace", summary="The workspace the request works in")
def show(request: Request, who: Staff) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(workspace_json(workspace_of(connection, who.workspace)))


class WorkspaceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: _Name | None = None
    require_approval: Annotated[
        list[Kind] | None,
        Field(max_length=len(Kind), description="what a marketer's publish needs approved"),
    ] = None
    ingest_per_second: Annotated[
        int | None,
        Field(
            ge=1,
            le=10_000_000,
            description="events per second the tracking API accepts (429 past them); "
            "null for the installation's default (BATON_INGEST_PER_SECOND)",
        ),
    ] = None


@router.patch(
    "/workspace",
    summary="Rename the workspace, change what needs approval or its ingest limit",
)
def change(request: Request, who: Staff, body: WorkspaceChange) -> JSONBody:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        found = workspace_of(connection, who.workspace)
        if body.name is not None:
            found = rename_workspace(connection, found.id, body.name, who.actor, now)
        if body.require_approval is not None:
            found = require_approval(connection, found.id, body.require_approval, who.actor, now)
        if "ingest_per_second" in body.model_fields_set:
            found = limit_ingest(connection, found.id, body.ingest_per_second, who.actor, now)
    return JSONBody(workspace_json(found))


_Confirm = Annotated[
    str,
    Query(min_length=1, max_length=64, description="the workspace's key, to show you mean it"),
]


@router.delete("/workspace", summary="Delete the workspace and everything in it")
def remove(request: Request, who: Staff, confirm: _Confirm) -> JSONBody:
    """Profiles, events, definitions, journeys, messages, consent, keys, memberships and
    its audit trail all go, at once and for good; the installation's audit trail keeps
    that it was deleted, by whom and when."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = workspace_of(connection, who.workspace)
    if confirm != found.key:
        raise InvalidInput(
            f"to delete the workspace, confirm with its key {found.key!r}", field="confirm"
        )
    beside = [runtime.analytics] if runtime.analytics is not None else []
    done = delete_workspace(
        runtime.engine, found.id, who.actor, runtime.clock.now(), keys=runtime.keys, beside=beside
    )
    return JSONBody({"deleted": workspace_json(done.workspace), "rows": done.rows})


def workspace_json(workspace: WorkspaceInfo) -> dict[str, Any]:
    return {
        "id": workspace.id,
        "key": workspace.key,
        "name": workspace.name,
        "timezone": workspace.timezone,
        "require_approval": approval_names(workspace.require_approval),
        "is_default": workspace.is_default,
        "ingest_per_second": workspace.ingest_per_second,
        "created_at": iso_instant(workspace.created_at),
    }
