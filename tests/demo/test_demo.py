"""The demo workspace: synthetic customers lived through the real pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from baton.analytics.journey_report import journey_report
from baton.campaigns import Status, broadcast_report, cohort_of, get_broadcast
from baton.campaigns.engine import HOLDOUT
from baton.channels import template_of
from baton.core.clock import ManualClock
from baton.demo.customers import Customers
from baton.demo.marketing import DRAFT, NEWSLETTER, PLACEMENT
from baton.demo.workspace import PREDICTIONS, TEMPLATES, build_demo
from baton.journeys import get_journey
from baton.journeys.library import library
from baton.personalize import get_placement
from baton.predict import list_predictions
from baton.sources import list_sources
from baton.storage.tables import (
    broadcast_recipients,
    identifiers,
    journey_instances,
    journeys,
    messages,
    profiles,
)
from tests.conftest import Workspace


def test_the_same_seed_makes_the_same_customers() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first, again = (Customers.generate(50, start, 10, seed=3) for _ in range(2))
    hours = range(10 * 24)
    assert [first.hour(h) for h in hours] == [again.hour(h) for h in hours]
    other = Customers.generate(50, start, 10, seed=4)
    assert [other.hour(h) for h in range(48)] != [
        Customers.generate(50, start, 10, seed=3).hour(h) for h in range(48)
    ]


def test_a_demo_workspace_has_live_journeys_and_one_profile_per_customer(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    start = clock.now()  # the session's clock: other tests' rows never look newer
    seen: list[int] = []
    result = build_demo(engine, workspace.id, clock, customers=80, days=12, seed=5,
                        region="FR", progress=lambda done, _: seen.append(done))  # fmt: skip
    assert seen[-1] == 12 * 24
    assert clock.now() == start + timedelta(days=12)
    assert result.events > 1000
    with engine.connect() as connection:
        keys = connection.execute(
            select(journeys.c.key, journeys.c.status).where(journeys.c.workspace_id == workspace.id)
        ).all()
        identified = connection.execute(
            select(func.count(func.distinct(identifiers.c.profile_id)), func.count()).where(
                identifiers.c.workspace_id == workspace.id, identifiers.c.kind == "user_id"
            )
        ).one()
        live_profiles = connection.execute(
            select(func.count()).where(
                profiles.c.workspace_id == workspace.id, profiles.c.merged_into.is_(None)
            )
        ).scalar_one()
        sent: dict[str, int] = dict(
            connection.execute(
                select(messages.c.status, func.count())
                .where(messages.c.workspace_id == workspace.id)
                .group_by(messages.c.status)
            ).all()
        )
        templates: dict[str, int] = dict(
            connection.execute(
                select(messages.c.template, func.count())
                .where(messages.c.workspace_id == workspace.id)
                .group_by(messages.c.template)
            ).all()
        )
        goals = connection.execute(
            select(func.count()).where(
                journey_instances.c.workspace_id == workspace.id,
                journey_instances.c.goal_at.is_not(None),
            )
        ).scalar_one()
    installed = {key for name in TEMPLATES for key in library()[name].summary()["journeys"]}
    assert {key for key, _ in keys} == installed
    assert {status for _, status in keys} == {"published"}
    # Each signed-up customer is one profile, whatever the e-mail case or the devices,
    # and the shared tablet merged no two customers.
    signed_up = Customers.generate(80, start, 12, seed=5).people
    distinct_profiles, user_ids = identified
    assert distinct_profiles == user_ids == sum(c.signs_up_on < 12 for c in signed_up)
    assert live_profiles >= user_ids
    assert sent.get("delivered", 0) > 100
    assert goals > 10
    # The outage reached the North's customers, and so did the all-clear.
    assert templates["outage-sms"] == templates["outage-all-clear-sms"] > 0
    # The cart journey's second version tests its incentive: both arms got people, and
    # the report compares them.
    with engine.connect() as connection:
        cart = get_journey(connection, workspace.id, "cart-abandonment")
        report = journey_report(connection, cart, start=start, end=clock.now(), version=None,
                                window=timedelta(days=3))  # fmt: skip
    assert cart.version == 2
    arms = report["experiments"]["split:incentive-test"]["arms"]
    assert set(arms) == {"control", "incentive"}
    assert all(arm["profiles"] > 0 for arm in arms.values())
    # The demo's models were trained once more at its end: on 12 days of 80 customers the
    # classifiers have too little data and say so; the mood of the NPS comments scores.
    with engine.connect() as connection:
        found = {p.key: p for p in list_predictions(connection, workspace.id)}
    assert {p["key"] for p in PREDICTIONS} | {"churn-90d"} <= set(found)
    assert found["nps-mood"].status.value == "ready"
    assert found["nps-mood"].active_version is not None
    assert found["telecom-churn"].status.value == "failed"
    assert "too little data" in (found["telecom-churn"].error or "")
    # The marketing pages have something to show: the newsletter went out through the
    # broadcast engine, was opened, clicked and bought from; next month's waits as a draft.
    with engine.connect() as connection:
        monthly = get_broadcast(connection, workspace.id, NEWSLETTER)
        report = broadcast_report(connection, monthly)
        draft = get_broadcast(connection, workspace.id, DRAFT)
        newsletter = template_of(connection, workspace.id, "newsletter")
        banner = get_placement(connection, workspace.id, PLACEMENT)
        shops = list_sources(connection, workspace.id)
        recipients = connection.scalars(
            select(broadcast_recipients.c.profile_id).where(
                broadcast_recipients.c.broadcast_id == monthly.id
            )
        ).all()
        hungarian = connection.execute(
            select(func.count()).where(
                profiles.c.workspace_id == workspace.id,
                profiles.c.traits["locale"].as_string() == "hu",
            )
        ).scalar_one()
    assert monthly.status is Status.SENT
    assert draft.status is Status.DRAFT
    totals = report["totals"]
    assert totals["sent"] > 0
    assert totals["delivered"] > 0
    assert totals["opens"] > 0
    assert totals["clicks"] > 0
    # The holdout is a draw over random ids (a tenth of 75 here): its size is the draw's.
    held = [p for p in recipients if cohort_of(monthly.id, p, monthly.definition)[0] == HOLDOUT]
    assert report["recipients"] == len(recipients) > 50
    assert report["holdout_size"] == len(held)
    assert (report["holdout"] is None) == (not held)
    assert report["ab_test"]["winner"] in {"plain", "personal"}
    assert "hu" in report["locales"]
    assert hungarian > 0
    assert newsletter.locales["hu"].subject
    assert [v["key"] for v in banner["variants"]] == ["come-back"]
    assert banner["default"]
    assert [s["preset"] for s in shops] == ["shopify"]
