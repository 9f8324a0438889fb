"""Journeys end to end on both databases: events in, instances moved, messages out."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import Engine, select

from baton.channels.dispatch import dispatch_due
from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.ingest import parse_message, store_messages
from baton.journeys import runner
from baton.journeys.definitions import parse_journey
from baton.journeys.interpreter import Enter, Send, Step, Tick, advance, replay
from baton.journeys.runner import Batch, archive, fire_timers, next_timer_at, process_inbox
from baton.journeys.store import Status, migration_plan, save_draft, set_status
from baton.journeys.store import publish as publish_version
from baton.segments.store import Kind
from baton.storage.database import connect, write_transaction
from baton.storage.leases import Leases
from baton.storage.tables import events, journey_inbox, journey_steps
from baton.workspaces import create_workspace
from tests.conftest import START, Workspace
from tests.identity.helpers import profile, send
from tests.journeys.helpers import deliver, instances_of, messages_of, publish, run, steps_of
from tests.segments.helpers import define, identify, settle, track

CART = """
key: cart-abandonment
name: Cart abandonment
stage: conversion
trigger: {event: Product Added}
goal: {event: Order Completed, exit: true}
exit_on: [{event: Support Ticket Opened}]
start: wait
nodes:
  wait: {type: wait_for_event, event: Order Completed, timeout: 1h,
         correlate: properties.cart_id, next: done, timeout_next: email}
  email: {type: message, channel: email, template: cart-reminder, next: later}
  later: {type: delay, duration: 1d, next: sms}
  sms: {type: message, channel: sms, template: cart-sms, next: done}
  done: {type: exit}
