"""The library of ready journeys over HTTP: browse, read, install with parameters."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.teams import Role
from baton.workspaces import KeyKind, create_key
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run


def test_browse_and_install_a_ready_journey(client: httpx.Client, workspace: Workspace) -> None:
    admin = bearer(workspace.admin_token)
    listed = client.get("/api/v1/journey-templates", params={"stage": "retention"}, headers=admin)
    assert listed.status_code == 200
    names = {t["name"] for t in listed.json()["items"]}
    assert {"win-back", "telecom-outage", "birthday"} <= names
    assert "cart-abandonment" not in names
    assert client.get("/api/v1/journey-templates").status_code == 401

    shown = client.get("/api/v1/journey-templates/telecom-outage", headers=admin).json()
    assert shown["journeys"] == ["telecom-outage", "telecom-outage-all-clear"]
    assert shown["parameters"]["longest_outage"]["default"] == "3d"
    assert shown["parts"]["policy"]["pauses"][0]["segment"] == "in-outage"

    installed = client.post(
        "/api/v1/journey-templates",
        json={"name": "telecom-outage", "parameters": {"company": "Telco"}, "publish": False},
        headers=admin,
    )
    assert installed.status_code == 201, installed.text
    body = installed.json()
    assert body["parameters"] == {"longest_outage": "3d", "company": "Telco"}
    assert {"kind": "journey", "key": "telecom-outage", "action": "created"} in body["installed"]
    assert {"kind": "policy", "key": "pause outage", "action": "created"} in body["installed"]
    journey = client.get("/api/v1/journeys/telecom-outage", headers=admin).json()
    assert journey["status"] == "draft"
    policy = client.get("/api/v1/policy", headers=admin).json()
    assert [p["name"] for p in policy["pauses"]] == ["outage"]
    sms = client.get("/api/v1/templates/outage-sms", headers=admin).json()
    assert sms["body"].startswith("Telco: ")


def test_a_bad_install_is_refused_with_the_reason(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    cases = [
        ({"parameters": {}}, 400, "name:"),
        ({"name": "nope"}, 404, "no journey template named 'nope'"),
        ({"name": "win-back", "parameters": {"inactive_days": "x"}}, 400,
         "parameters.inactive_days: 'x' is not a whole number"),
        ({"name": "win-back", "parameters": {"days": 3}}, 400, "no such parameter"),
        ({"name": "win-back", "parameters": [1]}, 400, "parameters:"),
        ({"name": "win-back", "publish": "yes"}, 400, "publish:"),
    ]  # fmt: skip
    for body, status, message in cases:
        answer = client.post("/api/v1/journey-templates", json=body, headers=admin)
        assert answer.status_code == status, (body, answer.text)
        assert message in answer.json()["error"]["message"], answer.text
    assert client.get("/api/v1/journeys/win-back", headers=admin).status_code == 404


def test_one_call_enters_every_customer_of_a_region(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    client.post("/api/v1/journey-templates", json={"name": "telecom-outage"}, headers=admin)
    ingest(client, workspace, *(
        {"type": "identify", "userId": f"n{i}", "traits": {"region": "North"}} for i in range(3)
    ), {"type": "identify", "userId": "s", "traits": {"region": "South"}})  # fmt: skip
    run(engine, clock)
    entered = client.post(
        "/api/v1/journeys/telecom-outage/enter",
        json={"where": {"region": "North"}, "properties": {"region": "North"}},
        headers=admin,
    )
    assert entered.status_code == 200, entered.text
    assert entered.json() == {"entered": 3, "refused": {}}
    again = client.post("/api/v1/journeys/telecom-outage/enter",
                        json={"where": {"region": "North"}}, headers=admin)  # fmt: skip
    assert again.json() == {"entered": 0, "refused": {"already_in": 3}}
    for where, field in (({}, "where"), ({"region": 3}, "where.region"), (["North"], "where")):
        bad = client.post("/api/v1/journeys/telecom-outage/enter", json={"where": where},
                          headers=admin)  # fmt: skip
        assert bad.status_code == 400
        assert bad.json()["error"]["field"] == field
        assert bad.json()["error"]["message"].startswith(f"{field}:")


def test_a_marketer_installs_only_what_they_could_make_live_by_hand(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    with write_transaction(engine) as connection:
        marketer = bearer(
            create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=Role.MARKETER)
        )
    # The workspace policy is an admin's: a template that adds to it is not a marketer's.
    outage = {"name": "telecom-outage", "parameters": {"company": "Telco"}, "publish": False}
    refused = client.post("/api/v1/journey-templates", json=outage, headers=marketer)
    assert refused.status_code == 403, refused.text
    assert "pause outage" in refused.json()["error"]["message"]
    assert client.get("/api/v1/journeys/telecom-outage", headers=admin).status_code == 404
    assert client.get("/api/v1/policy", headers=admin).json()["pauses"] == []

    patched = client.patch("/api/v1/workspace", json={"require_approval": ["journeys"]},
                           headers=admin)  # fmt: skip
    assert patched.status_code == 200, patched.text
    win_back = {"name": "win-back", "parameters": {}}
    held = client.post("/api/v1/journey-templates", json=win_back, headers=marketer)
    assert held.status_code == 409
    assert "publish false" in held.json()["error"]["message"]
    assert client.get("/api/v1/journeys/win-back", headers=admin).status_code == 404
    drafted = client.post("/api/v1/journey-templates", json={**win_back, "publish": False},
                          headers=marketer)  # fmt: skip
    assert drafted.status_code == 201, drafted.text
    assert client.get("/api/v1/journeys/win-back", headers=admin).json()["status"] == "draft"

    client.patch("/api/v1/workspace", json={"require_approval": ["templates"]}, headers=admin)
    again = client.post("/api/v1/journey-templates", json={"name": "birthday", "publish": False},
                        headers=marketer)  # fmt: skip
    assert again.status_code == 409
    assert "message templates here change after approval" in again.json()["error"]["message"]
    assert client.get("/api/v1/journeys/birthday", headers=admin).status_code == 404
    assert client.post("/api/v1/journey-templates", json={"name": "birthday"},
                       headers=admin).status_code == 201  # fmt: skip
