"""The in-app and web inbox, for the site or app (write-key auth): a person's pending
messages, and what they did with each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from baton.api.auth import WriteWorkspace, runtime_of
from baton.api.responses import JSONBody
from baton.channels import inbox_of, mark
from baton.core.errors import InvalidInput
from baton.identity import ANONYMOUS_ID, USER_ID, merge_tree, profile_of_identifier
from baton.storage.database import write_transaction

router = APIRouter(prefix="/v1", tags=["inbox"])


@router.get("/inbox", summary="A person's in-app messages, newest first")
def inbox(
    request: Request,
    workspace_id: WriteWorkspace,
    user_id: Annotated[str | None, Query(alias="userId")] = None,
    anonymous_id: Annotated[str | None, Query(alias="anonymousId")] = None,
) -> JSONBody:
    if not (user_id or anonymous_id):
        raise InvalidInput("give userId or anonymousId", field="userId")
    kind, value = (USER_ID, user_id) if user_id else (ANONYMOUS_ID, anonymous_id)
    with runtime_of(request).engine.connect() as connection:
        profile_id = profile_of_identifier(connection, workspace_id, kind, str(value))
        if profile_id is None:
            return JSONBody({"messages": []})
        ids = sorted(merge_tree(connection, workspace_id, profile_id))
        return JSONBody({"messages": inbox_of(connection, workspace_id, ids)})


@router.post("/inbox/{message_id}/{action}", summary="Mark a message seen, clicked or dismissed")
def mark_message(
    request: Request, workspace_id: WriteWorkspace, message_id: str, action: str
) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        first = mark(connection, workspace_id, message_id, action, runtime.clock.now())
    return JSONBody({"id": message_id, action: True, "first": first})
