"""The in-app and web inbox, for the site or app: a person's pending messages, and what
they did with each. The write key says which workspace; `userHash` proves which person
(baton/workspaces/identity_verification.py): without it these endpoints answer 401."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from baton.api.auth import WriteWorkspace, authenticated, runtime_of
from baton.api.responses import JSONBody
from baton.channels import inbox_of, mark
from baton.core.errors import InvalidInput, Unauthorized
from baton.identity import ANONYMOUS_ID, USER_ID, merge_tree, profile_of_identifier
from baton.storage.database import write_transaction
from baton.workspaces import verified

router = APIRouter(prefix="/v1", tags=["inbox"])


@dataclass(frozen=True)
class Person:
    workspace_id: str
    profile_ids: list[str]  # the person's merged profiles; none when unknown yet


def verified_person(
    request: Request,
    workspace_id: WriteWorkspace,
    user_id: Annotated[str | None, Query(alias="userId", max_length=500)] = None,
    anonymous_id: Annotated[str | None, Query(alias="anonymousId", max_length=500)] = None,
    user_hash: Annotated[str | None, Query(alias="userHash", max_length=500)] = None,
) -> Person:
    """The person a request speaks for, proven by `userHash`: HMAC-SHA256 of the userId
    (or, without one, of "anon:" and the anonymousId) under the workspace's identity
    secret."""
    if not (user_id or anonymous_id):
        raise InvalidInput("give userId or anonymousId", field="userId")
    with runtime_of(request).engine.connect() as connection:
        profile_id = proven_profile(
            request, connection, workspace_id, user_id, anonymous_id or "", user_hash
        )
        ids = [] if profile_id is None else sorted(merge_tree(connection, workspace_id, profile_id))
    return Person(workspace_id, ids)


def proven_profile(
    request: Request,
    connection: Connection,
    workspace_id: str,
    user_id: str | None,
    anonymous_id: str,
    user_hash: str | None,
) -> str | None:
    """The profile of the userId (or, without one, the anonymousId) that `userHash`
    proves, None while Baton does not know the person yet; 401 when it proves nothing."""
    anonymous = not user_id
    kind, value = (ANONYMOUS_ID, anonymous_id) if anonymous else (USER_ID, str(user_id))

    def check() -> None:
        if not verified(connection, workspace_id, value, user_hash, anonymous=anonymous):
            raise Unauthorized(identity_failure(anonymous=anonymous))

    authenticated(request, check)
    return profile_of_identifier(connection, workspace_id, kind, value)


VerifiedPerson = Annotated[Person, Depends(verified_person)]


def identity_failure(*, anonymous: bool) -> str:
    """What a request whose userHash proves nothing is told."""
    proven = '"anon:" and the anonymousId' if anonymous else "the userId"
    return (
        f"identity verification failed: send userHash, the hex HMAC-SHA256 of {proven} "
        "under the workspace's identity secret, computed by your backend"
    )


@router.get("/inbox", summary="A person's in-app messages, newest first")
def inbox(request: Request, person: VerifiedPerson) -> JSONBody:
    if not person.profile_ids:
        return JSONBody({"messages": []})
    with runtime_of(request).engine.connect() as connection:
        found = inbox_of(connection, person.workspace_id, person.profile_ids)
    return JSONBody({"messages": found})


@router.post("/inbox/{message_id}/{action}", summary="Mark a message seen, clicked or dismissed")
def mark_message(
    request: Request, person: VerifiedPerson, message_id: str, action: str
) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        first = mark(
            connection,
            person.workspace_id,
            person.profile_ids,
            message_id,
            action,
            runtime.clock.now(),
        )
    return JSONBody({"id": message_id, action: True, "first": first})
