"""The interpreter alone: a pure function of definition, state, stimulus and profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.journeys.definitions import parse_journey
from baton.journeys.interpreter import (
    Arrival,
    Enter,
    Send,
    State,
    Stimulus,
    Tick,
    advance,
    replay,
)
from baton.segments.definitions import Condition, TraitCondition
from baton.segments.values import holds

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class FakeProfile:
    profile_id: str = "prof_1"
    traits: dict[str, Any] = field(default_factory=dict)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def trait(self, name: str) -> Any:
        return self.traits.get(name)

    def computed(self, key: str) -> Any:
        return self.traits.get(key)

    def holds(self, condition: Condition, asked_by: str) -> bool:
        assert isinstance(condition, TraitCondition)
        return holds(condition, self.traits.get(condition.trait), T0)

    def explain(self, condition: Condition, asked_by: str) -> dict[str, Any]:
        return {"holds": self.holds(condition, asked_by)}


def journey(nodes: dict[str, Any], **extra: Any) -> Any:
    return parse_journey(
        {
            "key": "j",
            "name": "J",
            "trigger": {"event": "Go"},
            "start": "first",
            "nodes": nodes,
            **extra,
        }
    )


def enter(definition: Any, profile: FakeProfile, at: datetime = T0) -> Any:
    return advance(definition, None, Enter(at, {"event": "Go", "properties": {}}), profile)


def test_a_split_is_fixed_per_profile_and_follows_the_weights() -> None:
    definition = journey(
        {
            "first": {
                "type": "split",
                "arms": [
                    {"name": "a", "weight": 30, "next": "x"},
                    {"name": "b", "weight": 70, "next": "x"},
                ],
            },
            "x": {"type": "exit"},
        }
    )
    arms = [enter(definition, FakeProfile(f"prof_{n}")).state.arms["first"] for n in range(4000)]
    share = arms.count("a") / len(arms)
    assert 0.27 < share < 0.33
    again = [enter(definition, FakeProfile(f"prof_{n}")).state.arms["first"] for n in range(4000)]
    assert again == arms


def test_a_holdout_keeps_its_share_out_of_messages_but_tracks_them() -> None:
    definition = journey(
        {
            "first": {"type": "holdout", "percent": 20, "next": "send"},
            "send": {"type": "message", "channel": "email", "template": "t", "next": "x"},
            "x": {"type": "exit"},
        }
    )
    results = [enter(definition, FakeProfile(f"prof_{n}")) for n in range(4000)]
    held = [r for r in results if r.state.holdout]
    assert 0.17 < len(held) / len(results) < 0.23
    assert all(r.state.outcome == "completed" for r in results)
    for result in results:
        (send,) = [e for e in result.effects if isinstance(e, Send)]
        # A held-out message is recorded (as skipped), never sent.
        assert send.held_out == result.state.holdout


def test_wait_until_uses_the_profile_timezone_and_weekdays() -> None:
    definition = journey(
        {
            "first": {"type": "wait_until", "time": "09:00", "weekdays": ["TUE"], "next": "x"},
            "x": {"type": "exit"},
        }
    )
    # 09:00 UTC on Monday: the next Tuesday 09:00 in New York (EST, UTC-5) is 14:00 UTC.
    ny = FakeProfile(timezone=ZoneInfo("America/New_York"))
    assert enter(definition, ny).state.wake_at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    tokyo = FakeProfile(timezone=ZoneInfo("Asia/Tokyo"))
    assert enter(definition, tokyo).state.wake_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def test_wait_until_a_date_trait_with_an_offset() -> None:
    definition = journey(
        {
            "first": {
                "type": "wait_until",
                "date_trait": "renewal",
                "offset": "-3d",
                "time": "10:00",
                "next": "x",
            },
            "x": {"type": "exit"},
        }
    )
    paris = FakeProfile(traits={"renewal": "2026-04-10"}, timezone=ZoneInfo("Europe/Paris"))
    assert enter(definition, paris).state.wake_at == datetime(2026, 4, 7, 8, 0, tzinfo=UTC)
    missing = enter(definition, FakeProfile())
    assert missing.state.outcome == "completed"  # no date: nothing to wait for


def test_a_30_day_journey_runs_in_four_ticks() -> None:
    definition = journey(
        {
            "first": {"type": "message", "channel": "email", "template": "day0", "next": "w1"},
            "w1": {"type": "delay", "duration": "10d", "next": "m1"},
            "m1": {"type": "message", "channel": "email", "template": "day10", "next": "w2"},
            "w2": {"type": "delay", "duration": "20d", "next": "m2"},
            "m2": {"type": "message", "channel": "email", "template": "day30", "next": "x"},
            "x": {"type": "exit"},
        }
    )
    profile = FakeProfile()
    result = enter(definition, profile)
    templates = [e.template for e in result.effects if isinstance(e, Send)]
    state = result.state
    while state.live:
        assert state.wake_at is not None
        result = advance(definition, state, Tick(state.wake_at), profile)
        templates += [e.template for e in result.effects if isinstance(e, Send)]
        state = result.state
    assert templates == ["day0", "day10", "day30"]
    assert state.ended_at == T0 + timedelta(days=30)


REPLAYED = journey(
    {
        "first": {
            "type": "wait_for_event",
            "events": [{"event": "Buy", "next": "thanks"}, {"event": "Browse"}],
            "timeout": "2h",
            "next": "check",
            "timeout_next": "check",
        },
        "check": {
            "type": "branch",
            "cases": [{"when": {"trait": "vip", "op": "equals", "value": True}, "next": "vip"}],
            "default": "split",
        },
        "vip": {"type": "message", "channel": "sms", "template": "vip", "next": "first"},
        "split": {
            "type": "split",
            "arms": [
                {"name": "a", "weight": 1, "next": "mail"},
                {"name": "b", "weight": 1, "next": "pause"},
            ],
        },
        "mail": {"type": "message", "channel": "email", "template": "m", "next": "pause"},
        "pause": {"type": "delay", "duration": "1d", "next": "first"},
        "thanks": {"type": "update_profile", "increment": {"orders": 1}, "next": "end"},
        "end": {"type": "exit"},
    },
    goal={"event": "Upgrade", "exit": False},
    exit_on=[{"event": "Complain"}],
)

stimuli = st.lists(
    st.tuples(
        st.sampled_from(["Buy", "Browse", "Upgrade", "Complain", "Noise", "tick"]),
        st.integers(min_value=1, max_value=30 * 3600),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(stimuli, st.integers(min_value=0, max_value=10_000))
def test_a_recorded_history_replays_to_the_same_state_and_effects(
    script: list[tuple[str, int, bool]], who: int
) -> None:
    profile = FakeProfile(f"prof_{who}")
    at = T0
    result = enter(REPLAYED, profile, at)
    state: State = result.state
    effects, steps = list(result.effects), list(result.steps)
    events: dict[str, tuple[str, dict[str, Any]]] = {}
    for n, (name, seconds, vip) in enumerate(script):
        at += timedelta(seconds=seconds)
        profile.traits["vip"] = vip
        stimulus: Stimulus
        if name == "tick":
            stimulus = Tick(at)
        else:
            events[f"m{n}"] = (name, {})
            stimulus = Arrival(at, name, {}, f"m{n}")
        result = advance(REPLAYED, state, stimulus, profile)
        state = result.state
        effects += result.effects
        steps += result.steps
    again = replay(REPLAYED, state.trigger, T0, steps, FakeProfile(f"prof_{who}"), events)
    assert again.state == state
    assert again.effects == effects
    assert again.steps == steps
