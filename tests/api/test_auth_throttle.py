"""Guessing keys, on both databases: past the limit of failed authentications in a
minute, an address is answered 429 before any key it sends is looked at, the right one
included, until the minute has passed."""

from __future__ import annotations

from datetime import timedelta

import httpx

from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.runtime import Runtime
from baton.storage.database import connect, write_transaction
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.api.test_profiles import bearer
from tests.api.test_tracking import basic
from tests.conftest import START, serve_in_thread


def test_an_address_that_keeps_failing_must_wait(own_database: str) -> None:
    clock = ManualClock(START)
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "throttled", clock)
        admin = create_key(connection, workspace_id, KeyKind.ADMIN, clock.now())
        write = create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
    engine.dispose()
    settings = Settings(database_url=own_database, analytics_path="off", auth_failures_per_minute=3)
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/api/v1/segments", headers=bearer(admin)).status_code == 200
        # A signed-out console asks who it is on every load: no credential, no guess.
        for _ in range(5):
            assert client.get("/api/v1/auth/me").status_code == 401
        assert client.get("/api/v1/segments", headers=bearer(admin)).status_code == 200
        guesses = [
            client.get("/api/v1/segments", headers=bearer("ba_guess_1")),
            client.post("/v1/track", json={"userId": "u", "event": "E"}, headers=basic("bw_g")),
            client.get("/v1/inbox", params={"userId": "u", "userHash": "00"}, headers=basic(write)),
        ]
        assert [g.status_code for g in guesses] == [401, 401, 401]
        refused = client.get("/api/v1/segments", headers=bearer(admin))  # even the right one
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        tracked = client.post("/v1/track", json={"userId": "u", "event": "E"}, headers=basic(write))
        assert tracked.status_code == 429
        clock.advance(timedelta(seconds=61))
        assert client.get("/api/v1/segments", headers=bearer(admin)).status_code == 200
