"""Admin API for a profile's consent per subscription group, with its history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field, StrictBool

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.responses import JSONBody
from baton.channels import consent_json, opt_in, set_consent
from baton.identity import resolve_profile_id
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["consent"], route_class=DocumentRoute)


@router.get("/profiles/{profile_id}/consent", summary="Consent by group, and every change")
def get_consent(request: Request, workspace_id: AdminWorkspace, profile_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        return JSONBody({"profile_id": live_id, **consent_json(connection, live_id)})


class ConsentChange(BaseModel):
    """Opting in or out, with what proves it (the form, the IP, the wording agreed to)."""

    subscribed: StrictBool
    evidence: dict[str, Any] = Field(default_factory=dict)


@router.put(
    "/profiles/{profile_id}/consent/{group}",
    summary="Opt a profile in or out of a subscription group (`*`: all marketing)",
)
def put_consent(
    request: Request,
    workspace_id: AdminWorkspace,
    who: Staff,
    profile_id: str,
    group: Annotated[str, Path(min_length=1, max_length=100)],
    change: ConsentChange,
) -> JSONBody:
    """Subscribing to a double opt-in group e-mails the confirmation link and answers
    `pending_confirmation: true`."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    subscribed, evidence = change.subscribed, change.evidence
    with write_transaction(runtime.engine) as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        before = consent_json(connection, live_id)["groups"].get(group)
        pending = False
        if subscribed:
            pending = opt_in(connection, workspace_id, live_id, group, evidence, now)
        else:
            set_consent(connection, workspace_id, live_id, group, False, "api", evidence, now)
        found = consent_json(connection, live_id)
        record(
            connection,
            workspace_id,
            who.actor,
            "consent.change",
            now,
            object_type="profile",
            object_id=live_id,
            profile_id=live_id,
            before=before,
            after=found["groups"].get(group),
            detail={"group": group, "pending_confirmation": pending, "evidence": evidence},
        )
    return JSONBody({"profile_id": live_id, "pending_confirmation": pending, **found})
