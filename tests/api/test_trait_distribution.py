"""A computed trait's value distribution over real HTTP, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.segments.helpers import settle


def _trait(client: httpx.Client, workspace: Workspace, kind: str, property: str) -> None:
    body = {
        "key": "the_trait",
        "name": "The trait",
        "kind": kind,
        "event": "Order Completed",
        "property": property,
        "window": {"last": "90d"},
    }
    created = client.post(
        "/api/v1/computed-traits", json=body, headers=bearer(workspace.admin_token)
    )
    assert created.status_code == 201, created.text


def _orders(
    client: httpx.Client, workspace: Workspace, clock: ManualClock, orders: list[dict[str, object]]
) -> None:
    now = clock.now().isoformat()
    ingest(
        client,
        workspace,
        *(
            {
                "type": "track",
                "userId": f"buyer-{i}",
                "event": "Order Completed",
                "properties": properties,
                "timestamp": now,
            }
            for i, properties in enumerate(orders)
        ),
    )


def _distribution(client: httpx.Client, workspace: Workspace) -> dict[str, object]:
    response = client.get(
        "/api/v1/computed-traits/the_trait/distribution", headers=bearer(workspace.admin_token)
    )
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


def test_whole_numbers_spread_over_at_most_ten_whole_buckets(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    _orders(client, workspace, clock, [{"revenue": r} for r in (200, 400, 600, 800, 1000, 1000)])
    _trait(client, workspace, "sum", "revenue")
    settle(engine, clock)
    found = _distribution(client, workspace)
    assert found["kind"] == "numeric"
    assert (found["profiles"], found["sampled"]) == (6, False)
    assert (found["min"], found["max"], found["mean"]) == (200, 1000, 4000 / 6)
    held = {0: 1, 2: 1, 4: 1, 7: 1, 9: 2}
    assert found["buckets"] == [
        {"from": 200 + 81 * i, "to": min(280 + 81 * i, 1000), "profiles": held.get(i, 0)}
        for i in range(10)
    ]


def test_fractions_spread_over_ten_even_buckets(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    _orders(client, workspace, clock, [{"revenue": r} for r in (1.5, 3.5, 11.5)])
    _trait(client, workspace, "avg", "revenue")
    settle(engine, clock)
    found = _distribution(client, workspace)
    assert (found["kind"], found["min"], found["max"]) == ("numeric", 1.5, 11.5)
    held = {0: 1, 2: 1, 9: 1}
    assert found["buckets"] == [
        {"from": 1.5 + i, "to": 2.5 + i, "profiles": held.get(i, 0)} for i in range(10)
    ]


def test_other_values_are_counted_most_held_first(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    skus = ["b"] * 3 + ["a"] * 3 + ["c"] * 2 + [f"rare-{i:02}" for i in range(9)]
    _orders(client, workspace, clock, [{"sku": sku} for sku in skus])
    _trait(client, workspace, "last", "sku")
    settle(engine, clock)
    found = _distribution(client, workspace)
    assert found["kind"] == "categorical"
    assert (found["profiles"], found["sampled"], found["other"]) == (17, False, 2)
    assert found["values"] == [
        {"value": "a", "profiles": 3},
        {"value": "b", "profiles": 3},
        {"value": "c", "profiles": 2},
        *({"value": f"rare-{i:02}", "profiles": 1} for i in range(7)),
    ]


def test_one_value_is_one_bucket_and_none_is_empty(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    _trait(client, workspace, "sum", "revenue")
    settle(engine, clock)
    empty = _distribution(client, workspace)
    assert (empty["kind"], empty["values"], empty["other"], empty["profiles"]) == (
        "categorical",
        [],
        0,
        0,
    )
    _orders(client, workspace, clock, [{"revenue": 5}, {"revenue": 5}])
    settle(engine, clock)
    found = _distribution(client, workspace)
    assert found["buckets"] == [{"from": 5, "to": 5, "profiles": 2}]


def test_an_unknown_trait_is_not_found(client: httpx.Client, workspace: Workspace) -> None:
    headers = bearer(workspace.admin_token)
    response = client.get("/api/v1/computed-traits/nope/distribution", headers=headers)
    assert response.status_code == 404
    segment = client.get("/api/v1/segments/nope/distribution", headers=headers)
    assert segment.status_code in (404, 405)
