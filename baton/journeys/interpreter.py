"""The interpreter: (definition, instance state, stimulus) -> (new state, effects, steps).

It is a pure function. It reads nothing but its arguments: the profile is a `Profile`
answering conditions, the time comes with the stimulus. The runner writes what it returns
(state, effects into the outbox, steps into the history) in one transaction, and
`replay` runs a recorded history through it again to the same result.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from baton.core.formats import iso_instant
from baton.journeys.definitions import (
    BranchNode,
    ConditionSignal,
    DecideNode,
    DelayNode,
    EnterJourneyNode,
    ExitNode,
    HoldoutNode,
    JourneyDefinition,
    MessageNode,
    Offer,
    PriceLevel,
    SplitNode,
    UpdateProfileNode,
    WaitForEventNode,
    WaitUntilNode,
    WebhookNode,
    Weekday,
    event_of,
)
from baton.predict.bandit import Arm, Choice, Policy, seeded
from baton.predict.send_time import NO_DATA, BestHour, send_instant
from baton.segments import Condition, lookup, parse_instant
from baton.workspaces import QuietHours

# Nodes one stimulus may run through before the instance is stopped as looping. The
# definition refuses loops that never wait; this guards against any that slip through.
MAX_NODES_PER_STEP = 200
STIMULUS_ACTIONS = ("event", "timer", "stopped")


class Profile(Protocol):
    """What the interpreter may know about the profile, at the stimulus's instant."""

    @property
    def profile_id(self) -> str: ...

    @property
    def timezone(self) -> ZoneInfo: ...

    def trait(self, name: str) -> Any: ...

    def computed(self, key: str) -> Any:
        """A computed trait (`predicted.churn-90d` included)."""
        ...

    def holds(self, condition: Condition, asked_by: str) -> bool:
        """`asked_by` names the question: `audience`, `goal`, `exit_on.1`,
        `nodes.still.cases.0`, `nodes.offer.eligible.ten_off`."""
        ...

    def explain(self, condition: Condition, asked_by: str) -> dict[str, Any]:
        """The answer (`holds`) with each clause's and the values they saw."""
        ...


class Decider(Protocol):
    """Chooses for a `decide` node: the runner with the bandit fitted on the node's past
    decisions and the offers' caps, a replay from the history."""

    def decide(
        self,
        node_id: str,
        node: DecideNode,
        eligible: Sequence[Offer],
        context: dict[str, Any],
        seed: int,
    ) -> Choice | None:
        """None when every eligible offer has reached its cap."""
        ...


class SendTimes(Protocol):
    """What a `send_at: best_time` message node asks beyond the profile: the runner
    answers from the database, a replay from the history."""

    def best_hour(self, profile_id: str, timezone: ZoneInfo) -> BestHour: ...

    def quiet_hours(self) -> QuietHours | None:
        """The workspace's quiet hours."""
        ...


# --- stimuli ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enter:
    at: datetime
    trigger: dict[str, Any]  # {"event", "properties", "message_id"}


@dataclass(frozen=True)
class Arrival:
    at: datetime
    event: str
    properties: dict[str, Any]
    message_id: str


@dataclass(frozen=True)
class Tick:
    at: datetime


@dataclass(frozen=True)
class Stop:
    at: datetime
    outcome: str  # archived | merged | stopped


Stimulus = Enter | Arrival | Tick | Stop


# --- effects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """A message (or webhook call) into the outbox, once per (instance, node, visit)."""

    node: str
    visit: int
    channel: str
    template: str | None
    subscription_group: str | None
    payload: dict[str, Any]
    held_out: bool = False  # recorded as skipped, never sent


@dataclass(frozen=True)
class UpdateTraits:
    node: str
    visit: int
    set: dict[str, Any]
    increment: dict[str, float]
    unset: list[str]


@dataclass(frozen=True)
class Handover:
    node: str
    journey: str


@dataclass(frozen=True)
class CancelPending:
    """Withdraw the instance's messages not dispatched yet."""


@dataclass(frozen=True)
class Decided:
    """A decide node's choice, for the `decisions` table (once per instance and node)."""

    node: str
    arm: str
    propensity: float
    holdout: bool
    reason: str
    context: dict[str, Any]


