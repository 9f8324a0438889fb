"""Placements over real HTTP on both databases: saved, read, paged, deleted and audited;
`GET /v1/decide` choosing by segment, trait, predicted score and a journey's decide node,
verifying who asks, refusing bad input with a 4xx, and seeing every change at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from baton.core.clock import ManualClock
from baton.identity import USER_ID, profile_of_identifier
from baton.segments.evaluator import store_computed
from baton.segments.store import Kind
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, placements
from baton.teams import Role
from baton.workspaces import KeyKind, anonymous_hash, user_hash
from baton.workspaces.keys import create_key
from tests.api.test_inbox_identity import secret_of
from tests.api.test_list_pages import assert_pages
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.segments.helpers import define, deliver, identify

HERO: dict[str, Any] = {
    "name": "Home hero",
    "kind": "banner",
    "variants": [
        {
            "key": "vip",
            "when": {"segment": "vip"},
            "content": {"title": "Welcome back, VIP", "cta_text": "Your lounge",
                        "cta_url": "https://shop.example/vip"},
        },
        {
            "key": "at-risk",
            "when": {"computed": "predicted.churn", "op": "gt", "value": 0.7},
            "content": {"title": "We miss you", "body": "20% off this week"},
        },
        {
            "key": "hungarian",
            "when": {"trait": "locale", "op": "equals", "value": "hu"},
            "content": {"title": "Üdv!"},
        },
    ],
    "default": {"title": "Spring sale", "image": "/img/spring.png", "image_alt": "Flowers"},
}  # fmt: skip


def put(client: httpx.Client, workspace: Workspace, key: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/placements/{key}", json=body, headers=bearer(workspace.admin_token))


def ask(client: httpx.Client, workspace: Workspace, **params: Any) -> httpx.Response:
    return client.get("/v1/decide", params={"writeKey": workspace.write_key, **params})


def shown(client: httpx.Client, workspace: Workspace, key: str = "hero", **params: Any) -> Any:
    answer = ask(client, workspace, placement=key, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()["placements"][key]


@pytest.fixture
def people(engine: Engine, clock: ManualClock, workspace: Workspace) -> dict[str, str]:
    """ann is in the vip segment, bob is predicted to churn, cem speaks Hungarian, dan is
    none of these; returns their profile ids."""
    define(engine, clock, workspace.id, Kind.SEGMENT,
           {"key": "vip", "name": "VIP", "condition": {"trait": "tier", "op": "equals",
                                                       "value": "gold"}})  # fmt: skip
    deliver(engine, clock, workspace.id,
            identify("ann", clock.now(), tier="gold"), identify("bob", clock.now()),
            identify("cem", clock.now(), locale="hu"), identify("dan", clock.now()),
            {"type": "identify", "userId": "ann", "anonymousId": "ann-browser",
             "timestamp": clock.now().isoformat()})  # fmt: skip
    with engine.connect() as connection:
        ids = {name: profile_of_identifier(connection, workspace.id, USER_ID, name)
               for name in ("ann", "bob", "cem", "dan")}  # fmt: skip
    with write_transaction(engine) as connection:
        store_computed(connection, {str(ids["bob"]): {"predicted": {"churn": 0.91}}})
    return {name: str(profile_id) for name, profile_id in ids.items()}


def test_placements_are_saved_read_paged_deleted_and_audited(
    client: httpx.Client, workspace: Workspace, engine: Engine
) -> None:
    admin = bearer(workspace.admin_token)
    made = put(client, workspace, "hero", HERO)
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    assert made.json()["key"] == "hero"
    assert put(client, workspace, "hero", HERO).json()["version"] == 1  # unchanged
    changed = put(client, workspace, "hero", {**HERO, "holdout": 0.1})
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert client.get("/api/v1/placements/hero", headers=admin).json() == changed.json()
    for key in ("cc", "aa", "bb"):
        put(client, workspace, key, {"name": key, "kind": "inline", "default": {"body": key}})
    assert_pages(client, "/api/v1/placements", admin, "key", ["aa", "bb", "cc", "hero"])
    assert client.delete("/api/v1/placements/hero", headers=admin).status_code == 204
    assert client.get("/api/v1/placements/hero", headers=admin).status_code == 404
    assert client.delete("/api/v1/placements/hero", headers=admin).status_code == 404
    with engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action)
            .where(audit_log.c.workspace_id == workspace.id, audit_log.c.object_id == "hero")
            .order_by(audit_log.c.at, audit_log.c.id)
        ).scalars()
        assert list(actions) == ["placement.save", "placement.save", "placement.delete"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "modal"}, "kind"),
        ({"default": {"title": "x", "cta_text": "Go", "cta_url": "javascript:alert(1)"}},
         "default.cta_url"),
        ({"default": {"image": "data:image/png;base64,AAAA"}}, "default.image"),
        ({"default": {"title": "x", "cta_text": "Go"}}, "default"),
        ({"default": {}}, "default"),
        ({"variants": [{"key": "a", "content": {"title": "a"},
                        "when": {"event": "Order Completed"}}]}, "variants.0.when"),
        ({"variants": [{"key": "a", "content": {"title": "a"}}] * 2}, None),
        ({"variants": [{"key": "a", "offer": "x", "content": {"title": "a"}}]}, None),
        ({"decide": {"journey": "j", "node": "n"}}, None),
        ({"holdout": 0.9}, "holdout"),
        ({"name": "a\u0000b"}, "name"),
        ({"surprise": 1}, "surprise"),
        ({"default": {"title": "x" * 201}}, "default.title"),
    ],
)  # fmt: skip
def test_bad_placements_are_refused_naming_the_field(
    client: httpx.Client, workspace: Workspace, change: dict[str, Any], field: str | None
) -> None:
    answer = put(client, workspace, "hero", {**HERO, **change})
    assert answer.status_code == 400, answer.text
    if field is not None:
        assert answer.json()["error"]["field"] == field


def test_each_visitor_sees_the_variant_their_rule_chooses(
    client: httpx.Client, workspace: Workspace, people: dict[str, str]
) -> None:
    put(client, workspace, "hero", HERO)
    secret = secret_of(client, workspace)

    def as_user(name: str) -> Any:
        return shown(client, workspace, userId=name, userHash=user_hash(secret, name))

    assert as_user("ann")["variant"] == "vip"
    assert as_user("ann")["content"]["cta_url"] == "https://shop.example/vip"
    assert as_user("bob")["variant"] == "at-risk"
    assert as_user("cem")["content"] == {"title": "Üdv!"}
    dan = as_user("dan")
    assert dan["variant"] is None
    assert dan["content"]["title"] == "Spring sale"
    assert as_user("nobody-yet")["variant"] is None  # verified, but unknown to Baton
    # An anonymous visitor, even in a browser ann once used, sees the default ...
    anonymous = ask(client, workspace, placement="hero", anonymousId="ann-browser").json()
    assert anonymous["visitor"] == "anonymous"
    assert anonymous["placements"]["hero"]["variant"] is None
    # ... unless the site's backend vouches for that browser.
    vouched = shown(client, workspace, anonymousId="ann-browser",
                    userHash=anonymous_hash(secret, "ann-browser"))  # fmt: skip
    assert vouched["variant"] == "vip"
    answer = shown(client, workspace)
    assert answer["impression"].startswith("imp_")
    assert answer["kind"] == "banner"
    assert answer["impression"] != shown(client, workspace)["impression"]


def test_an_unverified_user_id_never_gets_a_persons_content(
    client: httpx.Client, workspace: Workspace, people: dict[str, str]
) -> None:
    put(client, workspace, "hero", HERO)
    assert ask(client, workspace, placement="hero", userId="ann").status_code == 401
    secret = secret_of(client, workspace)
    for forged in ("", user_hash(secret, "dan"), user_hash("guess", "ann"), "é" * 64, "0" * 400):
        answer = ask(client, workspace, placement="hero", userId="ann", userHash=forged)
        assert answer.status_code in (400, 401), forged
        assert "VIP" not in answer.text


def test_bad_requests_answer_4xx_never_5xx(client: httpx.Client, workspace: Workspace) -> None:
    put(client, workspace, "hero", HERO)
    assert client.get("/v1/decide", params={"placement": "hero"}).status_code == 401
    wrong_key = client.get("/v1/decide", params={"placement": "hero", "writeKey": "nope"})
    assert wrong_key.status_code == 401
    for params in (
        {},
        {"placement": ""},
        {"placement": "Not A Key"},
        {"placement": ",".join(f"p{n}" for n in range(11))},
        {"placement": [f"p{n}" for n in range(11)]},
        {"placement": "hero", "anonymousId": "a" * 501},
        {"placement": "x" * 5000},
    ):
        answer = ask(client, workspace, **params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"]["field"] is not None
    assert ask(client, workspace, placement="hero\u0000").status_code == 400
    many = ask(client, workspace, placement=["hero", "missing,hero"], anonymousId="a-1")
    assert many.status_code == 200
    assert many.json()["placements"]["missing"] is None
    assert many.json()["placements"]["hero"]["content"]["title"] == "Spring sale"
    assert many.headers["cache-control"] == "no-store"
    # Pages on any site ask: the answer says so to the browser.
    cross = ask(client, workspace, placement="hero", anonymousId="a-1")
    preflight = client.options(
        "/v1/decide",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert cross.status_code == 200


def test_a_change_is_seen_on_the_next_decision_whoever_made_it(
    client: httpx.Client, workspace: Workspace, engine: Engine
) -> None:
    put(client, workspace, "hero", HERO)
    assert shown(client, workspace)["content"]["title"] == "Spring sale"
    put(client, workspace, "hero", {**HERO, "default": {"title": "Summer sale"}})
    assert shown(client, workspace)["content"]["title"] == "Summer sale"
    # Another process's change: only the row and its version move.
    with write_transaction(engine) as connection:
        row = connection.execute(
            select(placements.c.definition, placements.c.version).where(
                placements.c.workspace_id == workspace.id, placements.c.key == "hero"
            )
        ).one()
        connection.execute(
            update(placements)
            .where(placements.c.workspace_id == workspace.id, placements.c.key == "hero")
            .values(
                definition={**row.definition, "default": {"title": "Autumn sale"}},
                version=row.version + 1,
            )
        )
    assert shown(client, workspace)["content"]["title"] == "Autumn sale"
    client.delete("/api/v1/placements/hero", headers=bearer(workspace.admin_token))
    assert shown(client, workspace) is None
    put(client, workspace, "hero", HERO)  # made again: version 1 once more, a new id
    assert shown(client, workspace)["content"]["title"] == "Spring sale"


def test_a_holdout_share_sees_nothing_and_each_visitor_stays_put(
    client: httpx.Client, workspace: Workspace
) -> None:
    put(client, workspace, "hero", {**HERO, "holdout": 0.3})
    held = [shown(client, workspace, anonymousId=f"v-{n}")["holdout"] for n in range(200)]
    assert 35 <= sum(held) <= 85
    again = [shown(client, workspace, anonymousId=f"v-{n}")["holdout"] for n in range(20)]
    assert again == held[:20]
    out = shown(client, workspace, anonymousId=f"v-{held.index(True)}")
    assert out["content"] is None
    assert out["reason"] == "holdout"


def test_preview_shows_a_chosen_profiles_content_and_why(
    client: httpx.Client, workspace: Workspace, people: dict[str, str]
) -> None:
    put(client, workspace, "hero", HERO)
    admin = bearer(workspace.admin_token)
    ann = client.post("/api/v1/placements/hero/preview", json={"profile_id": people["ann"]},
                      headers=admin)  # fmt: skip
    assert ann.status_code == 200, ann.text
    assert ann.json()["variant"] == "vip"
    assert ann.json()["reason"] == "its rule holds"
    anonymous = client.post("/api/v1/placements/hero/preview", json={}, headers=admin)
    assert anonymous.json()["variant"] is None
    missing = client.post("/api/v1/placements/hero/preview", json={"profile_id": "prof_x"},
                          headers=admin)  # fmt: skip
    assert missing.status_code == 404
    no_placement = client.post("/api/v1/placements/nope/preview", json={}, headers=admin)
    assert no_placement.status_code == 404


def test_readers_read_and_only_content_editors_edit(
    client: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    put(client, workspace, "hero", HERO)
    with write_transaction(engine) as connection:
        analyst = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(),
                             role=Role.ANALYST)  # fmt: skip
        marketer = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(),
                              role=Role.MARKETER)  # fmt: skip
    reader = bearer(analyst)
    assert client.get("/api/v1/placements/hero", headers=reader).status_code == 200
    assert client.get("/api/v1/placements", headers=reader).status_code == 200
    refused = client.put("/api/v1/placements/hero", json=HERO, headers=reader)
    assert refused.status_code == 403
    assert client.delete("/api/v1/placements/hero", headers=reader).status_code == 403
    assert (
        client.post("/api/v1/placements/hero/preview", json={}, headers=reader).status_code == 403
    )
    editor = bearer(marketer)
    assert client.put("/api/v1/placements/hero", json=HERO, headers=editor).status_code == 200
    assert client.get("/api/v1/placements/hero").status_code == 401


def test_a_journeys_decide_node_chooses_among_offers(
    client: httpx.Client, workspace: Workspace, engine: Engine, clock: ManualClock,
    people: dict[str, str],
) -> None:  # fmt: skip
    from tests.journeys.helpers import publish

    publish(engine, clock, workspace.id, {
        "key": "offers", "name": "Offers", "trigger": {"event": "Visited"}, "start": "pick",
        "goal": {"event": "Order Completed"},
        "nodes": {"pick": {"type": "decide", "offers": [
            {"key": "ten", "value": 10},
            {"key": "free-ship", "value": 8,
             "eligible": {"trait": "tier", "op": "equals", "value": "gold"}},
        ]}},
    })  # fmt: skip
    put(client, workspace, "offer", {
        "name": "Offer", "kind": "popup", "decide": {"journey": "offers", "node": "pick"},
        "variants": [
            {"key": "ten-off", "offer": "ten", "content": {"title": "10% off"}},
            {"key": "shipping", "offer": "free-ship", "content": {"title": "Free shipping"}},
        ],
        "default": {"title": "Hello"},
    })  # fmt: skip
    secret = secret_of(client, workspace)

    def as_user(name: str) -> Any:
        return shown(client, workspace, "offer", userId=name, userHash=user_hash(secret, name))

    # dan may have only the offer he is eligible for; ann either, the same all day.
    assert as_user("dan")["variant"] == "ten-off"
    assert as_user("dan")["reason"] == "chosen by offers's pick"
    assert as_user("ann")["variant"] in ("ten-off", "shipping")
    assert as_user("ann")["variant"] == as_user("ann")["variant"]
    assert shown(client, workspace, "offer")["content"] == {"title": "Hello"}
