"""Web personalization: the admin API for placements, the public `GET /v1/decide` that
answers a page with what to show its visitor, and the browser script at `/sdk/baton.js`
(docs/personalization.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from baton.api.audit import unless_missing
from baton.api.auth import AdminWorkspace, Staff, WriteWorkspace, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.inbox import proven_profile
from baton.api.responses import JSONBody
from baton.core.errors import InvalidInput
from baton.identity import resolve_profile_id
from baton.personalize import (
    KEY_PATTERN,
    MOST_PLACEMENTS,
    PlacementDefinition,
    Visitor,
    decide,
    delete_placement,
    get_placement,
    parse_placement,
    placements_page,
    save_placement,
)
from baton.personalize.sdk import sdk_script
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1/placements", tags=["placements"], route_class=DocumentRoute)
public_router = APIRouter(tags=["personalization"])
PlacementDocument = Annotated[dict[str, Any], described_by(PlacementDefinition)]
_KEY = re.compile(KEY_PATTERN)
# Per-visitor content: no shared cache may keep it.
_PRIVATE = {"Cache-Control": "no-store"}


@router.get("", summary="The placements by key, in pages")
def list_placements(
    request: Request, workspace_id: AdminWorkspace, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = placements_page(connection, workspace_id, after, limit)
    return JSONBody(page_json(page.items, page.after))


@router.get("/{key}", summary="A placement")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(get_placement(connection, workspace_id, key))


@router.put("/{key}", summary="Create or replace a placement")
def put_placement(
    request: Request,
    workspace_id: AdminWorkspace,
    who: Staff,
    key: str,
    body: PlacementDocument,
) -> JSONBody:
    """The key in the path wins over one in the body."""
    definition = parse_placement({**body, "key": key})
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = unless_missing(lambda: get_placement(connection, workspace_id, key))
        saved = save_placement(connection, workspace_id, definition, now)
        if not saved.unchanged:
            record(connection, workspace_id, who.actor, "placement.save", now,
                   object_type="placement", object_id=key, before=before,
                   after=saved.json)  # fmt: skip
    return JSONBody(saved.json, 201 if saved.created else 200)


@router.delete("/{key}", status_code=204, summary="Delete a placement")
def delete_one(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        now = runtime.clock.now()
        before = delete_placement(connection, workspace_id, key)
        record(connection, workspace_id, who.actor, "placement.delete", now,
               object_type="placement", object_id=key, before=before)  # fmt: skip
    return Response(status_code=204)


class PlacementPreview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: str | None = Field(
        default=None, max_length=40, description="None: what an anonymous visitor sees."
    )


@router.post("/{key}/preview", summary="What the placement shows one profile, and why")
def preview(
    request: Request, workspace_id: AdminWorkspace, key: str, body: PlacementPreview
) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        get_placement(connection, workspace_id, key)  # NotFound first
        profile_id = body.profile_id
        if profile_id is not None:
            profile_id = resolve_profile_id(connection, workspace_id, profile_id)
        shown = decide(
            connection, workspace_id, [key], Visitor(profile_id=profile_id), runtime.clock.now()
        )[key]
    assert shown is not None
    return JSONBody(shown.json())


@public_router.get("/v1/decide", summary="What each placement shows this visitor")
def decide_for_visitor(
    request: Request,
    workspace_id: WriteWorkspace,
    placement: Annotated[list[str], Query(max_length=MOST_PLACEMENTS)],
    user_id: Annotated[str | None, Query(alias="userId", max_length=500)] = None,
    anonymous_id: Annotated[str | None, Query(alias="anonymousId", max_length=500)] = None,
    user_hash: Annotated[str | None, Query(alias="userHash", max_length=500)] = None,
) -> JSONBody:
    """`placement` once per placement (or comma-separated), up to ten. A `userId` must
    come with its `userHash` (docs/personalization.md), or the answer is 401; an
    `anonymousId` without one is an anonymous visitor, who sees each default. Keys no
    placement has answer null."""
    keys = list(dict.fromkeys(k for given in placement for k in given.split(",") if k))
    if not keys or len(keys) > MOST_PLACEMENTS:
        raise InvalidInput(f"give 1 to {MOST_PLACEMENTS} placements", field="placement")
    for key in keys:
        if not _KEY.match(key):
            raise InvalidInput(f"{key[:100]!r} is not a placement key", field="placement")
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        visitor = _visitor(request, connection, workspace_id, user_id, anonymous_id, user_hash)
        answers = decide(connection, workspace_id, keys, visitor, runtime.clock.now())
    return JSONBody(
        {
            "visitor": "known" if visitor.profile_id is not None else "anonymous",
            "placements": {key: None if a is None else a.json() for key, a in answers.items()},
        },
        headers=_PRIVATE,
    )


def _visitor(
    request: Request,
    connection: Any,
    workspace_id: str,
    user_id: str | None,
    anonymous_id: str | None,
    user_hash: str | None,
) -> Visitor:
    """A person only when `userHash` proves the id; otherwise anonymous."""
    if not user_id and not (anonymous_id and user_hash):
        return Visitor(anonymous_id=anonymous_id or None)
    profile_id = proven_profile(
        request, connection, workspace_id, user_id, anonymous_id or "", user_hash
    )
    return Visitor(anonymous_id=anonymous_id or None, profile_id=profile_id)


@public_router.get("/sdk/baton.js", summary="The browser script for placements and events")
def sdk(request: Request) -> Response:
    script = sdk_script()
    headers = {
        "Cache-Control": "public, max-age=3600",
        "ETag": script.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == script.etag:
        return Response(status_code=304, headers=headers)
    return Response(script.body, media_type="text/javascript; charset=utf-8", headers=headers)
