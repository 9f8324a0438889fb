"""A 200 means durable: kill -9 the real server right after acknowledgements, restart it,
and every acknowledged event is there once, resolved into profiles exactly once, and
each profile's segment entry is recorded exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psutil
from sqlalchemy import func, select

from baton.storage.database import connect
from baton.storage.tables import events, profiles
from baton.workspaces import default_workspace_id

WRITE_KEY = "bw_crash_test_write_key_0001"
ADMIN_TOKEN = "ba_crash_test_admin_token_0001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def baton_server(database_url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "BATON_DATABASE_URL": database_url,
        "BATON_PORT": str(port),
        "BATON_WRITE_KEY": WRITE_KEY,
        "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
        "BATON_ANALYTICS_PATH": os.path.join(tempfile.gettempdir(), f"baton-crash-{port}.duckdb"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "baton", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "baton serve exited during start-up"
            assert time.monotonic() < deadline, "baton serve did not become ready"
            time.sleep(0.1)
        yield process, url
    finally:
        # Stopped, never killed, here: serve stops its workers, which would otherwise
        # run on for a moment after it.
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def batch(number: int) -> dict[str, object]:
    return {
        "batch": [
            {
                "type": "identify" if i % 5 == 0 else "track",
                "event": "Product Viewed",
                "messageId": f"crash-{number}-{i}",
                "userId": f"user-{(number * 100 + i) % 37}",
                "anonymousId": f"device-{(number * 100 + i) % 53}",
                "traits": {"email": f"person{(number * 100 + i) % 37}@example.com"},
            }
            for i in range(100)
        ]
    }


def test_kill_9_loses_nothing_and_processes_once(own_database: str) -> None:
    engine = connect(own_database)
    batches = 30
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with baton_server(own_database) as (process, url):
        with httpx.Client(base_url=url, auth=(WRITE_KEY, ""), timeout=10) as client:
            viewers = {
                "key": "viewers",
                "name": "Viewers",
                "condition": {"event": "Product Viewed"},
            }
            created = httpx.post(f"{url}/api/v1/segments", json=viewers, headers=headers)
            assert created.status_code == 201
            for number in range(batches):
                assert client.post("/v1/batch", json=batch(number)).status_code == 200
        workers = psutil.Process(process.pid).children()
        # `baton serve` runs two workers as children: identity (and builds), and segments.
        assert len(workers) == 2
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        # The orphaned worker notices and exits by itself.
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == []

    with baton_server(own_database) as (_process, url), httpx.Client(base_url=url) as client:
        # A client that never saw our answers retries everything: still stored once.
        for number in range(batches):
            retried = client.post("/v1/batch", json=batch(number), auth=(WRITE_KEY, ""))
            assert retried.status_code == 200
        deadline = time.monotonic() + 60
        while client.get("/api/v1/ingest/status", headers=headers).json()["pending"]:
            assert time.monotonic() < deadline, "events were not processed after restart"
            time.sleep(0.1)
        while client.get("/api/v1/segments/viewers/count", headers=headers).json()["count"] < 37:
            assert time.monotonic() < deadline, "segment members were not evaluated"
            time.sleep(0.1)

    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
        stored = connection.execute(
            select(events.c.message_id, events.c.profile_id).where(
                events.c.workspace_id == workspace_id, events.c.message_id.like("crash-%")
            )
        ).all()
        counted = connection.execute(
            select(func.sum(profiles.c.event_count)).where(
                profiles.c.workspace_id == workspace_id,
                profiles.c.merged_into.is_(None),
                profiles.c.id.in_({profile_id for _, profile_id in stored}),
            )
        ).scalar_one()
        live_profiles = connection.execute(
            select(func.count()).where(
                profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
            )
        ).scalar_one()
        entered = (
            connection.execute(
                select(events.c.profile_id).where(
                    events.c.workspace_id == workspace_id, events.c.event == "Segment Entered"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    message_ids = [message_id for message_id, _ in stored]
    assert len(message_ids) == len(set(message_ids)) == batches * 100
    assert all(profile_id is not None for _, profile_id in stored)
    assert counted == batches * 100  # each event counted exactly once
    assert live_profiles == 37  # one profile per user
    assert len(entered) == len(set(entered)) == 37  # each entered once
