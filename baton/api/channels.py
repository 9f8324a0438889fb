"""Admin API for channel provider settings (secrets are write-only)."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Annotated, Any

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.responses import JSONBody
from baton.channels import (
    SETTINGS,
    load_settings,
    masked,
    update_settings,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["channels"], route_class=DocumentRoute)
# Which model applies depends on the URL's channel: the domain parses the body with it.
Settings = Annotated[dict[str, Any], described_by(reduce(operator.or_, SETTINGS.values()))]


@router.put("/channels/{channel}", summary="Set a channel's provider settings")
def put_settings(
    request: Request, workspace_id: AdminWorkspace, who: Staff, channel: str, body: Settings
) -> JSONBody:
    """A secret left out keeps its stored value; `"rotate": ["link_secret"]` (or a new
    value) replaces one, the old value still accepted for 30 days."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        stored, settings = update_settings(connection, workspace_id, channel, body, now)
        shown = masked(settings, now)
        # Masked on both sides: a secret's value never reaches the trail, its rotation
        # shows as a new entry under `retired`.
        record(
            connection,
            workspace_id,
            who.actor,
            "channel.settings",
            now,
            object_type="channel",
            object_id=channel,
            before=None if stored is None else masked(stored, now),
            after=shown,
        )
    return JSONBody({"channel": channel, **shown})


@router.get("/channels", summary="Every configured channel, secrets masked")
def get_settings(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = load_settings(connection, workspace_id)
    now = runtime.clock.now()
    return JSONBody({"items": [{"channel": c, **masked(s, now)} for c, s in sorted(found.items())]})
