"""The background pipeline of `baton serve`: an event sent over HTTP moves a profile into
a segment, or through a journey to a delivered message, with no test driving the steps;
a new definition builds by itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.runtime import Runtime
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace, serve_in_thread


def _eventually(probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("the pipeline did not get there in time")


def test_events_move_profiles_into_segments_in_the_background(
    database_url: str, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    runtime = Runtime.create(Settings(database_url=database_url, analytics_path="off"), clock=clock)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=10) as client:
        headers = bearer(workspace.admin_token)
        ingest(client, workspace, {"type": "track", "userId": "early", "event": "Signed Up"})
        segment = {"key": "signed-up", "name": "Signed up", "condition": {"event": "Signed Up"}}
        created = client.post("/api/v1/segments", json=segment, headers=headers)
        assert created.status_code == 201

        def count() -> int:
            found = client.get("/api/v1/segments/signed-up/count", headers=headers).json()
            return int(found["count"]) if found["status"] == "live" else 0

        assert _eventually(count) == 1  # built for the profile that existed
        ingest(client, workspace, {"type": "track", "userId": "late", "event": "Signed Up"})
        assert _eventually(lambda: count() == 2)

        def segments_of_late() -> list[str]:
            response = client.get("/api/v1/profiles/lookup?user_id=late", headers=headers)
            if response.status_code != 200:
                return []
            return [s["key"] for s in response.json()["segments"]]

        assert _eventually(segments_of_late) == ["signed-up"]


def test_journeys_run_in_the_background_from_event_to_delivered_message(
    database_url: str, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    runtime = Runtime.create(Settings(database_url=database_url, analytics_path="off"), clock=clock)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=10) as client:
        headers = bearer(workspace.admin_token)
        journey = {
            "name": "Background",
            "trigger": {"event": "Joined"},
            "start": "hello",
            "nodes": {
                "hello": {"type": "message", "channel": "email", "template": "hi", "next": "nap"},
                "nap": {"type": "delay", "duration": "1d", "next": "bye"},
                "bye": {"type": "message", "channel": "email", "template": "bye"},
            },
        }
        assert client.put("/api/v1/journeys/background", json=journey, headers=headers).is_success
        assert client.post("/api/v1/journeys/background/publish", headers=headers).is_success
        ingest(client, workspace, {"type": "track", "userId": "bg", "event": "Joined"})

        def delivered() -> list[str]:
            found = client.get(
                "/api/v1/messages",
                params={"journey": "background", "status": "delivered"},
                headers=headers,
            ).json()["items"]
            return sorted(m["template"] for m in found)

        assert _eventually(delivered) == ["hi"]
        clock.advance(timedelta(days=1))
        assert _eventually(lambda: delivered() == ["bye", "hi"])
