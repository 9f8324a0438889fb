"""A broadcast's definition: what goes to whom, when, how fast, and what it is measured by.

The same document in YAML (`baton broadcasts apply`) and JSON (the API), validated once
here with errors naming the offending field (`ab_test.variants.0.template`).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from datetime import date as Date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    model_validator,
)

from baton.core.durations import parse_duration
from baton.core.local_time import clock_time
from baton.core.validation import validated

_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
# A list audience is written in the definition: longer ones are uploaded as CSV.
MAX_LISTED = 10_000
Key = Annotated[str, Field(pattern=_KEY)]


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def _clock(value: str) -> str:
    clock_time(value)
    return value


def _instant(value: str) -> str:
    if value != "now":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("give the instant's offset, like 2026-12-24T09:00:00Z")
    return value


DurationText = Annotated[str, AfterValidator(_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(_Model):
    """Exactly one: a segment's members, a list of profile ids, or an uploaded CSV."""

    segment: Key | None = None
    profiles: list[Annotated[StrictStr, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=MAX_LISTED
    )
    upload: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Audience:
        if sum(x is not None for x in (self.segment, self.profiles, self.upload)) != 1:
            raise ValueError("give exactly one of segment, profiles, upload")
        return self


class Send(_Model):
    """When: `at` now or an instant, or `local_time` on `date` in each person's zone."""

    at: Annotated[str, AfterValidator(_instant)] | None = None
    local_time: Annotated[str, AfterValidator(_clock)] | None = None
    date: Date | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Send:
        if (self.at is None) == (self.local_time is None):
            raise ValueError("give either at or local_time (with date)")
        if (self.local_time is None) != (self.date is None):
            raise ValueError("local_time needs a date, and a date needs local_time")
        return self

    def instant(self, now: datetime) -> datetime:
        """When the broadcast starts (for a local time: now, its messages wait)."""
        if self.at is None or self.at == "now":
            return now
        return datetime.fromisoformat(self.at).astimezone(UTC)

    def local(self) -> tuple[Date, time] | None:
        if self.local_time is None or self.date is None:
            return None
        return self.date, clock_time(self.local_time)


class Throttle(_Model):
    """At most `per_minute` messages a minute, or spread evenly over `spread_hours`."""

    per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    spread_hours: float | None = Field(default=None, gt=0, le=168)

    @model_validator(mode="after")
    def _one_kind(self) -> Throttle:
        if (self.per_minute is None) == (self.spread_hours is None):
            raise ValueError("give exactly one of per_minute, spread_hours")
        return self

    def offset(self, n: int, total: int) -> timedelta:
        """How long after the start the `n`th message (from 0) of `total` goes."""
        if self.per_minute is not None:
            return timedelta(minutes=n / self.per_minute)
        assert self.spread_hours is not None
        return timedelta(hours=self.spread_hours * n / max(total, 1))


class Variant(_Model):
    key: Key
    template: Key


class ABTest(_Model):
    """Variants tried on a `sample` of the audience; after `wait`, the best by `metric`
    goes to the rest."""

    variants: list[Variant] = Field(min_length=2, max_length=10)
    sample: float = Field(gt=0, lt=1)
    metric: Literal["opens", "clicks", "goal"] = "opens"
    wait: DurationText = "4h"

    @model_validator(mode="after")
    def _distinct(self) -> ABTest:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys):
            raise ValueError("variant keys must differ")
        return self


class BroadcastGoal(_Model):
    """A conversion: the person does `event` within `within` of their message."""

    event: Annotated[str, Field(min_length=1, max_length=200)]
    within: DurationText = "7d"


class BroadcastDefinition(_Model):
    key: Key
    name: Annotated[str, Field(min_length=1, max_length=200)]
    channel: Annotated[str, Field(min_length=1, max_length=40)]
    template: Key
    subscription_group: Key | None = None
    audience: Audience
    send: Send = Send(at="now")
    throttle: Throttle | None = None
    ab_test: ABTest | None = None
    holdout: float = Field(default=0.0, ge=0, lt=1)
    goal: BroadcastGoal | None = None
    # Against journeys' messages, as the workspace policy weighs them (0 to 100).
    priority: int = Field(default=50, ge=0, le=100)

    @model_validator(mode="after")
    def _shares(self) -> BroadcastDefinition:
        if self.ab_test is not None:
            if self.holdout + self.ab_test.sample >= 1:
                raise ValueError("holdout and ab_test.sample leave nobody for the winner")
            if self.ab_test.metric == "goal" and self.goal is None:
                raise ValueError("an ab_test by goal needs a goal")
        return self

    def variant_template(self, variant: str | None) -> str:
        for v in self.ab_test.variants if self.ab_test else []:
            if v.key == variant:
                return v.template
        return self.template

    def goal_window(self) -> timedelta | None:
        return None if self.goal is None else parse_duration(self.goal.within)


def parse_broadcast(data: Any) -> BroadcastDefinition:
    """A validated definition; InvalidInput naming the field at fault otherwise."""
    return validated(BroadcastDefinition, data)


def dump_broadcast(definition: BroadcastDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json", exclude_none=True)