Effect = Send | UpdateTraits | Handover | CancelPending | Decided


@dataclass(frozen=True)
class Step:
    at: datetime
    node: str
    action: str
    detail: dict[str, Any] | None = None


# --- state ------------------------------------------------------------------------------


@dataclass
class State:
    node: str
    entered_at: datetime
    trigger: dict[str, Any]
    waiting: bool = False
    wake_at: datetime | None = None
    visits: dict[str, int] = field(default_factory=dict)
    arms: dict[str, str] = field(default_factory=dict)
    # Per decide node: {"offer", "value", "cost", "level"?, "holdout", "at"}.
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    holdout: bool = False
    goal_at: datetime | None = None
    outcome: str | None = None
    ended_at: datetime | None = None
    # While waiting at a best-time message node: the send time it chose, and why.
    send_at: dict[str, Any] | None = None

    @property
    def live(self) -> bool:
        return self.outcome is None

    def copy(self) -> State:
        """A copy a step may change: the interpreter replaces `trigger`, never edits it."""
        twin = copy.copy(self)
        twin.visits, twin.arms = dict(self.visits), dict(self.arms)
        twin.decisions = dict(self.decisions)
        return twin

    def document(self) -> dict[str, Any]:
        """What goes into the instance's `state` column (the rest has columns of its own)."""
        stored: dict[str, Any] = {"trigger": self.trigger, "visits": self.visits}
        if self.waiting:
            stored["waiting"] = True
        if self.arms:
            stored["arms"] = self.arms
        if self.holdout:
            stored["holdout"] = True
        if self.decisions:
            stored["decisions"] = self.decisions
        if self.send_at is not None:
            stored["send_at"] = self.send_at
        return stored

    @classmethod
    def from_row(
        cls,
        node: str,
        document: dict[str, Any],
        entered_at: datetime,
        wake_at: datetime | None,
        goal_at: datetime | None,
        outcome: str | None,
        ended_at: datetime | None,
    ) -> State:
        return cls(
            node=node,
            entered_at=entered_at,
            trigger=document.get("trigger") or {},
            waiting=bool(document.get("waiting")),
            wake_at=wake_at,
            visits=dict(document.get("visits") or {}),
            arms=dict(document.get("arms") or {}),
            holdout=bool(document.get("holdout")),
            decisions=dict(document.get("decisions") or {}),
            send_at=document.get("send_at"),
            goal_at=goal_at,
            outcome=outcome,
            ended_at=ended_at,
        )


@dataclass
class Advance:
    state: State
    effects: list[Effect] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def advance(
    journey: JourneyDefinition,
    state: State | None,
    stimulus: Stimulus,
    profile: Profile,
    *,
    paused: bool = False,
    allocations: Allocations | None = None,
    send_times: SendTimes | None = None,
    decider: Decider | None = None,
) -> Advance:
    """Apply one stimulus. `state` is None only for `Enter`. A paused journey's instances
    still reach goals and exit, but do not move on. `allocations` (split node -> arm ->
    weight) replace the arms' weights of optimized splits. Without `send_times`,
    best-time messages know no hour and go at once."""
    if isinstance(stimulus, Enter):
        fresh = State(node=journey.start, entered_at=stimulus.at, trigger=stimulus.trigger)
        run = _Run(journey, fresh, profile, stimulus.at, allocations or {}, send_times)
        run.decider = decider
        if not run.signals(None):
            run.go(journey.start)
        return run.result
    assert state is not None
    run = _Run(journey, state.copy(), profile, stimulus.at, allocations or {}, send_times)
    run.decider = decider
    if not state.live:
        return run.result
    if isinstance(stimulus, Stop):
        run.record(state.node, "stopped", {"outcome": stimulus.outcome})
        run.end(stimulus.outcome, cancel=True)
    elif isinstance(stimulus, Arrival):
        run.arrival(stimulus, paused)
    elif not paused:
        run.tick()
    return run.result


Allocations = Mapping[str, Mapping[str, float]]


