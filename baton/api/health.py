from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from baton.api.auth import runtime_of
from baton.api.responses import JSONBody, error_body

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> JSONBody:
    return JSONBody({"status": "ok"})


@router.get("/readyz", summary="The process can reach its database")
def readyz(request: Request) -> JSONBody:
    try:
        with runtime_of(request).engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return JSONBody(
            error_body("unavailable", f"database unreachable: {type(error).__name__}"), 503
        )
    return JSONBody({"status": "ready"})
