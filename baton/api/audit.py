"""Admin API for the audit trail: who changed what, when and from where."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import instant_of
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import NotFound
from baton.teams.audit import Search, entries

router = APIRouter(prefix="/api/v1", tags=["audit"])
_T = TypeVar("_T")


@router.get("/audit", summary="The audit trail, newest first")
def audit_trail(
    request: Request,
    workspace_id: AdminWorkspace,
    actor: Annotated[str | None, Query(max_length=320)] = None,
    object_: Annotated[str | None, Query(alias="object", max_length=250)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    sign_ins: bool = True,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """`actor` is a user id, an admin key id or an e-mail; `object` a type (`journey`)
    or a type and id (`journey:welcome`); `from` and `to` are instants. Besides the
    workspace's changes, the trail shows its members signing in and out (unless
    `sign_ins=false`), and the changes to their accounts."""
    object_type, _, object_id = (object_ or "").partition(":")
    search = Search(
        actor=actor or None,
        object_type=object_type or None,
        object_id=object_id or None,
        action=action or None,
        start=instant_of(start, "from") if start else None,
        end=instant_of(end, "to") if end else None,
        sign_ins=sign_ins,
    )
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = entries(connection, workspace_id, search, after, limit)
    return JSONBody(page_json(page.items, page.after))


def unless_missing(read: Callable[[], _T]) -> _T | None:
    """`read()`, or None where it finds nothing: the state of an object before it was
    created, for the audit trail."""
    try:
        return read()
    except NotFound:
        return None
