"""Admin API over unified profiles (Bearer admin token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, RowMapping

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.cursors import Limit, cursor_fault, cursor_number, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.identity import EventKey, failed_count, pending_count, profiles
from baton.journeys.step_history import StepKey, profile_steps
from baton.segments import parse_instant, segments_of

router = APIRouter(prefix="/api/v1", tags=["profiles"])

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
        return JSONBody(profile_json(connection, workspace_id, found))


@router.get("/profiles", summary="Search profiles by identifier, profile id or trait value")
def search_profiles(
    request: Request,
    workspace_id: AdminWorkspace,
    q: str | None = None,
    trait: Annotated[str | None, Query(max_length=200)] = None,
    value: Annotated[str | None, Query(max_length=1000)] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """`q`: a profile id, an identifier of any kind (any case; an e-mail or phone in any
    spelling) or text the traits contain. `trait` and `value`: profiles whose trait (dots
    reach into objects: `address.city`) has that value, in any case. A trait search reads
    10,000 profiles per page at most, so a page may hold fewer items, or none, with a
    `next` cursor to search on from."""
    if (trait is None) != (value is None):
        field = "value" if value is None else "trait"
        raise InvalidInput("give both trait and value, or neither", field=field)
    after = decode_cursor(cursor) if cursor else None
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        page = profiles.search_profiles(
            connection,
            workspace_id,
            q,
            after,
            limit,
            default_region=runtime.settings.default_region,
            trait=None if trait is None or value is None else (trait, value),
        )
        items = [profile_json(connection, workspace_id, found) for found in page.items]
    return JSONBody(page_json(items, page.after))


@router.get("/profiles/{profile_id}", summary="A profile; a merged-away id gives the survivor")
def get_profile(request: Request, workspace_id: AdminWorkspace, profile_id: str) -> JSONBody:
    """With `merges`: every profile folded into this one, when and why."""
    with runtime_of(request).engine.connect() as connection:
        found = profile_json(
            connection, workspace_id, profiles.get_profile(connection, workspace_id, profile_id)
        )
        found["merges"] = profiles.merge_history(connection, workspace_id, found["id"])
        return JSONBody(found)


@router.get("/profiles/{profile_id}/events", summary="A profile's events, newest first")
def profile_events(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    after = _event_key(decode_cursor(cursor)) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = profiles.profile_events(connection, workspace_id, profile_id, after, limit)
    key = None if page.after is None else f"{page.after[0].isoformat()}|{page.after[1]}"
    return JSONBody(page_json([event_json(row) for row in page.items], key))


def _event_key(text: str) -> EventKey:
    instant_text, _, seq_text = text.partition("|")
    instant = parse_instant(instant_text)
    if instant is None:
        raise cursor_fault()
    return instant, cursor_number(seq_text, 0, 2**63 - 1)  # a 64-bit column


@router.get(
    "/profiles/{profile_id}/journey-steps",
    summary="The steps of a profile's journey instances, newest first",
)
def profile_journey_steps(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """Each step with its instance, journey and version: the node, what happened there
    (`message`, `delay`, `resumed`, `ended`...) and its detail."""
    after = _step_key(decode_cursor(cursor)) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        live_id = profiles.resolve_profile_id(connection, workspace_id, profile_id)
        page = profile_steps(connection, workspace_id, live_id, after, limit)
    if page.after is None:
        return JSONBody(page_json(page.items, None))
    at, instance_id, n = page.after
    return JSONBody(page_json(page.items, f"{at.isoformat()}|{instance_id}|{n}"))


def _step_key(text: str) -> StepKey:
    instant_text, _, rest = text.partition("|")
    instance_id, _, n_text = rest.rpartition("|")
    instant = parse_instant(instant_text)
    if instant is None or not instance_id:
        raise cursor_fault()
    return instant, instance_id, cursor_number(n_text, 0, 2**31 - 1)  # a 32-bit column


@router.get("/ingest/status", summary="Events accepted but not yet resolved into profiles")
def ingest_status(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        pending = pending_count(connection, workspace_id)
        failed = failed_count(connection, workspace_id)
    return JSONBody({"pending": pending, "failed": failed})


def profile_json(
    connection: Connection, workspace_id: str, profile: dict[str, Any]
) -> dict[str, Any]:
    """A profile as the API shows it: what identity knows, and the segments it is in."""
    segments = [
        {"id": id_, "key": key, "name": name, "entered_at": iso_instant(entered_at)}
        for id_, key, name, entered_at in segments_of(connection, workspace_id, profile["id"])
    ]
    return {**profile, "segments": segments}


def event_json(row: RowMapping) -> dict[str, Any]:
    """A row of `events` as the API shows it."""
    return {
        "message_id": row["message_id"],
        "type": row["type"],
        "event": row["event"],
        "name": row["name"],
        "user_id": row["user_id"],
        "anonymous_id": row["anonymous_id"],
        "timestamp": iso_instant(row["timestamp"]),
        "original_timestamp": iso_instant(row["original_timestamp"]),
        "sent_at": iso_instant(row["sent_at"]),
        "received_at": iso_instant(row["received_at"]),
        "properties": row["properties"],
        "context": row["context"],
        "traits": row["traits"],
    }
