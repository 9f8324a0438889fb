"""Predictions over real HTTP, on both databases: a definition trains in the background,
its scores become computed traits segments read, each profile's score comes with reasons,
and versions roll back, wait for approval or are blocked by the fairness bound."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.predict import analyze_due, get_prediction, score_due, train_due
from baton.storage.settled import SettledEvents
from baton.storage.tables import events, identifiers, prediction_scores, profiles
from tests.api.test_profiles import bearer, ingest
from tests.api.test_reviews import Marketer, _require
from tests.api.test_reviews import marketer as marketer
from tests.conftest import Workspace
from tests.segments.helpers import settle

CHURN = {
    "kind": "classification",
    "name": "Churn",
    "label": {"trait": {"name": "Churn", "positive": "Yes"}},
    "features": {"traits": "*", "exclude": ["Churn"], "events": "none"},
}


def _customers(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace, count: int
) -> None:
    """People whose churn follows their contract and tenure (text, as a CSV import gives),
    with a gender that churn does not depend on."""
    rng = random.Random(7)
    messages = []
    for i in range(count):
        contract = rng.choice(["Month-to-month", "One year", "Two year"])
        tenure = rng.randint(1, 72)
        risk = {"Month-to-month": 0.55, "One year": 0.15, "Two year": 0.04}[contract]
        risk *= 1.6 if tenure < 12 else 0.6
        traits = {
            "contract": contract,
            "tenure": str(tenure),
            "monthly_charges": f"{rng.uniform(20, 110):.2f}",
            "gender": rng.choice(["Female", "Male"]),
            "Churn": "Yes" if rng.random() < risk else "No",
        }
        messages.append({"type": "identify", "userId": f"c{i}", "traits": traits})
    for start in range(0, len(messages), 200):
        ingest(client, workspace, *messages[start : start + 200])
    settle(engine, clock)


def _train(engine: Engine, clock: ManualClock) -> None:
    while train_due(engine, clock) or score_due(engine, clock):
        pass
    settle(engine, clock)


def _by_user(engine: Engine, workspace_id: str, user_id: str) -> str:
    with engine.connect() as connection:
        found: str = connection.execute(
            select(identifiers.c.profile_id).where(
                identifiers.c.workspace_id == workspace_id,
                identifiers.c.kind == "user_id",
                identifiers.c.value == user_id,
            )
        ).scalar_one()
    return found


def _get(client: httpx.Client, key: str = "churn-90d") -> dict[str, Any]:
    response = client.get(f"/api/v1/predictions/{key}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_churn_model_trains_scores_and_explains_through_the_api(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    _customers(client, engine, clock, workspace, 600)

    created = client.put("/api/v1/predictions/churn-90d", json=CHURN)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "new"
    assert created.json()["training_requested"] is True
    _train(engine, clock)

    found = _get(client)
    assert found["status"] == "ready", found["error"]
    assert found["version"] == 1
    assert found["metrics"]["auc"] > 0.7
    assert found["metrics"]["baseline"]["model"] == "logistic regression"
    names = [f["name"] for f in found["features"]]
    assert set(names[:2]) <= {"contract", "tenure"}, names
    assert "Churn" not in names
    card = found["model_card"]
    assert card["version"] == 1
    assert card["kind"] == "classification"
    assert card["intended_use"]
    assert card["limits"]
    assert card["fairness"]["checked"] is False

    # The scores are computed traits: a segment reads them like any other.
    segment = {
        "key": "likely-churners",
        "name": "Likely churners",
        "condition": {"computed": "predicted.churn-90d", "op": "gte", "value": 0.5},
    }
    assert client.post("/api/v1/segments", json=segment).status_code == 201
    settle(engine, clock)
    members = client.get("/api/v1/segments/likely-churners/count").json()["count"]
    with engine.connect() as connection:
        stored = [
            computed["predicted"]
            for (computed,) in connection.execute(
                select(profiles.c.computed).where(profiles.c.workspace_id == workspace.id)
            )
            if computed and "predicted" in computed
        ]
    assert len(stored) == 600
    assert all(0 <= s["churn-90d"] <= 1 and 1 <= s["churn-90d_decile"] <= 10 for s in stored)
    assert members == sum(s["churn-90d"] >= 0.5 for s in stored) > 0

    # Each score comes with its reasons in plain words.
    risky = _by_user(engine, workspace.id, "c0")
    scored = client.get(f"/api/v1/profiles/{risky}/predictions").json()
    (churn,) = scored["predictions"]
    assert churn["key"] == "churn-90d"
    assert 0 <= churn["score"] <= 1
    assert churn["traits"]["churn-90d"] == churn["score"]
    assert churn["reasons"]
    assert all(r["text"] for r in churn["reasons"])
    assert any(r["text"].startswith(("contract: ", "tenure: ")) for r in churn["reasons"])

    # An erased person's scores go with them.
    assert client.delete(f"/api/v1/profiles/{risky}").status_code == 200
    with engine.connect() as connection:
        left = select(prediction_scores.c.profile_id).where(prediction_scores.c.profile_id == risky)
        assert connection.execute(left).first() is None


def test_versions_roll_back_and_only_the_newest_are_kept(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    _customers(client, engine, clock, workspace, 300)
    assert client.put(
        "/api/v1/predictions/churn-90d", json={**CHURN, "keep_versions": 2}
    ).is_success
    _train(engine, clock)
    for _ in range(2):
        assert client.post("/api/v1/predictions/churn-90d/train").status_code == 202
        _train(engine, clock)
    found = _get(client)
    assert found["version"] == 3
    assert [v["version"] for v in found["versions"]] == [3, 2]

    rolled = client.post("/api/v1/predictions/churn-90d/rollback", json={"version": 2})
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["version"] == 2
    gone = client.post("/api/v1/predictions/churn-90d/rollback", json={"version": 1})
    assert gone.status_code == 404
    assert gone.json()["error"]["field"] == "version"


def test_a_marketers_model_waits_for_an_approvers_review(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    marketer: Marketer,
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    _customers(client, engine, clock, workspace, 300)
    _require(engine, workspace.id, "models")
    created = marketer.client.put("/api/v1/predictions/churn-90d", json=CHURN)
    assert created.status_code == 201, created.text
    _train(engine, clock)

    found = _get(client)
    assert found["version"] is None
    (pending,) = found["versions"]
    assert pending["status"] == "pending_approval"
    assert pending["review_id"]
    with engine.connect() as connection:
        assert not any(
            computed and "predicted" in computed
            for (computed,) in connection.execute(
                select(profiles.c.computed).where(profiles.c.workspace_id == workspace.id)
            )
        )
    # Trained again and deleted meanwhile, a prediction takes its pending reviews with it.
    assert marketer.client.put("/api/v1/predictions/gone", json=CHURN).status_code == 201
    _train(engine, clock)
    (gone,) = _get(client, "gone")["versions"]
    assert client.delete("/api/v1/predictions/gone").status_code == 204
    review = client.get(f"/api/v1/reviews/{gone['review_id']}").json()
    assert review["status"] == "rejected"
    approved = client.post(f"/api/v1/reviews/{pending['review_id']}/approve")
    assert approved.status_code == 200, approved.text
    assert _get(client)["version"] == 1
    _train(engine, clock)
    holder = _by_user(engine, workspace.id, "c1")
    assert client.get(f"/api/v1/profiles/{holder}/predictions").json()["predictions"]


def test_a_model_a_marketers_template_brings_waits_for_review_too(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    marketer: Marketer,
) -> None:
    _require(engine, workspace.id, "models")
    installed = marketer.client.post(
        "/api/v1/journey-templates", json={"name": "win-back", "publish": False}
    )
    assert installed.status_code == 201, installed.text
    assert {"kind": "prediction", "key": "churn-90d", "action": "created"} in installed.json()[
        "installed"
    ]

    with engine.connect() as connection:
        churn = get_prediction(connection, workspace.id, "churn-90d")
    assert churn.train_requested_at is not None
    assert churn.train_needs_review
    assert churn.train_requested_by == marketer.id


def test_the_fairness_bound_blocks_a_model_where_the_workspace_says_so(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    _customers(client, engine, clock, workspace, 300)
    # Contract drives churn: across contract groups, the scores differ by far more than 1%.
    policy = {"fairness": {"sensitive_traits": ["contract"], "max_gap": 0.01, "block": True}}
    assert client.put("/api/v1/policy", json=policy).is_success
    assert client.put("/api/v1/predictions/churn-90d", json=CHURN).is_success
    _train(engine, clock)

    found = _get(client)
    assert found["version"] is None
    (blocked,) = found["versions"]
    assert blocked["status"] == "blocked"
    fairness = found["model_card"]["fairness"]
    assert fairness["within_bound"] is False
    assert fairness["blocks"] is True
    refused = client.post("/api/v1/predictions/churn-90d/rollback", json={"version": 1})
    assert refused.status_code == 409


def test_bad_definitions_are_refused_with_the_field(
    client: httpx.Client, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    for body, field in [
        ({"kind": "astrology"}, "kind"),
        ({**CHURN, "label": {}}, "label"),
        ({**CHURN, "schedule": "hourly"}, "schedule"),
        ({**CHURN, "key": "other"}, "key"),
        ({"kind": "clv", "horizon": "soon"}, "horizon"),
    ]:
        response = client.put("/api/v1/predictions/churn-90d", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["field"] == field, response.text
    assert client.put("/api/v1/predictions/Not_A_Key", json=CHURN).status_code == 400


def test_deleting_a_prediction_removes_its_computed_traits(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    _customers(client, engine, clock, workspace, 200)
    assert client.put("/api/v1/predictions/churn-90d", json=CHURN).is_success
    _train(engine, clock)
    assert client.delete("/api/v1/predictions/churn-90d").status_code == 204
    assert client.get("/api/v1/predictions/churn-90d").status_code == 404
    with engine.connect() as connection:
        assert not any(
            computed and "predicted" in computed
            for (computed,) in connection.execute(
                select(profiles.c.computed).where(profiles.c.workspace_id == workspace.id)
            )
        )


def test_sentiment_reads_new_texts_once_and_records_what_it_found(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    old = {"type": "track", "userId": "old", "event": "Ticket Created",
           "properties": {"body": "This is useless and broken, I am furious."}}  # fmt: skip
    ingest(client, workspace, old)
    settle(engine, clock)
    definition = {"kind": "sentiment", "event": "Ticket Created", "text": "body"}
    assert client.put("/api/v1/predictions/tickets", json=definition).status_code == 201
    _train(engine, clock)
    found = _get(client, "tickets")
    assert found["status"] == "ready", found["error"]
    assert found["metrics"]["supported"]["en"] is True
    assert found["metrics"]["supported"]["hu"] is False
    assert found["metrics"]["accuracy"]["en"] > 0.7

    texts = {
        "angry": "Terrible service, nothing works and nobody answers. Awful.",
        "happy": "Thank you so much, the support was wonderful and quick!",
        "magyar": "Nagyon rossz a szolgáltatás, semmi sem működik.",
    }
    tickets = [
        {"type": "track", "userId": user, "event": "Ticket Created", "properties": {"body": body}}
        for user, body in texts.items()
    ]
    ingest(client, workspace, *tickets)
    settle(engine, clock)
    settled = SettledEvents()
    for _ in range(2):  # a second round records nothing again
        analyze_due(engine, clock, settled)
    with engine.connect() as connection:
        rows = connection.execute(
            select(identifiers.c.value, events.c.properties)
            .join(identifiers, identifiers.c.profile_id == events.c.profile_id)
            .where(
                events.c.workspace_id == workspace.id,
                events.c.event == "Sentiment Analyzed",
                identifiers.c.kind == "user_id",
            )
        ).all()
    analyzed = {user: properties for user, properties in rows}
    # The ticket stored before the prediction existed starts nothing today.
    assert sorted(analyzed) == ["angry", "happy", "magyar"]
    assert analyzed["angry"]["label"] == "negative"
    assert analyzed["happy"]["label"] == "positive"
    assert analyzed["magyar"]["language"] == "hu"
    assert analyzed["magyar"]["supported"] is False
    assert analyzed["magyar"]["label"] is None


def test_lifetime_value_trains_from_orders_through_the_api(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    client.headers.update(bearer(workspace.admin_token))
    rng = random.Random(3)
    start = clock.now() - timedelta(days=200)
    orders = []
    for i in range(120):
        every = rng.choice([7, 15, 30, 60])
        stop = rng.randint(30, 200)  # some stop buying
        orders += [
            {"type": "track", "userId": f"b{i}", "event": "Order Completed",
             "properties": {"revenue": round(rng.uniform(10, 90), 2)},
             "timestamp": (start + timedelta(days=day)).isoformat()}
            for day in range(rng.randint(0, 20), stop, every)
        ]  # fmt: skip
    for at in range(0, len(orders), 500):
        ingest(client, workspace, *orders[at : at + 500])
    settle(engine, clock)
    definition = {"kind": "clv", "event": "Order Completed", "revenue_property": "revenue",
                  "horizon": "365d", "time_unit": "weeks"}  # fmt: skip
    assert client.put("/api/v1/predictions/clv", json=definition).status_code == 201
    _train(engine, clock)
    found = _get(client, "clv")
    assert found["status"] == "ready", found["error"]
    assert set(found["metrics"]["params"]) >= {"r", "alpha", "a", "b", "p", "q", "v"}
    best = _by_user(engine, workspace.id, "b0")
    (clv,) = client.get(f"/api/v1/profiles/{best}/predictions").json()["predictions"]
    assert set(clv["traits"]) == {"clv", "clv_decile", "clv_p_alive", "clv_expected_purchases"}
    assert clv["reasons"]
