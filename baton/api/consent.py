"""Admin API for a profile's consent per subscription group, with its history."""

from __future__ import annotations

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import read_object
from baton.api.responses import JSONBody
from baton.channels.consent import consent_json, set_consent
from baton.channels.opt_in import opt_in
from baton.core.errors import InvalidInput
from baton.identity.profiles import resolve_profile_id
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["consent"])


@router.get("/profiles/{profile_id}/consent", summary="Consent by group, and every change")
def get_consent(request: Request, workspace_id: AdminWorkspace, profile_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        return JSONBody({"profile_id": live_id, **consent_json(connection, live_id)})


@router.put(
    "/profiles/{profile_id}/consent/{group}",
    summary="Opt a profile in or out of a subscription group (`*`: all marketing)",
)
async def put_consent(
    request: Request, workspace_id: AdminWorkspace, profile_id: str, group: str
) -> JSONBody:
    """Body: `subscribed` (true or false) and optional `evidence` (an object kept as proof:
    the form, the IP, the wording the person agreed to). Subscribing to a double opt-in
    group e-mails the confirmation link and answers `pending_confirmation: true`."""
    body = await read_object(request, required=True)
    subscribed, evidence = body.get("subscribed"), body.get("evidence", {})
    if not isinstance(subscribed, bool):
        raise InvalidInput("subscribed: true or false", field="subscribed")
    if not isinstance(evidence, dict):
        raise InvalidInput("evidence: must be an object", field="evidence")
    if not 1 <= len(group) <= 100:
        raise InvalidInput("group: 1-100 characters", field="group")
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        pending = False
        if subscribed:
            pending = opt_in(connection, workspace_id, live_id, group, evidence, now)
        else:
            set_consent(connection, workspace_id, live_id, group, False, "api", evidence, now)
        found = consent_json(connection, live_id)
    return JSONBody({"profile_id": live_id, "pending_confirmation": pending, **found})
