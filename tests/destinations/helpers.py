"""Destinations driven through the real pipeline, against real local HTTP servers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Engine

from baton.core.clock import ManualClock, SystemClock
from baton.destinations import Destination, get_destination, parse_settings, save_destination
from baton.storage.database import write_transaction
from baton.workspaces import create_workspace
from tests.servers import Answer, Request

OK: Answer = (200, {}, b"{}")


def near_now() -> ManualClock:
    """A clock at the wall clock's time: Standard Webhooks receivers hold timestamps to it."""
    return ManualClock(SystemClock().now() - timedelta(minutes=1))


def new_workspace(engine: Engine, clock: ManualClock) -> str:
    with write_transaction(engine) as connection:
        return create_workspace(connection, "test", clock)


def configure(
    engine: Engine, clock: ManualClock, workspace_id: str, key: str, **settings: Any
) -> Destination:
    with write_transaction(engine) as connection:
        stored = save_destination(
            connection,
            workspace_id,
            key,
            parse_settings({"allow": ["127.0.0.1"], **settings}),
            clock.now(),
        )
    return stored


def destination(engine: Engine, workspace_id: str, key: str) -> Destination:
    with engine.connect() as connection:
        return get_destination(connection, workspace_id, key)


def items_of(request: Request) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = orjson.loads(request.body)["items"]
    return found
