"""What providers and recipients' mail clients call back (public; each request is
authenticated by its own means): e-mail open pixels and click redirects (signed links),
bounce and complaint reports (the workspace's feedback token), SMS delivery receipts and
inbound keywords (Twilio's signature)."""

from __future__ import annotations

import base64
import hmac
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Discriminator, Field, Tag

from baton.api.auth import authenticated, runtime_of
from baton.api.bodies import DocumentRoute
from baton.api.responses import JSONBody
from baton.api.sources import empty_twiml, receive_text
from baton.channels import (
    EmailSettings,
    Feedback,
    SmsSettings,
    callback_url,
    link_secrets,
    load_settings,
    read_link,
    record_click,
    record_feedback,
    record_open,
    record_status,
    signature,
)
from baton.core.errors import InvalidInput, NotFound, Unauthorized
from baton.core.validation import refuse_nul, validated
from baton.runtime import Runtime
from baton.storage.database import write_transaction

router = APIRouter(prefix="/v1", tags=["providers"], route_class=DocumentRoute)
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _claims(
    runtime: Runtime, token: str, now: datetime, *, expired_ok: bool
) -> dict[str, Any] | None:
    """A tracking link's claims, checked on a read-only connection: a forged link never
    takes the database's writer (on SQLite, the only one)."""
    with runtime.engine.connect() as connection:
        try:
            return read_link(token, link_secrets(connection, now), now, expired_ok=expired_ok)
        except InvalidInput:
            return None


@router.get("/e/o/{token}", summary="E-mail open pixel", include_in_schema=False)
def opened(request: Request, token: str) -> Response:
    """Always the pixel (a broken image helps nobody); only a valid link is recorded."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    claims = _claims(runtime, token, now, expired_ok=False)
    # A message's links name it (`m`); a preference or confirmation link names none.
    if claims is not None and isinstance(claims.get("m"), str):
        with write_transaction(runtime.engine) as connection:
            record_open(connection, claims, now)
    headers = {"Cache-Control": "no-store, private"}
    return Response(_PIXEL, media_type="image/gif", headers=headers)


@router.get("/e/c/{token}", summary="E-mail click redirect", include_in_schema=False)
def clicked(request: Request, token: str) -> Response:
    """A redirect to the URL signed into the link, nowhere else; an expired link still
    takes the reader there, without being recorded."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    claims = _claims(runtime, token, now, expired_ok=True)
    url = claims.get("u") if claims is not None else None
    if claims is None or not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidInput("this link is not valid")
    if claims["exp"] >= now.timestamp():
        with write_transaction(runtime.engine) as connection:
            record_click(connection, claims, now)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


def feedback_sender(request: Request, workspace_id: str) -> None:
    """The caller holds the workspace's feedback token (checked before the body is)."""
    authenticated(request, lambda: _check_feedback_token(request, workspace_id))


def _check_feedback_token(request: Request, workspace_id: str) -> None:
    with runtime_of(request).engine.connect() as connection:
        email = load_settings(connection, workspace_id).get("email")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    now = runtime_of(request).clock.now()
    given = token.strip().encode()
    if not isinstance(email, EmailSettings) or not (
        scheme.lower() == "bearer"
        and any(
            hmac.compare_digest(given, secret.encode())
            for secret in email.secrets_of("feedback_secret", now)
        )
    ):
        raise Unauthorized("a valid feedback token is required: `Authorization: Bearer <token>`")


def _one_or_many(value: Any) -> str:
    return "@many" if isinstance(value, list) else "@one"


Reports = Annotated[
    Annotated[Feedback, Tag("@one")] | Annotated[list[Feedback], Tag("@many")],
    Discriminator(_one_or_many),
]


@router.post(
    "/channels/email/{workspace_id}/feedback",
    summary="Bounce and complaint reports",
    dependencies=[Depends(feedback_sender)],
)
def email_feedback(request: Request, workspace_id: str, sent: Reports) -> JSONBody:
    """One report or a list of them; `Authorization: Bearer <feedback_secret>`."""
    runtime = runtime_of(request)
    reports = sent if isinstance(sent, list) else [sent]
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        found = [record_feedback(connection, workspace_id, report, now) for report in reports]
    return JSONBody({"received": len(reports), "matched": sum(p is not None for p in found)})


class TwilioStatus(BaseModel):
    """What Twilio posts about an SMS's or WhatsApp message's delivery (it signs more
    fields: they are ignored)."""

    MessageSid: str = Field(min_length=1)
    MessageStatus: str = Field(min_length=1)
    ErrorCode: str | None = None


class TwilioInbound(BaseModel):
    """An SMS a person sent to the workspace's number (more fields are signed, ignored)."""

    MessageSid: str = ""
    From: str = ""
    To: str = ""
    Body: str = ""


def _form(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a form body read by hand: its signature covers the raw fields."""
    schema = model.model_json_schema()
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


async def _twilio_form(
    request: Request, workspace_id: str, kind: str, channel: str = "sms"
) -> tuple[SmsSettings, dict[str, str]]:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        sms = load_settings(connection, workspace_id).get(channel)
    if not isinstance(sms, SmsSettings):
        raise NotFound(f"this workspace sends nothing by {channel}")
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    url = callback_url(sms, workspace_id, kind, channel)
    given = request.headers.get("x-twilio-signature", "")
    expected = None if url is None else signature(sms.auth_token, url, form)
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("the X-Twilio-Signature is missing or wrong")
    refuse_nul(form)
    return sms, form


@router.post(
    "/channels/sms/{workspace_id}/status",
    summary="SMS delivery receipts",
    openapi_extra=_form(TwilioStatus),
)
async def sms_status(request: Request, workspace_id: str) -> Response:
    return await _receipt(request, workspace_id, "sms")


@router.post(
    "/channels/whatsapp/{workspace_id}/status",
    summary="WhatsApp delivery and read receipts",
    openapi_extra=_form(TwilioStatus),
)
async def whatsapp_status(request: Request, workspace_id: str) -> Response:
    return await _receipt(request, workspace_id, "whatsapp")


async def _receipt(request: Request, workspace_id: str, channel: str) -> Response:
    _, form = await _twilio_form(request, workspace_id, "status", channel)
    receipt = validated(TwilioStatus, form)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        record_status(
            connection,
            workspace_id,
            receipt.MessageSid,
            receipt.MessageStatus,
            receipt.ErrorCode,
            runtime.clock.now(),
            channel,
        )
    return Response(status_code=204)


@router.post(
    "/channels/sms/{workspace_id}/inbound",
    summary="Inbound SMS: an `SMS Received` event; STOP, START",
    openapi_extra=_form(TwilioInbound),
)
async def sms_inbound(request: Request, workspace_id: str) -> Response:
    """The same events and keywords as a Twilio source's webhook (baton/api/sources.py)."""
    sms, form = await _twilio_form(request, workspace_id, "inbound")
    await receive_text(runtime_of(request), workspace_id, form, sms.default_region)
    return empty_twiml()
