"""`baton serve`'s worker processes load the pipeline, not the API and its analytics store:
DuckDB alone is some 50 MB a process, and the ingest bench counts every process."""

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
# How long the server may take to show what it did; not a measure of speed.
PATIENCE = 60.0


def loads_duckdb(process: psutil.Process) -> bool:
    """Whether DuckDB's library is mapped into the process."""
    return any("duckdb" in mapped.path for mapped in process.memory_maps())


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


def test_only_the_api_process_loads_the_analytics_store(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/baton.db"
    port = free_port()
    env = {**os.environ, "BATON_DATABASE_URL": database_url, "BATON_PORT": str(port),
           "BATON_WRITE_KEY": WRITE_KEY,
           "BATON_ANALYTICS_PATH": str(tmp_path / "analytics.duckdb")}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "baton", "serve"], env=env)
    engine = connect(database_url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_for(lambda: accepted(client), server, "the event accepted")
        wait_for(lambda: resolved(engine), server, "the event resolved by the workers")
        # Both workers import the same modules before running a stage: by now both have.
        api = psutil.Process(server.pid)
        workers = api.children()
        assert len(workers) == 2
        assert loads_duckdb(api)
        assert not any(loads_duckdb(worker) for worker in workers)
    finally:
        engine.dispose()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PATIENCE)
