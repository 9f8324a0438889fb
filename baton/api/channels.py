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
    parse_settings,
    save_settings,
)
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["channels"], route_class=DocumentRoute)
# Which model applies depends on the URL's channel: the domain parses the body with it.
Settings = Annotated[dict[str, Any], described_by(reduce(operator.or_, SETTINGS.values()))]


@router.put("/channels/{channel}", summary="Set a channel's provider settings")
def put_settings(
    request: Request, workspace_id: AdminWorkspace, channel: str, body: Settings
) -> JSONBody:
    settings = parse_settings(channel, body)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        save_settings(connection, workspace_id, channel, settings, runtime.clock.now())
    return JSONBody({"channel": channel, **masked(settings)})


@router.get("/channels", summary="Every configured channel, secrets masked")
def get_settings(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        found = load_settings(connection, workspace_id)
    return JSONBody({"items": [{"channel": c, **masked(s)} for c, s in sorted(found.items())]})
