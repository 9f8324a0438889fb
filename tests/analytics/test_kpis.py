"""KPIs over a day of a small shop whose every figure is worked out by hand (see the
comments), on both databases and over the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.analytics.kpis import event_names, kpis
from baton.analytics.store import AnalyticsStore
from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.segments.helpers import track


def shop(day: datetime) -> list[dict[str, Any]]:
    h = timedelta(hours=1)
    return [
        # Alice: a customer since ten days; today she adds, buys twice, is a promoter.
        track("alice", "Page Viewed", day - timedelta(days=20)),
        track("alice", "Order Completed", day - timedelta(days=10), {"revenue": 100}),
        track("alice", "Product Added", day + h),
        track("alice", "Order Completed", day + 2 * h, {"revenue": 40}),
        track("alice", "Order Completed", day + 3 * h, {"total": 60}),
        track("alice", "NPS Submitted", day + 4 * h, {"score": 10}),
        # Bob signs up, leaves a cart, is a detractor, satisfied with support (5/5).
        track("bob", "Signed Up", day + h),
        track("bob", "Product Added", day + 2 * h),
        track("bob", "NPS Submitted", day + 3 * h, {"score": 3}),
        track("bob", "CSAT Submitted", day + 3 * h, {"score": 5}),
        # Cara came yesterday and today, only browsing; a passive (8); unhappy with
        # support (2/5).
        track("cara", "Page Viewed", day - 12 * h),
        track("cara", "Product Viewed", day + h),
        track("cara", "NPS Submitted", day + h, {"score": 8}),
        track("cara", "CSAT Submitted", day + 2 * h, {"score": 2}),
        # Dan bought 200 days ago, never since: churned.
        track("dan", "Order Completed", day - timedelta(days=200), {"revenue": 30}),
        # Eve signs up and buys two hours later; her ticket takes two hours to resolve.
        track("eve", "Signed Up", day + 5 * h),
        track("eve", "Order Completed", day + 7 * h, {"revenue": 20}),
        track("eve", "Ticket Opened", day + 8 * h, {"ticket_id": "t1"}),
        track("eve", "Ticket Resolved", day + 10 * h, {"ticket_id": "t1"}),
        # The ad platform reports the day's spend.
        track("ads-bot", "Ad Spend", day + 12 * h, {"amount": 60}),
    ]


EXPECTED = {
    "visitors": 4,  # alice, bob, cara, eve (the ad platform is no visitor)
    "buyers": 2,  # alice, eve
    "orders": 3,
    "revenue": 120.0,  # 40 + 60 + 20
    "conversion_rate": 0.5,  # 2 buyers / 4 visitors
    "cart_abandonment_rate": 0.5,  # alice bought after adding, bob did not
    "sign_up_rate": 0.5,  # bob and eve of 4 visitors
    "lead_to_customer_rate": 0.5,  # eve of bob and eve
    "average_order_value": 40.0,  # 120 / 3
    "repeat_purchase_rate": 0.5,  # alice of alice and eve
    "retention_rate": 1.0,  # cara, the only visitor of the day before, came back
    "churn_rate": 0.5,  # of earlier customers alice and dan, dan is gone (90 days)
    "historical_cltv": 83.33,  # (200 + 30 + 20) / 3 customers
    "median_seconds_to_conversion": 7200.0,  # eve: first seen 5h, first order 7h
    "nps": 0.0,  # one promoter (9-10), one detractor (0-6), one passive: (1 - 1) / 3
    "csat": 50.0,  # one of two satisfied (4 or 5)
    "median_seconds_to_resolution": 7200.0,
    "ad_spend": 60.0,
    "cac": 60.0,  # 60 / one new customer (eve)
    "roas": 2.0,  # 120 / 60
}


def figures(
    engine: Engine, store: AnalyticsStore, workspace_id: str, start: datetime, end: datetime,
    members: set[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    store.sync(engine, end)
    with engine.connect() as connection:
        names = event_names(connection, workspace_id)
    return kpis(store, workspace_id, names=names, members=members, start=start, end=end,
                churn_window=timedelta(days=90))  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> AnalyticsStore:
    return AnalyticsStore(str(tmp_path / "kpis.duckdb"))


def test_every_kpi_matches_its_definition(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    store: AnalyticsStore, server: tuple[str, Runtime],
) -> None:  # fmt: skip
    day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    send(engine, clock, workspace.id, *shop(day))
    end = day + timedelta(days=1)
    found = figures(engine, store, workspace.id, day, end)
    assert {name: found[name] for name in EXPECTED} == pytest.approx(EXPECTED)

    alice_and_bob = {profile(engine, workspace.id, who)["id"] for who in ("alice", "bob")}
    theirs = figures(engine, store, workspace.id, day, end, alice_and_bob)
    assert (theirs["visitors"], theirs["buyers"], theirs["nps"]) == (2, 1, 0.0)

    admin = bearer(workspace.admin_token)
    assert server[1].analytics is not None
    server[1].analytics.sync(engine, end)
    query = f"from={day.isoformat()}&to={end.isoformat()}".replace("+", "%2B")
    over_api = client.get(f"/api/v1/kpis?{query}", headers=admin)
    assert over_api.status_code == 200, over_api.text
    assert over_api.json() == found
    assert client.get(f"/api/v1/kpis?{query}&segment=nope", headers=admin).status_code == 404
    backwards = client.get(f"/api/v1/kpis?from={end.date()}&to={day.date()}", headers=admin)
    assert backwards.status_code == 400
    assert client.get("/api/v1/kpis?from=yesterday", headers=admin).json()["error"]["field"] == (
        "from"
    )


def test_a_workspace_names_its_events_its_own_way(
    engine: Engine, clock: ManualClock, workspace: Workspace, store: AnalyticsStore
) -> None:
    day = clock.now()
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id,
                    parse_policy({"event_names": {"Order Completed": "purchase"}}))  # fmt: skip
    send(engine, clock, workspace.id, track("fay", "purchase", day, {"revenue": 25}),
         track("gus", "Order Completed", day, {"revenue": 99}))  # fmt: skip
    found = figures(engine, store, workspace.id, day - timedelta(hours=1), day)
    assert (found["orders"], found["revenue"], found["visitors"]) == (1, 25.0, 2)


def test_without_data_a_kpi_is_none_not_zero(
    engine: Engine, clock: ManualClock, workspace: Workspace, store: AnalyticsStore
) -> None:
    found = figures(engine, store, workspace.id, clock.now() - timedelta(days=1), clock.now())
    assert found["visitors"] == 0
    assert found["conversion_rate"] is None
    assert found["nps"] is None
    assert found["roas"] is None


def test_a_period_lies_from_1900_to_2999_and_a_window_within_100_years(
    client: httpx.Client, workspace: Workspace, server: tuple[str, Runtime]
) -> None:
    """So no report steps past the dates Python holds: these made 500s."""
    admin = bearer(workspace.admin_token)
    widest = "from=1900-01-01&to=2999-12-31T23:59:59Z&churn_window=36600d"
    assert client.get(f"/api/v1/kpis?{widest}", headers=admin).status_code == 200
    for query, field in [
        ("from=0001-01-01&to=2026-01-01", "from"),
        ("from=2026-01-01&to=9999-12-31T23:59:59Z", "to"),
        ("to=0001-01-01T00:00:00%2B01:00", "to"),
        ("churn_window=99999999999d", "churn_window"),
        ("churn_window=36601d", "churn_window"),
    ]:
        refused = client.get(f"/api/v1/kpis?{query}", headers=admin)
        assert refused.status_code == 400, (query, refused.text)
        assert refused.json()["error"]["field"] == field
