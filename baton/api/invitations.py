"""Invitations: a member with the right asks someone by e-mail to join the workspace, and
the link in that e-mail makes them a member (and, for a new address, a user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from baton.api.account import Email, Password, signed_in
from baton.api.auth import Staff, authenticated, client_address, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.api.users import giver
from baton.channels.staff_mail import NO_MAIL, installation_mail, link_url, mail_invitation
from baton.core.errors import Conflict, NotFound, Unauthorized
from baton.core.formats import iso_instant
from baton.storage.database import write_transaction
from baton.teams import Role, User, authenticate, create_user, open_session, user_by_email
from baton.teams.audit import Actor, record
from baton.teams.links import Link, Purpose, cancel_invitation, pending_invitations_page, redeem
from baton.teams.membership import invite, join

router = APIRouter(prefix="/api/v1", tags=["users"], route_class=DocumentRoute)

_Token = Annotated[str, Field(min_length=1, max_length=200)]


class NewInvitation(BaseModel):
    email: Email
    role: Role


@router.post("/invitations", status_code=201, summary="Invite someone by e-mail")
def post_invitation(request: Request, who: Staff, body: NewInvitation) -> JSONBody:
    """Only an owner invites an owner. The link goes by e-mail, through the installation's
    mail, to the invited address alone; only the installation's owner also gets it in the
    answer when it could not be sent. Without that mail anyone else is refused (409)."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    # Anyone else holding the link could accept it for an address that is not theirs.
    shown_the_link = who.user is not None and who.user.installation_owner
    with write_transaction(runtime.engine) as connection:
        link, token = invite(connection, who.workspace, body.email, body.role, now,
                             by=giver(who), actor=who.actor)  # fmt: skip
        server = installation_mail(connection, runtime.settings)
        if not shown_the_link and server is None:
            raise Conflict(f"{NO_MAIL}, or invite from the command line: baton users invite")
    unsent = mail_invitation(
        runtime.engine, runtime.settings, server, link, token, who.actor_label, now
    )
    answer = {**_invitation_json(link), "mail": {"sent": unsent is None, "reason": unsent}}
    if unsent is not None and shown_the_link:
        answer["link"] = link_url(runtime.settings, link, token)
    return JSONBody(answer, status_code=201)


@router.get("/invitations", summary="Invitations not yet accepted, withdrawn or expired")
def list_invitations(
    request: Request, who: Staff, cursor: str | None = None, limit: Limit = 100
) -> JSONBody:
    """Oldest first, in pages."""
    after = decode_cursor(cursor) if cursor else None
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        page = pending_invitations_page(
            connection, who.workspace, runtime.clock.now(), after, limit
        )
    return JSONBody(page_json([_invitation_json(link) for link in page.items], page.after))


@router.delete("/invitations/{invitation_id}", status_code=204, summary="Withdraw an invitation")
def delete_invitation(request: Request, who: Staff, invitation_id: str) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        link = cancel_invitation(connection, who.workspace, invitation_id)
        if link is None:
            raise NotFound(f"no pending invitation {invitation_id!r}", field="invitation_id")
        record(connection, who.workspace, who.actor, "user.invite_withdrawn", now,
               object_type="invitation", object_id=link.id,
               before={"email": link.email, "role": link.role})  # fmt: skip
    return Response(status_code=204)


class Acceptance(BaseModel):
    token: _Token
    password: Password
    # For a new account; an address with one keeps its name.
    name: Annotated[str, Field(max_length=200)] = ""


accept_router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=DocumentRoute)


@accept_router.post("/invitation", summary="Accept an invitation: join, and sign in")
def accept_invitation(request: Request, body: Acceptance) -> Response:
    """A new address becomes a user with this password; an address that has an account
    joins with that account's password."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    address = client_address(request)

    def accept() -> tuple[User, str]:
        with write_transaction(runtime.engine) as connection:
            link = redeem(connection, Purpose.INVITE, body.token, now)
            user = user_by_email(connection, link.email)
            if user is None:
                user = create_user(connection, link.email, body.name, now, password=body.password)
            elif authenticate(connection, link.email, body.password) is None:
                raise Unauthorized(
                    f"{link.email} has an account: accept with its password", field="password"
                )
            join(connection, link, user.id, now)
            token = open_session(connection, user.id, link.workspace_id, now, address=address,
                                 user_agent=request.headers.get("user-agent"))  # fmt: skip
            record(connection, link.workspace_id, Actor("user", user.id, user.email, address),
                   "user.invite_accepted", now, object_type="user", object_id=user.id,
                   after={"role": link.role})  # fmt: skip
        return user, token

    user, token = authenticated(request, accept)
    return signed_in(request, runtime, user, token)


def _invitation_json(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "email": link.email,
        "role": link.role,
        "invited_by": link.created_by,
        "created_at": iso_instant(link.created_at),
        "expires_at": iso_instant(link.expires_at),
    }
