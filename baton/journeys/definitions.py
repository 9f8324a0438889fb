"""Journey definitions: pydantic models with a JSON/YAML form (docs/journeys.md).

A journey names its trigger, optional audience, re-entry rule, goal and exit rules, and a
graph of nodes from `start`. Validation errors name the node and field:
`nodes.email.next: no node named 'later'`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from baton.channels import check_text, check_url, strings_of
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.local_time import clock_time, zone
from baton.journeys.cron import Cron
from baton.segments import (
    SEGMENT_ENTERED,
    SEGMENT_EXITED,
    Condition,
    Op,
    PropertyFilter,
    holds,
    leading_key,
    lookup,
)
from baton.workspaces import QuietHours

_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
_NODE_ID = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"
_OFFSET = re.compile(r"^\s*([+-])?\s*(.+)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _event_name(value: str) -> str:
    if not 1 <= len(value) <= 200:
        raise ValueError("must be 1-200 characters")
    if value in (SEGMENT_ENTERED, SEGMENT_EXITED):
        raise ValueError(f"use segment_entered / segment_exited instead of {value!r}")
    return value


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def signed_duration(text: str) -> timedelta:
    """`-3d`, `+1h`, `2d`: a duration with an optional sign."""
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an offset like -3d or 2h")
    duration = parse_duration(match.group(2))
    return -duration if match.group(1) == "-" else duration


# --- what an event must look like ------------------------------------------------------


class EventMatch(_Model):
    """An event by name, with property filters (the operators of segments)."""

    event: str
    where: list[PropertyFilter] = Field(default_factory=list)

    _event = field_validator("event")(_event_name)

    def matches(self, name: str, properties: dict[str, Any], now: Any) -> bool:
        return name == self.event and all(
            holds(f, lookup(properties, f.property), now) for f in self.where
        )


def _segment_event(event: str, key: str) -> EventMatch:
    # Built without validation: users may not name these events, Baton may.
    where = [PropertyFilter(property="segment_key", op=Op.EQUALS, value=key)]
    return EventMatch.model_construct(event=event, where=where)


class SegmentEntered(_Model):
    segment_entered: str = Field(pattern=_KEY)

    @cached_property
    def as_event(self) -> EventMatch:
        return _segment_event(SEGMENT_ENTERED, self.segment_entered)


class SegmentExited(_Model):
    segment_exited: str = Field(pattern=_KEY)

    @cached_property
    def as_event(self) -> EventMatch:
        return _segment_event(SEGMENT_EXITED, self.segment_exited)


class ConditionSignal(_Model):
    """A segment-style condition about the profile, checked whenever the instance moves."""

    condition: Condition


class ApiTrigger(_Model):
    api: Literal[True]


class ScheduleTrigger(_Model):
    """Enter every member of `segment` at each time the cron expression names."""

    schedule: str
    segment: str = Field(pattern=_KEY)
    timezone: str = "UTC"

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        Cron.parse(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    @cached_property
    def cron(self) -> Cron:
        return Cron.parse(self.schedule)


class DateTraitTrigger(_Model):
    """Enter each profile at a date trait (yearly for `recurring`), shifted by `offset`,
    at a local time of day."""

    date_trait: str
    offset: str = "0s"
    at: str = "09:00"
    recurring: bool = True

    @field_validator("offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        if value.strip() not in ("0s", "0"):
            signed_duration(value)
        return value

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        clock_time(value)
        return value

    @cached_property
    def shift(self) -> timedelta:
        return timedelta(0) if self.offset.strip() in ("0s", "0") else signed_duration(self.offset)


_TRIGGERS: dict[str, type[_Model]] = {
    "event": EventMatch,
    "segment_entered": SegmentEntered,
    "segment_exited": SegmentExited,
    "api": ApiTrigger,
    "schedule": ScheduleTrigger,
    "date_trait": DateTraitTrigger,
}
Trigger = Annotated[
    Annotated[EventMatch, Tag("@event")]
    | Annotated[SegmentEntered, Tag("@segment_entered")]
    | Annotated[SegmentExited, Tag("@segment_exited")]
    | Annotated[ApiTrigger, Tag("@api")]
    | Annotated[ScheduleTrigger, Tag("@schedule")]
    | Annotated[DateTraitTrigger, Tag("@date_trait")],
    Discriminator(
        leading_key(_TRIGGERS),
        custom_error_type="trigger",
        custom_error_message=f"a trigger starts with one of: {', '.join(_TRIGGERS)}",
    ),
]

_SIGNALS: dict[str, type[_Model]] = {
    "event": EventMatch,
    "segment_entered": SegmentEntered,
    "segment_exited": SegmentExited,
    "condition": ConditionSignal,
}
Signal = Annotated[
    Annotated[EventMatch, Tag("@event")]
    | Annotated[SegmentEntered, Tag("@segment_entered")]
    | Annotated[SegmentExited, Tag("@segment_exited")]
    | Annotated[ConditionSignal, Tag("@condition")],
    Discriminator(
        leading_key(_SIGNALS),
        custom_error_type="signal",
        custom_error_message=f"give one of: {', '.join(_SIGNALS)}",
    ),
]


def event_of(signal: Any) -> EventMatch | None:
    """The event a trigger or signal waits for; None for conditions, API and time triggers."""
    if isinstance(signal, EventMatch):
        return signal
    if isinstance(signal, SegmentEntered | SegmentExited):
        return signal.as_event
    return None


class Goal(_Model):
    """What counts as converting: an event, a segment change or a condition. With `exit`,
    reaching it ends the instance and cancels whatever it has not sent yet."""

    event: str | None = None
    where: list[PropertyFilter] = Field(default_factory=list)
    segment_entered: str | None = Field(default=None, pattern=_KEY)
    condition: Condition | None = None
    exit: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> Goal:
        if sum(x is not None for x in (self.event, self.segment_entered, self.condition)) != 1:
            raise ValueError("give exactly one of event, segment_entered, condition")
        if self.event is not None:
            _event_name(self.event)
        elif self.where:
            raise ValueError("where applies to an event goal")
        return self

    @cached_property
    def signal(self) -> EventMatch | SegmentEntered | ConditionSignal:
        if self.event is not None:
            return EventMatch.model_construct(event=self.event, where=self.where)
        if self.segment_entered is not None:
            return SegmentEntered(segment_entered=self.segment_entered)
        assert self.condition is not None
        return ConditionSignal(condition=self.condition)


class Cooldown(_Model):
    cooldown: str

    _duration = field_validator("cooldown")(_duration)

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.cooldown)


Reentry = Literal["never", "after_exit"] | Cooldown


class JourneyStage(StrEnum):
    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    CONVERSION = "conversion"
    RETENTION = "retention"
    ADVOCACY = "advocacy"


# --- nodes ------------------------------------------------------------------------------


class _Node(_Model):
    description: str = Field(default="", max_length=2000)

    def exits(self) -> Iterator[tuple[str, str]]:
        """(field, node id) of every node this one can lead to."""
        return iter(())


class _Onward(_Node):
    next: str | None = None

    def exits(self) -> Iterator[tuple[str, str]]:
        if self.next is not None:
            yield "next", self.next


class DelayNode(_Onward):
    type: Literal["delay"]
    duration: str

    _duration = field_validator("duration")(_duration)

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.duration)


class Weekday(StrEnum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


class WaitUntilNode(_Onward):
    """Until the next time of day (on one of `weekdays`), or until a date trait ± offset,
    in the profile's time zone."""

    type: Literal["wait_until"]
    time: str | None = None
    weekdays: list[Weekday] | None = Field(default=None, min_length=1)
    date_trait: str | None = None
    offset: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> WaitUntilNode:
        if self.date_trait is None:
            if self.time is None and self.weekdays is None:
                raise ValueError("give time and/or weekdays, or date_trait")
            if self.offset is not None:
                raise ValueError("offset applies to date_trait")
        elif self.weekdays is not None:
            raise ValueError("weekdays do not apply to date_trait")
        if self.time is not None:
            clock_time(self.time)
        if self.offset is not None:
            signed_duration(self.offset)
        return self

    @cached_property
    def time_of_day(self) -> dt.time | None:
        return None if self.time is None else clock_time(self.time)

    @cached_property
    def shift(self) -> timedelta:
        return timedelta(0) if self.offset is None else signed_duration(self.offset)


