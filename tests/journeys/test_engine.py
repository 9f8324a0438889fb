"""Journeys end to end on both databases: events in, instances moved, messages out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from baton.core.clock import ManualClock
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, instances_of, messages_of, publish, run, steps_of
from tests.segments.helpers import track

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
