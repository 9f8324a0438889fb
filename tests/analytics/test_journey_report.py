"""A journey with a 10% holdout, run on a simulated clock with customers who buy more
when reminded: the report says, with intervals, that it made more customers buy, how
much revenue it drove, and where the rest stopped. And two journeys touching one buyer:
first touch credits one, last touch the other."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.analytics.journey_report import journey_report
from baton.core.clock import ManualClock
from baton.journeys.store import Journey
from baton.predict import parse_prediction, save_prediction
from baton.predict.kinds import Score
from baton.predict.scores import write_scores
from baton.storage.database import write_transaction
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, publish, run, states_by_user
from tests.journeys.test_library import _users
from tests.segments.helpers import identify, track

CART = {
    "key": "cart-holdout",
    "name": "Cart with a holdout",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "hold",
    "nodes": {
        "hold": {"type": "holdout", "percent": 10, "next": "wait"},
        "wait": {"type": "wait_for_event", "event": "Order Completed", "timeout": "1h",
                 "timeout_next": "remind"},
        "remind": {"type": "message", "channel": "email", "template": "cart", "next": "later"},
        "later": {"type": "wait_for_event", "event": "Order Completed", "timeout": "3d"},
    },
}  # fmt: skip
CUSTOMERS = 1000


def test_a_holdout_shows_the_lift_the_revenue_and_the_drop_off(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy({"message_costs": {"email": 0.01}}))
    journey = publish(engine, clock, workspace.id, CART)
    began = clock.now()
    people = [f"c{i}" for i in range(CUSTOMERS)]
    deliver(engine, clock, workspace.id, *(identify(p, began) for p in people))
    deliver(engine, clock, workspace.id, *(track(p, "Product Added", began) for p in people))
    clock.advance(timedelta(hours=1))
    run(engine, clock)  # reminders out (or held back)

    held_users = _held_users(engine, workspace.id, journey.id)
    assert 60 <= len(held_users) <= 140  # about 10%
    rng = random.Random(8)
    buyers = [p for p in people if rng.random() < (0.10 if p in held_users else 0.40)]
    clock.advance(timedelta(hours=1))
    orders = [track(p, "Order Completed", clock.now(), {"revenue": 50}) for p in buyers]
    deliver(engine, clock, workspace.id, *orders)
    clock.advance(timedelta(days=3))
    run(engine, clock)  # the others give up waiting

    with engine.connect() as connection:
        found = journey_report(connection, journey, start=began, end=clock.now(), version=None,
                               window=timedelta(days=7))  # fmt: skip
    treated_buyers = [p for p in buyers if p not in held_users]
    assert (found["entries"], found["profiles"]) == (CUSTOMERS, CUSTOMERS)
    assert found["goals"]["conversions"] == len(buyers)
    assert found["goals"]["median_seconds_to_goal"] == 7200
    assert found["revenue"]["last_touch"] == 50 * len(treated_buyers)
    assert found["revenue"]["first_touch"] == 50 * len(treated_buyers)
    assert found["cost"] == round(0.01 * (CUSTOMERS - len(held_users)), 2)
    assert found["roi"] > 100

    holdout = found["experiments"]["holdout"]
    assert holdout["control"] == "holdout"
    control, treated = holdout["arms"]["holdout"], holdout["arms"]["treated"]
    held_buyers = len(buyers) - len(treated_buyers)
    assert (control["profiles"], control["conversions"]) == (len(held_users), held_buyers)
    assert (treated["profiles"], treated["conversions"]) == (
        CUSTOMERS - len(held_users), len(treated_buyers))  # fmt: skip
    low, high = treated["lift_interval"]
    assert 0 < low < treated["lift"] < high  # more customers bought, and it shows
    assert treated["p_value"] < 0.01
    assert treated["probability_to_be_best"] > 0.99
    assert treated["revenue_per_profile"] > control["revenue_per_profile"]
    assert treated["revenue_per_profile_difference_interval"][0] > 0

    remind = found["nodes"]["remind"]["messages"]
    assert remind["by_status"] == {"delivered": CUSTOMERS - len(held_users),
                                   "skipped": len(held_users)}  # fmt: skip
    assert remind["skipped"] == {"held_out": len(held_users)}
    # Where the rest stopped: everyone waited, the buyers left at the goal, the others
    # gave up waiting after the reminder.
    assert found["nodes"]["wait"]["entered"] == CUSTOMERS
    later = found["nodes"]["later"]
    assert (later["exited"], later["goals"], later["waiting"]) == (CUSTOMERS, len(buyers), 0)
    assert later["dropped"] == CUSTOMERS - len(buyers)
    assert found["daily"][0]["entries"] == CUSTOMERS

    over_api = client.get(f"/api/v1/journeys/{journey.key}/report",
                          headers=bearer(workspace.admin_token))  # fmt: skip
    assert over_api.status_code == 200, over_api.text
    assert over_api.json()["experiments"] == found["experiments"]
    bad = client.get(f"/api/v1/journeys/{journey.key}/report?attribution_window=soon",
                     headers=bearer(workspace.admin_token))  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "attribution_window"


def test_first_and_last_touch_credit_different_journeys_for_a_buyer_touched_twice(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    welcome = publish(engine, clock, workspace.id, _mailing("welcome", "Signed Up"))
    cart = publish(engine, clock, workspace.id, _mailing("cart-reminder", "Product Added"))
    began = clock.now()
    deliver(engine, clock, workspace.id, *(identify(p, began) for p in ("al", "bo", "cy")))
    deliver(engine, clock, workspace.id, *(track(p, "Signed Up", began) for p in ("bo", "cy")))
    clock.advance(timedelta(hours=1))
    deliver(engine, clock, workspace.id,
            *(track(p, "Product Added", clock.now()) for p in ("al", "bo")))  # fmt: skip
    clock.advance(timedelta(hours=1))
    # Bo was welcomed first and reminded last; Al only reminded, Cy only welcomed.
    deliver(engine, clock, workspace.id,
            *(track(p, "Order Completed", clock.now(), {"revenue": amount})
              for p, amount in (("al", 50), ("bo", 100), ("cy", 30))))  # fmt: skip

    def revenue(journey: Journey) -> dict[str, Any]:
        with engine.connect() as connection:
            found = journey_report(connection, journey, start=began, end=clock.now(),
                                   version=None, window=timedelta(days=7))  # fmt: skip
        return dict(found["revenue"])

    assert revenue(cart) == {"last_touch": 150, "orders_last_touch": 2,
                             "first_touch": 50, "orders_first_touch": 1}  # fmt: skip
    assert revenue(welcome) == {"last_touch": 30, "orders_last_touch": 1,
                                "first_touch": 130, "orders_first_touch": 2}  # fmt: skip


def _mailing(key: str, trigger: str) -> dict[str, Any]:
    """A journey that e-mails whoever does `trigger`."""
    return {
        "key": key,
        "name": key,
        "trigger": {"event": trigger},
        "start": "mail",
        "nodes": {"mail": {"type": "message", "channel": "email", "template": key}},
    }


def _held_users(engine: Engine, workspace_id: str, journey_id: str) -> set[str]:
    """The user ids of the profiles the holdout kept from messages."""
    states = states_by_user(engine, workspace_id, journey_id)
    return {user for user, state in states.items() if state.get("holdout")}


def test_goal_rates_by_a_predictions_decile(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, {**CART, "key": "cart-by-decile"})
    began = clock.now()
    people = [f"d{i}" for i in range(40)]
    deliver(engine, clock, workspace.id, *(identify(p, began) for p in people))
    deliver(engine, clock, workspace.id, *(track(p, "Product Added", began) for p in people))
    with write_transaction(engine) as connection:
        saved, _ = save_prediction(connection, workspace.id, parse_prediction(PROPENSITY), began)
        ids = {user: profile for profile, user in _users(connection, workspace.id).items()}
    # The model puts the first half in decile 1, and they are the ones who buy.
    scores = [
        Score(ids[p], 0.9 if i < 20 else 0.1, 1 if i < 20 else 10) for i, p in enumerate(people)
    ]
    write_scores(engine, workspace.id, saved.id, saved.key, 1, scores, began)
    buyers = people[:15] + people[20:22]
    deliver(engine, clock, workspace.id, *(track(p, "Order Completed", began) for p in buyers))
    with engine.connect() as connection:
        found = journey_report(connection, journey, start=began, end=clock.now(), version=None,
                               window=timedelta(days=7))  # fmt: skip
    assert found["predictions"] == {
        "buyer": [
            {"decile": 1, "entries": 20, "conversions": 15, "rate": 0.75},
            {"decile": 10, "entries": 20, "conversions": 2, "rate": 0.1},
        ]
    }


PROPENSITY = {
    "key": "buyer",
    "kind": "classification",
    "label": {"event": {"event": "Order Completed", "within": "7d"}},
}
