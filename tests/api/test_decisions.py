"""A journey's decide nodes over real HTTP, on both databases: a definition refused at the
offending field, and the decisions report."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run

OFFER = """
name: Offer
trigger: {api: true}
goal: {event: Order Completed}
start: offer
nodes:
  offer:
    type: decide
    context: [plan]
    offers:
      - {key: gift, value: 20, cost: 2, cap: {count: 100, per: 30d}}
      - {key: discount, value: 20, cost: 1}
    next: wait
  wait: {type: wait_for_event, event: Order Completed, timeout: 1d}
"""
YAML = {"Content-Type": "application/yaml"}


def test_decisions_are_reported_per_node(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    headers = {**admin, **YAML}
    wrong = OFFER.replace("cost: 1}", "cost: -1}")
    refused = client.put("/api/v1/journeys/offer", content=wrong, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "nodes.offer.offers.1.cost"
    created = client.put("/api/v1/journeys/offer", content=OFFER, headers=headers)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/journeys/offer/publish", headers=admin).status_code == 200
    users = [f"api-{n}" for n in range(12)]
    ingest(client, workspace, *({"type": "identify", "userId": u, "traits": {"plan": "pro"}}
                                for u in users))  # fmt: skip
    run(engine, clock)
    for user in users:
        entered = client.post("/api/v1/journeys/offer/enter", json={"user_id": user}, headers=admin)
        assert entered.status_code == 201, entered.text

    report = client.get("/api/v1/journeys/offer/decisions", headers=admin)
    assert report.status_code == 200, report.text
    node = report.json()["nodes"]["offer"]
    assert report.json()["version"] == 1
    assert node["pending"] == len(users)  # nobody has bought, and the day has not passed
    assert node["decisions"] == 0  # no outcome known yet
    gift = node["caps"]["gift"]
    assert (gift["count"], gift["per"]) == (100, "30d")
    assert 0 < gift["given"] < len(users)
    assert node["fairness"]["checked"] is False
    missing = client.get("/api/v1/journeys/nope/decisions", headers=admin)
    assert missing.status_code == 404
