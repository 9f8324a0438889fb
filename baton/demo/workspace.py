"""A living demo workspace: ready journeys installed, then weeks of synthetic customers
streamed through the real ingestion path and pipeline on a simulated clock, an hour at
a time, so journeys wait, remind, get answers and convert as they would in production,
and every report has something to say.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from baton.channels import set_consent
from baton.core.clock import ManualClock
from baton.demo.customers import CATALOGUE, Customers
from baton.demo.marketing import add_marketing, newsletter_hour, read_newsletter, send_newsletter
from baton.identity import find_profile
from baton.ingest import parse_message, store_messages
from baton.journeys import (
    apply_journey,
    definition_of,
    dump_journey,
    enter_matching,
    get_journey,
    get_journey_template,
    install,
    parse_journey,
)
from baton.pipeline import run_until_idle
from baton.predict import get_prediction, parse_prediction, request_training, save_prediction
from baton.predict.catalog import CatalogItem, save_items
from baton.storage.database import write_transaction
from baton.storage.tables import events, identifiers, messages
from baton.workspaces import load_policy, save_policy
from baton.workspaces.policy import Fairness

# The ready journeys installed, with parameters that suit weeks rather than years.
TEMPLATES: dict[str, dict[str, Any]] = {
    "welcome-onboarding": {},
    "browse-abandonment": {},
    "cart-abandonment": {},
    "post-purchase": {},
    "order-status": {},
    "win-back": {"inactive_days": 21},
    "birthday": {},
    "loyalty-tier-upgrade": {},
    "support-pause": {},
    "telecom-outage": {},
    "card-payment-failed": {},
}


# Predictions that learn from what the demo's weeks hold (the win-back template's churn-90d
# needs 90 days of orders, so it fails with its reason). `calibration_end` is filled in.
PREDICTIONS: list[dict[str, Any]] = [
    {
        "key": "buys-7d",
        "name": "Buys within 7 days",
        "kind": "classification",
        "label": {"event": {"event": "Order Completed", "within": "7d"}},
        "features": {"traits": "*", "events": "auto", "computed": "*"},
    },
    {
        "key": "telecom-churn",
        "name": "Telecom churn",
        "kind": "classification",
        "label": {"trait": {"name": "churned", "positive": "Yes"}},
        "features": {"exclude": ["email", "phone", "firstName", "birthday"], "events": "auto"},
    },
    {"key": "customer-value", "name": "Customer value", "kind": "clv", "horizon": "90d"},
    {
        "key": "next-products",
        "name": "Products to show next",
        "kind": "recommendations",
        "count": 3,
        "interactions": [
            {"event": "Order Completed", "item": "products[].product_id", "weight": 3},
            {"event": "Product Added", "weight": 2},
            {"event": "Product Viewed", "weight": 1},
        ],
    },
    {
        "key": "nps-mood",
        "name": "Mood of NPS comments",
        "kind": "sentiment",
        "event": "NPS Submitted",
        "text": "comment",
    },
]


@dataclass(frozen=True)
class DemoResult:
    customers: int
    days: int
    events: int
    messages: int


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(events.c.seq).limit(1)).first() is None


def build_demo(
    engine: Engine,
    workspace_id: str,
    clock: ManualClock,
    *,
    customers: int,
    days: int,
    seed: int,
    region: str,
    progress: Callable[[int, int], None],
) -> DemoResult:
    """Install the ready journeys, then live `days` days of `customers` customers up to
    the clock's start plus `days`; `progress(hours done, hours)`."""
    start = clock.now()
    with write_transaction(engine) as connection:
        for name, given in TEMPLATES.items():
            template = get_journey_template(name)
            install(connection, workspace_id, template, given, start, publish=True)
        _test_the_cart_incentive(connection, workspace_id, start)
        _add_predictions(connection, workspace_id, start, days)
        add_marketing(connection, workspace_id, start, days, seed)
    population = Customers.generate(customers, start, days, seed)
    retries = random.Random(f"{seed}:retries")
    stored = 0
    for index in range(days * 24):
        due = population.hour(index)
        calls = [m for m in due if "type" not in m]
        tracked = [m for m in due if "type" in m]
        stored += len(tracked)
        # The hour's events arrive at its end, as if sent in a batch.
        clock.advance(start + timedelta(hours=index + 1) - clock.now())
        store_messages(
            engine,
            workspace_id,
            [parse_message(m, received_at=clock.now(), ip=None, size=300) for m in tracked],
        )
        if index == newsletter_hour(days):
            with write_transaction(engine) as connection:
                send_newsletter(connection, workspace_id, clock.now())
        run_until_idle(engine, clock, retries, region)
        if calls:
            _call(engine, workspace_id, clock, calls, region)
            run_until_idle(engine, clock, retries, region)
        if index >= newsletter_hour(days):
            read_newsletter(engine, workspace_id, clock, start + timedelta(hours=index), seed)
        population.react(index, _delivered(engine, workspace_id, clock, index, start))
        progress(index + 1, days * 24)
    # Trained again on every day lived, so the console opens on models of the whole period.
    with write_transaction(engine) as connection:
        for found in PREDICTIONS:
            prediction = get_prediction(connection, workspace_id, found["key"])
            request_training(connection, prediction, clock.now(), None, needs_review=False)
    run_until_idle(engine, clock, retries, region)
    with engine.connect() as connection:
        sent = connection.execute(
            select(messages.c.id).where(messages.c.workspace_id == workspace_id)
        ).all()
    return DemoResult(customers, days, stored, len(sent))


