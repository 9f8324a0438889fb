"""`baton serve` stops within a few seconds even while a console streams live activity,
a response that would otherwise run for minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from baton.cli.main import STOP_GRACE_SECONDS
from tests.cli.test_serve_workers import PATIENCE
from tests.servers import free_port

ADMIN_TOKEN = "ba_serve_stop_admin_token"


def test_a_stop_ends_an_open_activity_stream(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BATON_DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
           "BATON_PORT": str(port), "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
           "BATON_ANALYTICS_PATH": "off"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "baton", "serve", "--processor", "off"], env=env
    )
    streaming = threading.Event()

    def watch() -> None:
        url = f"http://127.0.0.1:{port}/api/v1/activity/stream"
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                with httpx.stream("GET", url, headers=headers, timeout=None) as answer:
                    for line in answer.iter_lines():
                        if line.startswith("data: "):
                            streaming.set()
                return
            except httpx.TransportError:
                if streaming.is_set():
                    return
                time.sleep(0.05)  # not listening yet

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert streaming.wait(PATIENCE), "no live activity streamed"
        server.send_signal(signal.SIGTERM)
        # Otherwise the stop waits for the stream to end by itself, minutes later.
        server.wait(timeout=STOP_GRACE_SECONDS + 10)
    finally:
        server.kill()
        server.wait()
