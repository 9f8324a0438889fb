"""Journey definitions: the documented form parses; mistakes are named by node and field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from baton.core.errors import InvalidInput
from baton.journeys.cron import Cron
from baton.journeys.definitions import (
    BranchNode,
    DateTraitTrigger,
    ScheduleTrigger,
    WaitForEventNode,
    event_of,
    parse_journey,
)

ISSUE_EXAMPLE = """
key: cart-abandonment
name: Cart abandonment
stage: conversion
priority: 50
trigger: {event: Product Added, where: [{property: price, op: gte, value: 10}]}
audience: {segment: shoppers}
reentry: {cooldown: 7d}
goal: {event: Order Completed, exit: true}
exit_on: [{event: Support Ticket Opened}, {segment_entered: complaint}]
start: wait
nodes:
  wait:   {type: wait_for_event, event: Order Completed, timeout: 1h,
           correlate: "properties.cart_id", next: done, timeout_next: email}
  email:  {type: message, channel: email, template: cart-reminder, next: later}
  later:  {type: delay, duration: PT24H, next: still}
  still:  {type: branch, cases: [{when: {trait: vip, op: equals, value: true}, next: sms}],
           default: done}
  sms:    {type: message, channel: sms, template: cart-sms, next: done}
  done:   {type: exit}
"""


def _journey(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ISSUE_EXAMPLE)
    data.update(changes)
    return data


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_journey(data)
    return caught.value.message


def test_the_documented_journey_parses() -> None:
    journey = parse_journey(_journey())
    assert isinstance(journey.nodes["wait"], WaitForEventNode)
    assert isinstance(journey.nodes["still"], BranchNode)
    assert len(list(journey.conditions())) == 2  # audience and the branch case
    assert [kind for kind, _ in journey.signals] == ["goal", "exit", "exit"]
    complaint = event_of(journey.signals[2][1])
    assert complaint is not None
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert complaint.matches("Segment Entered", {"segment_key": "complaint"}, now)
    assert not complaint.matches("Segment Entered", {"segment_key": "vip"}, now)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "nowhere"}, "start: no node named 'nowhere'"),
        (
            {"nodes": {**_journey()["nodes"], "email": {"type": "message", "channel": "email"}}},
            "nodes.email.template: Field required",
        ),
        (
            {"nodes": {**_journey()["nodes"], "later": {"type": "delay", "duration": "1 day"}}},
            "nodes.later.duration: '1 day' is not a duration",
        ),
        (
            {
                "nodes": {
                    **_journey()["nodes"],
                    "sms": {"type": "message", "channel": "sms", "template": "t", "next": "gone"},
                }
            },
            "nodes.sms.next: no node named 'gone'",
        ),
        (
            {"nodes": {**_journey()["nodes"], "orphan": {"type": "exit"}}},
            "nodes.orphan: cannot be reached from 'wait'",
        ),
        (
            {"nodes": {**_journey()["nodes"], "teleport": {"type": "beam"}}},
            "nodes.teleport",
        ),
        ({"trigger": {"clicked": "x"}}, "trigger: a trigger starts with one of"),
        ({"trigger": {"schedule": "61 * * * *", "segment": "s"}}, "minute: '61' is outside"),
        ({"reentry": "sometimes"}, "reentry"),
        ({"exit_on": [{"event": "Segment Entered"}]}, "use segment_entered"),
    ],
)
def test_mistakes_are_named_by_node_and_field(change: dict[str, Any], message: str) -> None:
    assert message in _error(_journey(**change))


def test_a_loop_that_never_waits_is_refused_but_one_through_a_delay_is_fine() -> None:
    busy = {
        "start": "a",
        "nodes": {
            "a": {"type": "message", "channel": "email", "template": "t", "next": "b"},
            "b": {"type": "update_profile", "increment": {"n": 1}, "next": "a"},
        },
    }
    assert "never waits" in _error(_journey(**busy))
    patient = {
        "start": "a",
        "nodes": {
            "a": {"type": "message", "channel": "email", "template": "t", "next": "b"},
            "b": {"type": "delay", "duration": "1d", "next": "a"},
        },
    }
    assert parse_journey(_journey(**patient)).start == "a"


def test_time_triggers_parse() -> None:
    scheduled = parse_journey(_journey(trigger={"schedule": "0 9 * * MON", "segment": "s"}))
    assert isinstance(scheduled.trigger, ScheduleTrigger)
    birthday = parse_journey(_journey(trigger={"date_trait": "birthday", "offset": "-3d"}))
    assert isinstance(birthday.trigger, DateTraitTrigger)
    assert birthday.trigger.shift.days == -3


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        (
            "0 9 * * MON",
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
        ),  # a Monday
        (
            "0 9 * * MON",
            datetime(2026, 3, 1, 23, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        ),
        (
            "*/15 * * * *",
            datetime(2026, 3, 2, 9, 7, tzinfo=UTC),
            datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
        ),
        (
            "30 8 1 * *",
            datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
            datetime(2026, 4, 1, 8, 30, tzinfo=UTC),
        ),
        (
            "0 0 29 2 *",
            datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
            datetime(2028, 2, 29, 0, 0, tzinfo=UTC),
        ),
        (
            "0 12 * * 0",
            datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        ),  # Sunday
        (
            "0 12 * * 7",
            datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        ),
    ],
)
def test_cron_finds_the_next_matching_minute(
    expression: str, after: datetime, expected: datetime
) -> None:
    assert Cron.parse(expression).next_after(after) == expected
