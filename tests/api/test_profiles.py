"""Admin API over profiles, over real HTTP, on both databases."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_tracking import basic
from tests.conftest import Workspace, process_all


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ingest(client: httpx.Client, workspace: Workspace, *messages: dict[str, Any]) -> None:
    response = client.post(
        "/v1/batch", json={"batch": list(messages)}, headers=basic(workspace.write_key)
    )
    assert response.status_code == 200, response.text


def test_lookup_by_each_identifier_kind(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ingest(
        client,
        workspace,
        {
            "type": "identify",
            "userId": "u-9",
            "anonymousId": "anon-9",
            "traits": {"email": "Nine@Example.com", "phone": "+44 20 7946 0958"},
        },
    )
    process_all(engine, clock)
    headers = bearer(workspace.admin_token)
    ids = set()
    for query in (
        "user_id=u-9",
        "email=nine@example.com",
        "email=%20NINE@example.COM",
        "anonymous_id=anon-9",
        "phone=%2B442079460958",
    ):
        response = client.get(f"/api/v1/profiles/lookup?{query}", headers=headers)
        assert response.status_code == 200, (query, response.text)
        ids.add(response.json()["id"])
    assert len(ids) == 1
    body = response.json()
    assert set(body) >= {"id", "identifiers", "traits", "first_seen", "last_seen", "event_count"}
    assert body["identifiers"]["phone"] == ["+442079460958"]


def test_lookup_errors(client: httpx.Client, workspace: Workspace) -> None:
    headers = bearer(workspace.admin_token)
    missing = client.get("/api/v1/profiles/lookup?user_id=nobody", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/profiles/lookup", headers=headers).status_code == 400
    both = client.get("/api/v1/profiles/lookup?user_id=a&email=b@c.de", headers=headers)
    assert both.status_code == 400
    bad_email = client.get("/api/v1/profiles/lookup?email=nope", headers=headers)
    assert bad_email.status_code == 400
    assert bad_email.json()["error"]["field"] == "email"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer ba_wrong"}, {"Authorization": "Basic eDo="}]
)
def test_admin_api_needs_the_admin_token(
    client: httpx.Client, workspace: Workspace, headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/profiles", headers=headers).status_code == 401
    as_write_key = client.get("/api/v1/profiles", headers=bearer(workspace.write_key))
    assert as_write_key.status_code == 401


def test_a_token_sees_only_its_workspace(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    from baton.storage.database import write_transaction
    from baton.workspaces import KeyKind, create_key, create_workspace

    ingest(client, workspace, {"type": "identify", "userId": "private-user"})
    process_all(engine, clock)
    mine = client.get(
        "/api/v1/profiles/lookup?user_id=private-user", headers=bearer(workspace.admin_token)
    )
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
        other_token = create_key(connection, other, KeyKind.ADMIN, clock.now())
    headers = bearer(other_token)
    assert (
        client.get("/api/v1/profiles/lookup?user_id=private-user", headers=headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/profiles/{mine.json()['id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/profiles", headers=headers).json()["items"] == []


def test_get_profile_follows_merges(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    ingest(client, workspace, {"type": "page", "anonymousId": "laptop"})
    process_all(engine, clock)
    ingest(client, workspace, {"type": "identify", "userId": "merge-me"})
    process_all(engine, clock)
    user_profile = client.get("/api/v1/profiles/lookup?user_id=merge-me", headers=headers).json()[
        "id"
    ]
    ingest(client, workspace, {"type": "identify", "userId": "merge-me", "anonymousId": "laptop"})
    process_all(engine, clock)
    survivor = client.get(f"/api/v1/profiles/{user_profile}", headers=headers)
    assert survivor.status_code == 200
    assert survivor.json()["id"] != user_profile
    assert survivor.json()["merged_from"] == [user_profile]
    assert client.get("/api/v1/profiles/prof_unknown", headers=headers).status_code == 404


def test_search_with_cursor_paging(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ingest(
        client,
        workspace,
        *[
            {
                "type": "identify",
                "userId": f"shopper-{i}",
                "traits": {"city": "Bergen" if i % 2 else "Oslo"},
            }
            for i in range(7)
        ],
    )
    process_all(engine, clock)
    headers = bearer(workspace.admin_token)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "bergen", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/profiles", params=params, headers=headers).json()
        seen.extend(item["identifiers"]["user_id"][0] for item in page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == ["shopper-1", "shopper-3", "shopper-5"]
    by_id = client.get("/api/v1/profiles", params={"q": "shopper-4"}, headers=headers).json()
    assert [p["identifiers"]["user_id"] for p in by_id["items"]] == [["shopper-4"]]
    bad = client.get("/api/v1/profiles", params={"limit": 0}, headers=headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "limit"


def test_profile_events_newest_first_with_cursor(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ingest(
        client,
        workspace,
        *[
            {
                "type": "track",
                "userId": "reader",
                "event": f"Read {i}",
                "messageId": f"r{i}",
                "timestamp": f"2026-01-01T00:00:{i:02d}Z",
                "properties": {"n": i},
            }
            for i in range(5)
        ],
    )
    process_all(engine, clock)
    headers = bearer(workspace.admin_token)
    profile_id = client.get("/api/v1/profiles/lookup?user_id=reader", headers=headers).json()["id"]
    first = client.get(f"/api/v1/profiles/{profile_id}/events?limit=3", headers=headers).json()
    assert [e["event"] for e in first["items"]] == ["Read 4", "Read 3", "Read 2"]
    item = first["items"][0]
    assert set(item) >= {
        "message_id",
        "type",
        "event",
        "timestamp",
        "received_at",
        "properties",
        "context",
        "traits",
    }
    assert item["properties"] == {"n": 4}
    second = client.get(
        f"/api/v1/profiles/{profile_id}/events",
        params={"limit": 3, "cursor": first["next"]},
        headers=headers,
    ).json()
    assert [e["event"] for e in second["items"]] == ["Read 1", "Read 0"]
    assert second["next"] is None
    bad = client.get(f"/api/v1/profiles/{profile_id}/events?cursor=!!", headers=headers)
    assert bad.status_code == 400


def test_a_cursor_no_page_could_end_at_is_refused(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """Each of these made a 500: NUL, which PostgreSQL cannot compare with text; an event
    number past 64 bits; a year-1 instant before the first UTC date. So did an instant
    without an offset, now read as UTC."""
    ingest(client, workspace, {"type": "track", "userId": "reader", "event": "Read"})
    process_all(engine, clock)
    headers = bearer(workspace.admin_token)
    profile_id = client.get("/api/v1/profiles/lookup?user_id=reader", headers=headers).json()["id"]
    events = f"/api/v1/profiles/{profile_id}/events"
    for url, key in [
        ("/api/v1/profiles", "a\x00"),
        (events, "2026-01-01T00:00:00+00:00|99999999999999999999999"),
        (events, "0001-01-01T00:00:00+14:00|1"),
    ]:
        cursor = base64.urlsafe_b64encode(key.encode()).decode()
        refused = client.get(url, params={"cursor": cursor}, headers=headers)
        assert refused.status_code == 400, (key, refused.text)
        assert refused.json()["error"]["field"] == "cursor"
    naive = base64.urlsafe_b64encode(b"2999-01-01T00:00:00|1").decode()
    assert client.get(events, params={"cursor": naive}, headers=headers).json()["items"]


def test_ingest_status_counts_pending_events(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    ingest(
        client,
        workspace,
        {"type": "track", "userId": "p", "event": "A"},
        {"type": "track", "userId": "p", "event": "B"},
    )
    assert client.get("/api/v1/ingest/status", headers=headers).json() == {
        "pending": 2,
        "failed": 0,
    }
    process_all(engine, clock)
    assert client.get("/api/v1/ingest/status", headers=headers).json()["pending"] == 0


def test_health_endpoints(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_reports_an_unreachable_database(clock: ManualClock) -> None:
    from baton.core.config import Settings
    from baton.runtime import Runtime
    from tests.conftest import serve_in_thread

    settings = Settings(database_url="postgresql://postgres@127.0.0.1:1/none", analytics_path="off")
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    with serve_in_thread(runtime) as url:
        response = httpx.get(f"{url}/readyz")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"
        assert httpx.get(f"{url}/healthz").status_code == 200


def test_tracking_answers_503_when_the_database_is_gone(clock: ManualClock) -> None:
    from baton.core.config import Settings
    from baton.runtime import Runtime
    from tests.conftest import serve_in_thread

    settings = Settings(database_url="postgresql://postgres@127.0.0.1:1/none", analytics_path="off")
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    with serve_in_thread(runtime) as url:
        response = httpx.post(f"{url}/v1/track", json={"userId": "u", "event": "E"}, auth=("k", ""))
        # The key cannot even be checked: the client must retry, not drop the event.
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"


def test_a_runtime_with_its_processor_thread_resolves_events_by_itself(
    database_url: str, clock: ManualClock, workspace: Workspace
) -> None:
    import time

    from baton.core.config import Settings
    from baton.runtime import Runtime
    from tests.conftest import serve_in_thread

    runtime = Runtime.create(Settings(database_url=database_url, analytics_path="off"), clock=clock)
    with serve_in_thread(runtime) as url, httpx.Client(base_url=url) as client:
        ingest(client, workspace, {"type": "identify", "userId": "threaded", "traits": {"a": 1}})
        deadline = time.monotonic() + 10
        while True:
            found = client.get(
                "/api/v1/profiles/lookup?user_id=threaded", headers=bearer(workspace.admin_token)
            )
            if found.status_code == 200:
                break
            assert time.monotonic() < deadline, "the processor thread never resolved the event"
            time.sleep(0.02)
    assert found.json()["traits"] == {"a": 1}


def _search(client: httpx.Client, workspace: Workspace, **params: Any) -> list[str]:
    """The user ids of every profile a search finds, page after page."""
    found: list[str] = []
    cursor = None
    while True:
        asked = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(
            "/api/v1/profiles", params=asked, headers=bearer(workspace.admin_token)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(item["identifiers"]["user_id"][0] for item in page["items"])
        cursor = page["next"]
        if cursor is None:
            return found


def test_search_by_trait_value(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    traits: dict[str, dict[str, Any]] = {
        "pro-1": {"plan": "pro", "address": {"city": "Budapest"}, "age": 30, "vip": True},
        "pro-2": {"plan": "Pro", "address": {"city": "Bergen"}, "age": 31, "vip": False},
        "free-1": {"plan": "free", "address": {"city": "budapest"}, "age": 30.5},
        "pro-in-text": {"note": "plan=pro", "plans": ["pro"]},
    }
    ingest(
        client,
        workspace,
        *[{"type": "identify", "userId": user, "traits": t} for user, t in traits.items()],
    )
    process_all(engine, clock)
    assert sorted(_search(client, workspace, trait="plan", value="PRO", limit=1)) == [
        "pro-1",
        "pro-2",
    ]
    assert sorted(_search(client, workspace, trait="address.city", value=" budapest ")) == [
        "free-1",
        "pro-1",
    ]
    assert _search(client, workspace, trait="age", value="30") == ["pro-1"]
    assert _search(client, workspace, trait="age", value="30.5") == ["free-1"]
    assert _search(client, workspace, trait="vip", value="true") == ["pro-1"]
    assert _search(client, workspace, trait="vip", value="false") == ["pro-2"]
    assert _search(client, workspace, trait="address", value="budapest") == []
    assert _search(client, workspace, trait="plan", value="pro", q="bergen") == ["pro-2"]

    headers = bearer(workspace.admin_token)
    for params, field in [
        ({"trait": "plan"}, "value"),
        ({"value": "pro"}, "trait"),
        ({"trait": 'pl"an', "value": "pro"}, "trait"),
        ({"trait": "address..city", "value": "x"}, "trait"),
        ({"trait": "a,b", "value": "x"}, "trait"),
    ]:
        refused = client.get("/api/v1/profiles", params=params, headers=headers)
        assert refused.status_code == 400, (params, refused.text)
        assert refused.json()["error"]["field"] == field


def test_a_search_matches_as_written_on_both_databases(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """Letters beyond ASCII match at least as written (SQLite's lower() folds only ASCII),
    and a trait's key is read as written: spaces around it and the key `null` too."""
    ingest(
        client,
        workspace,
        {"type": "identify", "userId": "Ünal", "traits": {"city": "Évora"}},
        {"type": "identify", "userId": "odd", "traits": {"flags": {"null": "yes"}}},
        {"type": "identify", "userId": "plain", "traits": {"address": {"city": "Porto"}}},
    )
    process_all(engine, clock)
    assert _search(client, workspace, trait="city", value="ÉVORA") == ["Ünal"]
    assert _search(client, workspace, q="ÜNAL") == ["Ünal"]
    assert _search(client, workspace, trait="flags.null", value="yes") == ["odd"]
    assert _search(client, workspace, trait="address. city", value="porto") == []


def test_a_trait_search_reads_a_bounded_window_per_page(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from baton.identity import profiles

    ingest(
        client,
        workspace,
        *[
            {
                "type": "identify",
                "userId": f"w-{i}",
                "traits": {"tier": "gold" if i == 6 else "tin"},
            }
            for i in range(7)
        ],
    )
    process_all(engine, clock)
    monkeypatch.setattr(profiles, "TRAIT_SCAN", 3)
    headers = bearer(workspace.admin_token)
    first = client.get(
        "/api/v1/profiles", params={"trait": "tier", "value": "gold"}, headers=headers
    ).json()
    assert first["items"] == []
    assert first["next"] is not None
    assert _search(client, workspace, trait="tier", value="gold") == ["w-6"]
    assert len(_search(client, workspace, trait="tier", value="tin", limit=2)) == 6


def test_search_by_profile_id_and_any_spelling_of_an_identifier(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ingest(
        client,
        workspace,
        {"type": "page", "anonymousId": "tablet"},
        {
            "type": "identify",
            "userId": "Spelled",
            "traits": {"email": "Spelled@Example.com", "phone": "+44 20 7946 0958"},
        },
    )
    process_all(engine, clock)
    ingest(client, workspace, {"type": "identify", "userId": "Spelled", "anonymousId": "tablet"})
    process_all(engine, clock)
    headers = bearer(workspace.admin_token)
    survivor = client.get("/api/v1/profiles/lookup?user_id=Spelled", headers=headers).json()
    merged_away = survivor["merged_from"][0]
    for query in (
        survivor["id"],
        merged_away,
        "spelled",
        " SPELLED@example.com ",
        "+44 (20) 7946-0958",
        "tablet",
    ):
        assert _search(client, workspace, q=query) == ["Spelled"], query


def test_a_profile_lists_the_merges_it_went_through(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    headers = bearer(workspace.admin_token)
    ingest(client, workspace, {"type": "page", "anonymousId": "phone", "messageId": "m-1"})
    process_all(engine, clock)
    ingest(client, workspace, {"type": "identify", "userId": "old-account"})
    process_all(engine, clock)
    ingest(client, workspace, {"type": "identify", "userId": "new-account"})
    process_all(engine, clock)
    ids = {
        user: client.get(f"/api/v1/profiles/lookup?user_id={user}", headers=headers).json()["id"]
        for user in ("old-account", "new-account")
    }
    anonymous = client.get("/api/v1/profiles/lookup?anonymous_id=phone", headers=headers).json()
    clock.advance(timedelta(minutes=1))
    ingest(
        client,
        workspace,
        {"type": "identify", "userId": "new-account", "anonymousId": "phone", "messageId": "m-2"},
    )
    process_all(engine, clock)
    clock.advance(timedelta(minutes=1))
    ingest(
        client,
        workspace,
        {"type": "alias", "previousId": "old-account", "userId": "new-account", "messageId": "m-3"},
    )
    process_all(engine, clock)

    survivor = client.get(f"/api/v1/profiles/{ids['new-account']}", headers=headers).json()
    assert survivor["id"] == anonymous["id"]
    assert [
        (m["merged_id"], m["into"], m["reason"], m["message_id"]) for m in survivor["merges"]
    ] == [
        (ids["new-account"], anonymous["id"], "anonymous activity identified", "m-2"),
        (ids["old-account"], anonymous["id"], "alias", "m-3"),
    ]
    assert survivor["merges"][0]["at"] < survivor["merges"][1]["at"]


def test_journey_steps_of_a_profile_newest_first_with_cursor(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    from tests.journeys.helpers import run

    admin = bearer(workspace.admin_token)
    for key in ("first", "second"):
        body = (
            f"name: {key}\ntrigger: {{api: true}}\nstart: hello\nnodes:\n"
            "  hello: {type: message, channel: email, template: hello, next: later}\n"
            "  later: {type: delay, duration: 1d}\n"
        )
        created = client.put(
            f"/api/v1/journeys/{key}",
            content=body,
            headers={**admin, "Content-Type": "application/yaml"},
        )
        assert created.status_code == 201, created.text
        assert client.post(f"/api/v1/journeys/{key}/publish", headers=admin).status_code == 200
    ingest(client, workspace, {"type": "identify", "userId": "walker"})
    run(engine, clock)
    entered = []
    for key in ("first", "second"):
        response = client.post(
            f"/api/v1/journeys/{key}/enter", json={"user_id": "walker"}, headers=admin
        )
        assert response.status_code == 201, response.text
        entered.append(response.json())
        clock.advance(timedelta(hours=1))
    run(engine, clock)
    clock.advance(timedelta(days=1))
    run(engine, clock)
    profile_id = entered[0]["profile_id"]
    instances = client.get(f"/api/v1/profiles/{profile_id}/journeys", headers=admin).json()["items"]
    expected = sorted(
        (
            (
                step["at"],
                instance["id"],
                step["n"],
                instance["journey"],
                step["node"],
                step["action"],
            )
            for instance in instances
            for step in instance["steps"]
        ),
        reverse=True,
    )
    assert len(expected) > 6

    pages = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/api/v1/profiles/{profile_id}/journey-steps", params=params, headers=admin
        ).json()
        pages.append(page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    steps = [step for page in pages for step in page]
    assert len(pages) == -(-len(expected) // 4)
    assert [
        (s["at"], s["instance_id"], s["n"], s["journey"], s["node"], s["action"]) for s in steps
    ] == expected
    assert steps[-1]["action"] == "message"
    assert steps[-1]["version"] == 1

    path = f"/api/v1/profiles/{profile_id}/journey-steps"
    for key in ("nonsense", "2026-01-01T00:00:00+00:00|inst|99999999999", "2026-01-01T00:00:00|"):
        cursor = base64.urlsafe_b64encode(key.encode()).decode()
        refused = client.get(path, params={"cursor": cursor}, headers=admin)
        assert refused.status_code == 400, (key, refused.text)
        assert refused.json()["error"]["field"] == "cursor"
    assert (
        client.get("/api/v1/profiles/prof_nobody/journey-steps", headers=admin).status_code == 404
    )