class AwaitedEvent(EventMatch):
    next: str | None = None


class WaitForEventNode(_Node):
    """Wait for one of `events` (or `event` + `where`) until `timeout`.

    `correlate` names a path (`properties.cart_id`) whose value must equal the trigger
    event's. A matched event continues to its own `next`, else the node's; a timeout to
    `timeout_next`.
    """

    type: Literal["wait_for_event"]
    event: str | None = None
    where: list[PropertyFilter] = Field(default_factory=list)
    events: list[AwaitedEvent] | None = Field(default=None, min_length=1)
    correlate: str | None = None
    timeout: str
    next: str | None = None
    timeout_next: str | None = None

    _timeout = field_validator("timeout")(_duration)

    @model_validator(mode="after")
    def _one_kind(self) -> WaitForEventNode:
        if (self.event is None) == (self.events is None):
            raise ValueError("give event (with where) or events")
        if self.event is not None:
            _event_name(self.event)
        elif self.where:
            raise ValueError("where applies to event; give each of events its own")
        return self

    @cached_property
    def awaited(self) -> list[AwaitedEvent]:
        if self.events is not None:
            return self.events
        assert self.event is not None
        return [AwaitedEvent.model_construct(event=self.event, where=self.where, next=None)]

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.timeout)

    def exits(self) -> Iterator[tuple[str, str]]:
        if self.next is not None:
            yield "next", self.next
        for i, awaited in enumerate(self.awaited):
            if awaited.next is not None:
                yield f"events.{i}.next", awaited.next
        if self.timeout_next is not None:
            yield "timeout_next", self.timeout_next


