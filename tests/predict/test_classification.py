"""Churn and propensity on data with planted drivers, sent as a user would send it (CSV-like
text traits, `Order Completed` events): the drivers come back as the top features and as
plain-word reasons, the model beats chance and matches its logistic baseline, and behavioural
labels are evaluated on a split in time."""

from __future__ import annotations

import math
import random
import time
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.predict.classification import Classification
from baton.predict.definitions import ClassificationDefinition, parse_prediction
from baton.predict.kinds import Trained
from baton.storage.tables import events
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.segments.helpers import identify, track

CONTRACTS = ("Month-to-month", "One year", "Two year")


def _definition(data: dict[str, Any]) -> ClassificationDefinition:
    definition = parse_prediction({"key": "churn", "kind": "classification", **data})
    assert isinstance(definition, ClassificationDefinition)
    return definition


def _train(
    engine: Engine, workspace: Workspace, definition: ClassificationDefinition, now: datetime
) -> Trained:
    shares: list[float] = []
    with engine.connect() as connection:
        trained = Classification().train(connection, workspace.id, definition, now, shares.append)
    assert shares[-1] == 1.0
    assert shares == sorted(shares)
    return trained


def _profiles_by_user(engine: Engine, workspace_id: str) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.user_id, events.c.profile_id)
            .where(events.c.workspace_id == workspace_id, events.c.user_id.is_not(None))
            .distinct()
        )
        return {user: profile for user, profile in rows}


def _customers(rng: random.Random, count: int, at: datetime) -> list[dict[str, Any]]:
    """Telco-like customers: month-to-month contracts churn, and so do the first year's
    customers, most of all when both; gender, paperless billing and monthly charges are
    noise. Every value is text, as a CSV import leaves it."""
    messages = []
    for n in range(count):
        contract = rng.choices(CONTRACTS, weights=(5, 3, 2))[0]
        tenure = rng.randint(0, 72)
        monthly = contract == CONTRACTS[0]
        logit = -3.2 + 2.4 * monthly + 2.6 * (tenure < 12) + 1.0 * (monthly and tenure < 6)
        churn = rng.random() < 1 / (1 + math.exp(-logit))
        traits = {
            "contract": contract,
            "tenure": str(tenure),
            "monthly_charges": f"{rng.uniform(18, 118):.2f}",
            "paperless": rng.choice(("Yes", "No")),
            "gender": rng.choice(("Female", "Male")),
            "email": f"customer{n}@example.com",
            "Churn": "Yes" if churn else "No",
        }
        messages.append(identify(f"c{n}", at, **traits))
    return messages


