"""Funnels over a handful of shoppers whose paths are known, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.analytics.funnels import funnel, parse_funnel
from baton.core.clock import ManualClock
from baton.runtime import Runtime
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.segments.helpers import identify, track

STEPS = [{"event": "Product Viewed"}, {"event": "Product Added"},
         {"event": "Checkout Started"}, {"event": "Order Completed"}]  # fmt: skip


def test_a_funnel_counts_steps_in_order_within_the_window(
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    client: httpx.Client,
    server: tuple[str, Runtime],
) -> None:
    t, h = clock.now(), timedelta(hours=1)
    send(engine, clock, workspace.id,
         identify("a", t, plan="pro"), identify("b", t, plan="pro"), identify("c", t, plan="free"),
         # a does every step; b skips the checkout; c adds after the window; d never views;
         # e viewed before the period, and again in it.
         track("a", "Product Viewed", t), track("a", "Product Added", t + h, {"sku": "x"}),
         track("a", "Checkout Started", t + 2 * h), track("a", "Order Completed", t + 3 * h),
         track("b", "Product Viewed", t), track("b", "Product Added", t + 2 * h, {"sku": "y"}),
         track("b", "Order Completed", t + 3 * h),
         track("c", "Product Viewed", t), track("c", "Product Added", t + timedelta(days=8)),
         track("d", "Product Added", t),
         track("e", "Product Viewed", t - timedelta(days=2)), track("e", "Product Viewed", t + h),
         track("e", "Product Added", t + 1.5 * h, {"sku": "x"}))  # fmt: skip
    body = {"steps": STEPS, "from": t.isoformat(), "to": (t + timedelta(days=1)).isoformat(),
            "breakdown": {"trait": "plan"}}  # fmt: skip
    store = server[1].analytics
    assert store is not None
    store.sync(engine, clock.now())
    found = funnel(store, workspace.id, parse_funnel(body))
    assert [s["profiles"] for s in found["by_step"]] == [4, 3, 1, 1]
    assert (found["entered"], found["completed"]) == (4, 1)
    added = found["by_step"][1]
    assert added["conversion_from_previous"] == 0.75
    assert added["median_seconds_from_previous"] == 3600  # of 1h, 2h and 30 min
    assert found["by_step"][3]["conversion_from_first"] == 0.25
    by_plan = {plan: [s["profiles"] for s in counts["by_step"]]
               for plan, counts in found["breakdown"].items()}  # fmt: skip
    assert by_plan == {"pro": [2, 2, 1, 1], "free": [1, 0, 0, 0], "(none)": [1, 1, 0, 0]}

    only_x = {**body, "steps": [STEPS[0], {"event": "Product Added", "where": {"sku": "x"}}],
              "breakdown": None}  # fmt: skip
    narrowed = funnel(store, workspace.id, parse_funnel(only_x))
    assert [s["profiles"] for s in narrowed["by_step"]] == [4, 2]

    admin = bearer(workspace.admin_token)
    over_api = client.post("/api/v1/analytics/funnel", json=body, headers=admin)
    assert over_api.status_code == 200, over_api.text
    assert over_api.json() == found
    status = client.get("/api/v1/analytics/status", headers=admin).json()
    assert status["synced_through_seq"] > 0
    month_before = {**body, "from": (t + timedelta(days=1) - timedelta(days=30)).isoformat()}
    without_from = {k: v for k, v in body.items() if k != "from"}
    defaulted = client.post("/api/v1/analytics/funnel", json=without_from, headers=admin)
    assert defaulted.json() == funnel(store, workspace.id, parse_funnel(month_before))
    one_step = client.post("/api/v1/analytics/funnel", json={**body, "steps": STEPS[:1]},
                           headers=admin)  # fmt: skip
    assert (one_step.status_code, one_step.json()["error"]["field"]) == (400, "steps")


def test_any_property_key_matches_and_breaks_down(
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    client: httpx.Client,
    server: tuple[str, Runtime],
) -> None:
    """Keys a `$."key"` path cannot name: an empty one (the fuzzing's `{"": ...}` made
    DuckDB fail), one ending in a backslash, a wildcard, a slash."""
    t = clock.now()
    odd = {"": "empty", "a\\": "slash", "*": "star", "a/b": "path"}
    send(engine, clock, workspace.id,
         track("a", "Viewed", t, odd), track("a", "Bought", t + timedelta(minutes=1)),
         track("b", "Viewed", t, {**odd, "*": "other"}), track("b", "Bought", t))  # fmt: skip
    store = server[1].analytics
    assert store is not None
    store.sync(engine, clock.now())
    body = {"steps": [{"event": "Viewed", "where": odd}, {"event": "Bought"}],
            "from": t.isoformat(), "to": (t + timedelta(hours=1)).isoformat(),
            "breakdown": {"property": ""}}  # fmt: skip
    found = client.post(
        "/api/v1/analytics/funnel", json=body, headers=bearer(workspace.admin_token)
    )
    assert found.status_code == 200, found.text
    assert [s["profiles"] for s in found.json()["by_step"]] == [1, 1]
    assert list(found.json()["breakdown"]) == ["empty"]


def test_a_funnel_period_lies_from_1900_to_2999(
    client: httpx.Client, workspace: Workspace, server: tuple[str, Runtime]
) -> None:
    """Its window is added to `to`: at year 9999 that made a 500, as did a window of a
    billion days and a year-1 instant in seconds."""
    admin = bearer(workspace.admin_token)
    periods: list[tuple[dict[str, Any], str]] = [
        ({"from": "2026-01-01", "to": "9999-12-31T23:59:59Z"}, "to"),
        ({"from": -62135596800, "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "2026-02-01", "window": "99999999999d"}, "window"),
    ]
    for period, field in periods:
        body = {"steps": STEPS, **period}
        refused = client.post("/api/v1/analytics/funnel", json=body, headers=admin)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == field