class Case(_Model):
    when: Condition
    next: str


class BranchNode(_Node):
    type: Literal["branch"]
    cases: list[Case] = Field(min_length=1)
    default: str | None = None

    def exits(self) -> Iterator[tuple[str, str]]:
        for i, case in enumerate(self.cases):
            yield f"cases.{i}.next", case.next
        if self.default is not None:
            yield "default", self.default


class Arm(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,50}$")
    weight: float = Field(gt=0)
    next: str | None = None


class Optimization(_Model):
    """Adapting a split to its results once every arm has `min_profiles`: `thompson`
    gives each arm the share of new entries equal to its probability of being best
    (Thompson sampling); `winner` sends every new entry to an arm once its probability
    of being best reaches `probability`."""

    method: Literal["thompson", "winner"] = "thompson"
    min_profiles: int = Field(default=100, ge=10)
    probability: float = Field(default=0.95, gt=0.5, lt=1)


class SplitNode(_Node):
    """Weighted arms; a profile always lands in the same arm of the same journey. With
    `optimize`, new entries follow the arms' results (docs/analytics.md)."""

    type: Literal["split"]
    arms: list[Arm] = Field(min_length=2)
    optimize: Optimization | None = None

    @field_validator("arms")
    @classmethod
    def _distinct(cls, arms: list[Arm]) -> list[Arm]:
        if len({arm.name for arm in arms}) != len(arms):
            raise ValueError("arm names must differ")
        return arms

    def exits(self) -> Iterator[tuple[str, str]]:
        for i, arm in enumerate(self.arms):
            if arm.next is not None:
                yield f"arms.{i}.next", arm.next


class HoldoutNode(_Onward):
    """Keep `percent` of profiles out of every message of the instance, still tracked."""

    type: Literal["holdout"]
    percent: float = Field(gt=0, lt=100)


