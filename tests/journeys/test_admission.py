"""Entry admission alone: the rules that let a profile into a journey, as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.journeys.admission import admission
from baton.journeys.definitions import JourneyDefinition, parse_journey
from baton.journeys.refusals import ALREADY_IN, AUDIENCE, PAUSED, REENTRY, Refusal
from baton.segments.definitions import Condition

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COOLDOWN = timedelta(days=3)
PRO = {"trait": "plan", "op": "equals", "value": "pro"}


def journey(reentry: Any, audience: dict[str, Any] | None = None) -> JourneyDefinition:
    return parse_journey(
        {
            "key": "j",
            "name": "J",
            "trigger": {"event": "Go"},
            "reentry": reentry,
            **({"audience": audience} if audience is not None else {}),
            "start": "bye",
            "nodes": {"bye": {"type": "exit"}},
        }
    )


def decide(
    definition: JourneyDefinition,
    *,
    paused: bool = False,
    inside: bool = False,
    left: datetime | None = None,
    holds: bool = True,
) -> Refusal | None:
    """Admission with known answers; the audience verdict names the condition asked."""
    return admission(
        definition,
        NOW,
        paused=paused,
        inside=inside,
        last_left=lambda: left,
        audience=lambda condition: {"holds": holds, "asked": condition.model_dump()},
    )


def reason(refusal: Refusal | None) -> str | None:
    return None if refusal is None else refusal.reason


@settings(max_examples=400, deadline=None)
@given(
    paused=st.booleans(),
    inside=st.booleans(),
    reentry=st.sampled_from(["never", "after_exit", {"cooldown": "3d"}]),
    left_ago=st.none() | st.integers(min_value=0, max_value=6 * 24 * 60),
    in_audience=st.none() | st.booleans(),
)
def test_the_first_rule_that_refuses_decides_and_later_ones_are_not_asked(
    paused: bool, inside: bool, reentry: Any, left_ago: int | None, in_audience: bool | None
) -> None:
    """`in_audience` None: the journey has no audience."""
    left = None if left_ago is None else NOW - timedelta(minutes=left_ago)
    asked: list[str] = []

    def last_left() -> datetime | None:
        asked.append("last_left")
        return left

    def audience(condition: Condition) -> dict[str, Any]:
        asked.append("audience")
        return {"holds": in_audience}

    definition = journey(reentry, None if in_audience is None else PRO)
    refusal = admission(
        definition, NOW, paused=paused, inside=inside, last_left=last_left, audience=audience
    )
    # Each rule on its own, in the order they are checked.
    came_back_too_soon = left is not None and (
        reentry == "never" or (reentry != "after_exit" and NOW - left < COOLDOWN)
    )
    refusing = [
        reason
        for reason, refuses in (
            (PAUSED, paused),
            (ALREADY_IN, inside),
            (REENTRY, came_back_too_soon),
            (AUDIENCE, in_audience is False),
        )
        if refuses
    ]
    assert reason(refusal) == (refusing[0] if refusing else None)
    reached_reentry = not paused and not inside
    expected = ["last_left"] if reached_reentry and reentry != "after_exit" else []
    if reached_reentry and not came_back_too_soon and in_audience is not None:
        expected.append("audience")
    assert asked == expected


def test_a_cooldown_ends_exactly_when_its_span_has_passed() -> None:
    definition = journey({"cooldown": "3d"})
    refusal = decide(definition, left=NOW - COOLDOWN + timedelta(microseconds=1))
    assert refusal == Refusal(
        REENTRY,
        "the profile left this journey less than 3d ago",
        {"left_at": "2026-02-27T09:00:00.000001Z"},
    )
    assert decide(definition, left=NOW - COOLDOWN) is None


def test_never_refuses_whoever_left_once_and_after_exit_whoever_is_inside() -> None:
    assert reason(decide(journey("never"), left=NOW - timedelta(days=3650))) == REENTRY
    assert reason(decide(journey("never"))) is None
    assert reason(decide(journey("after_exit"), inside=True)) == ALREADY_IN
    assert reason(decide(journey("after_exit"), left=NOW - timedelta(seconds=1))) is None


def test_an_audience_refusal_keeps_the_verdict_that_explains_it() -> None:
    definition = journey("after_exit", PRO)
    assert definition.audience is not None
    assert decide(definition, holds=False) == Refusal(
        AUDIENCE,
        "the profile is not in the journey's audience",
        {"audience": {"holds": False, "asked": definition.audience.model_dump()}},
    )
    assert decide(definition, holds=True) is None
