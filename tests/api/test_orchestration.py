"""Policy, backtests, test runs and "why" over real HTTP, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run

POLICY = """
timezone: Europe/Paris
caps:
  - {name: marketing-daily, max: 1, per: 1d}
  - {name: sms-weekly, max: 2, per: 7d, channel: sms}
quiet_hours: {start: "21:00", end: "08:00"}
"""
YAML = {"Content-Type": "application/yaml"}


def journey(key: str, priority: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": key,
        "priority": priority,
        "trigger": {"event": "Product Added"},
        "start": "send",
        "nodes": {"send": {"type": "message", "channel": "email", "template": key}},
        **extra,
    }


def put_and_publish(client: httpx.Client, admin: dict[str, str], key: str, body: Any) -> None:
    assert client.put(f"/api/v1/journeys/{key}", json=body, headers=admin).status_code == 201
    assert client.post(f"/api/v1/journeys/{key}/publish", headers=admin).status_code == 200


def test_the_policy_is_set_as_yaml_read_back_and_bad_input_names_the_field(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    saved = client.put("/api/v1/policy", content=POLICY, headers={**admin, **YAML})
    assert saved.status_code == 200, saved.text
    found = client.get("/api/v1/policy", headers=admin).json()
    assert found == saved.json()
    assert found["timezone"] == "Europe/Paris"
    assert found["caps"][1] == {"name": "sms-weekly", "max": 2, "per": "7d", "channel": "sms"}
    assert found["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    for body, field in [
        ({"caps": [{"name": "x", "max": 0, "per": "1d"}]}, "caps.0.max"),
        ({"caps": [{"name": "x", "max": 1, "per": "soon"}]}, "caps.0.per"),
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"caps": [{"name": "a", "max": 1, "per": "1d"}] * 2}, "caps"),
        ({"limits": []}, "limits"),
    ]:
        bad = client.put("/api/v1/policy", json=body, headers=admin)
        assert bad.status_code == 400, body
        assert bad.json()["error"]["field"] == field, bad.json()
    assert client.get("/api/v1/policy", headers=admin).json() == found


def test_why_explains_a_capped_message_and_a_profile_that_never_entered(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    client.put("/api/v1/policy", json={"caps": [{"name": "daily", "max": 1, "per": "1d"}]},
               headers=admin)  # fmt: skip
    put_and_publish(client, admin, "offer", journey("offer", 90))
    put_and_publish(client, admin, "promo", journey("promo", 10))
    pro = {"trait": "plan", "op": "equals", "value": "pro"}
    put_and_publish(client, admin, "vip", journey("vip", 50, audience=pro))
    ingest(client, workspace, {"type": "identify", "userId": "ann", "traits": {"plan": "free"}})
    run(engine, clock)
    clock.advance(timedelta(seconds=1))
    ingest(client, workspace, {"type": "track", "userId": "ann", "event": "Product Added"})
    ingest(client, workspace, {"type": "identify", "userId": "bob", "traits": {"plan": "pro"}})
    run(engine, clock)
    profile_id = _profile_id(client, admin, "ann")

    capped = client.get(
        "/api/v1/journeys/promo/why", params={"profile_id": profile_id}, headers=admin
    ).json()
    assert capped["entered"] is True
    (message,) = capped["instances"][0]["messages"]
    assert (message["status"], message["reason"]) == ("skipped", "cap:daily")
    assert "frequency cap 'daily'" in capped["answer"]
    assert message["decisions"][0]["decision"] == "skipped"
    sent = client.get(
        "/api/v1/journeys/offer/why", params={"profile_id": profile_id}, headers=admin
    ).json()
    assert "was sent at" in sent["answer"]

    refused = client.get(
        "/api/v1/journeys/vip/why", params={"profile_id": profile_id}, headers=admin
    ).json()
    assert refused["entered"] is False
    codes = [reason["code"] for reason in refused["reasons"]]
    assert codes[0] == "audience"  # the refusal recorded when the event came
    audience = refused["reasons"][-1]["detail"]["audience"]
    assert audience == {"trait": "plan", "op": "equals", "value": "pro", "actual": "free",
                        "holds": False}  # fmt: skip

    bob_id = _profile_id(client, admin, "bob")
    idle = client.get(
        "/api/v1/journeys/offer/why", params={"profile_id": bob_id}, headers=admin
    ).json()
    assert idle["reasons"][0]["code"] == "trigger_not_matched"
    assert idle["answer"] == "the profile has no 'Product Added' event"
    missing = client.get(
        "/api/v1/journeys/offer/why", params={"profile_id": "prof_nobody"}, headers=admin
    )
    assert missing.status_code == 404


def _profile_id(client: httpx.Client, admin: dict[str, str], user_id: str) -> str:
    found = client.get("/api/v1/profiles/lookup", params={"user_id": user_id}, headers=admin)
    assert found.status_code == 200, found.text
    profile_id: str = found.json()["id"]
    return profile_id


def test_a_backtest_and_a_test_run_over_http(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    start = clock.now()
    ingest(client, workspace, {"type": "identify", "userId": "cy",
                               "traits": {"email": "cy@example.com"}})  # fmt: skip
    ingest(client, workspace, {"type": "track", "userId": "cy", "event": "Product Added"})
    run(engine, clock)
    body = {**journey("nudge", 50), "start": "pause"}
    body["nodes"] = {
        "pause": {"type": "delay", "duration": "2h", "next": "send"},
        "send": {"type": "message", "channel": "email", "template": "nudge"},
    }
    assert client.put("/api/v1/journeys/nudge", json=body, headers=admin).status_code == 201
    window = {"from": start.date().isoformat(), "to": (start + timedelta(days=2)).isoformat()}
    report = client.post("/api/v1/journeys/nudge/simulate", json=window, headers=admin)
    assert report.status_code == 200, report.text
    assert report.json()["entered"] == 1
    assert report.json()["messages"]["email"]["sent"] == 1
    for bad, field in [
        ({"to": window["to"]}, "from"),
        ({**window, "to": "yesterday"}, "to"),
        ({**window, "version": 7}, "version"),
        ({**window, "sample": 1000}, "sample"),
        ({"from": window["to"], "to": window["from"]}, "to"),
    ]:
        refused = client.post("/api/v1/journeys/nudge/simulate", json=bad, headers=admin)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["field"] == field

    trial = client.post(
        "/api/v1/journeys/nudge/test-run",
        json={"user_id": "cy", "events": [{"after": "1h", "event": "Viewed"}], "horizon": "1d"},
        headers=admin,
    )
    assert trial.status_code == 200, trial.text
    (message,) = trial.json()["messages"]
    assert message["to"] == "cy@example.com"
    assert message["template"] == "nudge"
    assert trial.json()["outcome"] == "completed"
    for bad, field in [
        ({"events": [{"after": "1h"}]}, "events.0.event"),
        ({"user_id": "cy", "events": [{"after": "soon", "event": "X"}]}, "events.0.after"),
        ({"user_id": "cy", "horizon": 3}, "horizon"),
        ({}, "user_id"),
    ]:
        refused = client.post("/api/v1/journeys/nudge/test-run", json=bad, headers=admin)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["field"] == field
    unknown = client.post(
        "/api/v1/journeys/nudge/test-run", json={"user_id": "nobody"}, headers=admin
    )
    assert unknown.status_code == 404
