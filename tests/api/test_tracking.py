"""The Segment Tracking API over real HTTP, on both databases."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select

from baton.storage.tables import events
from tests.conftest import Workspace


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def stored(engine: Engine, workspace_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(events).where(events.c.workspace_id == workspace_id).order_by(events.c.seq)
        )
        return [dict(row) for row in rows.mappings()]


@pytest.mark.parametrize(
    ("path", "body", "expected_type"),
    [
        ("/v1/identify", {"userId": "u1", "traits": {"email": "a@b.co"}}, "identify"),
        ("/v1/track", {"userId": "u1", "event": "Order Completed"}, "track"),
        ("/v1/page", {"anonymousId": "a1", "name": "Home"}, "page"),
        ("/v1/screen", {"anonymousId": "a1", "name": "Cart"}, "screen"),
        ("/v1/group", {"userId": "u1", "groupId": "g1"}, "group"),
        ("/v1/alias", {"userId": "u1", "previousId": "a1"}, "alias"),
        ("/v1/i", {"userId": "u1"}, "identify"),
        ("/v1/t", {"userId": "u1", "event": "Clicked"}, "track"),
        ("/v1/p", {"anonymousId": "a1"}, "page"),
        ("/v1/s", {"anonymousId": "a1"}, "screen"),
        ("/v1/g", {"userId": "u1", "groupId": "g1"}, "group"),
        ("/v1/a", {"userId": "u1", "previousId": "a1"}, "alias"),
    ],
)
def test_each_message_endpoint_stores_its_type(
    client: httpx.Client,
    engine: Engine,
    workspace: Workspace,
    path: str,
    body: dict[str, Any],
    expected_type: str,
) -> None:
    response = client.post(path, json=body, headers=basic(workspace.write_key))
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    (row,) = stored(engine, workspace.id)
    assert row["type"] == expected_type
    assert row["context"]["ip"] == "127.0.0.1"


def test_text_plain_body_with_write_key_in_body(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    # analytics.js sends text/plain to skip the CORS preflight, with the key in the body.
    body = {"writeKey": workspace.write_key, "anonymousId": "a1", "event": "Viewed"}
    response = client.post(
        "/v1/t", content=orjson.dumps(body), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200, response.text
    (row,) = stored(engine, workspace.id)
    assert row["event"] == "Viewed"
    assert row["extra"] is None  # the write key is never stored with the event


def test_gzip_batch(client: httpx.Client, engine: Engine, workspace: Workspace) -> None:
    batch = {"batch": [{"type": "track", "userId": "u", "event": f"E{i}"} for i in range(50)]}
    response = client.post(
        "/v1/batch",
        content=gzip.compress(orjson.dumps(batch)),
        headers={**basic(workspace.write_key), "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 50}
    assert [row["event"] for row in stored(engine, workspace.id)] == [f"E{i}" for i in range(50)]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + base64.b64encode(b"bw_wrong:").decode()},
        {"Authorization": "Bearer x"},
    ],
)
def test_missing_or_wrong_write_key_is_401(
    client: httpx.Client, engine: Engine, workspace: Workspace, headers: dict[str, str]
) -> None:
    response = client.post("/v1/track", json={"userId": "u", "event": "E"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert stored(engine, workspace.id) == []


def test_admin_token_is_not_a_write_key(client: httpx.Client, workspace: Workspace) -> None:
    response = client.post(
        "/v1/track", json={"userId": "u", "event": "E"}, headers=basic(workspace.admin_token)
    )
    assert response.status_code == 401


def test_invalid_json_and_invalid_message_are_400_with_error_body(
    client: httpx.Client, workspace: Workspace
) -> None:
    bad_json = client.post("/v1/track", content=b"{oops", headers=basic(workspace.write_key))
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["code"] == "invalid"
    no_event = client.post("/v1/track", json={"userId": "u"}, headers=basic(workspace.write_key))
    assert no_event.status_code == 400
    message = "a track message needs event"
    assert no_event.json() == {
        "error": {"code": "invalid", "message": message, "field": "event"},
        # Repeated at the top, where RudderStack's libraries read them.
        "code": "invalid",
        "message": message,
    }
    no_ids = client.post(
        "/v1/identify", json={"anonymousId": None}, headers=basic(workspace.write_key)
    )
    assert no_ids.status_code == 400
    assert no_ids.json()["error"]["field"] == "userId"


def test_size_limits_are_413_and_name_the_limit(client: httpx.Client, workspace: Workspace) -> None:
    big_message = {"userId": "u", "event": "E", "properties": {"blob": "x" * 33_000}}
    response = client.post("/v1/track", json=big_message, headers=basic(workspace.write_key))
    assert response.status_code == 413
    assert "32 KB per message" in response.json()["error"]["message"]

    small = {"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * 20_000}}
    response = client.post(
        "/v1/batch", json={"batch": [small] * 30}, headers=basic(workspace.write_key)
    )
    assert response.status_code == 413
    assert "500 KB per batch request" in response.json()["error"]["message"]

    many = {"batch": [{"type": "identify", "userId": "u"}] * 2501}
    response = client.post("/v1/batch", json=many, headers=basic(workspace.write_key))
    assert response.status_code == 413
    assert "2500" in response.json()["error"]["message"]


def test_partially_invalid_batch_stores_the_valid_messages(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    batch = {
        "batch": [
            {"type": "track", "userId": "u", "event": "Good 1"},
            {"type": "track", "userId": "u"},
            {"type": "flush", "userId": "u"},
            {"type": "track", "userId": "u", "event": "Good 2"},
        ]
    }
    response = client.post("/v1/batch", json=batch, headers=basic(workspace.write_key))
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "batch[1].event"),
        (2, "batch[2].type"),
    ]
    assert [row["event"] for row in stored(engine, workspace.id)] == ["Good 1", "Good 2"]


def test_batch_with_only_invalid_messages_is_400(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    response = client.post(
        "/v1/batch", json={"batch": [{"type": "track"}]}, headers=basic(workspace.write_key)
    )
    assert response.status_code == 400
    assert response.json()["error"]["rejected"][0]["index"] == 0
    assert stored(engine, workspace.id) == []


def test_repeated_message_id_is_stored_once(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    message = {"type": "track", "userId": "u", "event": "Paid", "messageId": "dup-1"}
    for _ in range(3):
        response = client.post(
            "/v1/batch", json={"batch": [message, message]}, headers=basic(workspace.write_key)
        )
        assert response.status_code == 200
    assert len(stored(engine, workspace.id)) == 1


def test_same_message_id_in_two_workspaces_is_two_events(
    client: httpx.Client, engine: Engine, workspace: Workspace, clock: Any
) -> None:
    from baton.storage.database import write_transaction
    from baton.workspaces import KeyKind, create_key, create_workspace

    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
        other_key = create_key(connection, other, KeyKind.WRITE, clock.now())
    message = {"userId": "u", "event": "Paid", "messageId": "shared-id"}
    for key in (workspace.write_key, other_key):
        assert client.post("/v1/track", json=message, headers=basic(key)).status_code == 200
    assert len(stored(engine, workspace.id)) == 1
    assert len(stored(engine, other)) == 1


def test_received_at_is_set_by_baton_and_skew_corrected(
    client: httpx.Client, engine: Engine, workspace: Workspace, clock: Any
) -> None:
    body = {
        "userId": "u",
        "event": "E",
        "timestamp": "2030-01-01T00:00:00Z",
        "sentAt": "2030-01-01T00:00:03Z",
        "receivedAt": "1999-01-01T00:00:00Z",
    }
    assert (
        client.post("/v1/track", json=body, headers=basic(workspace.write_key)).status_code == 200
    )
    (row,) = stored(engine, workspace.id)
    assert row["received_at"] == clock.now()
    assert (row["received_at"] - row["timestamp"]).total_seconds() == 3
    assert row["original_timestamp"].year == 2030


def test_project_settings_for_browser_snippets(client: httpx.Client, workspace: Workspace) -> None:
    response = client.get(f"/v1/projects/{workspace.write_key}/settings")
    assert response.status_code == 200
    segment = response.json()["integrations"]["Segment.io"]
    assert segment["apiKey"] == workspace.write_key
    assert (segment["protocol"], segment["apiHost"]) == ("http", "127.0.0.1:8000/v1")
    lied = client.get(f"/v1/projects/{workspace.write_key}/settings",
                      headers={"Host": "attacker.example"})  # fmt: skip
    assert lied.json()["integrations"]["Segment.io"]["apiHost"] == "127.0.0.1:8000/v1"
    assert client.get("/v1/projects/bw_nope/settings").status_code == 401


def test_cors_preflight_is_allowed(client: httpx.Client) -> None:
    response = client.options(
        "/v1/t",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example")


def test_openapi_documents_the_tracking_api(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/track", "/v1/batch", "/api/v1/profiles/lookup"} <= set(paths)


def test_an_oversized_body_is_refused_without_storing_anything(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    def endless() -> Any:
        yield b'{"batch": ['
        for _ in range(2000):  # ~4 MB, far past the limit, streamed in chunks
            yield b'{"type": "track", "userId": "u", "event": "E"},' * 40
        yield b"]}"

    response = client.post("/v1/batch", content=endless(), headers=basic(workspace.write_key))
    assert response.status_code == 413
    assert "500 KB per batch request" in response.json()["error"]["message"]
    assert stored(engine, workspace.id) == []
