"""Backtests and test runs on both databases: what a journey would have done, told
without touching live state, and matching what the engine really does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.journeys.definitions import parse_journey
from baton.journeys.reports import journey_stats
from baton.journeys.simulation import Supposed, backtest, trial_run
from baton.journeys.store import Journey, get_journey, save_draft
from baton.storage.database import write_transaction
from baton.storage.tables import (
    journey_instances,
    journey_refusals,
    journey_steps,
    message_decisions,
    messages,
)
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, publish, run
from tests.segments.helpers import identify, track

CART: dict[str, Any] = {
    "key": "cart",
    "name": "Cart",
    "trigger": {"event": "Product Added"},
    "goal": {"event": "Order Completed"},
    "start": "wait",
    "nodes": {
        "wait": {
            "type": "wait_for_event",
            "event": "Order Completed",
            "timeout": "1h",
            "next": "done",
            "timeout_next": "email",
        },
        "email": {"type": "message", "channel": "email", "template": "cart", "next": "later"},
        "later": {"type": "delay", "duration": "1d", "next": "sms"},
        "sms": {"type": "message", "channel": "email", "template": "cart-2", "next": "done"},
        "done": {"type": "exit"},
    },
}


def draft(engine: Engine, clock: ManualClock, workspace_id: str, data: dict[str, Any]) -> Journey:
    with write_transaction(engine) as connection:
        save_draft(connection, workspace_id, parse_journey(data), clock.now())
        return get_journey(connection, workspace_id, data["key"])


def simulate(
    engine: Engine, workspace_id: str, journey: Journey, start: datetime, end: datetime, **kw: Any
) -> dict[str, Any]:
    with engine.connect() as connection:
        version = kw.pop("version", get_journey(connection, workspace_id, journey.key).version)
        return backtest(connection, workspace_id, journey, version, start, end, **kw)


def live_rows(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (
                journey_instances,
                journey_steps,
                messages,
                message_decisions,
                journey_refusals,
            )
        )


def shop_history(engine: Engine, clock: ManualClock, workspace_id: str) -> datetime:
    """Ten carts an hour apart; customers 0, 3, 6, 9 buy 30 minutes after adding."""
    start = clock.now()
    for n in range(10):
        deliver(engine, clock, workspace_id, track(f"c{n}", "Product Added", clock.now()))
        if n % 3 == 0:
            clock.advance(timedelta(minutes=30))
            deliver(engine, clock, workspace_id, track(f"c{n}", "Order Completed", clock.now()))
            clock.advance(timedelta(minutes=30))
        else:
            clock.advance(timedelta(hours=1))
        run(engine, clock)
    return start


def test_a_backtest_of_a_draft_reports_what_it_would_have_done_and_changes_nothing(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    start = shop_history(engine, clock, workspace.id)
    journey = draft(engine, clock, workspace.id, CART)
    before = live_rows(engine)
    report = simulate(engine, workspace.id, journey, start, start + timedelta(days=3))
    assert live_rows(engine) == before
    assert report["version"] == 1
    assert report["events_replayed"] == 14
    assert report["entered"] == 10
    assert report["outcomes"] == {"completed": 6, "goal": 4}
    assert report["goals"] == {"reached": 4, "rate": 0.4}
    assert report["nodes"]["wait"] == {"entered": 10, "exited": 4, "waiting": 0, "goals": 4}
    assert report["nodes"]["email"]["entered"] == 6
    assert report["nodes"]["email"]["messages"] == {"sent": 6}
    assert report["nodes"]["done"] == {"entered": 6, "exited": 6, "waiting": 0, "goals": 0}
    assert report["messages"]["email"]["sent"] == 12
    assert len(report["sample"]) == 10
    buyer = next(p for p in report["sample"] if p["outcome"] == "goal")
    assert [s["action"] for s in buyer["steps"]] == ["wait_for_event", "event", "goal", "ended"]
    assert buyer["messages"] == []

    # A window that ends before the delays do leaves instances waiting.
    short = simulate(engine, workspace.id, journey, start, start + timedelta(hours=5))
    assert short["live_at_end"] > 0
    assert short["nodes"]["later"]["waiting"] + short["nodes"]["wait"]["waiting"] > 0


def test_a_backtest_matches_what_the_engine_really_did(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    start = shop_history(engine, clock, workspace.id)
    clock.advance(timedelta(days=2))
    run(engine, clock)
    with engine.connect() as connection:
        real = journey_stats(connection, journey)
    report = simulate(engine, workspace.id, journey, start, clock.now())
    assert report["entered"] == real["instances"]
    assert report["outcomes"] == real["outcomes"]
    assert report["goals"]["reached"] == real["goals"]["reached"]
    assert {node: counts["entered"] for node, counts in report["nodes"].items()} == {
        node: counts["entered"] for node, counts in real["nodes"].items()
    }
    assert report["messages"]["email"]["sent"] == real["messages"]["delivered"]


def test_a_backtest_applies_caps_counting_what_other_journeys_really_sent(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with write_transaction(engine) as connection:
        save_policy(
            connection,
            workspace.id,
            parse_policy({"caps": [{"name": "daily", "max": 1, "per": "1d"}]}),
        )
    publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "welcome",
            "name": "welcome",
            "trigger": {"event": "Signed Up"},
            "start": "hi",
            "nodes": {"hi": {"type": "message", "channel": "email", "template": "hi"}},
        },
    )
    start = clock.now()
    deliver(engine, clock, workspace.id, track("early", "Signed Up", clock.now()))
    clock.advance(timedelta(minutes=1))
    deliver(engine, clock, workspace.id, track("early", "Product Added", clock.now()))
    deliver(engine, clock, workspace.id, track("other", "Product Added", clock.now()))
    journey = draft(engine, clock, workspace.id, CART)
    report = simulate(engine, workspace.id, journey, start, start + timedelta(days=3))
    # "early" had the welcome e-mail: the reminder an hour later is capped, and so are
    # both of "other"'s messages but the first within its day.
    assert report["messages"]["email"] == {
        "sent": 3,
        "skipped": {"cap:daily": 1},
        "deferred": {},
    }
    assert report["caps"] == {"skipped:cap:daily": 1}


def test_a_published_version_and_the_draft_after_it_are_backtested_side_by_side(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    start = shop_history(engine, clock, workspace.id)
    publish(engine, clock, workspace.id, CART)
    patient = {**CART, "nodes": {**CART["nodes"], "wait": {**CART["nodes"]["wait"]}}}
    patient["nodes"]["wait"]["timeout"] = "10m"
    journey = draft(engine, clock, workspace.id, patient)
    end = start + timedelta(days=3)
    first = simulate(engine, workspace.id, journey, start, end, version=1)
    second = simulate(engine, workspace.id, journey, start, end, version=2)
    # Waiting only ten minutes, the buyers (who bought after 30) get a first reminder
    # too; buying then ends their instance before the second.
    assert first["messages"]["email"]["sent"] == 12
    assert second["messages"]["email"]["sent"] == 16
    assert second["goals"]["reached"] == 4


def test_a_scheduled_journey_cannot_be_backtested_and_says_why(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = draft(
        engine,
        clock,
        workspace.id,
        {
            "key": "weekly",
            "name": "weekly",
            "trigger": {"schedule": "0 9 * * MON", "segment": "all"},
            "start": "x",
            "nodes": {"x": {"type": "exit"}},
        },
    )
    with pytest.raises(InvalidInput, match="schedule"):
        simulate(engine, workspace.id, journey, clock.now(), clock.now() + timedelta(days=1))


def test_a_test_run_shows_the_path_and_messages_of_one_profile_without_sending(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    deliver(engine, clock, workspace.id, identify("ann", clock.now(), email="ann@example.com"))
    clock.advance(timedelta(seconds=1))
    deliver(engine, clock, workspace.id, track("ann", "Product Added", clock.now(), {"sku": "A1"}))
    journey = draft(engine, clock, workspace.id, CART)
    ann = profile(engine, workspace.id, "ann")["id"]
    before = live_rows(engine)
    with engine.connect() as connection:
        idle = trial_run(connection, workspace.id, journey, 1, ann, clock.now())
        buying = trial_run(
            connection,
            workspace.id,
            journey,
            1,
            ann,
            clock.now(),
            supposed=[Supposed(timedelta(minutes=20), "Order Completed", {})],
        )
    assert live_rows(engine) == before
    assert idle["entered"] is True
    assert idle["outcome"] == "completed"
    assert [m["template"] for m in idle["messages"]] == ["cart", "cart-2"]
    assert idle["messages"][0]["to"] == "ann@example.com"
    assert idle["messages"][0]["payload"]["trigger"]["properties"] == {"sku": "A1"}
    assert idle["messages"][0]["decisions"] == [{"decision": "sent"}]
    timer = next(s for s in idle["steps"] if s["action"] == "timer")
    assert timer["at"] == (clock.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert buying["outcome"] == "goal"
    assert buying["messages"] == []


def test_a_test_run_applies_entry_rules_unless_told_not_to(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    deliver(engine, clock, workspace.id, identify("bob", clock.now(), plan="free"))
    journey = draft(
        engine,
        clock,
        workspace.id,
        {**CART, "audience": {"trait": "plan", "op": "equals", "value": "pro"}},
    )
    bob = profile(engine, workspace.id, "bob")["id"]
    with engine.connect() as connection:
        refused = trial_run(connection, workspace.id, journey, 1, bob, clock.now())
        forced = trial_run(
            connection, workspace.id, journey, 1, bob, clock.now(), entry_rules=False
        )
    assert refused == {**refused, "entered": False, "refusal": "audience"}
    assert forced["entered"] is True
    assert forced["outcome"] == "completed"


def test_conditions_in_a_backtest_see_the_events_up_to_each_instant_within_their_window(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """Seventy views over ten days (older ones forgotten as the replay goes) then a
    cart: the branch counts only the views of the day before each cart."""
    start = clock.now()
    for n in range(70):
        views = [track(user, "Viewed", clock.now()) for user in ("keen", "idle")]
        deliver(engine, clock, workspace.id, *(views if n < 60 else views[:1]))
        clock.advance(timedelta(hours=3, minutes=20))
    deliver(
        engine,
        clock,
        workspace.id,
        track("keen", "Product Added", clock.now()),
        track("idle", "Product Added", clock.now()),
    )
    keen = {"event": "Viewed", "count": {"at_least": 3}, "window": {"last": "1d"}}
    journey = draft(
        engine,
        clock,
        workspace.id,
        {
            "key": "keen",
            "name": "keen",
            "trigger": {"event": "Product Added"},
            "start": "which",
            "nodes": {
                "which": {
                    "type": "branch",
                    "cases": [{"when": keen, "next": "email"}],
                    "default": "done",
                },
                "email": {"type": "message", "channel": "email", "template": "t"},
                "done": {"type": "exit"},
            },
        },
    )
    report = simulate(engine, workspace.id, journey, start, clock.now() + timedelta(hours=1))
    assert report["entered"] == 2
    assert report["messages"]["email"]["sent"] == 1
    keen_id = profile(engine, workspace.id, "keen")["id"]
    (sent,) = [p for p in report["sample"] if p["messages"]]
    assert sent["profile_id"] == keen_id
