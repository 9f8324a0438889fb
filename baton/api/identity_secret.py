"""Admin API for the workspace's identity secret, with which the customer's backend signs
the person a browser speaks for (baton/workspaces/identity_verification.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.responses import JSONBody
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.teams.audit import record
from baton.workspaces import identity_secret_made_at, new_identity_secret

router = APIRouter(prefix="/api/v1", tags=["identity verification"])


@router.get("/identity-secret", summary="Whether the workspace has an identity secret")
def show(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        made = identity_secret_made_at(connection, workspace_id)
    return JSONBody({"configured": made is not None, "created_at": iso_instant(made)})


@router.post("/identity-secret", status_code=201, summary="Make or replace the identity secret")
def replace(request: Request, workspace_id: AdminWorkspace, who: Staff) -> JSONBody:
    """The secret is in this answer only: store it with your backend, which sends
    `userHash` = hex HMAC-SHA256(secret, userId), or of "anon:" + anonymousId, to the
    page. Hashes made with the secret it replaces stop working at once."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        made = identity_secret_made_at(connection, workspace_id)
        secret = new_identity_secret(connection, workspace_id, now)
        # When, never what: the secret itself is in this answer only.
        record(
            connection,
            workspace_id,
            who.actor,
            "identity_secret.rotate",
            now,
            object_type="identity_secret",
            before={"created_at": iso_instant(made)},
            after={"created_at": iso_instant(now)},
        )
    return JSONBody(
        {
            "secret": secret,
            "algorithm": "HMAC-SHA256",
            "created_at": iso_instant(runtime.clock.now()),
        },
        status_code=201,
    )
