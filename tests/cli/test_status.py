"""`baton status`: each stage's queues, lag, workers and errors, read from the database
(and from `baton serve`'s shared metrics directory for errors)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import insert

from baton.cli.common import console
from baton.ingest import parse_message, store_messages
from baton.storage.database import connect, write_transaction
from baton.storage.tables import stage_workers
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.segments.helpers import track


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough for every cell on one line, whatever the runner's is
    (the console measured it once, when imported)."""
    monkeypatch.setattr(console, "_width", 200)


def row_of(output: str, first: str) -> list[str]:
    """The cells of the table row that starts with `first`."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃").split("│")]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row for {first!r} in:\n{output}")


def test_status_shows_each_stages_backlog_and_lag(bootstrapped: Baton) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    arrived = bootstrapped.clock.now() - timedelta(seconds=90)
    raw = [track(f"s{n}", "Go", arrived, messageId=f"status-{n}") for n in range(3)]
    parsed = [
        parse_message(m, received_at=arrived, ip=None, size=len(orjson.dumps(m))) for m in raw
    ]
    store_messages(engine, workspace_id, parsed)
    # A segments worker that heartbeat 2 s ago (its lease runs 5 s), and one gone.
    now = bootstrapped.clock.now()
    with write_transaction(engine) as connection:
        for worker, expires in (("here:1:a", 3), ("gone:2:b", -1)):
            at = now + timedelta(seconds=expires)
            connection.execute(
                insert(stage_workers).values(stage="segments", worker_id=worker, expires_at=at)
            )
    engine.dispose()

    code, output, _ = bootstrapped("status")
    assert code == 0, output
    # stage, queue, waiting, due now, oldest due, lag, workers, errors
    identity = row_of(output, "identity")
    assert identity[1:4] == ["events", "3", "3"]
    assert identity[5] == "1m 30s"
    assert identity[7] == "—"  # no shared metrics directory to read errors from
    segments = row_of(output, "segments")
    assert segments[1:4] == ["profiles", "0", "0"]
    assert segments[6] == "1 (beat 2.0s ago)"
    assert identity[6] == "—"  # identity leases nothing
    assert row_of(output, "delivery")[5] == "0.0s"


def test_status_shows_the_errors_serve_counted(bootstrapped: Baton, tmp_path: Path) -> None:
    failures = 2
    shared = tmp_path / "metrics"
    # A process of `baton serve`'s counting failed steps in the shared directory.
    count = (
        "from baton.core.metrics import count_stage, share_across_processes\n"
        f"share_across_processes({str(shared)!r})\n"
        f"for _ in range({failures}): count_stage('identity', 0, failed=True)\n"
        "count_stage('journeys', 5)\n"
    )
    subprocess.run([sys.executable, "-c", count], check=True)
    code, output, _ = bootstrapped("status", PROMETHEUS_MULTIPROC_DIR=str(shared))
    assert code == 0, output
    assert row_of(output, "identity")[7] == str(failures)
    assert row_of(output, "journeys")[7] == "0"