"""


def test_only_customers_who_did_not_buy_get_the_reminder(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    now = clock.now()
    deliver(
        engine,
        clock,
        workspace.id,
        track("buyer", "Product Added", now, {"cart_id": "c1"}),
        track("browser", "Product Added", now, {"cart_id": "c2"}),
    )
    clock.advance(timedelta(minutes=10))
    deliver(
        engine,
        clock,
        workspace.id,
        track("buyer", "Order Completed", clock.now(), {"cart_id": "c1"}),
    )
    assert messages_of(engine, journey) == []
    clock.advance(timedelta(hours=1))
    run(engine, clock)
    sent = messages_of(engine, journey)
    assert [(m["channel"], m["template"], m["status"]) for m in sent] == [
        ("email", "cart-reminder", "delivered")
    ]
    clock.advance(timedelta(days=1))
    run(engine, clock)
    assert [m["template"] for m in messages_of(engine, journey)] == ["cart-reminder", "cart-sms"]
    by_outcome = {i["outcome"] for i in instances_of(engine, journey)}
    assert by_outcome == {"goal", "completed"}
    browser = next(i for i in instances_of(engine, journey) if i["outcome"] == "completed")
    assert steps_of(engine, browser["id"]) == [
        ("wait", "wait_for_event"),
        ("wait", "timer"),
        ("wait", "timed_out"),
        ("email", "message"),
        ("later", "delay"),
        ("later", "timer"),
        ("later", "resumed"),
        ("sms", "message"),
        ("done", "exit"),
        ("done", "ended"),
    ]


def _send_now(journey_key: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": journey_key,
        "name": journey_key,
        "start": "hello",
        "nodes": {
            "hello": {"type": "message", "channel": "email", "template": "hello", "next": "pause"},
            "pause": {"type": "delay", "duration": "1d", "next": "again"},
            "again": {"type": "message", "channel": "email", "template": "again", "next": "bye"},
            "bye": {"type": "exit"},
        },
        **extra,
    }


def test_a_goal_cancels_messages_not_yet_sent(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine,
        clock,
        workspace.id,
        _send_now("welcome", trigger={"event": "Signed Up"}, goal={"event": "Activated"}),
    )
    send(engine, clock, workspace.id, track("u1", "Signed Up", clock.now()))
    settle(engine, clock)
    process_inbox(engine, clock)  # the message is queued, not dispatched yet
    assert [m["status"] for m in messages_of(engine, journey)] == ["pending"]
    deliver(engine, clock, workspace.id, track("u1", "Activated", clock.now()))
    assert [m["status"] for m in messages_of(engine, journey)] == ["cancelled"]
    (instance,) = instances_of(engine, journey)
    assert instance["outcome"] == "goal"
    assert instance["goal_at"] is not None
    clock.advance(timedelta(days=2))
    run(engine, clock)
    assert [m["template"] for m in messages_of(engine, journey)] == ["hello"]


def test_segment_changes_trigger_and_exit_journeys(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    define(
        engine,
        clock,
        workspace.id,
        Kind.SEGMENT,
        {
            "key": "vip",
            "name": "VIP",
            "condition": {"trait": "plan", "op": "equals", "value": "gold"},
        },
    )
    define(
        engine,
        clock,
        workspace.id,
        Kind.SEGMENT,
        {
            "key": "unhappy",
            "name": "Unhappy",
            "condition": {"event": "Complained"},
        },
    )
    journey = publish(
        engine,
        clock,
        workspace.id,
        _send_now(
            "vip-welcome",
            trigger={"segment_entered": "vip"},
            exit_on=[{"segment_entered": "unhappy"}, {"segment_exited": "vip"}],
        ),
    )
    deliver(engine, clock, workspace.id, identify("gold-1", clock.now(), plan="gold"))
    deliver(engine, clock, workspace.id, identify("gold-2", clock.now(), plan="gold"))
    deliver(engine, clock, workspace.id, identify("silver", clock.now(), plan="silver"))
    assert len(instances_of(engine, journey)) == 2
    clock.advance(timedelta(seconds=1))  # traits are last-write-wins by timestamp
    deliver(engine, clock, workspace.id, track("gold-1", "Complained", clock.now()))
    deliver(engine, clock, workspace.id, identify("gold-2", clock.now(), plan="silver"))
    clock.advance(timedelta(days=2))
    run(engine, clock)
    assert {i["outcome"] for i in instances_of(engine, journey)} == {"exited"}
    assert [m["template"] for m in messages_of(engine, journey)] == ["hello", "hello"]


def test_reentry_rules_and_one_live_instance_per_profile(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    rules = {"never": 1, "after_exit": 2, "cooldown": 2}
    journeys = {
        name: publish(
            engine,
            clock,
            workspace.id,
            _send_now(
                f"re-{name}",
                trigger={"event": "Poke"},
                reentry={"cooldown": "3d"} if name == "cooldown" else name,
            ),
        )
        for name in rules
    }
    for _ in range(2):  # the second poke finds a live instance everywhere
        deliver(engine, clock, workspace.id, track("r1", "Poke", clock.now()))
    clock.advance(timedelta(days=1, hours=1))  # every instance completes
    run(engine, clock)
    deliver(engine, clock, workspace.id, track("r1", "Poke", clock.now()))
    clock.advance(timedelta(days=3))
    run(engine, clock)
    deliver(engine, clock, workspace.id, track("r1", "Poke", clock.now()))
    counts = {name: len(instances_of(engine, j)) for name, j in journeys.items()}
    assert counts == {"never": 1, "after_exit": 3, "cooldown": 2}


ORDER_STATUS = """
key: order-status
name: Order status
trigger: {event: Order Completed}
reentry: after_exit
start: wait
nodes:
  wait: {type: wait_for_event, event: Order Delivered, timeout: 30d,
         correlate: properties.order_id, next: done}
  done: {type: exit}
