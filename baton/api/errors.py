"""Every error leaves the API as `{"error": {"code", "message", "field"}}` with a 4xx/5xx."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from baton.api.bodies import EMPTY_BODY
from baton.api.responses import JSONBody, error_body
from baton.api.tracking_paths import TRACKING_PATHS
from baton.core.errors import (
    BatonError,
    Busy,
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from baton.core.validation import invalid_input

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Busy: 503,
    PayloadTooLarge: 413,
    TooManyRequests: 429,
    ConfigurationError: 500,
}


def status_of(error: BatonError) -> int:
    return next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)


class RejectedBatch(InvalidInput):
    """Every message of a batch was invalid; each rejection is reported."""

    def __init__(self, rejected: list[dict[str, object]]) -> None:
        super().__init__(f"all {len(rejected)} messages of the batch were rejected", field="batch")
        self.rejected = rejected


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BatonError)
    async def baton_error(request: Request, error: BatonError) -> JSONBody:
        status = status_of(error)
        extra = {"rejected": error.rejected} if isinstance(error, RejectedBatch) else {}
        body = error_body(error.code, error.message, error.field, **extra)
        if request.url.path in TRACKING_PATHS:
            # RudderStack's SDK reads `code` and `message` at the top: without them it
            # takes any 4xx for a network error and retries it for a quarter of an hour.
            body.update(code=error.code, message=error.message)
        wait = error.retry_after if isinstance(error, TooManyRequests) else None
        headers = None if wait is None else {"Retry-After": str(wait)}
        return JSONBody(body, status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, error: RequestValidationError) -> JSONBody:
        first = error.errors()[0]
        if tuple(first["loc"]) == ("body",) and first["type"] == "missing":
            return JSONBody(error_body("invalid", EMPTY_BODY), 400)
        # The first part says where FastAPI found the value (`body`, `query`, `path`).
        invalid = invalid_input(first, skip=1)
        return JSONBody(error_body(invalid.code, invalid.message, invalid.field), 400)

    @app.exception_handler(OperationalError)
    async def database_unavailable(_request: Request, error: OperationalError) -> JSONBody:
        # Nothing was stored; clients retry on 5xx, so say so instead of a bare 500.
        log.error("database unavailable: %s", type(error.orig).__name__)
        body = error_body("unavailable", "the database is unavailable; retry later")
        return JSONBody(body, 503, headers={"Retry-After": "2"})

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONBody:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONBody(error_body(code, str(error.detail)), error.status_code)