class _Run:
    def __init__(
        self,
        journey: JourneyDefinition,
        state: State,
        profile: Profile,
        at: datetime,
        allocations: Allocations,
        send_times: SendTimes | None = None,
    ) -> None:
        self.journey = journey
        self.allocations = allocations
        self.send_times = send_times
        self.decider: Decider | None = None
        self.state = state
        self.profile = profile
        self.at = at
        self.result = Advance(state)
        self._pending_stimulus: Step | None = None

    # -- recording

    def record(self, node: str, action: str, detail: dict[str, Any] | None = None) -> None:
        if self._pending_stimulus is not None:
            self.result.steps.append(self._pending_stimulus)
            self._pending_stimulus = None
        self.result.steps.append(Step(self.at, node, action, detail))

    def stimulus(self, action: str, detail: dict[str, Any]) -> None:
        """Recorded only if the stimulus changes something."""
        self._pending_stimulus = Step(self.at, self.state.node, action, detail)

    def end(self, outcome: str, *, cancel: bool = False) -> None:
        state = self.state
        state.outcome, state.ended_at = outcome, self.at
        state.waiting, state.wake_at = False, None
        self.record(state.node, "ended", {"outcome": outcome})
        if cancel:
            self.result.effects.append(CancelPending())

    # -- stimuli

    def signals(self, arrival: Arrival | None) -> bool:
        """Check goal and exit rules; True when the instance ended."""
        for index, (kind, signal) in enumerate(self.journey.signals):
            asked_by = (
                "goal" if kind == "goal" else f"exit_on.{index - (self.journey.goal is not None)}"
            )
            if isinstance(signal, ConditionSignal):
                hit = self.profile.holds(signal.condition, asked_by)
            else:
                matcher = event_of(signal)
                hit = (
                    arrival is not None
                    and matcher is not None
                    and matcher.matches(arrival.event, arrival.properties, arrival.at)
                )
            if not hit:
                continue
            if kind == "exit":
                self.record(self.state.node, "exit_rule", {"by": asked_by})
                self.end("exited", cancel=True)
                return True
            assert self.journey.goal is not None
            if self.state.goal_at is None:
                self.state.goal_at = self.at
                self.record(self.state.node, "goal", {"by": asked_by})
            if self.journey.goal.exit:
                self.end("goal", cancel=True)
                return True
        return False

    def arrival(self, arrival: Arrival, paused: bool) -> None:
        self.stimulus("event", {"event": arrival.event, "message_id": arrival.message_id})
        if self.signals(arrival) or paused or not self.state.waiting:
            return
        node = self.journey.nodes.get(self.state.node)
        if not isinstance(node, WaitForEventNode):
            return
        for awaited in node.awaited:
            if awaited.matches(arrival.event, arrival.properties, arrival.at) and self._correlated(
                node, arrival
            ):
                self.record(self.state.node, "resumed", {"event": arrival.event})
                self.go(awaited.next if awaited.next is not None else node.next)
                return

    def _correlated(self, node: WaitForEventNode, arrival: Arrival) -> bool:
        if node.correlate is None:
            return True
        expected = lookup(self.state.trigger, node.correlate)
        actual = lookup({"event": arrival.event, "properties": arrival.properties}, node.correlate)
        return expected is not None and expected == actual

    def tick(self) -> None:
        state = self.state
        if state.wake_at is not None and state.wake_at > self.at:
            return
        self.stimulus("timer", {"due": iso_instant(state.wake_at) if state.wake_at else None})
        if self.signals(None):
            return
        node = self.journey.nodes.get(state.node)
        if node is None:
            self.end("failed")
        elif not state.waiting:
            self.go(state.node)  # moved here by a version migration: run the node
        elif isinstance(node, WaitForEventNode):
            self.record(state.node, "timed_out")
            if node.timeout_next is None:
                self.end("timed_out")
            else:
                self.go(node.timeout_next)
        elif isinstance(node, MessageNode):
            self.record(state.node, "resumed", {"by": "time"})
            self._send(state.node, node, state.visits.get(state.node, 1), state.send_at)
            state.send_at = None
            self.go(node.next)
        else:
            assert isinstance(node, DelayNode | WaitUntilNode)
            self.record(state.node, "resumed", {"by": "time"})
            self.go(node.next)

    # -- nodes

    def go(self, node_id: str | None) -> None:
        for _ in range(MAX_NODES_PER_STEP):
            if node_id is None:
                self.end("completed")
                return
            node_id = self._visit(node_id)
            if node_id is None and (self.state.waiting or not self.state.live):
                return
        self.record(self.state.node, "looping")
        self.end("failed", cancel=True)

    def _visit(self, node_id: str) -> str | None:
        """Run one node; the next node's id, or None when waiting, ended or at the end."""
        state, node = self.state, self.journey.nodes[node_id]
        visit = state.visits[node_id] = state.visits.get(node_id, 0) + 1
        state.node, state.waiting, state.wake_at = node_id, False, None
        if isinstance(node, DelayNode):
            return self._wait(node_id, "delay", self.at + node.span, {})
        if isinstance(node, WaitForEventNode):
            events = [awaited.event for awaited in node.awaited]
            return self._wait(node_id, "wait_for_event", self.at + node.span, {"events": events})
        if isinstance(node, WaitUntilNode):
            until = wait_until(node, self.at, self.profile)
            if until is not None and until > self.at:
                return self._wait(node_id, "wait_until", until, {})
            self.record(node_id, "wait_until", {"until": None})
            return self._onward(node.next)
        if isinstance(node, BranchNode):
            return self._branch(node_id, node)
        if isinstance(node, SplitNode):
            given = self.allocations.get(node_id) if node.optimize else None
            weight = {a.name: given.get(a.name, 0.0) if given else a.weight for a in node.arms}
            if sum(weight.values()) <= 0:
                weight = {a.name: a.weight for a in node.arms}
            total = sum(weight.values())
            point, arm = bucket(self.profile.profile_id, self.journey.key, node_id) * total, None
            for arm in node.arms:
                point -= weight[arm.name]
                if point < 0:
                    break
            assert arm is not None
            state.arms[node_id] = arm.name
            self.record(node_id, "split", {"arm": arm.name})
            return self._onward(arm.next)
        if isinstance(node, HoldoutNode):
            held = bucket(self.profile.profile_id, self.journey.key, node_id) * 100 < node.percent
            state.holdout = state.holdout or held
            self.record(node_id, "holdout", {"held_out": held})
            return self._onward(node.next)
        if isinstance(node, MessageNode):
            detail: dict[str, Any] = {"channel": node.channel, "visit": visit}
            if state.holdout:
                detail["held_out"] = True
            timing, until = (
                self._best_time(node_id, node) if node.send_at == "best_time" else ({}, self.at)
            )
            if timing:
                detail["send_at"] = timing
            if until > self.at:
                state.send_at = timing
                return self._wait(node_id, "message", until, detail)
            self._send(node_id, node, visit, timing or None)
            self.record(node_id, "message", detail)
            return self._onward(node.next)
        if isinstance(node, WebhookNode):
            payload: dict[str, Any] = {
                "url": node.url,
                "method": node.method,
                "headers": node.headers,
                "body": node.body,
                "trigger": state.trigger,
            }
            if node.response_traits:
                payload["response_traits"] = node.response_traits
            if state.decisions:
                payload["decisions"] = state.decisions
            self.result.effects.append(Send(node_id, visit, "webhook", None, None, payload))
            self.record(node_id, "webhook", {"visit": visit})
            return self._onward(node.next)
        if isinstance(node, UpdateProfileNode):
            self.result.effects.append(
                UpdateTraits(node_id, visit, dict(node.set), dict(node.increment), list(node.unset))
            )
            self.record(node_id, "update_profile", None)
            return self._onward(node.next)
        if isinstance(node, DecideNode):
            return self._decide(node_id, node, visit)
        if isinstance(node, EnterJourneyNode):
            self.result.effects.append(Handover(node_id, node.journey))
            self.record(node_id, "enter_journey", {"journey": node.journey})
            self.end("handed_over")
            return None
        assert isinstance(node, ExitNode)
        self.record(node_id, "exit")
        self.end("completed")
        return None

    def _send(
        self, node_id: str, node: MessageNode, visit: int, timing: dict[str, Any] | None
    ) -> None:
        payload: dict[str, Any] = {"trigger": self.state.trigger}
        if self.state.decisions:
            payload["decisions"] = self.state.decisions
        if timing is not None:
            payload["send_at"] = timing
        self.result.effects.append(
            Send(
                node_id,
                visit,
                node.channel,
                node.template,
                node.subscription_group,
                payload,
                held_out=self.state.holdout,
            )
        )

    def _best_time(self, node_id: str, node: MessageNode) -> tuple[dict[str, Any], datetime]:
        """When a best-time message goes out, and why: its group (a `holdout` share goes
        at once), the profile's hour and where that came from."""
        held = bucket(self.profile.profile_id, self.journey.key, f"{node_id}:send_at")
        tz = self.profile.timezone
        best = (
            NO_DATA
            if self.send_times is None
            else self.send_times.best_hour(self.profile.profile_id, tz)
        )
        timing: dict[str, Any] = {
            "channel": node.channel,
            "group": "holdout" if held < node.holdout else "best_time",
            "hour": best.hour,
            "source": best.source,
            "basis": best.basis,
            "engagements": best.engagements,
        }
        if timing["group"] == "holdout" or best.hour is None:
            return timing, self.at
        quiet = self._quiet_hours(node)
        if quiet is not None:
            timing["quiet_hours"] = quiet.model_dump(exclude_none=True)
        until = send_instant(self.at, tz, best.hour, node.delay_limit, quiet, node.channel)
        if until > self.at:
            timing["until"] = iso_instant(until)
            timing["local"] = f"{until.astimezone(tz):%H:%M}"
        return timing, until

    def _quiet_hours(self, node: MessageNode) -> QuietHours | None:
        """The quiet hours the message will be judged by (docs/orchestration.md)."""
        journey = self.journey
        if journey.transactional or node.transactional or journey.quiet_hours is False:
            return None
        if isinstance(journey.quiet_hours, QuietHours):
            return journey.quiet_hours
        return None if self.send_times is None else self.send_times.quiet_hours()

    def _decide(self, node_id: str, node: DecideNode, visit: int) -> str | None:
        """Choose an offer among those eligible (guardrails, conditions, then caps); a
        profile that comes back to the node keeps the offer it was given."""
        state = self.state
        earlier = state.decisions.get(node_id)
        if earlier is not None:
            self.record(node_id, "decide", {"offer": earlier["offer"], "again": True})
            return self._onward(_after(node, earlier["offer"]))
        eligible, refused = [], {}
        for arm in node.arms:
            refusal = node.guarded(arm)
            if refusal is None and arm.eligible is not None:
                asked_by = f"nodes.{node_id}.eligible.{arm.key}"
                if not self.profile.holds(arm.eligible, asked_by):
                    refusal = "not eligible"
            if refusal is None:
                eligible.append(arm)
            else:
                refused[arm.key] = refusal
        context = {name: _context_value(self.profile, name) for name in node.context}
        choice = None
        if eligible:
            seed = _seed(
                self.journey.key, node_id, self.profile.profile_id, state.entered_at, visit
            )
            if self.decider is None:
                choice = _cold_choice(node, eligible, context, seed)
            else:
                choice = self.decider.decide(node_id, node, eligible, context, seed)
        detail: dict[str, Any] = {"eligible": [arm.key for arm in eligible]}
        if refused:
            detail["refused"] = refused
        if choice is None:
            detail["offer"] = None
            detail["reason"] = (
                "every eligible offer reached its cap" if eligible else "no offer is eligible"
            )
            self.record(node_id, "decide", detail)
            return self._onward(node.no_offer_next)
        arm = next(arm for arm in eligible if arm.key == choice.arm)
        given: dict[str, Any] = {
            "offer": arm.key,
            "value": arm.value,
            "cost": arm.cost,
            "holdout": choice.holdout,
            "at": iso_instant(self.at),
        }
        if isinstance(arm, PriceLevel):
            given["level"] = arm.level
        state.decisions[node_id] = given
        self.result.effects.append(
            Decided(node_id, arm.key, choice.propensity, choice.holdout, choice.reason, context)
        )
        detail.update(
            offer=arm.key,
            propensity=choice.propensity,
            holdout=choice.holdout,
            reason=choice.reason,
            expected={key: round(rate, 4) for key, rate in choice.conversion.items()},
        )
        self.record(node_id, "decide", detail)
        return self._onward(_after(node, arm.key))

    def _onward(self, node_id: str | None) -> str | None:
        if node_id is None:
            self.end("completed")
        return node_id

    def _wait(
        self, node_id: str, action: str, until: datetime, detail: dict[str, Any]
    ) -> str | None:
        self.state.waiting, self.state.wake_at = True, until
        self.record(node_id, action, {**detail, "until": iso_instant(until)})
        return None

    def _branch(self, node_id: str, node: BranchNode) -> str | None:
        """The first case whose condition holds; the step keeps the values that decided."""
        explained = []
        for index, case in enumerate(node.cases):
            verdict = self.profile.explain(case.when, f"nodes.{node_id}.cases.{index}")
            explained.append(verdict)
            if verdict["holds"]:
                self.record(node_id, "branch", {"case": index, "conditions": explained})
                return case.next
        self.record(node_id, "branch", {"case": "default", "conditions": explained})
        return self._onward(node.default)