"""


def test_leaving_and_entering_again_in_one_batch_fails_nothing(
    engine: Engine, clock: ManualClock, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """The next order arrives with the delivery of the last one: the batch holding both
    ends one instance and starts another of the same journey for the same person."""
    journey = publish(engine, clock, workspace.id, ORDER_STATUS)
    first = track("o1", "Order Completed", clock.now(), {"order_id": "a"})
    deliver(engine, clock, workspace.id, first)
    clock.advance(timedelta(days=1))
    with caplog.at_level(logging.ERROR):
        deliver(
            engine,
            clock,
            workspace.id,
            track("o1", "Order Delivered", clock.now(), {"order_id": "a"}),
            track("o1", "Order Completed", clock.now(), {"order_id": "b"}),
        )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    orders = [
        (i["state"]["trigger"]["properties"]["order_id"], i["outcome"])
        for i in instances_of(engine, journey)
    ]
    assert orders == [("a", "completed"), ("b", None)]


def test_audience_and_branches_read_the_profile_now(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "upsell",
            "name": "Upsell",
            "trigger": {"event": "Viewed Pricing"},
            "audience": {"not": {"trait": "plan", "op": "equals", "value": "enterprise"}},
            "start": "check",
            "nodes": {
                "check": {
                    "type": "branch",
                    "cases": [
                        {
                            "when": {"event": "Viewed Pricing", "count": {"at_least": 2}},
                            "next": "call",
                        }
                    ],
                    "default": "mail",
                },
                "call": {"type": "message", "channel": "sms", "template": "call-us", "next": "end"},
                "mail": {
                    "type": "message",
                    "channel": "email",
                    "template": "pricing",
                    "next": "end",
                },
                "end": {"type": "exit"},
            },
        },
    )
    deliver(engine, clock, workspace.id, identify("big", clock.now(), plan="enterprise"))
    deliver(engine, clock, workspace.id, track("big", "Viewed Pricing", clock.now()))
    deliver(engine, clock, workspace.id, track("small", "Viewed Pricing", clock.now()))
    deliver(engine, clock, workspace.id, track("small", "Viewed Pricing", clock.now()))
    assert [m["template"] for m in messages_of(engine, journey)] == ["pricing", "call-us"]


def test_update_profile_goes_through_identity_once(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "counter",
            "name": "Counter",
            "trigger": {"event": "Ping"},
            "start": "count",
            "nodes": {
                "count": {
                    "type": "update_profile",
                    "increment": {"pings": 1},
                    "set": {"pinged": True},
                    "unset": ["stale"],
                    "next": "end",
                },
                "end": {"type": "exit"},
            },
        },
    )
    deliver(engine, clock, workspace.id, identify("p1", clock.now(), stale="yes"))
    for _ in range(3):
        deliver(engine, clock, workspace.id, track("p1", "Ping", clock.now()))
        clock.advance(timedelta(seconds=1))
    traits = profile(engine, workspace.id, "p1")["traits"]
    assert traits["pings"] == 3
    assert traits["pinged"] is True
    assert traits.get("stale") is None


def test_enter_journey_hands_over(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    second = publish(engine, clock, workspace.id, _send_now("second", trigger={"api": True}))
    first = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "first",
            "name": "First",
            "trigger": {"event": "Start"},
            "start": "go",
            "nodes": {"go": {"type": "enter_journey", "journey": "second"}},
        },
    )
    deliver(engine, clock, workspace.id, track("h1", "Start", clock.now()))
    assert [i["outcome"] for i in instances_of(engine, first)] == ["handed_over"]
    (instance,) = instances_of(engine, second)
    assert instance["outcome"] is None
    assert instance["state"]["trigger"]["event"] == "Start"


def test_pause_holds_resume_continues_archive_cancels(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine, clock, workspace.id, _send_now("lifecycle", trigger={"event": "Joined"})
    )
    deliver(
        engine,
        clock,
        workspace.id,
        track("l1", "Joined", clock.now()),
        track("l2", "Joined", clock.now()),
    )
    with write_transaction(engine) as connection:
        set_status(connection, workspace.id, "lifecycle", Status.PAUSED, clock.now())
    clock.advance(timedelta(days=2))
    deliver(engine, clock, workspace.id, track("l3", "Joined", clock.now()))  # nobody enters
    assert len(instances_of(engine, journey)) == 2
    assert [m["template"] for m in messages_of(engine, journey)] == ["hello", "hello"]
    with write_transaction(engine) as connection:
        set_status(connection, workspace.id, "lifecycle", Status.PUBLISHED, clock.now())
    send(engine, clock, workspace.id)
    settle(engine, clock)
    fire_timers(engine, clock)  # "again" is queued for both; dispatch one of them
    dispatch_due(engine, clock, random.Random(0), batch_size=1)
    with write_transaction(engine) as connection:
        stopped = archive(connection, workspace.id, "lifecycle", clock.now())
    assert stopped == 0  # both had completed: "again" led straight to the exit
    statuses = sorted(m["status"] for m in messages_of(engine, journey))
    assert statuses == ["delivered", "delivered", "delivered", "pending"]
    # Archiving stops live instances and cancels what they have not sent.
    other = publish(engine, clock, workspace.id, _send_now("archived", trigger={"event": "Joined"}))
    send(engine, clock, workspace.id, track("l4", "Joined", clock.now()))
    settle(engine, clock)
    process_inbox(engine, clock)
    with write_transaction(engine) as connection:
        assert archive(connection, workspace.id, "archived", clock.now()) == 1
    assert [m["status"] for m in messages_of(engine, other)] == ["cancelled"]
    assert [i["outcome"] for i in instances_of(engine, other)] == ["archived"]


def test_versions_keep_running_instances_until_migrated(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    v1 = publish(engine, clock, workspace.id, _send_now("versioned", trigger={"event": "Go"}))
    deliver(engine, clock, workspace.id, track("v-old", "Go", clock.now()))
    edited = _send_now("versioned", trigger={"event": "Go"})
    edited["nodes"]["again"]["template"] = "again-v2"
    edited["nodes"]["pause"] = {"type": "delay", "duration": "2d", "next": "again"}
    with write_transaction(engine) as connection:
        draft, _ = save_draft(connection, workspace.id, parse_journey(edited), clock.now())
    assert (draft.version, draft.published_version) == (2, 1)
    deliver(engine, clock, workspace.id, track("v-draft", "Go", clock.now()))  # still v1
    with write_transaction(engine) as connection:
        publish_version(connection, workspace.id, "versioned", clock.now())
    deliver(engine, clock, workspace.id, track("v-new", "Go", clock.now()))
    versions = sorted(i["version"] for i in instances_of(engine, v1))
    assert versions == [1, 1, 2]
    clock.advance(timedelta(days=1, minutes=1))
    run(engine, clock)
    templates = sorted(m["template"] for m in messages_of(engine, v1))
    assert templates == ["again", "again", "hello", "hello", "hello"]  # v1 ones done


def test_publishing_with_a_node_map_migrates_waiting_instances(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, _send_now("migrated", trigger={"event": "Go"}))
    deliver(engine, clock, workspace.id, track("m1", "Go", clock.now()))
    edited = _send_now("migrated", trigger={"event": "Go"})
    edited["nodes"].pop("pause")
    edited["nodes"]["hello"]["next"] = "wait"
    edited["nodes"]["wait"] = {"type": "delay", "duration": "3d", "next": "again"}
    with write_transaction(engine) as connection:
        save_draft(connection, workspace.id, parse_journey(edited), clock.now())
    refusals = [({}, "instances wait at 'pause'"), ({"pause": "nowhere"}, "has no node 'nowhere'")]
    for node_map, message in refusals:
        with pytest.raises(InvalidInput, match=message), write_transaction(engine) as connection:
            publish_version(connection, workspace.id, "migrated", clock.now(), node_map)
    with write_transaction(engine) as connection:
        publish_version(connection, workspace.id, "migrated", clock.now(), {"pause": "wait"})
    (instance,) = instances_of(engine, journey)
    assert (instance["version"], instance["node"]) == (2, "wait")
    clock.advance(timedelta(days=1, minutes=1))  # the timer it had still holds
    run(engine, clock)
    assert [m["template"] for m in messages_of(engine, journey)] == ["hello", "again"]


def test_a_merge_moves_instances_and_ends_the_duplicate(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(
        engine, clock, workspace.id, _send_now("merging", trigger={"event": "Browse"})
    )
    deliver(
        engine,
        clock,
        workspace.id,
        {
            "type": "track",
            "event": "Browse",
            "anonymousId": "dev-1",
            "timestamp": clock.now().isoformat(),
        },
    )
    deliver(engine, clock, workspace.id, track("known", "Browse", clock.now()))
    assert len({i["profile_id"] for i in instances_of(engine, journey)}) == 2
    deliver(engine, clock, workspace.id, identify("known", clock.now(), anonymousId="dev-1"))
    deliver(
        engine,
        clock,
        workspace.id,
        {
            "type": "identify",
            "userId": "known",
            "anonymousId": "dev-1",
            "timestamp": clock.now().isoformat(),
        },
    )
    instances = instances_of(engine, journey)
    assert len({i["profile_id"] for i in instances}) == 1
    assert sorted(str(i["outcome"]) for i in instances) == ["None", "merged"]
    clock.advance(timedelta(days=2))
    run(engine, clock)
    assert sorted(m["template"] for m in messages_of(engine, journey)) == [
        "again",
        "hello",
        "hello",
    ]


def test_a_schedule_enters_the_segment_at_each_cron_time(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    define(
        engine,
        clock,
        workspace.id,
        Kind.SEGMENT,
        {
            "key": "readers",
            "name": "Readers",
            "condition": {"trait": "newsletter", "op": "equals", "value": True},
        },
    )
    deliver(engine, clock, workspace.id, identify("reader", clock.now(), newsletter=True))
    deliver(engine, clock, workspace.id, identify("skipper", clock.now(), newsletter=False))
    journey = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "weekly",
            "name": "Weekly digest",
            "trigger": {
                "schedule": "0 9 * * MON",
                "segment": "readers",
                "timezone": "Europe/Paris",
            },
            "start": "digest",
            "nodes": {"digest": {"type": "message", "channel": "email", "template": "digest"}},
        },
    )
    run(engine, clock)
    assert messages_of(engine, journey) == []
    clock.advance(timedelta(days=7))
    run(engine, clock)
    run(engine, clock)  # the same run never enters twice
    assert len(messages_of(engine, journey)) == 1
    clock.advance(timedelta(days=7))
    run(engine, clock)
    assert len(messages_of(engine, journey)) == 2
    assert {i["profile_id"] for i in instances_of(engine, journey)} == {
        profile(engine, workspace.id, "reader")["id"]
    }


def test_a_date_trait_enters_each_profile_on_its_day(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    soon = (clock.now() + timedelta(days=5)).date().replace(year=1990)
    later = (clock.now() + timedelta(days=40)).date().replace(year=1991)
    deliver(engine, clock, workspace.id, identify("soon", clock.now(), birthday=soon.isoformat()))
    deliver(engine, clock, workspace.id, identify("later", clock.now(), birthday=later.isoformat()))
    journey = publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "birthday",
            "name": "Birthday",
            "trigger": {"date_trait": "birthday", "offset": "-3d", "at": "09:00"},
            "start": "card",
            "nodes": {"card": {"type": "message", "channel": "email", "template": "birthday"}},
        },
    )
    clock.advance(timedelta(days=1))
    run(engine, clock)
    assert messages_of(engine, journey) == []
    clock.advance(timedelta(days=2))
    run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert message["profile_id"] == profile(engine, workspace.id, "soon")["id"]
    clock.advance(timedelta(days=1))
    run(engine, clock)
    assert len(messages_of(engine, journey)) == 1


def test_a_timer_waits_for_events_received_before_it_came_due(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    deliver(
        engine, clock, workspace.id, track("late", "Product Added", clock.now(), {"cart_id": "z"})
    )
    clock.advance(timedelta(minutes=59))
    order = track("late", "Order Completed", clock.now(), {"cart_id": "z"})
    store_messages(  # accepted, but identity has not resolved it yet
        engine, workspace.id, [parse_message(order, received_at=clock.now(), ip=None, size=1)]
    )
    clock.advance(timedelta(minutes=5))  # the 1h timeout has passed
    assert fire_timers(engine, clock) == 0  # held back: the order is older than the due time
    run(engine, clock)
    assert messages_of(engine, journey) == []
    assert [i["outcome"] for i in instances_of(engine, journey)] == ["goal"]


def test_a_timer_handing_over_to_a_journey_the_profile_is_in_does_not_double_it(
    engine: Engine, clock: ManualClock, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    target = publish(engine, clock, workspace.id, _send_now("target", trigger={"event": "Join"}))
    publish(
        engine,
        clock,
        workspace.id,
        {
            "key": "source",
            "name": "Source",
            "trigger": {"event": "Join"},
            "start": "later",
            "nodes": {
                "later": {"type": "delay", "duration": "1h", "next": "go"},
                "go": {"type": "enter_journey", "journey": "target"},
            },
        },
    )
    deliver(engine, clock, workspace.id, track("twice", "Join", clock.now()))
    clock.advance(timedelta(hours=1))
    assert fire_timers(engine, clock) == 1  # hands over; the target refuses a second entry
    assert [i["outcome"] for i in instances_of(engine, target)] == [None]
    assert "not handed over to journey target: the profile is in this journey already" in (
        caplog.text
    )


def test_an_event_or_instance_that_fails_alone_does_not_stall_the_others(
    engine: Engine, clock: ManualClock, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey = publish(engine, clock, workspace.id, _send_now("sturdy", trigger={"event": "Go"}))

    def failing(definition: Any, state: Any, stimulus: Any, profile: Any, **kw: Any) -> Any:
        if isinstance(stimulus, Enter) and profile.trait("cursed"):
            raise RuntimeError("injected failure")
        if isinstance(stimulus, Tick) and profile.trait("doomed"):
            raise RuntimeError("injected failure")
        return advance(definition, state, stimulus, profile, **kw)

    monkeypatch.setattr(runner, "advance", failing)
    deliver(engine, clock, workspace.id, identify("cursed", clock.now(), cursed=True))
    deliver(engine, clock, workspace.id, identify("doomed", clock.now(), doomed=True))
    clock.advance(timedelta(seconds=1))
    deliver(
        engine,
        clock,
        workspace.id,
        *(track(user, "Go", clock.now()) for user in ("a", "cursed", "doomed", "b")),
    )
    assert len(instances_of(engine, journey)) == 3  # the cursed event was set aside
    clock.advance(timedelta(days=2))
    run(engine, clock)
    outcomes = sorted(str(i["outcome"]) for i in instances_of(engine, journey))
    assert outcomes == ["completed", "completed", "failed"]
    assert len(messages_of(engine, journey)) == 5  # hello x3, again x2


@pytest.mark.parametrize("own_database", ["postgresql"], indirect=True)
def test_the_event_set_aside_is_the_one_that_failed_even_past_the_lease(
    own_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-at-a-time retry deletes the inbox row it read, not the head it would read
    now: here the worker's lease runs out while the poisoned event fails, so it sees none."""
    engine = connect(own_database)
    clock = ManualClock(START)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "poisoned", clock)
    journey = publish(engine, clock, workspace_id, _send_now("sturdy", trigger={"event": "Go"}))
    failures = 0

    def failing(definition: Any, state: Any, stimulus: Any, profile: Any, **kw: Any) -> Any:
        nonlocal failures
        if isinstance(stimulus, Enter) and profile.trait("cursed"):
            failures += 1
            if failures == 2:  # alone: the worker stalls past its lease
                clock.advance(timedelta(minutes=1))
            raise RuntimeError("injected failure")
        return advance(definition, state, stimulus, profile, **kw)

    monkeypatch.setattr(runner, "advance", failing)
    send(engine, clock, workspace_id, identify("cursed", clock.now(), cursed=True))
    send(engine, clock, workspace_id, *(track(u, "Go", clock.now()) for u in ("a", "cursed", "b")))
    leases = Leases(engine, "journeys", clock, "stalling")
    while process_inbox(engine, clock, leases=leases):
        pass
    assert failures == 2
    assert len(instances_of(engine, journey)) == 2
    with engine.connect() as connection:
        assert connection.execute(select(journey_inbox.c.seq)).all() == []
    engine.dispose()


