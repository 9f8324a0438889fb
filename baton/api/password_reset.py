"""A forgotten password: a link by e-mail, then a new password that signs the person out
everywhere. The request's answer is the same whether or not the address has an account,
and everything that depends on it (the lookup, the link, the audit entry, the e-mail)
happens after the answer, so neither its words nor its timing tell."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from baton.api.account import Email, Password
from baton.api.auth import authenticated, client_address, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.responses import JSONBody
from baton.api.throttle import FailedAuthentications
from baton.channels.staff_mail import mail_reset
from baton.core.errors import Unauthorized
from baton.runtime import Runtime
from baton.storage.database import exclusive, write_transaction
from baton.teams import close_sessions_of, normalize_email, set_password, user_by_email
from baton.teams.audit import Actor, record
from baton.teams.links import Purpose, create_link, links_since, redeem

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=DocumentRoute)

# Links sent to one address per hour at most: more requests are answered alike, unsent.
_LINKS_PER_HOUR = 3


class ResetRequest(BaseModel):
    email: Email


@router.post("/password-reset", status_code=202, summary="E-mail a link to choose a new password")
def request_reset(request: Request, body: ResetRequest, background: BackgroundTasks) -> JSONBody:
    """Counted against the client address like a failed sign-in."""
    runtime = runtime_of(request)
    failures: FailedAuthentications = request.app.state.failed_authentications
    address = client_address(request)
    failures.check(address)
    failures.record(address)
    email = normalize_email(body.email)
    background.add_task(_send_reset, runtime, email, address, runtime.clock.now())
    return JSONBody(
        {"message": "if the address has an account, a link to choose a new password is on its "
                    "way; it works for an hour"},
        status_code=202,
    )  # fmt: skip


def _send_reset(runtime: Runtime, email: str, address: str, now: datetime) -> None:
    """For an account under the hourly limit: a new link, audited and e-mailed."""
    # One at a time: two requests counting at once could both make a link past the limit.
    with (
        exclusive(runtime.engine, "password-reset"),
        write_transaction(runtime.engine) as connection,
    ):
        user = user_by_email(connection, email)
        recent = links_since(connection, Purpose.RESET, email, now - timedelta(hours=1))
        if user is None or recent >= _LINKS_PER_HOUR:
            return
        link, token = create_link(connection, Purpose.RESET, email, now)
        record(connection, None, Actor("user", None, email, address), "password.reset_requested",
               now, object_type="user", object_id=user.id)  # fmt: skip
    mail_reset(runtime.engine, runtime.settings, link, token, now)


class NewPassword(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Password


@router.post("/password-reset/confirm", status_code=204, summary="Choose a new password")
def confirm_reset(request: Request, body: NewPassword) -> Response:
    """Every session of the person ends; they sign in with the new password."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    address = client_address(request)

    def reset() -> None:
        with write_transaction(runtime.engine) as connection:
            link = redeem(connection, Purpose.RESET, body.token, now)
            user = user_by_email(connection, link.email)
            if user is None:  # deleted since
                raise Unauthorized("this link is not valid any more", field="token")
            set_password(connection, user.id, body.password, now)
            ended = close_sessions_of(connection, user.id)
            record(connection, None, Actor("user", user.id, user.email, address),
                   "password.reset", now, object_type="user", object_id=user.id,
                   detail={"sessions_ended": ended})  # fmt: skip

    authenticated(request, reset)
    return Response(status_code=204)
