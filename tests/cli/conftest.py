"""Running the `baton` command against a fresh SQLite file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.core.clock import ManualClock
from baton.storage.database import connect, write_transaction
from baton.workspaces import ensure_default_workspace


@pytest.fixture
def env(tmp_sqlite_url: str) -> dict[str, str]:
    return {"BATON_DATABASE_URL": tmp_sqlite_url}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bootstrapped(env: dict[str, str], clock: ManualClock) -> dict[str, str]:
    assert invoke(env, "migrate")[0] == 0
    with write_transaction(connect(env["BATON_DATABASE_URL"])) as connection:
        ensure_default_workspace(connection, clock)
    return env
