"""Admin API for the messages journeys send (Bearer admin token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Row

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.channels import list_messages
from baton.core.formats import iso_instant
from baton.identity import resolve_profile_id

router = APIRouter(prefix="/api/v1", tags=["journeys"])


@router.get("/messages", summary="Messages journeys created, newest first")
def messages(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str | None = None,
    journey: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        if profile_id is not None:
            profile_id = resolve_profile_id(connection, workspace_id, profile_id)
        page = list_messages(
            connection,
            workspace_id,
            profile_id=profile_id,
            journey=journey,
            status=status,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit,
        )
    return JSONBody(page_json([message_json(row) for row in page.items], page.after))


def message_json(row: Row[Any]) -> dict[str, Any]:
    """A message as the API shows it (a row of `list_messages`)."""
    return {
        "id": row.id,
        "profile_id": row.profile_id,
        "journey": row.journey_key,
        "version": row.version,
        "instance_id": row.instance_id,
        "node": row.node,
        "channel": row.channel,
        "template": row.template,
        "locale": row.locale,
        "subscription_group": row.subscription_group,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "payload": row.payload,
        "created_at": iso_instant(row.created_at),
        "dispatched_at": iso_instant(row.dispatched_at),
        "detail": row.detail,
        "reason": row.reason,
        "due_at": iso_instant(row.due_at),
        "priority": row.priority,
        "transactional": bool(row.transactional),
    }