def test_planted_churn_drivers_are_recovered_with_types_metrics_and_reasons(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = clock.now()
    rng = random.Random(7)
    send(engine, clock, workspace.id, *_customers(rng, 1500, now - timedelta(days=30)))
    definition = _definition(
        {
            "label": {"trait": {"name": "Churn", "positive": "yes"}},
            "features": {"traits": "*", "events": "none"},
        }
    )
    started = time.perf_counter()
    trained = _train(engine, workspace, definition, now)
    took = time.perf_counter() - started

    features = {f["name"]: f for f in trained.features}
    assert "Churn" not in features  # the label is never an input
    assert {f["name"] for f in trained.features[:2]} == {"contract", "tenure"}
    assert features["tenure"]["type"] == "numeric"
    assert features["tenure"]["inferred"].startswith("numeric from text like '")
    assert features["monthly_charges"]["type"] == "numeric"
    assert features["paperless"]["type"] == "boolean"
    assert features["paperless"]["inferred"] in (
        "boolean from 'Yes'/'No'",
        "boolean from 'No'/'Yes'",
    )
    assert features["contract"]["type"] == "categorical"
    assert set(features["contract"]["levels"]) == set(CONTRACTS)
    assert sum(f["importance"] for f in trained.features) == pytest.approx(1.0, abs=1e-3)
    dropped = {d["name"]: d["reason"] for d in trained.metrics["dropped_features"]}
    assert "email" in dropped

    metrics = trained.metrics
    assert metrics["evaluation"] == "5-fold cross-validation"
    assert metrics["rows"] == 1500
    assert 200 < metrics["positives"] < 600
    assert metrics["auc"] > 0.75
    assert metrics["pr_auc"] > metrics["base_rate"]
    assert metrics["baseline"]["model"] == "logistic regression"
    assert metrics["auc"] >= metrics["baseline"]["auc"] - 0.02
    assert metrics["beats_baseline"] == (metrics["auc"] >= metrics["baseline"]["auc"])
    lift = metrics["lift"]
    assert [d["decile"] for d in lift] == list(range(1, 11))
    assert lift[0]["lift"] > 1.8
    assert lift[0]["rate"] > lift[-1]["rate"]
    assert sum(b["count"] for b in metrics["calibration"]) == 1500
    for bucket in metrics["calibration"]:
        if bucket["count"] >= 50:
            assert abs(bucket["mean_predicted"] - bucket["observed_rate"]) < 0.2
    assert took < 30

    # The model is JSON (LightGBM's own text and the feature spec), never a pickle.
    document = orjson.loads(trained.model)
    assert document["booster"].startswith("tree")
    assert [f["name"] for f in document["spec"]["features"]] == sorted(
        features, key=[f["name"] for f in document["spec"]["features"]].index
    )

    with engine.connect() as connection:
        scores = list(
            Classification().score(connection, workspace.id, definition, trained.model, now)
        )
    by_profile = {s.profile_id: s for s in scores}
    assert len(by_profile) == 1500
    assert all(s.value is not None and 0 <= s.value <= 1 for s in scores)
    assert sorted(s.decile for s in scores if s.decile) == sorted(
        [d for d in range(1, 11) for _ in range(150)]
    )
    top = [s.value for s in scores if s.decile == 1]
    bottom = [s.value for s in scores if s.decile == 10]
    assert min(v for v in top if v is not None) >= max(v for v in bottom if v is not None)

    profiles = _profiles_by_user(engine, workspace.id)
    riskiest = max(scores, key=lambda s: s.value or 0.0)
    with engine.connect() as connection:
        reasons = Classification().explain(
            connection, workspace.id, definition, trained.model, riskiest.profile_id, now
        )
    assert 1 <= len(reasons) <= 5
    assert reasons[0].effect > 0
    texts = [r.text for r in reasons]
    assert "contract: month-to-month" in texts
    assert any(t.startswith("tenure: ") for t in texts)
    assert sorted(reasons, key=lambda r: -abs(r.effect)) == reasons

    safest = min(scores, key=lambda s: s.value or 1.0)
    assert safest.profile_id in profiles.values()
    with engine.connect() as connection:
        calm = Classification().explain(
            connection, workspace.id, definition, trained.model, safest.profile_id, now
        )
    contract = next(r for r in calm if r.feature == "contract")
    assert contract.effect < 0
    assert contract.text in ("contract: two year", "contract: one year")


def _shoppers(rng: random.Random, count: int, now: datetime) -> list[dict[str, Any]]:
    """Each shopper orders at their own pace until a moment of their own, then never again:
    whoever has not ordered for long has most likely stopped."""
    start = now - timedelta(days=400)
    messages: list[dict[str, Any]] = []
    for n in range(count):
        user = f"s{n}"
        messages.append(identify(user, start, plan=rng.choice(("basic", "plus"))))
        stops = start + timedelta(days=rng.uniform(60, 640))
        every = rng.uniform(8, 30)
        at = start + timedelta(days=rng.uniform(0, every))
        while at < min(stops, now):
            messages.append(track(user, "Order Completed", at, {"revenue": 20}))
            at += timedelta(days=rng.expovariate(1 / every))
        for _ in range(rng.randint(0, 3)):
            seen = start + timedelta(days=rng.uniform(0, 399))
            messages.append(track(user, "Page Viewed", seen))
    return messages


def test_no_event_label_is_evaluated_on_a_time_split_and_explained_by_recency(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = clock.now()
    send(engine, clock, workspace.id, *_shoppers(random.Random(11), 700, now))
    definition = _definition({"label": {"no_event": {"event": "Order Completed", "within": "90d"}}})
    trained = _train(engine, workspace, definition, now)

    metrics = trained.metrics
    assert metrics["evaluation"].startswith("time split: trained on features as of ")
    split = metrics["time_split"]
    assert split["train_features_at"] == iso_instant(now - timedelta(days=180))
    assert split["train_labels"] == [
        iso_instant(now - timedelta(days=180)),
        iso_instant(now - timedelta(days=90)),
    ]
    assert split["test_features_at"] == iso_instant(now - timedelta(days=90))
    assert split["test_labels"] == [iso_instant(now - timedelta(days=90)), iso_instant(now)]
    assert trained.window_start == now - timedelta(days=90)
    assert trained.window_end == now
    assert metrics["rows"] == 700
    assert metrics["auc"] > 0.8
    assert metrics["auc"] >= metrics["baseline"]["auc"] - 0.02

    names = [f["name"] for f in trained.features]
    assert "days since last Order Completed" in names[:3]
    assert "Order Completed: times in the last 90 days" in names
    assert "days since last Page Viewed" in names  # events: auto took both names
    assert not any(n.startswith("predicted.") for n in names)

    with engine.connect() as connection:
        scores = list(
            Classification().score(connection, workspace.id, definition, trained.model, now)
        )
    riskiest = max(scores, key=lambda s: s.value or 0.0)
    with engine.connect() as connection:
        reasons = Classification().explain(
            connection, workspace.id, definition, trained.model, riskiest.profile_id, now
        )
    recency = next(r for r in reasons if r.feature == "days since last Order Completed")
    assert recency.effect > 0
    assert recency.text.startswith("no Order Completed in ")
    assert recency.text.endswith(" days")
    assert int(recency.text.split()[-2]) > 60


def test_too_few_positives_or_no_features_refuse_to_train(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = clock.now()
    messages = [
        identify(f"u{n}", now - timedelta(days=1), plan="a" if n % 2 else "b", Churn="No")
        for n in range(60)
    ]
    messages += [identify(f"v{n}", now - timedelta(days=1), Churn="Yes") for n in range(5)]
    send(engine, clock, workspace.id, *messages)
    definition = _definition({"label": {"trait": {"name": "Churn", "positive": "Yes"}}})
    with engine.connect() as connection, pytest.raises(InvalidInput, match="5 positive"):
        Classification().train(connection, workspace.id, definition, now, lambda _: None)

    nothing = _definition(
        {
            "label": {"trait": {"name": "Churn", "positive": "Yes"}},
            "features": {"traits": ["favourite_colour"], "events": "none", "computed": []},
        }
    )
    with engine.connect() as connection, pytest.raises(InvalidInput, match="no features"):
        Classification().train(connection, workspace.id, nothing, now, lambda _: None)