def test_stored_histories_replay_to_the_stored_state_and_messages(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, CART)
    deliver(
        engine,
        clock,
        workspace.id,
        *(
            track(f"replay-{n}", "Product Added", clock.now(), {"cart_id": f"r{n}"})
            for n in range(4)
        ),
    )
    clock.advance(timedelta(minutes=30))
    deliver(
        engine,
        clock,
        workspace.id,
        track("replay-0", "Order Completed", clock.now(), {"cart_id": "r0"}),
    )
    deliver(
        engine,
        clock,
        workspace.id,
        track("replay-1", "Order Completed", clock.now(), {"cart_id": "other"}),
    )
    deliver(engine, clock, workspace.id, track("replay-2", "Support Ticket Opened", clock.now()))
    for _ in range(3):
        clock.advance(timedelta(hours=12))
        run(engine, clock)
    definition = parse_journey(yaml.safe_load(CART))
    with engine.connect() as connection:
        recorded = {
            row.message_id: (row.event, row.properties or {})
            for row in connection.execute(
                select(events.c.message_id, events.c.event, events.c.properties).where(
                    events.c.workspace_id == workspace.id
                )
            )
        }
        for instance in instances_of(engine, journey):
            steps = [
                Step(row.at, row.node, row.action, row.detail)
                for row in connection.execute(
                    select(journey_steps)
                    .where(journey_steps.c.instance_id == instance["id"])
                    .order_by(journey_steps.c.n)
                )
            ]
            profile = _Stored(instance["profile_id"])
            again = replay(
                definition,
                instance["state"]["trigger"],
                instance["entered_at"],
                steps,
                profile,
                recorded,
            )
            assert (again.state.node, again.state.outcome) == (
                instance["node"],
                instance["outcome"],
            )
            assert again.state.ended_at == instance["ended_at"]
            sent = [
                (m["node"], m["template"])
                for m in messages_of(engine, journey)
                if m["instance_id"] == instance["id"]
            ]
            assert [(e.node, e.template) for e in again.effects if isinstance(e, Send)] == sent
    outcomes = sorted(str(i["outcome"]) for i in instances_of(engine, journey))
    assert outcomes == ["completed", "exited", "goal", "goal"]  # the goal ignores the cart


