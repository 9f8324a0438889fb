"""Lifetime value: the CDNOW sample, sent as a user would send it, gives back the BG/NBD
parameters Fader, Hardie & Lee (2005) published and a sensible holdout forecast; planted
buyers get the scores and reasons their behaviour implies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lifetimes
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.predict.clv import Clv, Model
from baton.predict.definitions import ClvDefinition, parse_prediction
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.segments.helpers import track, user_of

CDNOW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
HOLDOUT_END = datetime(1998, 6, 30, tzinfo=UTC)


def _cdnow_orders() -> list[dict[str, Any]]:
    """One `Order Completed` per transaction line: customer, YYYYMMDD, quantity, amount."""
    orders = []
    for line_number, line in enumerate(CDNOW.read_text().splitlines()):
        _, customer, day, quantity, amount = line.split()
        at = datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC)
        properties = {"revenue": float(amount), "quantity": int(quantity)}
        order = track(f"cdnow-{customer}", "Order Completed", at, properties)
        orders.append({**order, "messageId": f"cdnow-{line_number}"})
    return orders


def _trained(engine: Engine, workspace: Workspace, definition: ClvDefinition, now: datetime) -> Any:
    shares: list[float] = []
    with engine.connect() as connection:
        trained = Clv().train(connection, workspace.id, definition, now, shares.append)
    assert shares[-1] == 1.0
    assert shares == sorted(shares)
    return trained


def test_cdnow_reproduces_the_published_bgnbd_parameters_and_forecasts_the_holdout(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id, *_cdnow_orders())
    definition = parse_prediction(
        {"key": "cdnow", "kind": "clv", "time_unit": "weeks", "calibration_end": "1997-09-30"}
    )
    assert isinstance(definition, ClvDefinition)
    trained = _trained(engine, workspace, definition, HOLDOUT_END)

    params = trained.metrics["params"]
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert params[name] == pytest.approx(value, rel=0.01), name
    assert trained.metrics["customers"] == 2357
    assert trained.metrics["repeat_purchases"] == 2457  # FHL: 2,457 in the calibration
    assert {"p", "q", "v"} <= params.keys()
    assert Model.from_bytes(trained.model).bgnbd == {n: params[n] for n in published}

    holdout = trained.metrics["holdout"]
    assert holdout["length"] == 39.0
    assert holdout["customers"] == 2357
    # BG/NBD under-forecasts CDNOW's holdout a little (FHL 2005, fig. 2 and 4).
    assert holdout["predicted_total"] == pytest.approx(holdout["actual_total"], rel=0.15)
    groups = holdout["by_calibration_purchases"]
    assert [g["calibration_purchases"] for g in groups] == [*"0123456", "7+"]
    assert sum(g["customers"] for g in groups) == 2357
    actual = [g["actual_mean"] for g in groups]
    predicted = [g["predicted_mean"] for g in groups]
    # Who bought more before buys more after, and the model says so too.
    assert actual[0] < actual[3] < actual[7]
    assert predicted == sorted(predicted)
    for a, p in zip(actual, predicted, strict=True):
        assert abs(a - p) < max(0.5, 0.35 * a)
    assert trained.window_end == datetime(1997, 9, 30, tzinfo=UTC)
    assert trained.window_start == datetime(1997, 1, 1, tzinfo=UTC)


def _buyer(
    user: str, start: datetime, every: timedelta, count: int, spend: float, spread: float = 0.0
) -> list[Any]:
    """`count` orders `every` apart from `start`, of `spend` give or take `spread`."""
    rng = random.Random(user)
    return [
        track(user, "Order Completed", start + every * i,
              {"revenue": round(spend * (1 + rng.uniform(-spread, spread)), 2)})
        for i in range(count)
    ]  # fmt: skip


def test_planted_buyers_score_by_how_often_how_lately_and_how_much_they_buy(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    start = now - timedelta(days=360)
    crowd = []
    # A population of buyers, each with their own typical spend: monthly ones, ones who
    # stopped after a few orders, and one-off buyers.
    for i in range(0, 60, 3):
        first = start + timedelta(days=i)
        crowd += _buyer(f"steady-{i}", first, timedelta(days=30), 11, 10.0 + i * 37 % 90, 0.3)
        crowd += _buyer(f"gone-{i}", first, timedelta(days=20), 4, 10.0 + i * 53 % 70, 0.3)
        crowd += _buyer(f"once-{i}", start + timedelta(days=3 * i), timedelta(days=1), 1, 30.0)
    regular = _buyer("regular", start, timedelta(days=14), 25, 80.0)
    regular.append(track("regular", "Order Completed", now - timedelta(days=5), {"revenue": 80.0}))
    lapsed = _buyer("lapsed", start, timedelta(days=7), 10, 80.0)  # weekly, then silence
    # Two orders on one day are one purchase day.
    twice = [track("twice", "Order Completed", start + timedelta(hours=h), {"revenue": "15.5"})
             for h in (1, 2)]  # fmt: skip
    send(engine, clock, workspace.id, *crowd, *regular, *lapsed, *twice)
    definition = ClvDefinition(kind="clv", key="clv", horizon="180d", discount_rate=0.001)
    trained = _trained(engine, workspace, definition, now)
    assert "holdout" not in trained.metrics
    assert {"r", "alpha", "a", "b", "p", "q", "v"} == trained.metrics["params"].keys()

    with engine.connect() as connection:
        clv = Clv()
        found = clv.score(connection, workspace.id, definition, trained.model, now)
        scores = {s.profile_id: s for s in found}
        by_user = {user_of(engine, workspace.id, p): s for p, s in scores.items()}
        assert len(by_user) == 63
        best, faded = by_user["regular"], by_user["lapsed"]
        assert best.decile == 1
        assert best.value is not None
        assert faded.value is not None
        assert best.value > 5 * faded.value
        assert best.traits["p_alive"] > 0.9 > 0.5 > faded.traits["p_alive"]
        assert best.traits["expected_purchases"] > 8 > 1 > faded.traits["expected_purchases"]
        assert by_user["twice"].detail["frequency"] == 0
        assert {s.decile for s in scores.values()} == set(range(1, 11))

        reasons = clv.explain(
            connection, workspace.id, definition, trained.model, best.profile_id, now
        )
        assert [r.text for r in reasons[:2]] == [
            "25 repeat purchases, the last 5 days ago",
            "spends 80.00 on average",
        ]
        assert reasons[0].effect > 0
        assert reasons[1].effect > 0
        assert reasons[2].text.startswith("probably still active (p_alive 0.9")
        lapsed_reasons = clv.explain(
            connection, workspace.id, definition, trained.model, faded.profile_id, now
        )
        assert lapsed_reasons[0].text == "9 repeat purchases, the last 297 days ago"
        assert lapsed_reasons[2].text.startswith("probably lapsed (p_alive 0.")
        assert lapsed_reasons[2].effect < 0


def test_too_few_buyers_is_a_reason_not_a_model(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    send(
        engine,
        clock,
        workspace.id,
        *_buyer("only", now - timedelta(days=50), timedelta(days=7), 3, 9.0),
    )
    definition = ClvDefinition(kind="clv", key="clv")
    with pytest.raises(InvalidInput, match="CLV needs at least 20 buyers"):
        _trained(engine, workspace, definition, now)
