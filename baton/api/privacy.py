"""Admin API for people's rights: erasure with a receipt, and export of everything held."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.export import export_profile
from baton.api.responses import JSONBody
from baton.identity import erase_profile, get_receipt
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.teams.audit import Actor, record

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.delete("/profiles/{profile_id}", summary="Erase a person; answers with a receipt")
def erase(
    request: Request,
    workspace_id: AdminWorkspace,
    who: Staff,
    profile_id: str,
    suppress: bool = False,
) -> JSONBody:
    """`suppress=true` keeps salted digests of the person's identifiers so that events
    carrying them are dropped from now on. The receipt's `compacted_at` is set once no
    copy of the deleted rows is left in the database files."""
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        receipt = erase_audited(
            connection, runtime, workspace_id, who.actor, profile_id, suppress=suppress
        )
    return JSONBody(receipt)


def erase_audited(
    connection: Connection,
    runtime: Runtime,
    workspace_id: str,
    actor: Actor,
    profile_id: str,
    *,
    suppress: bool,
) -> dict[str, Any]:
    """Erase a person, recording who asked in the audit trail; the receipt."""
    now = runtime.clock.now()
    receipt = erase_profile(
        connection,
        workspace_id,
        profile_id,
        suppress=suppress,
        now=now,
        default_region=runtime.settings.default_region,
    )
    record(
        connection,
        workspace_id,
        actor,
        "profile.erase",
        now,
        object_type="profile",
        object_id=profile_id,
        profile_id=profile_id,
        detail={k: receipt[k] for k in ("erasure_id", "profile_ids", "suppressed")},
    )
    return receipt


@router.get("/erasures/{erasure_id}", summary="An erasure's receipt")
def erasure_receipt(request: Request, workspace_id: AdminWorkspace, erasure_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(get_receipt(connection, workspace_id, erasure_id))


@router.get("/profiles/{profile_id}/export", summary="Everything held about a person")
def export(request: Request, workspace_id: AdminWorkspace, who: Staff, profile_id: str) -> JSONBody:
    return JSONBody(export_audited(runtime_of(request), workspace_id, who.actor, profile_id))


def export_audited(
    runtime: Runtime, workspace_id: str, actor: Actor, profile_id: str
) -> dict[str, Any]:
    """Everything held about a person, recording who took it in the audit trail."""
    with runtime.engine.connect() as connection:
        found = export_profile(connection, workspace_id, profile_id)
    live_id = found["profile"]["id"]
    with write_transaction(runtime.engine) as connection:
        record(
            connection,
            workspace_id,
            actor,
            "profile.export",
            runtime.clock.now(),
            object_type="profile",
            object_id=live_id,
            profile_id=live_id,
        )
    return found
