"""Running the `baton` command against a fresh database of its own, SQLite and PostgreSQL,
on the test's clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.common import Invocation
from baton.cli.main import app
from baton.core.clock import ManualClock
from baton.storage.database import connect, write_transaction
from baton.workspaces import ensure_default_workspace


@dataclass(frozen=True)
class Baton:
    """The `baton` command of one test: its environment, and the clock every invocation
    runs on."""

    env: dict[str, str]
    clock: ManualClock

    @property
    def database_url(self) -> str:
        return self.env["BATON_DATABASE_URL"]

    def __call__(self, *args: str, **env: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of `baton ARGS`, with `env` added to the
        environment."""
        result = CliRunner().invoke(
            app, list(args), env={**self.env, **env}, obj=Invocation(self.clock)
        )
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def baton(own_database: str, tmp_path: Path, clock: ManualClock) -> Baton:
    """`baton` on a fresh, migrated database with no workspace yet."""
    analytics = str(tmp_path / "analytics.duckdb")
    return Baton({"BATON_DATABASE_URL": own_database, "BATON_ANALYTICS_PATH": analytics}, clock)


@pytest.fixture
def bootstrapped(baton: Baton) -> Baton:
    """`baton` on a fresh database with the default workspace."""
    engine = connect(baton.database_url)
    with write_transaction(engine) as connection:
        ensure_default_workspace(connection, baton.clock)
    engine.dispose()
    return baton
