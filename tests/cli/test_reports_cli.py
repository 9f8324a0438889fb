"""`baton kpis` and `baton report journey` in the terminal, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import orjson

from baton.core.clock import ManualClock
from baton.storage.database import connect
from baton.workspaces import default_workspace_id
from tests.cli.conftest import Baton
from tests.identity.helpers import send
from tests.journeys.helpers import publish, run
from tests.segments.helpers import track


def test_kpis_and_a_journey_report_in_three_formats(
    bootstrapped: Baton, clock: ManualClock
) -> None:
    engine = connect(bootstrapped.database_url)
    with engine.connect() as connection:
        workspace_id = default_workspace_id(connection)
    assert workspace_id is not None
    journey = {"key": "thanks", "name": "Thanks", "trigger": {"event": "Order Completed"},
               "start": "say", "nodes": {"say": {"type": "message", "channel": "email",
                                                 "template": "thanks"}}}  # fmt: skip
    publish(engine, clock, workspace_id, journey)
    day = clock.now()
    send(engine, clock, workspace_id, track("a", "Page Viewed", day),
         track("b", "Order Completed", day, {"revenue": 30}))  # fmt: skip
    run(engine, clock)
    period = ["--from", (day - timedelta(days=1)).isoformat(), "--to",
              (day + timedelta(days=1)).isoformat()]  # fmt: skip

    code, out, err = bootstrapped("kpis", *period, "--format", "json")
    assert code == 0, err
    found = orjson.loads(out)
    assert (found["visitors"], found["buyers"], found["revenue"]) == (2, 1, 30.0)
    code, out, _ = bootstrapped("kpis", *period, "--format", "csv")
    assert {"kpi": "conversion_rate", "value": "0.5"} in list(csv.DictReader(io.StringIO(out)))
    code, out, _ = bootstrapped("kpis", *period)
    assert "conversion_rate" in out
    assert "0.5" in out

    code, out, err = bootstrapped("report", "journey", "thanks", *period, "--format",
                            "json")  # fmt: skip
    assert code == 0, err
    assert orjson.loads(out)["entries"] == 1
    code, out, _ = bootstrapped("report", "journey", "thanks", *period, "--format", "csv")
    assert [row["node"] for row in csv.DictReader(io.StringIO(out))] == ["say"]
    code, out, _ = bootstrapped("report", "journey", "thanks", *period)
    assert "1 entries" in out
    assert bootstrapped("report", "journey", "nope")[0] == 1
    assert bootstrapped("kpis", "--from", "soon")[0] == 2
