"""What the console's segment editor reads besides definitions: membership over time and
the trait keys and event names in use, over real HTTP on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.segments.helpers import settle


def _buy(client: httpx.Client, workspace: Workspace, clock: ManualClock, *users: str) -> None:
    now = clock.now().isoformat()
    ingest(
        client,
        workspace,
        *(
            {"type": "track", "userId": user, "event": "Order Completed", "timestamp": now}
            for user in users
        ),
    )


def _to_next_noon(clock: ManualClock) -> datetime:
    now = clock.now()
    noon = datetime.combine(now.date() + timedelta(days=1), time(12), UTC)
    return clock.advance(noon - now)


def test_history_counts_members_at_the_end_of_each_day(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    day_a = _to_next_noon(clock).date()
    _buy(client, workspace, clock, "a1", "a2", "a3")
    recent = {
        "key": "recent-buyers",
        "name": "Recent buyers",
        "condition": {"event": "Order Completed", "window": {"last": "30h"}},
    }
    anyone = {"key": "buyers", "name": "Buyers", "condition": {"event": "Order Completed"}}
    for definition in (recent, anyone):
        response = client.post("/api/v1/segments", json=definition, headers=headers)
        assert response.status_code == 201, response.text
    settle(engine, clock)
    clock.advance(timedelta(days=1))  # day B, noon: two more buy; a1-a3 leave at 18:00
    _buy(client, workspace, clock, "b1", "b2")
    settle(engine, clock)
    clock.advance(timedelta(days=1))  # day C, noon: b1, b2 are still in until 18:00
    settle(engine, clock)

    response = client.get("/api/v1/segments/recent-buyers/history?days=4", headers=headers)
    assert response.status_code == 200, response.text
    days = [(d["day"], d["count"]) for d in response.json()["days"]]
    expected = [
        (day_a + timedelta(days=n), count) for n, count in ((-1, 0), (0, 3), (1, 2), (2, 2))
    ]
    assert days == [(day.isoformat(), count) for day, count in expected]
    now = client.get("/api/v1/segments/recent-buyers/count", headers=headers).json()["count"]
    assert days[-1][1] == now

    everyone = client.get("/api/v1/segments/buyers/history?days=3", headers=headers).json()
    assert [d["count"] for d in everyone["days"]] == [3, 5, 5]


def test_history_refuses_a_span_it_does_not_offer(
    client: httpx.Client, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    definition = {"key": "anyone", "name": "Anyone", "condition": {"has": "email"}}
    client.post("/api/v1/segments", json=definition, headers=headers)
    for days in ("0", "367", "many"):
        response = client.get(f"/api/v1/segments/anyone/history?days={days}", headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["field"] == "days"
    missing = client.get("/api/v1/segments/nobody/history", headers=headers)
    assert missing.status_code == 404


def test_schema_lists_trait_keys_and_event_names_by_frequency(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    now = clock.now().isoformat()
    ingest(
        client,
        workspace,
        {
            "type": "identify",
            "userId": "u1",
            "traits": {"plan": "pro", "address": {"city": "Lyon"}},
            "timestamp": now,
        },
        {"type": "identify", "userId": "u2", "traits": {"plan": "free"}, "timestamp": now},
        *(
            {"type": "track", "userId": "u1", "event": "Page Viewed", "timestamp": now}
            for _ in range(3)
        ),
        {"type": "track", "userId": "u2", "event": "Order Completed", "timestamp": now},
    )
    client.post(
        "/api/v1/segments",
        json={"key": "viewers", "name": "Viewers", "condition": {"event": "Page Viewed"}},
        headers=headers,
    )
    settle(engine, clock)

    response = client.get("/api/v1/schema", headers=headers)
    assert response.status_code == 200, response.text
    found = response.json()
    traits = {t["key"]: t["profiles"] for t in found["traits"]}
    assert traits == {"plan": 2, "address.city": 1}
    assert found["traits"][0]["key"] == "plan"
    assert found["events"] == [
        {"name": "Page Viewed", "events": 3},
        {"name": "Order Completed", "events": 1},
    ]
    assert found["sampled_profiles"] == 2
