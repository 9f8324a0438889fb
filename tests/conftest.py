"""Shared fixtures. Storage-backed tests run once on SQLite and once on PostgreSQL.

PostgreSQL comes from BATON_TEST_POSTGRES_URL (default: this machine's server); each test
session creates its own database and drops it afterwards, so runs never collide. If the
server is unreachable the run fails: it never silently skips the PostgreSQL half. Under
pytest-xdist (`make test`) every worker is a session of its own, with its own databases.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, delete, text

from baton.api import create_app
from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.identity.processor import process_pending
from baton.runtime import Runtime
from baton.storage.database import connect, sqlalchemy_url, write_transaction
from baton.storage.migrate import upgrade
from baton.storage.tables import predictions
from baton.workspaces import KeyKind, create_key, create_workspace
from tests.servers import Mailbox, smtp_server

# Stored secrets are sealed under this key, in this process and the ones tests start
# (without it each would generate var/secret.key in the working directory).
os.environ["BATON_SECRET_KEY"] = "test-key-for-sealing-stored-secrets-0123456789"
POSTGRES_URL = os.environ.get(
    "BATON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'baton.db'}"


@contextmanager
def _postgresql_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A throw-away database on the test server. Commits do not wait for the WAL to reach
    the disk: the tests kill Baton's processes, never the server, so nothing they read
    changes, and the suite runs faster."""
    admin = create_engine(sqlalchemy_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required and unreachable: {error}")
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _url_of(name: str) -> str:
    return f"{sqlalchemy_url(POSTGRES_URL).rpartition('/')[0]}/{name}"


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with _postgresql_database("baton_test") as name:
        yield _url_of(name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    """One simulated clock for the session; tests only ever move it forward."""
    return ManualClock(START)


@dataclass
class Workspace:
    id: str
    write_key: str
    admin_token: str


@pytest.fixture
def workspace(engine: Engine, clock: ManualClock) -> Iterator[Workspace]:
    """A fresh workspace per test: tests share a database but never see each other's rows.
    Its predictions go with it: left behind, they would train and score on their schedule
    in the background pipelines of later tests, which share the simulated clock."""
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "test", clock)
        write_key = create_key(connection, workspace_id, KeyKind.WRITE, clock.now())
        admin_token = create_key(connection, workspace_id, KeyKind.ADMIN, clock.now())
    yield Workspace(workspace_id, write_key, admin_token)
    with write_transaction(engine) as connection:
        connection.execute(delete(predictions).where(predictions.c.workspace_id == workspace_id))


@pytest.fixture(scope="session")
def server(
    database_url: str, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Runtime]]:
    """A real Baton HTTP server on a free loopback port, and its runtime. Its identity
    processor is off (the analytics stage with it): tests run `process_all` and sync the
    analytics store themselves, so they decide when events become profiles and reports."""
    analytics = str(tmp_path_factory.mktemp("analytics") / "analytics.duckdb")
    # Tests fail authentication on purpose, hundreds of times in one simulated minute.
    settings = Settings(
        database_url=database_url, analytics_path=analytics, auth_failures_per_minute=10**6
    )
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    with serve_in_thread(runtime) as url:
        yield url, runtime


@pytest.fixture(scope="session")
def server_url(server: tuple[str, Runtime]) -> str:
    return server[0]


@contextmanager
def serve_in_thread(runtime: Runtime) -> Iterator[str]:
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=10) as client:
        yield client


def process_all(engine: Engine, clock: ManualClock, batch_size: int = 2000) -> None:
    """Resolve every pending event (tests drive the processor instead of a thread)."""
    while process_pending(engine, clock, "US", batch_size):
        pass


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on a free loopback port, and what it received."""
    with smtp_server() as found:
        yield found


@pytest.fixture
def tmp_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'baton.db'}"


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An empty database at the newest schema per backend, copied by `own_database`
    instead of migrating each anew."""
    sqlite_file = tmp_path_factory.mktemp("template") / "template.db"
    with _postgresql_database("baton_template") as name:
        for url in (f"sqlite:///{sqlite_file}", _url_of(name)):
            engine = connect(url)
            upgrade(engine)
            engine.dispose()
        yield {"sqlite": str(sqlite_file), "postgresql": name}


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: dict[str, str]
) -> Iterator[str]:
    """A fresh database of its own, for tests that must not meet other tests' rows (due
    timers, queued events), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        copy = tmp_path / "own.db"
        shutil.copyfile(migrated_templates["sqlite"], copy)
        yield f"sqlite:///{copy}"
        return
    with _postgresql_database("baton_own", migrated_templates["postgresql"]) as name:
        yield _url_of(name)
