"""Unsubscribe and opt-in confirmation links of e-mail (public, authenticated by the
signed token).

`POST /v1/unsubscribe/{token}` is the RFC 8058 one-click endpoint mail clients call with
`List-Unsubscribe=One-Click`; `GET` shows a page whose button makes the same POST (a
GET alone never unsubscribes: link scanners follow links). `/v1/confirm/{token}` works
the same way for double opt-in."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from baton.api.auth import runtime_of
from baton.channels import (
    CONFIRMATION,
    EVERYTHING,
    confirm,
    link_secrets,
    read_link,
    set_consent,
)
from baton.core.errors import InvalidInput
from baton.identity import resolve_profile_id
from baton.storage.database import write_transaction

router = APIRouter(prefix="/v1", tags=["unsubscribe"])


def _claims(
    connection: Connection, token: str, request: Request, *, expired_ok: bool = False
) -> dict[str, Any]:
    now = runtime_of(request).clock.now()
    return read_link(token, link_secrets(connection, now), now, expired_ok=expired_ok)


def _unsubscribe_claims(connection: Connection, token: str, request: Request) -> dict[str, Any]:
    """An unsubscribe link's claims, expired or not: unsubscribing is never refused."""
    claims = _claims(connection, token, request, expired_ok=True)
    if not isinstance(claims.get("g"), str) or "k" in claims:
        raise InvalidInput("this link is not valid")  # a click or confirmation link
    return claims


def _evidence(request: Request) -> dict[str, Any]:
    return {
        "user_agent": request.headers.get("user-agent"),
        "ip": request.client.host if request.client else None,
    }


def _what(group: str) -> str:
    return "all marketing e-mail" if group == EVERYTHING else f"{html.escape(group)} e-mails"


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, summary="Unsubscribe page")
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    with runtime_of(request).engine.connect() as connection:
        claims = _unsubscribe_claims(connection, token, request)
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>"
        f"<p>Stop receiving {_what(claims['g'])}?</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )


# RFC 8058: mail clients post this fixed form; the token alone decides, so it is not read.
_ONE_CLICK = {
    "type": "object",
    "properties": {"List-Unsubscribe": {"const": "One-Click"}},
}


@router.post(
    "/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="One-click unsubscribe",
    openapi_extra={
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": _ONE_CLICK}}}
    },
)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    with write_transaction(runtime.engine) as connection:
        claims = _unsubscribe_claims(connection, token, request)
        profile_id = resolve_profile_id(connection, claims["ws"], claims["p"])
        evidence = {"message_id": claims.get("m"), "one_click": True, **_evidence(request)}
        set_consent(
            connection,
            claims["ws"],
            profile_id,
            claims["g"],
            False,
            "unsubscribe_link",
            evidence,
            now,
        )
    done = f"<p>You will not receive {_what(claims['g'])} any more.</p>"
    return HTMLResponse(f"<!doctype html><meta charset=utf-8>{done}")


@router.get("/confirm/{token}", response_class=HTMLResponse, summary="Opt-in confirmation page")
def confirm_page(request: Request, token: str) -> HTMLResponse:
    with runtime_of(request).engine.connect() as connection:
        claims = _claims(connection, token, request)
    if claims.get("k") != CONFIRMATION:
        raise InvalidInput("this link is not valid")
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Confirm</title>"
        f"<p>Confirm your subscription to {html.escape(str(claims['g']))}?</p>"
        '<form method="post"><button type="submit">Confirm</button></form>'
    )


@router.post("/confirm/{token}", response_class=HTMLResponse, summary="Confirm an opt-in")
def confirm_opt_in(request: Request, token: str) -> HTMLResponse:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        claims = _claims(connection, token, request)
        group = confirm(connection, claims, _evidence(request), runtime.clock.now())
    done = f"<p>You are subscribed to {html.escape(group)}.</p>"
    return HTMLResponse(f"<!doctype html><meta charset=utf-8>{done}")
