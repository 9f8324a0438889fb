"""Admin API for channel provider settings (secrets are write-only)."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Annotated, Any

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.responses import JSONBody
from baton.channels import (
    SETTINGS,
    load_settings,
    masked,
    update_settings,
)
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["channels"], route_class=DocumentRoute)
# Which model applies depends on the URL's channel: the domain parses the body with it.
Settings = Annotated[dict[str, Any], described_by(reduce(operator.or_, SETTINGS.values()))]


@router.put("/channels/{channel}", summary="Set a channel's provider settings")
def put_settings(
    request: Request, workspace_id: AdminWorkspace, channel: str, body: Settings
) -> JSONBody:
    """A secret left out keeps its stored value; `"rotate": ["link_secret"]` (or a new
    value) replaces one, the old value still accepted for 30 days."""
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        settings = update_settings(connection, workspace_id, channel, body, runtime.clock.now())
    return JSONBody({"channel": channel, **masked(settings, runtime.clock.now())})


@router.get("/channels", summary="Every configured channel, secrets masked")
def get_settings(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = load_settings(connection, workspace_id)
    now = runtime.clock.now()
    return JSONBody({"items": [{"channel": c, **masked(s, now)} for c, s in sorted(found.items())]})
