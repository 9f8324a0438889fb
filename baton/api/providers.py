"""What providers and recipients' mail clients call back (public; each request is
authenticated by its own means): e-mail open pixels and click redirects (signed links),
bounce and complaint reports (the workspace's feedback token), SMS delivery receipts and
inbound keywords (Twilio's signature)."""

from __future__ import annotations

import base64
import hmac
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from baton.api.auth import runtime_of
from baton.api.bodies import read_document
from baton.api.responses import JSONBody
from baton.channels.engagement import Feedback, record_click, record_feedback, record_open
from baton.channels.links import read_link
from baton.channels.settings import EmailSettings, SmsSettings, load_settings
from baton.channels.sms import callback_url, record_keyword, record_status, signature
from baton.core.errors import InvalidInput, NotFound, Unauthorized
from baton.core.validation import validated
from baton.storage.database import write_transaction

router = APIRouter(prefix="/v1", tags=["providers"])
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _email_secret(connection: Any) -> Any:
    def secret_of(workspace_id: str) -> str | None:
        email = load_settings(connection, workspace_id).get("email")
        return email.link_secret if isinstance(email, EmailSettings) else None

    return secret_of


@router.get("/e/o/{token}", summary="E-mail open pixel", include_in_schema=False)
def opened(request: Request, token: str) -> Response:
    """Always the pixel (a broken image helps nobody); only a valid link is recorded."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        try:
            claims = read_link(token, _email_secret(connection), now)
        except InvalidInput:
            claims = None
        if claims is not None:
            record_open(connection, claims, now)
    headers = {"Cache-Control": "no-store, private"}
    return Response(_PIXEL, media_type="image/gif", headers=headers)


@router.get("/e/c/{token}", summary="E-mail click redirect", include_in_schema=False)
def clicked(request: Request, token: str) -> Response:
    """A redirect to the URL signed into the link, nowhere else; an expired link still
    takes the reader there, without being recorded."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        claims = read_link(token, _email_secret(connection), now, expired_ok=True)
        url = claims.get("u")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInput("this link is not valid")
        if claims["exp"] >= now.timestamp():
            record_click(connection, claims, now)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


@router.post("/channels/email/{workspace_id}/feedback", summary="Bounce and complaint reports")
async def email_feedback(request: Request, workspace_id: str) -> JSONBody:
    """Body: one report or a list of them: `{type: bounce|complaint, email, bounce_type:
    hard|soft, message_id, reason}`; `Authorization: Bearer <feedback_secret>`."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        email = load_settings(connection, workspace_id).get("email")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not isinstance(email, EmailSettings) or not (
        scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), email.feedback_secret)
    ):
        raise Unauthorized("a valid feedback token is required: `Authorization: Bearer <token>`")
    body = await read_document(request, required=True)
    items = body if isinstance(body, list) else [body]
    reports = []
    for i, item in enumerate(items):
        try:
            reports.append(validated(Feedback, item))
        except InvalidInput as error:
            raise InvalidInput(f"report {i}: {error.message}", field=error.field) from None
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        found = [record_feedback(connection, workspace_id, report, now) for report in reports]
    return JSONBody({"received": len(reports), "matched": sum(p is not None for p in found)})


async def _twilio_form(
    request: Request, workspace_id: str, kind: str
) -> tuple[SmsSettings, dict[str, str]]:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        sms = load_settings(connection, workspace_id).get("sms")
    if not isinstance(sms, SmsSettings):
        raise NotFound("this workspace sends no SMS")
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    url = callback_url(sms, workspace_id, kind)
    given = request.headers.get("x-twilio-signature", "")
    if url is None or not hmac.compare_digest(given, signature(sms.auth_token, url, form)):
        raise Unauthorized("the X-Twilio-Signature is missing or wrong")
    return sms, form


@router.post("/channels/sms/{workspace_id}/status", summary="SMS delivery receipts")
async def sms_status(request: Request, workspace_id: str) -> Response:
    _, form = await _twilio_form(request, workspace_id, "status")
    sid, status = form.get("MessageSid"), form.get("MessageStatus")
    if not sid or not status:
        raise InvalidInput("MessageSid and MessageStatus are required", field="MessageSid")
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        record_status(
            connection, workspace_id, sid, status, form.get("ErrorCode"), runtime.clock.now()
        )
    return Response(status_code=204)


@router.post("/channels/sms/{workspace_id}/inbound", summary="Inbound SMS (STOP, START)")
async def sms_inbound(request: Request, workspace_id: str) -> Response:
    sms, form = await _twilio_form(request, workspace_id, "inbound")
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        record_keyword(
            connection,
            workspace_id,
            sms,
            form.get("From", ""),
            form.get("Body", ""),
            runtime.clock.now(),
        )
    return Response(_EMPTY_TWIML, media_type="application/xml")