class MessageNode(_Onward):
    """A message into the outbox. A `transactional` one is spared caps and quiet hours;
    another skips or waits (`on_cap: defer`) when a frequency cap bites."""

    type: Literal["message"]
    channel: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    template: str = Field(min_length=1, max_length=200)
    subscription_group: str | None = Field(default=None, max_length=100)
    transactional: bool = False
    on_cap: Literal["skip", "defer"] = "skip"
    # `best_time`: wait (at most `max_delay`) for the profile's usual hour to engage,
    # outside quiet hours; a `holdout` share is sent at once, to measure the lift.
    send_at: Literal["now", "best_time"] = "now"
    max_delay: str = "24h"
    holdout: float = Field(default=0.1, ge=0, lt=1)

    @field_validator("max_delay")
    @classmethod
    def _max_delay(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("send_at") != "best_time":
            raise ValueError("max_delay applies to send_at: best_time")
        if not timedelta(0) < parse_duration(value) <= timedelta(days=7):
            raise ValueError("must be more than 0s and at most 7d")
        return value

    @field_validator("holdout")
    @classmethod
    def _holdout(cls, value: float, info: ValidationInfo) -> float:
        if info.data.get("send_at") != "best_time":
            raise ValueError("holdout applies to send_at: best_time")
        return value

    @cached_property
    def delay_limit(self) -> timedelta:
        return parse_duration(self.max_delay)


class UpdateProfileNode(_Onward):
    type: Literal["update_profile"]
    set: dict[str, Any] = Field(default_factory=dict)
    increment: dict[str, float] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> UpdateProfileNode:
        if not (self.set or self.increment or self.unset):
            raise ValueError("give set, increment or unset")
        return self


class WebhookNode(_Onward):
    """An HTTP call, signed; `url`, `headers` and every string of `body` are Liquid over
    the profile, trigger event, journey and workspace (docs/templates.md), the values
    placed into `url` percent-encoded unless filtered `raw`.
    `response_traits` maps profile traits to paths in the JSON answer (`data.tier`,
    `items.0.sku`): a successful call sets them on the profile."""

    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://\S[^\n]*$", max_length=2000)
    method: Literal["POST", "PUT", "PATCH", "GET", "DELETE"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    response_traits: dict[str, str] = Field(default_factory=dict, max_length=50)

    @field_validator("response_traits")
    @classmethod
    def _paths(cls, mapping: dict[str, str]) -> dict[str, str]:
        for trait, path in mapping.items():
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$", trait):
                raise ValueError(f"{trait!r} is not a trait name")
            if not re.match(r"^[^.\s]+(\.[^.\s]+)*$", path):
                raise ValueError(f"{path!r} is not a path such as data.tier or items.0.sku")
        return mapping

    @model_validator(mode="after")
    def _templates(self) -> WebhookNode:
        strings = [*strings_of(self.headers, "headers"), *strings_of(self.body, "body")]
        try:
            check_url(self.url)
            for field, source in strings:
                check_text(field, source)
        except InvalidInput as error:
            raise ValueError(error.message) from None
        return self


class OfferCap(_Model):
    """At most `count` decisions of the node give the offer (all profiles together): over
    the node's whole life, or within any rolling `per` (`30d`)."""

    count: int = Field(ge=1)
    per: str | None = None

    @field_validator("per")
    @classmethod
    def _per(cls, value: str | None) -> str | None:
        return None if value is None else _duration(value)

    @cached_property
    def span(self) -> timedelta | None:
        return None if self.per is None else parse_duration(self.per)


class Offer(_Model):
    """One arm of a `decide` node: worth `value` when the profile reaches the goal,
    costing `cost` whenever it is given; only for profiles `eligible` holds for."""

    key: str = Field(pattern=r"^[A-Za-z0-9_-]{1,50}$")
    eligible: Condition | None = None
    value: float = Field(gt=0)
    cost: float = Field(default=0, ge=0)
    cap: OfferCap | None = None
    next: str | None = None


class PriceLevel(Offer):
    """A price or discount as an arm: `level` is the price or the discount it offers."""

    level: float


class DecideNode(_Node):
    """Next best action: a contextual bandit chooses one of `offers` (or, for dynamic
    pricing, of `levels`, within the guardrails) per profile, learning from the journey
    goal reached within `window`; a `holdout` share is chosen at random (docs/journeys.md)."""

    type: Literal["decide"]
    offers: list[Offer] | None = Field(default=None, min_length=2, max_length=20)
    levels: list[PriceLevel] | None = Field(default=None, min_length=2, max_length=20)
    min_margin: float | None = None
    max_level: float | None = None
    holdout: float = Field(default=0.1, ge=0.01, le=0.5)
    context: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$")]] = Field(
        default_factory=list, max_length=20
    )
    window: str = "7d"
    next: str | None = None
    no_offer_next: str | None = None

    _window = field_validator("window")(_duration)

    @field_validator("offers", "levels")
    @classmethod
    def _distinct(cls, arms: list[Offer] | None) -> list[Offer] | None:
        if arms is not None and len({arm.key for arm in arms}) != len(arms):
            raise ValueError("keys must differ")
        return arms

    @model_validator(mode="after")
    def _one_kind(self) -> DecideNode:
        if (self.offers is None) == (self.levels is None):
            raise ValueError("give offers, or levels for dynamic pricing")
        return self

    @cached_property
    def arms(self) -> list[Offer]:
        """Every offer or level, in order."""
        found: list[Offer] = list(self.offers or self.levels or [])
        return found

    def guarded(self, arm: Offer) -> str | None:
        """Why the guardrails never allow this level; None when they do."""
        if self.min_margin is not None and arm.value - arm.cost < self.min_margin:
            return f"value - cost {arm.value - arm.cost:g} is below min_margin {self.min_margin:g}"
        if (
            self.max_level is not None
            and isinstance(arm, PriceLevel)
            and arm.level > self.max_level
        ):
            return f"level {arm.level:g} is above max_level {self.max_level:g}"
        return None

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.window)

    def exits(self) -> Iterator[tuple[str, str]]:
        if self.next is not None:
            yield "next", self.next
        field = "offers" if self.offers is not None else "levels"
        for i, arm in enumerate(self.arms):
            if arm.next is not None:
                yield f"{field}.{i}.next", arm.next
        if self.no_offer_next is not None:
            yield "no_offer_next", self.no_offer_next