@dataclass
class _Stored:
    profile_id: str
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def trait(self, name: str) -> Any:
        return None

    def computed(self, key: str) -> Any:
        return None

    def holds(self, condition: Any, asked_by: str) -> bool:
        raise AssertionError("a replay answers from the history")

    def explain(self, condition: Any, asked_by: str) -> dict[str, Any]:
        raise AssertionError("a replay answers from the history")


def test_the_stage_sees_no_work_in_a_paused_journeys_due_timers(
    own_database: str, clock: ManualClock
) -> None:
    engine = connect(own_database)
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "own", clock)
    publish(engine, clock, workspace_id, _send_now("napping", trigger={"event": "Nap"}))
    deliver(engine, clock, workspace_id, track("sleeper", "Nap", clock.now()))
    with engine.connect() as connection:
        due = next_timer_at(connection)
    assert due is not None
    assert due > clock.now()  # the delay's timer, a day away
    with write_transaction(engine) as connection:
        set_status(connection, workspace_id, "napping", Status.PAUSED, clock.now())
    clock.advance(timedelta(days=2))
    with engine.connect() as connection:
        assert next_timer_at(connection) is None  # or the stage would spin on it
    with write_transaction(engine) as connection:
        set_status(connection, workspace_id, "napping", Status.PUBLISHED, clock.now())
    with engine.connect() as connection:
        resumed = next_timer_at(connection)
    assert resumed is not None
    assert resumed <= clock.now()
    engine.dispose()


