"""A real `baton serve` for the console's browser tests (ui/e2e, started by
ui/playwright.config.ts): a fresh database filled by `baton demo`, two known users, and the
server on the given port until it is told to stop.

    python -m tests.console.serve {sqlite|postgresql} --port 8731 --state FILE

FILE receives, before the server answers /readyz, the JSON the tests sign in with:
`{"base_url", "owner": {"email", "password"}, "viewer": {...}, "write_key",
"admin_token", "mailbox", "spare_workspace": {"write_key", "admin_token"}}`. The
installation's mail (invitations, password resets) goes to a local SMTP server that
writes each message it takes to a file in `mailbox`. On
SIGTERM or SIGINT the server stops and the database (a temporary SQLite file, or a new
PostgreSQL database) is dropped. Not a test module: pytest never
collects it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any

import orjson
from aiosmtpd.controller import Controller
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError

from baton.core.clock import SystemClock
from baton.storage.database import connect, sqlalchemy_url, write_transaction
from baton.teams import Role, create_user, grant
from baton.teams.audit import Actor
from baton.workspaces import default_workspace_id, provision_workspace
from tests.servers import free_port

POSTGRES_URL = os.environ.get(
    "BATON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Large enough for lists that page, charts with a shape and a churn model with 20 leavers
# and 20 stayers among the telecom subscribers (predictions.spec.ts), small enough to be
# made in seconds on each start.
DEMO = ("--customers", "300", "--days", "14", "--seed", "7")
# Each database is named after the harness that made it, so one left behind by a killed
# harness can be told from one in use.
PREFIX = "baton_e2e_"
USERS = {"owner": Role.OWNER, "viewer": Role.VIEWER}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", choices=("sqlite", "postgresql"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True, help="where the JSON goes")
    args = parser.parse_args()
    args.state.unlink(missing_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="baton-e2e-"))
    try:
        with _database(args.database, folder) as url:
            sys.exit(_serve(url, args.port, args.state, folder))
    finally:
        args.state.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'baton.db'}"
        return
    admin = create_engine(sqlalchemy_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            _drop_orphans(connection)
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A throw-away database need not wait for the disk; the demo fills it faster.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except OperationalError as error:
        sys.exit(f"PostgreSQL at {POSTGRES_URL} is required and unreachable: {error}")
    try:
        yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _drop_orphans(connection: Connection) -> None:
    """Drop the databases of harnesses that died without cleaning up (SIGKILL)."""
    names = connection.execute(
        text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
        {"prefix": f"{PREFIX}%"},
    ).scalars()
    for name in list(names):
        pid = name.removeprefix(PREFIX).partition("_")[0]
        if pid.isdigit() and not _alive(int(pid)):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _serve(url: str, port: int, state: Path, folder: Path) -> int:
    """Fill the database, write the state, then run the server until a signal stops it;
    its exit status."""
    write_key, admin_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    mailbox, smtp_port = folder / "mail", free_port()
    mailbox.mkdir()
    environment = {
        **os.environ,
        "BATON_DATABASE_URL": url,
        "BATON_HOST": "127.0.0.1",
        "BATON_PORT": str(port),
        "BATON_SECRET_KEY": "e2e-key-for-sealing-stored-secrets-0123456789",
        "BATON_WRITE_KEY": write_key,
        "BATON_ADMIN_TOKEN": admin_token,
        "BATON_ANALYTICS_PATH": str(folder / "analytics.duckdb"),
        "BATON_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "BATON_SMTP_SECURITY": "none",
        "BATON_MAIL_FROM": "Baton <baton@e2e.example>",
    }
    baton = [sys.executable, "-m", "baton"]
    demo = subprocess.run(
        [*baton, "demo", *DEMO], env=environment, cwd=folder, capture_output=True, text=True
    )
    if demo.returncode != 0:
        sys.stderr.write(f"baton demo failed:\n{demo.stdout}{demo.stderr}")
        return demo.returncode
    people = _users(url)
    spare = _spare_workspace(url)
    sink = Controller(_MailToFiles(mailbox), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    document = {
        "base_url": f"http://127.0.0.1:{port}",
        **people,
        "write_key": write_key,
        "admin_token": admin_token,
        "mailbox": str(mailbox),
        "spare_workspace": spare,
    }
    state.parent.mkdir(parents=True, exist_ok=True)
    partial = state.with_suffix(".partial")
    partial.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    partial.replace(state)
    server = subprocess.Popen(
        [*baton, "serve"], env=environment, cwd=folder, stderr=subprocess.PIPE, text=True
    )
    threading.Thread(target=_warnings_only, args=(server.stderr,), daemon=True).start()

    # A SIGINT reaches the whole process group (Ctrl-C, Playwright's graceful shutdown),
    # the server too. A SIGTERM for this process alone goes on as SIGINT: uvicorn re-raises
    # the signal it stopped on, and only SIGINT's KeyboardInterrupt lets `baton serve`
    # stop its workers before it exits.
    def stop(signum: int, frame: FrameType | None) -> None:
        server.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return server.wait()
    finally:
        sink.stop()


class _MailToFiles:
    """An SMTP handler that keeps each message as `NNNN.eml`, numbered in arrival order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        partial = self.folder / f"{self.count:04d}.partial"
        partial.write_bytes(envelope.content)
        partial.rename(partial.with_suffix(".eml"))
        return "250 OK"


def _warnings_only(lines: IO[str] | None) -> None:
    """Pass on the server's log lines but its routine ones (started, stopping): the test
    run's output shows what went wrong, not that all went well."""
    assert lines is not None
    for line in lines:
        if not line.startswith('{"at"') or '"level":"INFO"' not in line:
            sys.stderr.write(line)


def _users(url: str) -> dict[str, dict[str, str]]:
    """A user of each role in USERS, with a new password each."""
    engine = connect(url)
    now = datetime.now(UTC)
    people = {}
    with write_transaction(engine) as connection:
        workspace_id = default_workspace_id(connection)
        assert workspace_id is not None, "baton demo made the default workspace"
        for label, role in USERS.items():
            email, password = f"e2e-{label}@baton.example", secrets.token_urlsafe(18)
            user = create_user(connection, email, f"E2E {label}", now, password=password)
            grant(connection, workspace_id, user.id, role, now)
            people[label] = {"email": email, "password": password}
    engine.dispose()
    return people


def _spare_workspace(url: str) -> dict[str, str]:
    """A second, empty workspace and its keys, for tests that change what a workspace-wide
    setting (its e-mail channel, its identity secret) would change under the others."""
    engine = connect(url)
    with write_transaction(engine) as connection:
        made = provision_workspace(
            connection, "Spare", SystemClock(), Actor("cli", None, "e2e harness"), key="spare"
        )
    engine.dispose()
    return {"write_key": made.write_key, "admin_token": made.admin_key}


if __name__ == "__main__":
    main()
