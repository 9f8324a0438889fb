"""Log lines carry what their code was working on: the stage, the workspace, the caller,
a message's id (baton/core/logging.py), each request and thread its own."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import orjson
import pytest
from fastapi import FastAPI

from baton.api import create_app
from baton.api.auth import Staff
from baton.api.permissions import ROUTES
from baton.core.logging import JsonLines, log_context
from baton.runtime import Runtime
from baton.teams import Permission
from tests.api.test_profiles import bearer
from tests.conftest import Workspace

log = logging.getLogger("tests.log_fields")
ROUTE = "/api/v1/log-fields-test"


@contextmanager
def captured() -> Iterator[list[dict[str, object]]]:
    """The lines logged to `tests.log_fields` inside the block, parsed, without `at`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    found: list[dict[str, object]] = []
    try:
        yield found
    finally:
        log.removeHandler(handler)
    for line in stream.getvalue().splitlines():
        parsed = orjson.loads(line)
        del parsed["at"], parsed["level"], parsed["logger"]
        found.append(parsed)


def test_fields_hold_inside_their_block_and_in_its_thread_only() -> None:
    def elsewhere() -> None:
        log.info("other thread")

    with captured() as lines:
        with log_context(stage="delivery"):
            with log_context(workspace="ws_1", message_id="msg_1", channel=None):
                log.info("inner")
                other = threading.Thread(target=elsewhere)
                other.start()
                other.join()
            log.info("outer")
        log.info("after")
    assert lines == [
        {"message": "inner", "stage": "delivery", "workspace": "ws_1", "message_id": "msg_1"},
        {"message": "other thread"},
        {"message": "outer", "stage": "delivery"},
        {"message": "after"},
    ]


def test_a_field_never_hides_the_lines_own() -> None:
    with captured() as lines, log_context(message="a client's value", level="DEBUG"):
        log.info("the line's own")
    assert lines == [{"message": "the line's own"}]


@pytest.fixture
def app(server: tuple[str, Runtime], monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The app with a route that logs; its lifespan is never run: the server fixture's
    runtime runs already."""
    app = create_app(server[1])
    monkeypatch.setitem(ROUTES, ("GET", ROUTE), Permission.READ_DEFINITIONS)

    @app.get(ROUTE)
    def logs(who: Staff) -> dict[str, str]:
        log.info("inside the route")
        return {"ok": "yes"}

    return app


def test_a_request_logs_its_caller_and_workspace(app: FastAPI, workspace: Workspace) -> None:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://baton") as client:
            return await client.get(ROUTE, headers=bearer(workspace.admin_token))

    with captured() as lines:
        answer = asyncio.run(get())
        assert answer.status_code == 200, answer.text
        log.info("after the request")
    assert len(lines) == 2
    inside, after = lines
    assert inside["message"] == "inside the route"
    assert inside["workspace"] == workspace.id
    assert str(inside["actor"]).startswith("key:")
    assert after == {"message": "after the request"}
