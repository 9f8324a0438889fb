"""Paths after and before an event, and cohort retention, over the analytics store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.timeline import timeline_row, write_timeline
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.segments.helpers import track


def test_paths_show_where_customers_go_instead_of_buying(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    server: tuple[str, Runtime],
) -> None:  # fmt: skip
    t, m = clock.now(), timedelta(minutes=1)
    send(engine, clock, workspace.id,
         track("p1", "Page Viewed", t - m), track("p1", "Product Added", t),
         track("p1", "Product Viewed", t + m), track("p1", "Order Completed", t + 2 * m),
         track("p2", "Product Added", t), track("p2", "Product Viewed", t + m),
         track("p2", "Product Viewed", t + 2 * m),
         track("p3", "Product Added", t), track("p3", "Product Viewed", t + m),
         track("p3", "Order Completed", t + 2 * m),
         track("p4", "Product Added", t),
         track("p5", "Product Added", t), track("p5", "Ticket Opened", t + 2 * m))  # fmt: skip
    # Baton's own record of a message between the two, which paths leave out.
    p5 = profile(engine, workspace.id, "p5")["id"]
    with write_transaction(engine) as connection:
        sent = timeline_row(workspace.id, p5, "Message Sent", {}, t + m, "sent-to-p5", at=t + m)
        write_timeline(connection, [sent], t + m)
    store = server[1].analytics
    assert store is not None
    store.sync(engine, clock.now())
    admin = bearer(workspace.admin_token)
    period = {"from": (t - timedelta(hours=1)).isoformat(), "to": (t + m).isoformat()}

    def ask(**body: Any) -> dict[str, Any]:
        body = {"event": "Product Added", "steps": 2, **period, **body}
        answer = client.post("/api/v1/analytics/paths", headers=admin, json=body)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def counted(found: dict[str, Any]) -> dict[tuple[str, ...], int]:
        return {tuple(p["path"]): p["profiles"] for p in found["paths"]}

    after = ask()
    assert after["profiles"] == 5
    assert counted(after) == {
        ("Product Viewed", "Order Completed"): 2, ("Product Viewed", "Product Viewed"): 1,
        ("Ticket Opened", "(end)"): 1, ("(end)",): 1,
    }  # fmt: skip
    assert after["paths"][0]["path"] == ["Product Viewed", "Order Completed"]
    instead = ask(without="Order Completed")
    assert counted(instead) == {("Product Viewed", "Product Viewed"): 1,
                                ("Ticket Opened", "(end)"): 1, ("(end)",): 1}  # fmt: skip
    before = ask(direction="before", steps=1)
    assert counted(before) == {("Page Viewed",): 1, ("(end)",): 4}
    bad = client.post("/api/v1/analytics/paths", headers=admin, json={"event": "X", "steps": 99})
    assert bad.status_code == 400


def test_cohorts_count_who_came_back_each_week(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client,
    server: tuple[str, Runtime],
) -> None:  # fmt: skip
    week = timedelta(days=7)
    monday = clock.now().replace(hour=12) - timedelta(days=clock.now().weekday())
    send(engine, clock, workspace.id,
         *(track("a", "Page Viewed", monday + k * week) for k in range(3)),
         track("b", "Page Viewed", monday),
         track("c", "Page Viewed", monday + week), track("c", "Order Completed", monday + week),
         track("c", "Page Viewed", monday + 2 * week))  # fmt: skip
    store = server[1].analytics
    assert store is not None
    store.sync(engine, clock.now())
    admin = bearer(workspace.admin_token)
    query = {
        "from": (monday - week).date().isoformat(),
        "to": (monday + 3 * week).date().isoformat(),
    }
    answer = client.get("/api/v1/analytics/cohorts", params=query, headers=admin)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert [(c["cohort"], c["profiles"], c["active"]) for c in found["cohorts"]] == [
        (monday.date().isoformat(), 2, [2, 1, 1]),
        ((monday + week).date().isoformat(), 1, [1, 1]),
    ]
    assert found["cohorts"][0]["retention"] == [1.0, 0.5, 0.5]
    buyers = client.get("/api/v1/analytics/cohorts", params={**query, "by": "first_order"},
                        headers=admin).json()  # fmt: skip
    assert [(c["cohort"], c["active"]) for c in buyers["cohorts"]] == [
        ((monday + week).date().isoformat(), [1, 1])]  # fmt: skip
    wrong = client.get("/api/v1/analytics/cohorts", params={**query, "period": "fortnight"},
                       headers=admin)  # fmt: skip
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (400, "period")
