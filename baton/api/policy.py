"""Admin API for the workspace's messaging policy: frequency caps and quiet hours."""

from __future__ import annotations

from fastapi import APIRouter, Request

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.responses import JSONBody
from baton.storage.database import write_transaction
from baton.teams.audit import record
from baton.workspaces import Policy, load_policy, policy_json, save_policy

router = APIRouter(prefix="/api/v1", tags=["policy"], route_class=DocumentRoute)


@router.get("/policy", summary="The workspace's frequency caps, quiet hours and time zone")
def get_policy(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(policy_json(load_policy(connection, workspace_id)))


@router.put("/policy", summary="Replace the workspace's policy (JSON or YAML body)")
def put_policy(
    request: Request, workspace_id: AdminWorkspace, who: Staff, policy: Policy
) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        before = policy_json(load_policy(connection, workspace_id))
        after = policy_json(save_policy(connection, workspace_id, policy))
        record(
            connection,
            workspace_id,
            who.actor,
            "policy.save",
            runtime.clock.now(),
            object_type="policy",
            before=before,
            after=after,
        )
    return JSONBody(after)