def test_migrating_10000_waiting_instances_loses_and_doubles_none(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    journey = publish(engine, clock, workspace.id, _send_now("mass", trigger={"event": "Go"}))
    profile_ids = [f"prof_mass{n:08d}" for n in range(10_000)]
    for start in range(0, len(profile_ids), 2_000):
        with write_transaction(engine) as connection:
            batch = Batch(connection, workspace.id, clock.now())
            live = batch.by_key["mass"]
            chunk = profile_ids[start : start + 2_000]
            batch.load_live(chunk, lock=False)
            for profile_id in chunk:
                batch.start(live, profile_id, {"event": "Go", "properties": {}}, clock.now())
            batch.flush()
    edited = _send_now("mass", trigger={"event": "Go"})
    edited["nodes"]["rest"] = edited["nodes"].pop("pause")
    edited["nodes"]["hello"]["next"] = "rest"
    edited["nodes"]["again"]["template"] = "again-v2"
    with write_transaction(engine) as connection:
        save_draft(connection, workspace.id, parse_journey(edited), clock.now())
        plan = migration_plan(connection, workspace.id, "mass", {"pause": "rest"})
        assert plan == [{"version": 1, "node": "pause", "instances": 10_000, "to": "rest"}]
        publish_version(connection, workspace.id, "mass", clock.now(), {"pause": "rest"})
    instances = instances_of(engine, journey)
    assert len(instances) == 10_000
    assert {(i["version"], i["node"]) for i in instances} == {(2, "rest")}
    assert len({i["profile_id"] for i in instances}) == 10_000
    clock.advance(timedelta(days=1, seconds=1))
    while fire_timers(engine, clock) + dispatch_due(engine, clock, random.Random(0)):
        pass
    sent = [m for m in messages_of(engine, journey) if m["template"] == "again-v2"]
    assert len(sent) == len({m["instance_id"] for m in sent}) == 10_000
    assert {i["outcome"] for i in instances_of(engine, journey)} == {"completed"}