class EnterJourneyNode(_Node):
    """Hand the profile over to another journey; this instance ends."""

    type: Literal["enter_journey"]
    journey: str = Field(pattern=_KEY)


class ExitNode(_Node):
    type: Literal["exit"]


Node = Annotated[
    DelayNode
    | WaitUntilNode
    | WaitForEventNode
    | BranchNode
    | SplitNode
    | HoldoutNode
    | MessageNode
    | UpdateProfileNode
    | WebhookNode
    | DecideNode
    | EnterJourneyNode
    | ExitNode,
    Field(discriminator="type"),
]
WAITING_NODES = (DelayNode, WaitUntilNode, WaitForEventNode)
# The `type` of every node; the interpreter records each visit to a node under it.
NODE_TYPES: tuple[str, ...] = tuple(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(Node)[0])
)


class JourneyDefinition(_Model):
    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    stage: JourneyStage | None = None
    # Arbitration (docs/orchestration.md): the higher priority wins a cap or an
    # exclusion group; a transactional journey is spared caps and quiet hours; its own
    # quiet hours (or false: none) replace the workspace's.
    priority: int = Field(default=50, ge=0, le=100)
    transactional: bool = False
    quiet_hours: QuietHours | bool = True
    exclusion_group: str | None = Field(default=None, pattern=_KEY)
    trigger: Trigger
    audience: Condition | None = None
    reentry: Reentry = "after_exit"
    goal: Goal | None = None
    exit_on: list[Signal] = Field(default_factory=list)
    start: str
    nodes: dict[str, Node] = Field(min_length=1)

    @field_validator("nodes")
    @classmethod
    def _node_ids(cls, nodes: dict[str, Any]) -> dict[str, Any]:
        for node_id in nodes:
            if not re.match(_NODE_ID, node_id):
                raise ValueError(
                    f"{node_id!r} is not a node id (a letter, then letters, digits, _ -)"
                )
        return nodes

    @model_validator(mode="after")
    def _graph(self) -> JourneyDefinition:
        if self.start not in self.nodes:
            raise _GraphError("start", f"no node named {self.start!r}")
        for node_id, node in self.nodes.items():
            for field, target in node.exits():
                if target not in self.nodes:
                    raise _GraphError(f"nodes.{node_id}.{field}", f"no node named {target!r}")
        reachable = self._reachable()
        for node_id in self.nodes:
            if node_id not in reachable:
                raise _GraphError(f"nodes.{node_id}", f"cannot be reached from {self.start!r}")
        self._refuse_busy_loops()
        self._check_decisions()
        return self

    def _check_decisions(self) -> None:
        """A decide node learns from the goal, and its guardrails must leave it a level."""
        for node_id, node in self.nodes.items():
            if not isinstance(node, DecideNode):
                continue
            if self.goal is None:
                raise _GraphError(
                    "goal", f"node {node_id!r} decides by the journey's goal: give one"
                )
            if node.offers is not None and (node.min_margin, node.max_level) != (None, None):
                field = "min_margin" if node.min_margin is not None else "max_level"
                raise _GraphError(f"nodes.{node_id}.{field}", "guardrails apply to levels")
            if all(node.guarded(arm) for arm in node.arms):
                field = "min_margin" if node.min_margin is not None else "max_level"
                raise _GraphError(f"nodes.{node_id}.{field}", "no level is within the guardrails")

    def _reachable(self) -> set[str]:
        seen, todo = {self.start}, [self.start]
        while todo:
            for _, target in self.nodes[todo.pop()].exits():
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def _refuse_busy_loops(self) -> None:
        """A loop must pass a node that waits, or one instance would spin forever."""
        state: dict[str, int] = {}  # 1: on the path, 2: done

        def visit(node_id: str, path: list[str]) -> None:
            state[node_id] = 1
            node = self.nodes[node_id]
            if not isinstance(node, WAITING_NODES):
                for _, target in node.exits():
                    if state.get(target) == 1:
                        loop = [*path[path.index(target) :], target] if target in path else path
                        raise _GraphError(
                            f"nodes.{target}", f"loop {' -> '.join(loop)} never waits"
                        )
                    if target not in state:
                        visit(target, [*path, target])
            state[node_id] = 2

        for node_id in self.nodes:
            if node_id not in state:
                visit(node_id, [node_id])

    @cached_property
    def signals(self) -> list[tuple[str, Any]]:
        """("goal" | "exit", signal) for everything that can end an instance early."""
        found: list[tuple[str, Any]] = [("exit", signal) for signal in self.exit_on]
        if self.goal is not None:
            found.insert(0, ("goal", self.goal.signal))
        return found

    def events_heard(self) -> set[str]:
        """The names of the events that can start, move or end an instance."""
        matchers = [event_of(self.trigger), *(event_of(s) for _, s in self.signals)]
        for node in self.nodes.values():
            if isinstance(node, WaitForEventNode):
                matchers.extend(node.awaited)
        return {matcher.event for matcher in matchers if matcher is not None}

    def send_rules(self, node_id: str) -> SendRules:
        """A message node's rules; a webhook is an integration, never capped or held."""
        node = self.nodes[node_id]
        message = node if isinstance(node, MessageNode) else None
        quiet = self.quiet_hours
        if isinstance(quiet, QuietHours):
            window: dict[str, Any] | None = quiet.model_dump(exclude_none=True)
        else:
            window = None if quiet else {}
        return SendRules(
            self.priority,
            self.transactional or message is None or message.transactional,
            "skip" if message is None else message.on_cap,
            window,
        )

    def conditions(self) -> Iterator[Condition]:
        """Every profile condition the journey evaluates."""
        if self.audience is not None:
            yield self.audience
        for _, signal in self.signals:
            if isinstance(signal, ConditionSignal):
                yield signal.condition
        for node in self.nodes.values():
            if isinstance(node, BranchNode):
                yield from (case.when for case in node.cases)
            if isinstance(node, DecideNode):
                yield from (arm.eligible for arm in node.arms if arm.eligible is not None)


