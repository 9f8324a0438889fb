"""What the console's journey pages read, over real HTTP on both databases: the list with
each journey's totals, page by page; the versions; the people at a node."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import yaml
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.api.test_journeys import ONBOARDING, YAML
from tests.api.test_profiles import bearer, ingest
from tests.conftest import Workspace
from tests.journeys.helpers import run


def _put(client: httpx.Client, workspace: Workspace, key: str, body: str) -> httpx.Response:
    headers = {**bearer(workspace.admin_token), **YAML}
    answer = client.put(f"/api/v1/journeys/{key}", content=body, headers=headers)
    assert answer.status_code in (200, 201), answer.text
    return answer


def _enter(client: httpx.Client, workspace: Workspace, key: str, *users: str) -> None:
    for user in users:
        entered = client.post(
            f"/api/v1/journeys/{key}/enter",
            json={"user_id": user},
            headers=bearer(workspace.admin_token),
        )
        assert entered.status_code == 201, entered.text


def test_the_list_pages_by_key_and_counts_entries_live_instances_and_goals(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    for key in ("onboarding", "a-quiet-one", "winback"):
        _put(client, workspace, key, ONBOARDING)
    for key in ("onboarding", "winback"):
        assert client.post(f"/api/v1/journeys/{key}/publish", headers=admin).status_code == 200
    ingest(client, workspace, *({"type": "identify", "userId": u} for u in ("u1", "u2", "u3")))
    run(engine, clock)
    _enter(client, workspace, "onboarding", "u1", "u2", "u3")
    _enter(client, workspace, "winback", "u1")
    clock.advance(timedelta(minutes=1))
    ingest(client, workspace, {"type": "track", "userId": "u1", "event": "Activated"})
    run(engine, clock)

    first = client.get("/api/v1/journeys", params={"limit": 2}, headers=admin).json()
    assert [j["key"] for j in first["items"]] == ["a-quiet-one", "onboarding"]
    assert first["next"] is not None
    rest = client.get(
        "/api/v1/journeys", params={"limit": 2, "cursor": first["next"]}, headers=admin
    ).json()
    assert [j["key"] for j in rest["items"]] == ["winback"]
    assert rest["next"] is None
    listed = {j["key"]: j for j in [*first["items"], *rest["items"]]}
    totals = {key: (j["entered"], j["in_progress"], j["goal_rate"]) for key, j in listed.items()}
    # u1 reached the goal in both journeys it was in: those instances ended.
    assert totals == {
        "a-quiet-one": (0, 0, None),
        "onboarding": (3, 2, round(1 / 3, 4)),
        "winback": (1, 0, 1.0),
    }
    # Everything a journey's own answer holds is there too.
    one = client.get("/api/v1/journeys/onboarding", headers=admin).json()
    assert {k: listed["onboarding"][k] for k in one} == one

    everything = client.get("/api/v1/journeys", headers=admin).json()
    assert [j["key"] for j in everything["items"]] == ["a-quiet-one", "onboarding", "winback"]
    assert everything["next"] is None


def test_versions_newest_first_with_their_status_author_and_definition(
    client: httpx.Client, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    url = "/api/v1/journeys/onboarding/versions"
    assert client.get(url, headers=admin).status_code == 404
    _put(client, workspace, "onboarding", ONBOARDING)
    drafted = client.get(url, headers=admin).json()
    assert [(v["version"], v["status"]) for v in drafted["items"]] == [(1, "draft")]
    assert drafted["items"][0]["published_at"] is None
    assert drafted["items"][0]["created_by"].startswith("admin key ")

    client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    clock.advance(timedelta(minutes=1))
    second = ONBOARDING.replace("duration: 2d", "duration: 3d")
    _put(client, workspace, "onboarding", second)
    client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    clock.advance(timedelta(minutes=1))
    _put(client, workspace, "onboarding", ONBOARDING.replace("duration: 2d", "duration: 4d"))

    listed = client.get(url, headers=admin).json()
    assert [(v["version"], v["status"]) for v in listed["items"]] == [
        (3, "draft"),
        (2, "published"),
        (1, "superseded"),
    ]
    assert listed["next"] is None
    assert listed["items"][1]["published_at"] is not None
    assert listed["items"][1]["created_at"] < listed["items"][0]["created_at"]
    pages = [client.get(url, params={"limit": 2}, headers=admin).json()]
    pages.append(client.get(url, params={"cursor": pages[0]["next"]}, headers=admin).json())
    assert [[v["version"] for v in page["items"]] for page in pages] == [[3, 2], [1]]

    one = client.get(f"{url}/2", headers=admin).json()
    assert one == {**listed["items"][1], "definition": one["definition"]}
    assert one["definition"]["nodes"]["nudge_later"]["duration"] == "3d"
    assert one["definition"]["name"] == yaml.safe_load(second)["name"]
    missing = client.get(f"{url}/9", headers=admin)
    assert missing.status_code == 404
    assert "no version 9" in missing.json()["error"]["message"]
    assert client.get(f"{url}/0", headers=admin).status_code == 400
    for key in ("not-a-number", "²", "0", str(2**31)):
        cursor = base64.urlsafe_b64encode(key.encode()).decode()
        forged = client.get(url, params={"cursor": cursor}, headers=admin)
        assert (forged.status_code, forged.json()["error"]["field"]) == (400, "cursor"), key


def test_the_people_at_a_node_page_by_page_with_who_they_are(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    _put(client, workspace, "onboarding", ONBOARDING)
    client.post("/api/v1/journeys/onboarding/publish", headers=admin)
    ingest(
        client,
        workspace,
        {"type": "identify", "userId": "ada", "traits": {"email": "ada@example.com",
                                                         "name": "Ada Lovelace"}},
        {"type": "identify", "userId": "bo", "traits": {"firstName": "Bo", "lastName": "Ek"}},
        {"type": "identify", "userId": "cy"},
        {"type": "identify", "userId": "di", "traits": {"first_name": "Di", "last_name": "Yu"}},
    )  # fmt: skip
    run(engine, clock)
    _enter(client, workspace, "onboarding", "ada", "bo", "cy", "di")
    url = "/api/v1/journeys/onboarding/instances"

    waiting = client.get(url, params={"node": "nudge_later"}, headers=admin).json()
    people = {i["profile"]["user_id"]: i["profile"] for i in waiting["items"]}
    assert sorted(people) == ["ada", "bo", "cy", "di"]
    assert people["ada"] == {
        "id": people["ada"]["id"],
        "email": "ada@example.com",
        "user_id": "ada",
        "name": "Ada Lovelace",
    }
    assert (people["bo"]["name"], people["bo"]["email"]) == ("Bo Ek", None)
    assert people["cy"]["name"] is None
    assert people["di"]["name"] == "Di Yu"
    assert all(i["profile_id"] == i["profile"]["id"] for i in waiting["items"])
    assert all(i["node"] == "nudge_later" and i["status"] == "live" for i in waiting["items"])

    first = client.get(url, params={"node": "nudge_later", "limit": 3}, headers=admin).json()
    rest = client.get(
        url, params={"node": "nudge_later", "limit": 3, "cursor": first["next"]}, headers=admin
    ).json()
    assert rest["next"] is None
    paged = [i["id"] for i in [*first["items"], *rest["items"]]]
    assert paged == [i["id"] for i in waiting["items"]]
    assert client.get(url, params={"node": "welcome"}, headers=admin).json()["items"] == []

    clock.advance(timedelta(days=2))
    run(engine, clock)
    assert client.get(url, params={"node": "nudge_later"}, headers=admin).json()["items"] == []
    assert client.get(url, params={"node": "nudge"}, headers=admin).json()["items"] == []
    ended = client.get(url, params={"node": "nudge", "live": False}, headers=admin).json()
    assert len(ended["items"]) == 4
    assert {i["outcome"] for i in ended["items"]} == {"completed"}
    # Without `node`, as before: every instance, live or not.
    assert len(client.get(url, headers=admin).json()["items"]) == 4