def _after(node: DecideNode, offer: str) -> str | None:
    """Where a profile given `offer` goes: the offer's `next`, else the node's."""
    arm = next((arm for arm in node.arms if arm.key == offer), None)
    return arm.next if arm is not None and arm.next is not None else node.next


def _context_value(profile: Profile, name: str) -> Any:
    """`predicted.<key>` and `computed.<key>` are computed traits, other names traits."""
    if name.startswith("predicted."):
        return profile.computed(name)
    if name.startswith("computed."):
        return profile.computed(name.removeprefix("computed."))
    return profile.trait(name)


def _seed(journey_key: str, node_id: str, profile_id: str, entered_at: datetime, visit: int) -> int:
    """The decision's random seed: fixed for the instance and visit, so a decision can be
    made again to the same result."""
    text = f"{journey_key}\x00{node_id}\x00{profile_id}\x00{iso_instant(entered_at)}\x00{visit}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _cold_choice(
    node: DecideNode, eligible: Sequence[Offer], context: dict[str, Any], seed: int
) -> Choice:
    """A choice with no past decisions and no caps to know (simulations, tests)."""
    policy = Policy([arm.key for arm in node.arms], node.context, [])
    offers = [Arm(arm.key, arm.value, arm.cost) for arm in eligible]
    return policy.choose(offers, context, node.holdout, seeded(seed))


