"""What a URL may hold. Its path and query reach the database as text, and PostgreSQL
stores no text with the NUL character: a URL holding one (`%00`) is refused before
anything reads it, credential checks included, on every backend alike."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from baton.api.responses import JSONBody, error_body


class NulFreeUrls:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            message = "the URL may not hold the NUL character (%00)"
            await JSONBody(error_body("invalid", message), status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)
