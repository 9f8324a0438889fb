"""Arbitration across journeys on both databases: caps, priority, quiet hours, consent,
holdouts and exclusion groups, each decision recorded with its reason and counted."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from baton.channels.dispatch import dispatch_due
from baton.core.clock import ManualClock
from baton.core.errors import Conflict
from baton.journeys import runner
from baton.journeys.reports import journey_stats
from baton.journeys.runner import process_inbox
from baton.journeys.store import Journey
from baton.storage.database import connect, write_transaction
from baton.storage.tables import (
    journey_instances,
    journey_refusals,
    journey_steps,
    message_decisions,
    messages,
)
from baton.workspaces import create_workspace
from baton.workspaces.policy import parse_policy, save_policy
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.journeys.helpers import deliver, instances_of, messages_of, publish, run
from tests.segments.helpers import identify, settle, track


def set_policy(engine: Engine, workspace_id: str, policy: dict[str, Any]) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace_id, parse_policy(policy))


def on_event(key: str, event: str, priority: int, **message: Any) -> dict[str, Any]:
    """A journey that sends one message as soon as `event` happens."""
    node = {"type": "message", "channel": "email", "template": key, **message}
    return {
        "key": key,
        "name": key,
        "priority": priority,
        "trigger": {"event": event},
        "start": "send",
        "nodes": {"send": node},
    }


def decisions_of(engine: Engine, message_id: str) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(message_decisions.c.decision, message_decisions.c.reason)
            .where(message_decisions.c.message_id == message_id)
            .order_by(message_decisions.c.n)
        )
        return [(decision, reason) for decision, reason in rows]


def stats_of(engine: Engine, journey: Journey) -> dict[str, Any]:
    with engine.connect() as connection:
        return journey_stats(connection, journey)


def advance_to_hour(clock: ManualClock, hour: int) -> datetime:
    """Move the shared clock forward to the next HH:00 UTC."""
    now = clock.now()
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return clock.advance(target - now)


DAILY_MARKETING = {"caps": [{"name": "daily", "max": 1, "per": "1d"}]}


def test_the_higher_priority_journey_wins_a_cap_and_the_other_is_skipped_with_why(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_policy(engine, workspace.id, DAILY_MARKETING)
    low = publish(engine, clock, workspace.id, on_event("promo", "Visited", 20))
    high = publish(engine, clock, workspace.id, on_event("offer", "Visited", 80))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    (sent,) = messages_of(engine, high)
    (skipped,) = messages_of(engine, low)
    assert (sent["status"], skipped["status"]) == ("delivered", "skipped")
    assert skipped["reason"] == "cap:daily"
    assert decisions_of(engine, sent["id"]) == [("sent", None)]
    assert decisions_of(engine, skipped["id"]) == [("skipped", "cap:daily")]
    stats = stats_of(engine, low)["messages"]
    assert stats["skipped"] == 1
    assert stats["reasons"]["skipped"] == {"cap:daily": 1}
    assert stats_of(engine, high)["messages"]["delivered"] == 1

    # Within the rolling day nothing more; a day later the slot is free again.
    clock.advance(timedelta(hours=23))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    assert [m["status"] for m in messages_of(engine, high)] == ["delivered", "skipped"]
    clock.advance(timedelta(hours=2))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    assert [m["status"] for m in messages_of(engine, high)] == ["delivered", "skipped", "delivered"]


def test_a_deferred_message_waits_for_the_cap_to_free_a_slot(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_policy(engine, workspace.id, DAILY_MARKETING)
    publish(engine, clock, workspace.id, on_event("first", "Visited", 90))
    later = publish(engine, clock, workspace.id, on_event("later", "Visited", 10, on_cap="defer"))
    sent_at = clock.now()
    deliver(engine, clock, workspace.id, track("u1", "Visited", sent_at))
    (waiting,) = messages_of(engine, later)
    assert (waiting["status"], waiting["reason"]) == ("pending", "cap:daily")
    assert waiting["due_at"] == sent_at + timedelta(days=1)
    clock.advance(timedelta(hours=23, minutes=59))
    run(engine, clock)
    assert messages_of(engine, later)[0]["status"] == "pending"
    clock.advance(timedelta(minutes=1))
    run(engine, clock)
    (done,) = messages_of(engine, later)
    assert done["status"] == "delivered"
    assert decisions_of(engine, done["id"]) == [("deferred", "cap:daily"), ("sent", None)]
    assert stats_of(engine, later)["messages"]["reasons"]["deferred"] == {"cap:daily": 1}


def test_transactional_messages_are_spared_caps_and_quiet_hours_and_not_counted(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_policy(
        engine,
        workspace.id,
        {**DAILY_MARKETING, "quiet_hours": {"start": "21:00", "end": "08:00"}},
    )
    advance_to_hour(clock, 23)
    receipt = publish(
        engine, clock, workspace.id, on_event("receipt", "Bought", 10, transactional=True)
    )
    deliver(engine, clock, workspace.id, track("u1", "Bought", clock.now()))
    deliver(engine, clock, workspace.id, track("u1", "Bought", clock.now()))
    assert [m["status"] for m in messages_of(engine, receipt)] == ["delivered", "delivered"]
    # A marketing message is still free to use the day's slot once quiet hours end.
    promo = publish(engine, clock, workspace.id, on_event("promo", "Visited", 50))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    (deferred,) = messages_of(engine, promo)
    assert (deferred["status"], deferred["reason"]) == ("pending", "quiet_hours")
    clock.advance(deferred["due_at"] - clock.now())
    run(engine, clock)
    assert messages_of(engine, promo)[0]["status"] == "delivered"


def test_quiet_hours_follow_the_profiles_time_zone_and_a_journey_may_opt_out(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_policy(engine, workspace.id, {"quiet_hours": {"start": "21:00", "end": "08:00"}})
    now = advance_to_hour(clock, 12)  # noon UTC: 21:00 in Tokyo, 07:00 in New York
    deliver(
        engine,
        clock,
        workspace.id,
        identify("tokyo", now, timezone="Asia/Tokyo"),
        identify("paris", now, timezone="Europe/Paris"),
    )
    clock.advance(timedelta(seconds=1))
    news = publish(engine, clock, workspace.id, on_event("news", "Visited", 50))
    alert = {**on_event("alert", "Visited", 50), "quiet_hours": False}
    urgent = publish(engine, clock, workspace.id, alert)
    deliver(
        engine,
        clock,
        workspace.id,
        track("tokyo", "Visited", clock.now()),
        track("paris", "Visited", clock.now()),
    )
    by_profile = {m["profile_id"]: m for m in messages_of(engine, news)}
    tokyo = by_profile[profile(engine, workspace.id, "tokyo")["id"]]
    paris = by_profile[profile(engine, workspace.id, "paris")["id"]]
    assert paris["status"] == "delivered"
    assert (tokyo["status"], tokyo["reason"]) == ("pending", "quiet_hours")
    # 08:00 in Tokyo is 23:00 UTC the same day.
    assert tokyo["due_at"] == now.replace(hour=23)
    assert {m["status"] for m in messages_of(engine, urgent)} == {"delivered"}


def test_caps_per_channel_and_subscription_group(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    set_policy(
        engine,
        workspace.id,
        {
            "caps": [
                {"name": "sms-daily", "max": 1, "per": "1d", "channel": "sms"},
                {"name": "promos-weekly", "max": 2, "per": "7d", "subscription_group": "promo"},
            ]
        },
    )
    sms = publish(engine, clock, workspace.id, on_event("sms", "Visited", 50, channel="sms"))
    promo = publish(
        engine,
        clock,
        workspace.id,
        on_event("promo", "Visited", 50, subscription_group="promo"),
    )
    news = publish(engine, clock, workspace.id, on_event("news", "Visited", 50))
    for _ in range(3):
        deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
        clock.advance(timedelta(hours=1))
    assert [m["status"] for m in messages_of(engine, sms)] == ["delivered", "skipped", "skipped"]
    assert [m["reason"] for m in messages_of(engine, promo)] == [None, None, "cap:promos-weekly"]
    assert [m["status"] for m in messages_of(engine, news)] == ["delivered"] * 3


def test_a_profile_without_consent_is_skipped_with_no_consent(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    promo = publish(
        engine,
        clock,
        workspace.id,
        on_event("promo", "Visited", 50, subscription_group="promotions"),
    )
    receipt = publish(
        engine, clock, workspace.id, on_event("receipt", "Visited", 50, transactional=True)
    )
    deliver(
        engine,
        clock,
        workspace.id,
        identify("u1", clock.now(), subscriptions={"promotions": False}),
    )
    clock.advance(timedelta(seconds=1))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    (skipped,) = messages_of(engine, promo)
    assert (skipped["status"], skipped["reason"]) == ("skipped", "no_consent")
    assert messages_of(engine, receipt)[0]["status"] == "delivered"


def test_held_out_messages_are_recorded_as_skipped_and_counted(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "held",
            "name": "held",
            "trigger": {"event": "Visited"},
            "start": "hold",
            "nodes": {
                "hold": {"type": "holdout", "percent": 50, "next": "send"},
                "send": {"type": "message", "channel": "email", "template": "t"},
            },
        },
    )
    deliver(
        engine, clock, workspace.id, *(track(f"u{n}", "Visited", clock.now()) for n in range(40))
    )
    found = messages_of(engine, journey)
    held = [m for m in found if m["status"] == "skipped"]
    assert len(found) == 40
    assert 5 <= len(held) <= 35
    assert {m["reason"] for m in held} == {"held_out"}
    held_instances = {i["id"] for i in instances_of(engine, journey) if i["state"].get("holdout")}
    assert {m["instance_id"] for m in held} == held_instances
    stats = stats_of(engine, journey)["messages"]
    assert stats["reasons"]["skipped"] == {"held_out": len(held)}
    assert stats["delivered"] == 40 - len(held)


def winback(key: str, priority: int) -> dict[str, Any]:
    return {
        "key": key,
        "name": key,
        "priority": priority,
        "exclusion_group": "winback",
        "trigger": {"event": "Churn Risk"},
        "start": "wait",
        "nodes": {"wait": {"type": "delay", "duration": "3d"}},
    }


def test_an_exclusion_group_holds_one_journey_per_profile_and_priority_decides(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    low = publish(engine, clock, workspace.id, winback("gentle", 30))
    deliver(engine, clock, workspace.id, track("u1", "Churn Risk", clock.now()))
    (gentle,) = instances_of(engine, low)
    assert gentle["ended_at"] is None

    # A higher-priority member of the group takes the profile over; the other ends.
    high = publish(engine, clock, workspace.id, winback("urgent", 70))
    clock.advance(timedelta(minutes=1))
    deliver(engine, clock, workspace.id, track("u1", "Churn Risk", clock.now()))
    (gentle,) = instances_of(engine, low)
    (urgent,) = instances_of(engine, high)
    assert gentle["outcome"] == "preempted"
    assert urgent["ended_at"] is None

    # The lower one may not come back while the higher one holds the profile.
    with write_transaction(engine) as connection:
        connection.execute(
            journey_refusals.delete().where(journey_refusals.c.workspace_id == workspace.id)
        )
    clock.advance(timedelta(minutes=1))
    deliver(engine, clock, workspace.id, track("u1", "Churn Risk", clock.now()))
    assert len(instances_of(engine, low)) == 1
    with engine.connect() as connection:
        refusal = connection.execute(
            select(journey_refusals).where(journey_refusals.c.journey_id == low.id)
        ).one()
    assert refusal.reason == "exclusion"
    assert refusal.detail["journey"] == "urgent"


def test_one_event_starting_two_journeys_of_a_group_enters_the_higher_priority(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    low = publish(engine, clock, workspace.id, winback("soft", 10))
    high = publish(engine, clock, workspace.id, winback("hard", 90))
    deliver(engine, clock, workspace.id, track("u1", "Churn Risk", clock.now()))
    assert instances_of(engine, low) == []
    assert len(instances_of(engine, high)) == 1


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_caps_and_priority_hold_with_four_dispatchers_at_once(
    own_database: str, clock: ManualClock
) -> None:
    """Two journeys message the same 300 customers at the same instant; four dispatchers
    race for the messages. Every customer gets exactly the higher priority one."""
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "race", clock)
    set_policy(engine, workspace_id, DAILY_MARKETING)
    low = publish(engine, clock, workspace_id, on_event("low", "Visited", 10))
    high = publish(engine, clock, workspace_id, on_event("high", "Visited", 90))
    send(
        engine,
        clock,
        workspace_id,
        *(track(f"u{n}", "Visited", clock.now()) for n in range(300)),
    )
    settle(engine, clock)
    while process_inbox(engine, clock):
        pass
    failures: list[BaseException] = []

    def dispatch() -> None:
        try:
            while dispatch_due(engine, clock, random.Random(0), batch_size=7):
                pass
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    while dispatch_due(engine, clock, random.Random(0)):
        pass
    with engine.connect() as connection:
        rows = connection.execute(
            select(messages.c.profile_id, messages.c.journey_id, messages.c.status)
        ).all()
        decisions = connection.execute(select(message_decisions.c.message_id)).scalars().all()
    delivered = [(p, j) for p, j, status in rows if status == "delivered"]
    assert len(rows) == 600
    assert sorted(j for _, j in delivered) == [high.id] * 300
    assert len({p for p, _ in delivered}) == 300
    assert {status for _, j, status in rows if j == low.id} == {"skipped"}
    assert len(decisions) == len(set(decisions)) == 600
    engine.dispose()


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_an_exclusion_group_holds_when_two_entries_race_for_the_same_profiles(
    own_database: str, clock: ManualClock
) -> None:
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "race", clock)
    send(engine, clock, workspace_id, *(identify(f"u{n}", clock.now()) for n in range(60)))
    settle(engine, clock)
    keys = ["first", "second"]
    for key in keys:
        publish(engine, clock, workspace_id, {**winback(key, 50), "trigger": {"api": True}})
    profile_ids = [profile(engine, workspace_id, f"u{n}")["id"] for n in range(60)]
    barrier = threading.Barrier(2)
    refused: list[str] = []
    failures: list[BaseException] = []

    def enter_all(key: str) -> None:
        try:
            barrier.wait()
            for profile_id in profile_ids:
                try:
                    with write_transaction(engine) as connection:
                        runner.enter(connection, workspace_id, key, profile_id, {}, clock.now())
                except Conflict:
                    refused.append(key)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=enter_all, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as connection:
        live = (
            connection.execute(
                select(journey_instances.c.profile_id).where(journey_instances.c.ended_at.is_(None))
            )
            .scalars()
            .all()
        )
    assert sorted(live) == sorted(profile_ids)
    assert len(refused) == 60
    engine.dispose()


def test_a_branch_step_keeps_the_condition_values_that_decided(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "tiers",
            "name": "tiers",
            "trigger": {"event": "Visited"},
            "start": "tier",
            "nodes": {
                "tier": {
                    "type": "branch",
                    "cases": [
                        {"when": {"trait": "plan", "op": "equals", "value": "pro"}, "next": "a"},
                        {
                            "when": {
                                "all": [
                                    {"event": "Visited", "count": {"at_least": 2}},
                                    {"trait": "age", "op": "gt", "value": 30},
                                ]
                            },
                            "next": "a",
                        },
                    ],
                    "default": "b",
                },
                "a": {"type": "exit"},
                "b": {"type": "exit"},
            },
        },
    )
    deliver(engine, clock, workspace.id, identify("u1", clock.now(), plan="free", age=41))
    clock.advance(timedelta(seconds=1))
    deliver(engine, clock, workspace.id, track("u1", "Visited", clock.now()))
    (instance,) = instances_of(engine, journey)
    with engine.connect() as connection:
        (detail,) = connection.execute(
            select(journey_steps.c.detail).where(
                journey_steps.c.instance_id == instance["id"], journey_steps.c.action == "branch"
            )
        ).scalars()
    assert detail["case"] == "default"
    first, second = detail["conditions"]
    assert first == {"trait": "plan", "op": "equals", "value": "pro", "actual": "free",
                     "holds": False}  # fmt: skip
    visited, age = second["all"]
    assert (visited["actual"], visited["holds"]) == (1, False)
    assert (age["actual"], age["holds"]) == (41, True)
    assert second["holds"] is False
