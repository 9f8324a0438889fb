"""Journeys needing attention, for the console's Home."""

from __future__ import annotations

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.responses import JSONBody
from baton.journeys.attention import needing_attention

router = APIRouter(prefix="/api/v1", tags=["journeys"])


@router.get(
    "/attention",
    summary="Journeys needing attention: sends failing, approvals waiting, goal rates down",
)
def attention(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    """At most 50 items, each `journey` (key), `name`, `reason` (failing_sends,
    approval_waiting, goal_down), `message` (a sentence) and `count` (failed messages
    in the last 24 hours, pending reviews, or entries of the last 7 days)."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = needing_attention(connection, workspace_id, runtime.clock.now())
    return JSONBody({"items": [item.as_json() for item in found]})
