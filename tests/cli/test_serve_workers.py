"""`baton serve`'s processes load DuckDB (some 50 MB a process, and the ingest bench counts
every process) only where the analytics store is used: the worker whose stage follows the
database, and the API once someone asks it for a report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
from sqlalchemy import Engine, select

from baton.storage.database import connect
from baton.storage.tables import events
from tests.api.test_tracking import basic
from tests.servers import free_port

WRITE_KEY = "bw_serve_workers_write_key"
ADMIN_TOKEN = "ba_serve_workers_admin_token"
# How long the server may take to show what it did; not a measure of speed.
PATIENCE = 60.0


def loads_duckdb(process: psutil.Process) -> bool:
    """Whether DuckDB's library is mapped into the process."""
    return any(Path(mapped.path).name.startswith("_duckdb") for mapped in process.memory_maps())


def wait_for(condition: Callable[[], bool], server: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert server.poll() is None, f"baton serve exited ({server.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no sign of {what}"
        time.sleep(0.05)


def accepted(client: httpx.Client) -> bool:
    body = {"userId": "w1", "event": "Go", "messageId": "w-1"}
    try:
        return client.post("/v1/track", json=body, headers=basic(WRITE_KEY)).status_code == 200
    except httpx.TransportError:
        return False  # not listening yet


def resolved(engine: Engine) -> bool:
    with engine.connect() as connection:
        found = connection.execute(
            select(events.c.profile_id).where(events.c.message_id == "w-1")
        ).scalar_one_or_none()
    return found is not None


def synced(client: httpx.Client) -> bool:
    answer = client.get(
        "/api/v1/analytics/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["synced_through_seq"] > 0)


def test_duckdb_is_loaded_by_the_analytics_stage_and_by_the_api_when_asked(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path}/baton.db"
    port = free_port()
    env = {**os.environ, "BATON_DATABASE_URL": database_url, "BATON_PORT": str(port),
           "BATON_WRITE_KEY": WRITE_KEY, "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
           "BATON_ANALYTICS_PATH": str(tmp_path / "analytics.duckdb")}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "baton", "serve"], env=env)
    engine = connect(database_url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_for(lambda: accepted(client), server, "the event accepted")
            wait_for(lambda: resolved(engine), server, "the event resolved by the workers")
            api = psutil.Process(server.pid)
            workers = api.children()
            assert len(workers) == 2
            wait_for(lambda: any(map(loads_duckdb, workers)), server, "a sync by a worker")
            assert [loads_duckdb(worker) for worker in workers].count(True) == 1
            assert not loads_duckdb(api)
            # The API reads what the worker's stage copied, from the same file.
            wait_for(lambda: synced(client), server, "the event in the analytics store")
            assert loads_duckdb(api)
    finally:
        engine.dispose()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PATIENCE)
