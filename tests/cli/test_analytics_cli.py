"""`baton analytics rebuild` copies every processed event into the store."""

from __future__ import annotations

from pathlib import Path

from baton.analytics.store import AnalyticsStore
from baton.core.clock import ManualClock
from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.identity.helpers import send
from tests.segments.helpers import track


def test_rebuild_copies_every_processed_event(
    bootstrapped: Baton, clock: ManualClock, tmp_path: Path
) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    send(
        engine, clock, workspace_id, *(track(f"u{i}", "Page Viewed", clock.now()) for i in range(7))
    )
    path = str(tmp_path / "store.duckdb")
    code, out, err = bootstrapped("analytics", "rebuild", BATON_ANALYTICS_PATH=path)
    assert code == 0, err
    assert "rebuilt the analytics store: 7 events" in out
    store = AnalyticsStore(path)
    assert store.rows("SELECT count(*) FROM events", []) == [(7,)]
    code, _, err = bootstrapped("analytics", "rebuild", BATON_ANALYTICS_PATH="off")
    assert code == 2
    assert "off" in err
