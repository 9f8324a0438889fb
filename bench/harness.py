"""What the benchmarks share: a scratch database, a real `baton serve`, percentiles."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import orjson
from sqlalchemy import create_engine, text

WRITE_KEY = "bw_bench_write_key"
ADMIN_TOKEN = "ba_bench_admin_token"
POSTGRES_URL = os.environ.get(
    "BATON_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
AUTH = {"Authorization": "Basic " + b64encode(f"{WRITE_KEY}:".encode()).decode()}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    name = f"baton_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def server(database_url: str, port: int, mode: str) -> Iterator[subprocess.Popen[bytes]]:
    """`baton serve --processor MODE`; with off, a `baton worker` beside it, and with none,
    the API alone (nothing processes what it accepts)."""
    analytics = os.path.join(tempfile.gettempdir(), f"baton-bench-{port}.duckdb")
    env = {
        **os.environ,
        "BATON_DATABASE_URL": database_url,
        "BATON_PORT": str(port),
        "BATON_WRITE_KEY": WRITE_KEY,
        "BATON_ADMIN_TOKEN": ADMIN_TOKEN,
        "BATON_ANALYTICS_PATH": analytics,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "baton", "serve", "--processor", "off" if mode == "none" else mode],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        deadline = time.time() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise SystemExit("baton serve did not start")
            time.sleep(0.1)
        if mode == "off":
            worker = subprocess.Popen(
                [sys.executable, "-m", "baton", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        yield process
    finally:
        for child in (process, worker):
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
        for leftover in (analytics, f"{analytics}.wal"):  # one file per run otherwise
            with suppress(FileNotFoundError):
                os.unlink(leftover)


# How often a bench asks whether the work is done. Each answer counts a backlog on the
# server (the pending events: about 0.1 s of PostgreSQL's time at 150,000): asked every
# 50 ms, that took one of the machine's two cores from the system measured.
POLL_SECONDS = 0.5
# The longest wait between asks while identity has a backlog.
_LONGEST_WAIT = 5.0


def pending(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request(
        "GET", "/api/v1/ingest/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    return int(orjson.loads(connection.getresponse().read())["pending"])


def wait_resolved(port: int, within: float) -> None:
    """Return once identity has resolved every accepted event (at most `within` seconds).

    Even every 0.5 s the counting took 13 s of PostgreSQL's time in a 100 s ingest run.
    Each wait is half the time the backlog still needs at the rate seen since the last
    ask (at least POLL_SECONDS): the end is still seen within POLL_SECONDS unless the rate
    more than doubles. One measured run asked 16 times where it had asked 110."""
    asked: tuple[float, int] | None = None
    deadline = time.monotonic() + within
    while left := pending(port):
        now = time.monotonic()
        if now > deadline:
            raise SystemExit(f"{left} events still pending after {within:.0f} s")
        wait = POLL_SECONDS
        if asked is not None and asked[1] > left:
            rate = (asked[1] - left) / (now - asked[0])
            wait = min(max(left / rate / 2, POLL_SECONDS), _LONGEST_WAIT)
        asked = (now, left)
        time.sleep(wait)
