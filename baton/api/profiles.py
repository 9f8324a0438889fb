"""Admin API over unified profiles (Bearer admin token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.identity import profiles
from baton.identity.processor import failed_count, pending_count

router = APIRouter(prefix="/api/v1", tags=["profiles"])

Limit = Annotated[int, Query(ge=1, le=500)]
_LOOKUP_KINDS = ("user_id", "email", "anonymous_id", "phone")


@router.get("/profiles/lookup", summary="The profile that holds an identifier")
def lookup_profile(
    request: Request,
    workspace_id: AdminWorkspace,
    user_id: str | None = None,
    email: str | None = None,
    anonymous_id: str | None = None,
    phone: str | None = None,
) -> JSONBody:
    given = {
        kind: value
        for kind, value in zip(_LOOKUP_KINDS, (user_id, email, anonymous_id, phone), strict=True)
        if value
    }
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one of user_id, email, anonymous_id or phone", field="user_id"
        )
    ((kind, value),) = given.items()
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        found = profiles.lookup_profile(
            connection, workspace_id, kind, value, runtime.settings.default_region
        )
    return JSONBody(found)


@router.get("/profiles", summary="Search profiles by identifier or trait value")
def search_profiles(
    request: Request,
    workspace_id: AdminWorkspace,
    q: str | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(profiles.search_profiles(connection, workspace_id, q, cursor, limit))


@router.get("/profiles/{profile_id}", summary="A profile; a merged-away id gives the survivor")
def get_profile(request: Request, workspace_id: AdminWorkspace, profile_id: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(profiles.get_profile(connection, workspace_id, profile_id))


@router.get("/profiles/{profile_id}/events", summary="A profile's events, newest first")
def profile_events(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        page = profiles.profile_events(connection, workspace_id, profile_id, cursor, limit)
    return JSONBody(page)


@router.get("/ingest/status", summary="Events accepted but not yet resolved into profiles")
def ingest_status(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        pending = pending_count(connection, workspace_id)
        failed = failed_count(connection, workspace_id)
    return JSONBody({"pending": pending, "failed": failed})