def _test_the_cart_incentive(connection: Connection, workspace_id: str, now: datetime) -> None:
    """The demo's experiment, as a team would run it in a second version of the cart
    journey: does the second reminder need its discount code, or does a plain reminder
    win the cart back as well? Half the people get each (`split:incentive-test`)."""
    journey = get_journey(connection, workspace_id, "cart-abandonment")
    document = dump_journey(definition_of(connection, journey.id, journey.version))
    nodes = document["nodes"]
    nodes["second-wait"]["next"] = "incentive-test"
    nodes["incentive-test"] = {
        "type": "split",
        "arms": [
            {"name": "control", "weight": 50, "next": "plain-reminder"},
            {"name": "incentive", "weight": 50, "next": "incentive"},
        ],
    }
    nodes["plain-reminder"] = {
        "type": "message", "channel": "email", "template": "cart-reminder",
        "next": nodes["incentive"]["next"],
    }  # fmt: skip
    apply_journey(connection, workspace_id, parse_journey(document), now, publish_it=True)


def _add_predictions(connection: Connection, workspace_id: str, start: datetime, days: int) -> None:
    """The demo's models, with the shop's catalogue to recommend from. They train at once
    (on too little data at first: they fail with the reason) and again weekly."""
    items = [
        (name, CatalogItem(name=name.capitalize(), price=price, attributes={"category": category}))
        for name, category, price in CATALOGUE
    ]
    save_items(connection, workspace_id, items, start)
    # Each model's card compares its scores across age bands.
    policy = load_policy(connection, workspace_id)
    fair = Fairness(sensitive_traits=["age_band"], max_gap=0.1)
    save_policy(connection, workspace_id, policy.model_copy(update={"fairness": fair}))
    # The value model is fitted on the first two thirds and checked against the last third.
    holdout = (start + timedelta(days=days * 2 // 3)).isoformat()
    for found in PREDICTIONS:
        given = {**found, "calibration_end": holdout} if found["kind"] == "clv" else found
        save_prediction(connection, workspace_id, parse_prediction(given), start)


def _call(
    engine: Engine, workspace_id: str, clock: ManualClock, calls: list[dict[str, Any]],
    region: str,
) -> None:  # fmt: skip
    """The API calls of the hour: the operator's outage and all-clear for a region, and
    the customers confirming their double opt-in."""
    with write_transaction(engine) as connection:
        for call in calls:
            if "enter" in call:
                enter_matching(connection, workspace_id, call["enter"], call["where"],
                               call["properties"], clock.now())  # fmt: skip
                continue
            profile = find_profile(connection, workspace_id, call["userId"], region)
            set_consent(connection, workspace_id, profile["id"], call["confirm"], True,
                        "double_opt_in", {"via": "demo"}, clock.now())  # fmt: skip


def _delivered(
    engine: Engine, workspace_id: str, clock: ManualClock, index: int, start: datetime
) -> list[tuple[str, str]]:
    """(user id, template) of the messages delivered in hour `index`."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(identifiers.c.value, messages.c.template)
            .join(identifiers, identifiers.c.profile_id == messages.c.profile_id)
            .where(
                messages.c.workspace_id == workspace_id,
                messages.c.status == "delivered",
                messages.c.dispatched_at > start + timedelta(hours=index),
                messages.c.dispatched_at <= clock.now(),
                identifiers.c.kind == "user_id",
            )
        )
        return [(user, template) for user, template in rows]
