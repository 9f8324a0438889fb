"""Request bodies are bounded per route family, and a caller's credentials are checked
before any of its body is read: otherwise anyone could make the server read megabytes
for a request it was going to refuse.

- The admin API (`/api/`): 1 MB, and the admin token is checked first. Its public
  routes (signing in, links from e-mails): 64 KB, and only as JSON.
- Provider callbacks and the other public endpoints under `/v1/` (inbox, unsubscribe,
  bounce reports, SMS receipts): 64 KB. Bounce reports carry a bearer token, checked
  first; an SMS receipt's signature covers its body, so only the bound protects it.
- Sources' webhooks (`/v1/sources/{key}/webhook`): 512 KB, room for a large shop order;
  each delivery's signature covers its body.
- The tracking API keeps its own limits (32 KB per message, 500 KB per batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.api.auth import identify
from baton.api.errors import status_of
from baton.api.permissions import PUBLIC_API_PATHS
from baton.api.providers import feedback_sender
from baton.api.responses import JSONBody, error_body
from baton.api.tracking_paths import TRACKING_PATHS
from baton.core.errors import BatonError, InvalidInput, PayloadTooLarge

ADMIN_BYTES = 1024 * 1024
CALLBACK_BYTES = 64 * 1024
SOURCE_BYTES = 512 * 1024
_SOURCE = re.compile(r"^/v1/sources/[^/]+/webhook$")
_FEEDBACK = re.compile(r"^/v1/channels/email/(?P<workspace>[^/]+)/feedback$")
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


def _family(path: str) -> tuple[int, Callable[[Request], object] | None] | None:
    """The body limit of a path, and the check of its credentials to run first."""
    if path.startswith("/api/"):
        return (CALLBACK_BYTES, _json_only) if path in PUBLIC_API_PATHS else (ADMIN_BYTES, identify)
    if path in TRACKING_PATHS or not path.startswith("/v1/"):
        return None
    if _SOURCE.match(path):
        return SOURCE_BYTES, None
    found = _FEEDBACK.match(path)
    if found is not None:
        workspace_id = found["workspace"]
        return CALLBACK_BYTES, lambda request: feedback_sender(request, workspace_id)
    return CALLBACK_BYTES, None


def _json_only(request: Request) -> None:
    """Signing in, accepting an invitation, resetting a password: a page on another site
    could post a form there (text/plain needs no preflight) and sign a victim's browser
    into the attacker's account; JSON it cannot send."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/json":
        raise InvalidInput("send the body as application/json", field="content-type")


class BoundedBodies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        family = None
        if scope["type"] == "http" and scope["method"] not in _BODILESS:
            family = _family(scope["path"])
        if family is None:
            await self.app(scope, receive, send)
            return
        limit, check = family
        request = Request(scope)
        try:
            if check is not None:
                await run_in_threadpool(check, request)
            declared = request.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)
        except BatonError as error:
            answer = JSONBody(error_body(error.code, error.message), status_code=status_of(error))
            await answer(scope, receive, send)
            return
        read = 0

        async def bounded() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body exceeds the limit of {limit // 1024} KB")
