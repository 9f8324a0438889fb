"""The workspace's API keys: write keys for the tracking API, admin keys with a role and
an optional expiry for the admin API. A key is shown once, when it is made."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from baton.api.auth import Staff, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.api.users import giver
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput, NotFound, Unauthorized
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.teams import Role
from baton.teams.membership import check_grant
from baton.workspaces import KeyInfo, KeyKind, keys_page, revoke_key
from baton.workspaces.keys import find_key, make_key

router = APIRouter(prefix="/api/v1", tags=["keys"], route_class=DocumentRoute)


@router.get("/keys", summary="The workspace's keys, with role, expiry and last use")
def get_keys(
    request: Request, who: Staff, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    """Oldest first, in pages."""
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = keys_page(connection, who.workspace, after, limit)
    return JSONBody(page_json([key_json(key) for key in page.items], page.after))


class NewKey(BaseModel):
    kind: KeyKind
    role: Role | None = Field(
        default=None, description="An admin key's role; by default the creator's own."
    )
    expires_in: Annotated[
        str | None,
        Field(
            max_length=40,
            description="e.g. 90d. A key made with an expiring key expires no later than it.",
        ),
    ] = None
    browser: bool = Field(default=False, description="A write key for web pages.")


@router.post("/keys", status_code=201, summary="Make a key: it is in this answer only")
def post_key(request: Request, who: Staff, body: NewKey) -> JSONBody:
    """An admin key's role may hold only permissions its creator's role holds. A key made
    with a key that expires expires no later: a later or missing expiry is cut to that
    key's, and `expiry_capped` says so."""
    if body.kind is KeyKind.WRITE and body.role is not None:
        raise InvalidInput("a write key has no role", field="role")
    if body.kind is KeyKind.ADMIN and body.browser:
        raise InvalidInput("browser is for write keys", field="browser")
    role = body.role or giver(who)
    if body.kind is KeyKind.ADMIN:
        check_grant(giver(who), role)
    runtime = runtime_of(request)
    now = runtime.clock.now()
    expires_at = None
    if body.expires_in is not None:
        try:
            expires_at = now + parse_duration(body.expires_in)
        except ValueError as error:
            raise InvalidInput(str(error), field="expires_in") from None
    capped = False
    with write_transaction(runtime.engine) as connection:
        if who.actor_type == "key":
            maker = find_key(connection, who.workspace, who.actor_id)
            if maker is None:
                raise Unauthorized("the admin key is not valid")
            if maker.expires_at is not None and (
                expires_at is None or expires_at > maker.expires_at
            ):
                expires_at, capped = maker.expires_at, True
        key, made = make_key(connection, who.workspace, body.kind, who.actor, now,
                             browser=body.browser, role=role, expires_at=expires_at)  # fmt: skip
    return JSONBody({**key_json(made), "key": key, "expiry_capped": capped}, status_code=201)


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke a key: it stops at once")
def delete_key(request: Request, who: Staff, key_id: str) -> Response:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        found = find_key(connection, who.workspace, key_id)
        if found is None:
            raise NotFound(f"no key {key_id!r} in this workspace", field="key_id")
        if found.role is not None:
            check_grant(giver(who), found.role)
        revoke_key(connection, who.workspace, found, who.actor, runtime.clock.now())
    # Other processes forget it within their cache's 10 seconds.
    runtime.keys.forget()
    return Response(status_code=204)


def key_json(key: KeyInfo) -> dict[str, Any]:
    return {
        "id": key.id,
        "kind": key.kind,
        "browser": key.browser,
        "hint": key.hint,
        "role": key.role,
        "created_at": iso_instant(key.created_at),
        "expires_at": iso_instant(key.expires_at),
        "last_used_at": iso_instant(key.last_used_at),
        "created_by": key.created_by,
    }
