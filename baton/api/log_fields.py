"""Each request's log fields (baton/core/logging.py): a mapping of its own, which the
code that learns who calls, and in which workspace, fills in."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from baton.core.logging import request_fields


class RequestLogFields:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request_fields()
        await self.app(scope, receive, send)
