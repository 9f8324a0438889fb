"""A journey report exported as a CSV file: for roles that may export reports, and on
the audit trail."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.teams import Role
from baton.workspaces import KeyKind, create_key
from tests.api.test_journeys import ONBOARDING, YAML
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run


def test_an_analyst_downloads_the_node_figures_and_the_export_is_audited(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    with write_transaction(engine) as connection:
        analyst, marketer = (
            bearer(create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=role))
            for role in (Role.ANALYST, Role.MARKETER)
        )
    put = client.put("/api/v1/journeys/onboarding", content=ONBOARDING, headers={**admin, **YAML})
    assert put.status_code == 201
    assert client.post("/api/v1/journeys/onboarding/publish", headers=admin).status_code == 200
    for name in ("ada", "grace"):
        ingest(client, workspace, {"type": "identify", "userId": name})
    run(engine, clock)
    for name in ("ada", "grace"):
        entered = client.post("/api/v1/journeys/onboarding/enter", json={"user_id": name},
                              headers=admin)  # fmt: skip
        assert entered.status_code == 201, entered.text
    run(engine, clock)

    assert client.get("/api/v1/journeys/onboarding/report.csv", headers=marketer).status_code == 403
    answer = client.get("/api/v1/journeys/onboarding/report.csv", headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="onboarding-report.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    nodes = client.get("/api/v1/journeys/onboarding/report", headers=analyst).json()["nodes"]
    assert [row["node"] for row in rows] == list(nodes)
    assert {row["node"]: int(row["entered"]) for row in rows} == {
        node: figures["entered"] for node, figures in nodes.items()
    }
    assert int(next(r for r in rows if r["node"] == "welcome")["entered"]) == 2

    trail = client.get("/api/v1/audit", params={"action": "report.export"}, headers=admin)
    (entry,) = trail.json()["items"]
    assert entry["object"] == {"type": "journey", "id": "onboarding"}
    assert entry["actor"]["type"] == "key"