def bucket(profile_id: str, journey_key: str, node_id: str) -> float:
    """A number in [0, 1) fixed for this profile, journey and node."""
    digest = hashlib.sha256(f"{journey_key}\x00{node_id}\x00{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


_WEEKDAYS = [day.value for day in Weekday]


def wait_until(node: WaitUntilNode, at: datetime, profile: Profile) -> datetime | None:
    """The instant the node waits for; None when its date trait is missing."""
    tz = profile.timezone
    if node.date_trait is not None:
        raw = profile.trait(node.date_trait)
        instant = parse_instant(raw)
        if instant is None:
            return None
        if (isinstance(raw, str) and len(raw) == 10) or node.time_of_day is not None:
            day = date.fromisoformat(raw[:10]) if len(raw) == 10 else instant.astimezone(tz).date()
            local = datetime.combine(day, node.time_of_day or time(0), tzinfo=tz)
            return local + node.shift
        return instant + node.shift
    local_now = at.astimezone(tz)
    for days in range(8):
        day = local_now.date() + timedelta(days=days)
        if node.weekdays is not None and _WEEKDAYS[day.weekday()] not in node.weekdays:
            continue
        if node.time_of_day is None:
            return at if days == 0 else datetime.combine(day, time(0), tzinfo=tz)
        candidate = datetime.combine(day, node.time_of_day, tzinfo=tz)
        if candidate >= at:
            return candidate
    raise AssertionError("a week always holds a matching day")


# --- replay -----------------------------------------------------------------------------


class _RecordedProfile:
    """Answers conditions the way a recorded history says they were answered."""

    def __init__(self, live: Profile, steps: Sequence[Step]) -> None:
        self._live = live
        self._yes: set[str] = set()
        self._explained: dict[str, dict[str, Any]] = {}
        for step in steps:
            detail = step.detail or {}
            if step.action == "branch":
                for index, verdict in enumerate(detail.get("conditions", ())):
                    self._explained[f"nodes.{step.node}.cases.{index}"] = verdict
                if detail.get("case") != "default":
                    self._yes.add(f"nodes.{step.node}.cases.{detail['case']}")
            if step.action == "decide":
                for key in detail.get("eligible", ()):
                    self._yes.add(f"nodes.{step.node}.eligible.{key}")
            if step.action in ("goal", "exit_rule"):
                self._yes.add(detail["by"])

    @property
    def profile_id(self) -> str:
        return self._live.profile_id

    @property
    def timezone(self) -> ZoneInfo:
        return self._live.timezone

    def trait(self, name: str) -> Any:
        return self._live.trait(name)

    def computed(self, key: str) -> Any:
        return self._live.computed(key)

    def holds(self, condition: Condition, asked_by: str) -> bool:
        return asked_by in self._yes

    def explain(self, condition: Condition, asked_by: str) -> dict[str, Any]:
        return self._explained.get(asked_by, {"holds": asked_by in self._yes})


class _RecordedDecider:
    """Chooses what a recorded history says each decide node chose."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self._chosen: dict[str, Choice | None] = {}
        for step in steps:
            detail = step.detail or {}
            if step.action == "decide" and not detail.get("again"):
                offer = detail.get("offer")
                self._chosen[step.node] = (
                    None
                    if offer is None
                    else Choice(
                        offer, detail["propensity"], detail["holdout"], detail["reason"], {}
                    )
                )

    def decide(
        self,
        node_id: str,
        node: DecideNode,
        eligible: Sequence[Offer],
        context: dict[str, Any],
        seed: int,
    ) -> Choice | None:
        return self._chosen.get(node_id)


class _RecordedSendTimes:
    """Answers a best-time message node the way a recorded history says it was answered."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self._best, self._quiet = NO_DATA, None
        for step in steps:
            timing = (step.detail or {}).get("send_at") if step.action == "message" else None
            if timing:
                self._best = BestHour(timing["hour"], timing["source"], timing["engagements"])
                quiet = timing.get("quiet_hours")
                self._quiet = None if quiet is None else QuietHours.model_validate(quiet)

    def best_hour(self, profile_id: str, timezone: ZoneInfo) -> BestHour:
        return self._best

    def quiet_hours(self) -> QuietHours | None:
        return self._quiet


def stimuli_of(steps: Sequence[Step]) -> Iterator[list[Step]]:
    """The history cut into what each stimulus did: entry first, then one group per
    event, timer or stop."""
    group: list[Step] = []
    for step in steps:
        if step.action in STIMULUS_ACTIONS and group:
            yield group
            group = []
        group.append(step)
    if group:
        yield group


def replay(
    journey: JourneyDefinition,
    trigger: dict[str, Any],
    entered_at: datetime,
    steps: Sequence[Step],
    profile: Profile,
    events: dict[str, tuple[str, dict[str, Any]]],
) -> Advance:
    """Run a recorded history through the interpreter again. `events` gives each
    recorded message id's event name and properties."""
    total = Advance(State(node=journey.start, entered_at=entered_at, trigger=trigger))
    state: State | None = None
    for group in stimuli_of(steps):
        first = group[0]
        stimulus: Stimulus
        if state is None:
            stimulus = Enter(entered_at, trigger)
        elif first.action == "event":
            name, properties = events[(first.detail or {})["message_id"]]
            stimulus = Arrival(first.at, name, properties, (first.detail or {})["message_id"])
        elif first.action == "timer":
            stimulus = Tick(first.at)
        else:
            stimulus = Stop(first.at, (first.detail or {})["outcome"])
        result = advance(
            journey,
            state,
            stimulus,
            _RecordedProfile(profile, group),
            send_times=_RecordedSendTimes(group),
            decider=_RecordedDecider(group),
        )
        state = result.state
        total.state = state
        total.effects.extend(result.effects)
        total.steps.extend(result.steps)
    return total
