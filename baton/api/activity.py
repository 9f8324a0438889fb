"""Live activity as server-sent events: the console's Home draws events, messages and
errors per second as they come."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from baton.analytics.activity import Activity, activity
from baton.api.auth import AdminWorkspace, runtime_of
from baton.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["activity"])

# Seconds between two readings.
INTERVAL = 1.0
# A stream ends after this long, and the browser's EventSource opens another (its
# caller's access checked again) `RETRY_MS` later.
LIFETIME = timedelta(minutes=5)
RETRY_MS = 2000


@router.get(
    "/activity/stream",
    response_class=EventSourceResponse,
    summary="Events, messages and errors per second over the last 10 s, about once a second",
)
async def activity_stream(
    request: Request, workspace_id: AdminWorkspace
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events, each `data` a JSON object: `at`, `events_per_second`,
    `messages_per_second`, `errors_per_second`. The stream ends after five minutes
    (EventSource reconnects); while a reading is slow, a `: ping` comment every 15 s
    keeps proxies from closing it."""
    runtime = runtime_of(request)
    ends = runtime.clock.now() + LIFETIME
    yield ServerSentEvent(comment="live activity", retry=RETRY_MS)
    while not await request.is_disconnected():
        found = await run_in_threadpool(_reading, runtime, workspace_id)
        yield ServerSentEvent(data=found.as_json())
        if found.at >= ends:
            return
        await asyncio.sleep(INTERVAL)


def _reading(runtime: Runtime, workspace_id: str) -> Activity:
    with runtime.engine.connect() as connection:
        return activity(connection, workspace_id, runtime.clock.now())
