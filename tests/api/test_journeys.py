"""Journeys over real HTTP, on both databases: YAML in, publish, enter, stats, history."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run

ONBOARDING = """
name: Onboarding
trigger: {api: true}
goal: {event: Activated}
start: welcome
nodes:
  welcome: {type: message, channel: email, template: welcome, next: nudge_later}
  nudge_later: {type: delay, duration: 2d, next: nudge}
  nudge: {type: message, channel: push, template: nudge}
"""
YAML = {"Content-Type": "application/yaml"}


def _put(client: httpx.Client, workspace: Workspace, body: str) -> httpx.Response:
    headers = {**bearer(workspace.admin_token), **YAML}
    return client.put("/api/v1/journeys/onboarding", content=body, headers=headers)


def test_a_journey_is_drafted_published_entered_and_explained(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    created = _put(client, workspace, ONBOARDING)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert created.json()["draft_version"] == 1
    again = _put(client, workspace, ONBOARDING)
    assert (again.status_code, again.json()["change"]) == (200, "unchanged")

    early = client.post("/api/v1/journeys/onboarding/enter", json={"user_id": "x"}, headers=admin)
    assert early.status_code == 404  # no such profile yet

    ingest(
        client,
        workspace,
        {"type": "identify", "userId": "ada", "traits": {"email": "ada@example.com"}},
    )
    run(engine, clock)
    not_published = client.post(
        "/api/v1/journeys/onboarding/enter", json={"user_id": "ada"}, headers=admin
    )
    assert not_published.status_code == 409

    published = client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    assert published.json()["status"] == "published"
    assert published.json()["published_version"] == 1

    entered = client.post(
        "/api/v1/journeys/onboarding/enter",
        json={"email": "ada@example.com", "properties": {"plan": "trial"}},
        headers=admin,
    )
    assert entered.status_code == 201, entered.text
    instance = entered.json()
    assert instance["node"] == "nudge_later"
    assert instance["trigger"]["properties"] == {"plan": "trial"}
    twice = client.post("/api/v1/journeys/onboarding/enter", json={"user_id": "ada"}, headers=admin)
    assert twice.status_code == 409
    assert "already" in twice.json()["error"]["message"]

    run(engine, clock)
    clock.advance(timedelta(days=2))
    run(engine, clock)
    messages = client.get(
        "/api/v1/messages", params={"journey": "onboarding"}, headers=admin
    ).json()["items"]
    assert [(m["template"], m["status"], m["node"]) for m in messages] == [
        ("nudge", "delivered", "nudge"),
        ("welcome", "delivered", "welcome"),
    ]
    assert messages[0]["idempotency_key"] == f"{instance['id']}:nudge:1"
    assert messages[0]["version"] == 1
    delivered = client.get(
        "/api/v1/messages",
        params={"profile_id": instance["profile_id"], "status": "delivered"},
        headers=admin,
    ).json()["items"]
    assert len(delivered) == 2
    pages = [client.get("/api/v1/messages", params={"limit": 1}, headers=admin).json()]
    while pages[-1]["next"] is not None and len(pages) < 5:
        params = {"limit": 1, "cursor": pages[-1]["next"]}
        pages.append(client.get("/api/v1/messages", params=params, headers=admin).json())
    assert [m["id"] for page in pages for m in page["items"]] == [m["id"] for m in messages]
    bad = client.get("/api/v1/messages", params={"status": "lost"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "status"

    history = client.get(
        "/api/v1/journeys/onboarding/instances",
        params={"profile_id": instance["profile_id"]},
        headers=admin,
    ).json()["items"]
    assert [(s["node"], s["action"]) for s in history[0]["steps"]] == [
        ("welcome", "message"),
        ("nudge_later", "delay"),
        ("nudge_later", "timer"),
        ("nudge_later", "resumed"),
        ("nudge", "message"),
        ("nudge", "ended"),
    ]
    assert history[0]["outcome"] == "completed"

    explained = client.get(
        f"/api/v1/profiles/{instance['profile_id']}/journeys", headers=admin
    ).json()["items"]
    assert [(i["journey"], i["outcome"]) for i in explained] == [("onboarding", "completed")]
    assert explained[0]["steps"] == history[0]["steps"]
    unknown = client.get("/api/v1/profiles/prof_nobody/journeys", headers=admin)
    assert unknown.status_code == 404

    stats = client.get("/api/v1/journeys/onboarding/stats", headers=admin).json()
    sent = {"delivered": 1}
    welcome = {"entered": 1, "waiting": 0, "exited": 0, "goals": 0, "messages": sent}
    assert stats["nodes"]["welcome"] == welcome
    assert stats["nodes"]["nudge"] == {**welcome, "exited": 1}
    assert stats["messages"]["delivered"] == 2
    assert stats["outcomes"] == {"completed": 1}
    assert stats["goals"]["reached"] == 0


def test_bad_journeys_get_precise_errors(client: httpx.Client, workspace: Workspace) -> None:
    admin = {**bearer(workspace.admin_token), **YAML}
    broken = ONBOARDING.replace("next: nudge_later", "next: nowhere")
    response = _put(client, workspace, broken)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "nodes.welcome.next"
    assert response.json()["error"]["message"] == "nodes.welcome.next: no node named 'nowhere'"
    wrong_key = client.put(
        "/api/v1/journeys/other", content="key: mine\n" + ONBOARDING, headers=admin
    )
    assert wrong_key.json()["error"]["field"] == "key"
    not_yaml = _put(client, workspace, "nodes: [unclosed")
    assert not_yaml.status_code == 400
    assert "not valid YAML" in not_yaml.json()["error"]["message"]
    as_json = client.put(
        "/api/v1/journeys/onboarding", content="{", headers=bearer(workspace.admin_token)
    )
    assert "not valid JSON" in as_json.json()["error"]["message"]
    missing = client.get("/api/v1/journeys/nope/stats", headers=bearer(workspace.admin_token))
    assert missing.status_code == 404
    refused = client.post("/api/v1/journeys/nope/pause", headers=bearer(workspace.admin_token))
    assert refused.status_code == 404


def test_a_report_of_a_version_past_32_bits_is_refused(
    client: httpx.Client, workspace: Workspace
) -> None:
    """Versions are 32-bit integers in the database: PostgreSQL refused this one (a 500)."""
    assert _put(client, workspace, ONBOARDING).status_code == 201
    admin = bearer(workspace.admin_token)
    url = "/api/v1/journeys/onboarding/report"
    refused = client.get(url, params={"version": 7556711364972}, headers=admin)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == "version"
    assert client.get(url, params={"version": 2**31 - 1}, headers=admin).status_code == 200


def test_lifecycle_over_http(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert _put(client, workspace, ONBOARDING).status_code == 201
    assert client.post("/api/v1/journeys/onboarding/pause", headers=admin).status_code == 409
    client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    edited = _put(client, workspace, ONBOARDING.replace("duration: 2d", "duration: 3d"))
    assert (edited.json()["version"], edited.json()["published_version"]) == (2, 1)
    assert "published_definition" in edited.json()
    paused = client.post("/api/v1/journeys/onboarding/pause", headers=admin)
    assert paused.json()["status"] == "paused"
    resumed = client.post("/api/v1/journeys/onboarding/resume", headers=admin)
    assert resumed.json()["status"] == "published"
    listed = client.get("/api/v1/journeys", headers=admin).json()["items"]
    assert [j["key"] for j in listed] == ["onboarding"]
    archived = client.post("/api/v1/journeys/onboarding/archive", headers=admin)
    assert (archived.json()["status"], archived.json()["stopped_instances"]) == ("archived", 0)
    assert _put(client, workspace, ONBOARDING).status_code == 409


def test_publishing_shows_where_instances_would_move_before_it_moves_them(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    _put(client, workspace, ONBOARDING)
    client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    ingest(
        client,
        workspace,
        {"type": "identify", "userId": "m1"},
        {"type": "identify", "userId": "m2"},
    )
    run(engine, clock)
    for user in ("m1", "m2"):
        entered = client.post(
            "/api/v1/journeys/onboarding/enter", json={"user_id": user}, headers=admin
        )
        assert entered.status_code == 201
    renamed = ONBOARDING.replace("nudge_later", "cool_off")
    assert _put(client, workspace, renamed).json()["draft_version"] == 2
    preview = client.post(
        "/api/v1/journeys/onboarding/publish", json={"dry_run": True}, headers=admin
    ).json()
    assert preview == {
        "dry_run": True,
        "migration": [{"version": 1, "node": "nudge_later", "instances": 2, "to": None}],
    }
    refused = client.post(
        "/api/v1/journeys/onboarding/publish", json={"migrate": True}, headers=admin
    )
    assert refused.status_code == 400
    assert "'nudge_later'" in refused.json()["error"]["message"]
    assert client.get("/api/v1/journeys/onboarding", headers=admin).json()["published_version"] == 1
    body = {"migrate": True, "node_map": {"nudge_later": "cool_off"}}
    published = client.post("/api/v1/journeys/onboarding/publish", json=body, headers=admin).json()
    assert published["published_version"] == 2
    assert published["migrated"] == [
        {"version": 1, "node": "nudge_later", "instances": 2, "to": "cool_off"}
    ]
    live = client.get("/api/v1/journeys/onboarding/instances", params={"live": True}, headers=admin)
    assert {(i["version"], i["node"]) for i in live.json()["items"]} == {(2, "cool_off")}