@dataclass(frozen=True)
class SendRules:
    """What arbitration weighs for one message of a journey."""

    priority: int
    transactional: bool
    on_cap: str
    quiet_hours: dict[str, Any] | None  # None: the workspace's; {}: none


class _GraphError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_journey(data: Any) -> JourneyDefinition:
    """A validated definition; InvalidInput naming the field (`nodes.email.template`)."""
    try:
        return JourneyDefinition.model_validate(data)
    except ValidationError as error:
        # A plain union reports every member's complaint: the deepest one says most.
        first = max(error.errors(), key=lambda e: len(e["loc"]))
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, _GraphError):
            raise InvalidInput(f"{cause.field}: {cause.message}", field=cause.field) from None
        loc = [str(part) for part in first["loc"]]
        # pydantic names the union member it tried (`message`, `@event`): not the user's key.
        if len(loc) >= 3 and loc[0] == "nodes":
            loc.pop(2)
        field = ".".join(part for part in loc if not _union_member(part)) or None
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}" if field else message, field=field) from None


def _union_member(part: str) -> bool:
    """Names pydantic gives the members of a union in error locations."""
    return part.startswith("@") or "[" in part or part == Cooldown.__name__


def dump_journey(definition: JourneyDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json", by_alias=True, exclude_defaults=True)
