"""Segments and computed traits over real HTTP, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.segments.helpers import settle

BIG_SPENDERS: dict[str, Any] = {
    "key": "big-spenders",
    "name": "Big spenders",
    "condition": {
        "aggregate": "sum",
        "event": "Order Completed",
        "property": "revenue",
        "window": {"last": "90d"},
        "op": "gt",
        "value": 500,
    },
}


def _orders(client: httpx.Client, workspace: Workspace, clock: ManualClock) -> None:
    now = clock.now().isoformat()
    ingest(
        client,
        workspace,
        *(
            {
                "type": "track",
                "userId": f"spender-{i}",
                "event": "Order Completed",
                "properties": {"revenue": 200 * i},
                "timestamp": now,
            }
            for i in range(1, 6)
        ),
    )


def test_a_segment_is_built_for_existing_profiles_and_listed(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    _orders(client, workspace, clock)
    settle(engine, clock)

    preview = client.post("/api/v1/segments/preview", json=BIG_SPENDERS, headers=headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["count"] == 3  # 600, 800, 1000
    assert len(preview.json()["sample"]) == 3

    created = client.post("/api/v1/segments", json=BIG_SPENDERS, headers=headers)
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["status"] == "building"
    assert segment["version"] == 1
    assert segment["definition"] == BIG_SPENDERS
    settle(engine, clock)

    count = client.get(f"/api/v1/segments/{segment['id']}/count", headers=headers).json()
    assert count == {
        "id": segment["id"],
        "key": "big-spenders",
        "count": 3,
        "status": "live",
        "version": 1,
    }
    first = client.get("/api/v1/segments/big-spenders/members?limit=2", headers=headers).json()
    assert len(first["items"]) == 2
    rest = client.get(
        f"/api/v1/segments/big-spenders/members?limit=2&cursor={first['next']}", headers=headers
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None
    member_id = rest["items"][0]["profile_id"]
    profile = client.get(f"/api/v1/profiles/{member_id}", headers=headers).json()
    assert [s["key"] for s in profile["segments"]] == ["big-spenders"]

    listed = client.get("/api/v1/segments", headers=headers).json()["items"]
    assert [s["key"] for s in listed] == ["big-spenders"]
    assert listed[0]["status"] == "live"


def test_editing_a_segment_makes_a_new_version_and_moves_members(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    _orders(client, workspace, clock)
    client.post("/api/v1/segments", json=BIG_SPENDERS, headers=headers)
    settle(engine, clock)
    cheaper = {**BIG_SPENDERS, "condition": {**BIG_SPENDERS["condition"], "value": 100}}
    response = client.put("/api/v1/segments/big-spenders", json=cheaper, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    same = client.put("/api/v1/segments/big-spenders", json=cheaper, headers=headers)
    assert same.json()["version"] == 2  # unchanged: no new version
    settle(engine, clock)
    count = client.get("/api/v1/segments/big-spenders/count", headers=headers).json()
    assert count["count"] == 5
    renamed = client.put(
        "/api/v1/segments/big-spenders", json={**cheaper, "key": "other"}, headers=headers
    )
    assert renamed.status_code == 400
    assert renamed.json()["error"]["field"] == "key"


def test_computed_traits_have_the_same_shape(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    _orders(client, workspace, clock)
    settle(engine, clock)
    trait = {
        "key": "revenue_90d",
        "name": "Revenue, 90 days",
        "kind": "sum",
        "event": "Order Completed",
        "property": "revenue",
        "window": {"last": "90d"},
    }
    preview = client.post("/api/v1/computed-traits/preview", json=trait, headers=headers).json()
    assert preview["count"] == 5
    created = client.post("/api/v1/computed-traits", json=trait, headers=headers)
    assert created.status_code == 201, created.text
    settle(engine, clock)
    page = client.get("/api/v1/computed-traits/revenue_90d/members", headers=headers).json()
    assert sorted(item["value"] for item in page["items"]) == [200.0, 400.0, 600.0, 800.0, 1000.0]
    count = client.get("/api/v1/computed-traits/revenue_90d/count", headers=headers).json()
    assert count["count"] == 5
    profile_id = page["items"][0]["profile_id"]
    profile = client.get(f"/api/v1/profiles/{profile_id}", headers=headers).json()
    assert profile["computed"]["revenue_90d"] == page["items"][0]["value"]

    uses = {
        "key": "uses-revenue",
        "name": "Uses revenue",
        "condition": {"computed": "revenue_90d", "op": "gte", "value": 800},
    }
    assert client.post("/api/v1/segments", json=uses, headers=headers).status_code == 201
    blocked = client.delete("/api/v1/computed-traits/revenue_90d", headers=headers)
    assert blocked.status_code == 409
    assert "uses-revenue" in blocked.json()["error"]["message"]
    assert client.delete("/api/v1/segments/uses-revenue", headers=headers).status_code == 204
    assert client.delete("/api/v1/computed-traits/revenue_90d", headers=headers).status_code == 204
    profile = client.get(f"/api/v1/profiles/{profile_id}", headers=headers).json()
    assert "revenue_90d" not in profile["computed"]
    gone = client.get("/api/v1/computed-traits/revenue_90d", headers=headers)
    assert gone.status_code == 404


def test_evaluate_on_demand_rebuilds(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    client.post("/api/v1/segments", json=BIG_SPENDERS, headers=headers)
    settle(engine, clock)
    response = client.post("/api/v1/segments/big-spenders/evaluate", headers=headers)
    assert response.status_code == 202
    assert response.json()["status"] == "building"
    settle(engine, clock)
    assert client.get("/api/v1/segments/big-spenders", headers=headers).json()["status"] == "live"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"key": "x", "name": "X", "condition": {"trait": "a", "op": "gt"}}, 400, "condition"),
        ({"key": "x", "name": "X"}, 400, "condition"),
        ({"key": "x", "name": "X", "condition": {"segment": "missing"}}, 400, "condition"),
        ({"key": "big-spenders", "name": "Again", "condition": {"has": "email"}}, 409, "key"),
    ],
)
def test_bad_definitions_get_precise_errors(
    client: httpx.Client, workspace: Workspace, body: dict[str, Any], status: int, field: str
) -> None:
    headers = bearer(workspace.admin_token)
    client.post("/api/v1/segments", json=BIG_SPENDERS, headers=headers)
    response = client.post("/api/v1/segments", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def test_segments_need_the_admin_token(client: httpx.Client, workspace: Workspace) -> None:
    assert client.get("/api/v1/segments").status_code == 401
    assert (
        client.get("/api/v1/segments/nope", headers=bearer(workspace.admin_token)).status_code
        == 404
    )


def test_text_with_nul_is_refused_naming_where(client: httpx.Client, workspace: Workspace) -> None:
    """PostgreSQL stores no text with NUL (a 500 there): refused on every backend. The
    fuzzing's examples: a segment's name, a key of the policy's event names."""
    headers = bearer(workspace.admin_token)
    named = {**BIG_SPENDERS, "name": "Big\x00spenders"}
    for method, url, body, field in [
        ("post", "/api/v1/segments", named, "name"),
        ("put", "/api/v1/policy", {"event_names": {"Order\x00": "Order Completed"}}, "event_names"),
    ]:
        refused = client.request(method, url, json=body, headers=headers)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == field
    as_yaml = 'key: k\nname: "\\0"\ncondition: {has: email}\n'
    refused = client.post(
        "/api/v1/segments", content=as_yaml, headers={**headers, "Content-Type": "application/yaml"}
    )
    assert refused.json()["error"]["field"] == "name"
