"""The workspace's messaging policy, shared by every journey: frequency caps per profile
(across journeys, per channel and subscription group) and quiet hours in the profile's
time zone. Transactional messages are exempt from both (docs/orchestration.md).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Connection, select, update

from baton.core.durations import parse_duration
from baton.core.local_time import clock_time, zone
from baton.core.validation import validated
from baton.storage.tables import workspaces

_NAME = r"^[a-z0-9][a-z0-9_-]{0,59}$"
# A language, as a profile's `locale` trait is read (`hu-HU`, `hu_HU`: `hu`).
LOCALE = r"^[a-z]{2,3}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cap(_Model):
    """At most `max` messages per rolling `per`, counting the messages of every journey
    on `channel` and in `subscription_group` (each, when given)."""

    name: str = Field(pattern=_NAME)
    limit: int = Field(alias="max", ge=1, le=10_000)
    per: str
    channel: str | None = None
    subscription_group: str | None = None

    @field_validator("per")
    @classmethod
    def _per(cls, value: str) -> str:
        parse_duration(value)
        return value

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.per)

    def counts(self, channel: str, subscription_group: str | None) -> bool:
        return (self.channel is None or self.channel == channel) and (
            self.subscription_group is None or self.subscription_group == subscription_group
        )


class QuietHours(_Model):
    """Local times between which nothing but transactional messages goes out (`start`
    after `end` spans midnight); on `channels` only, when given."""

    start: str
    end: str
    channels: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _times(self) -> QuietHours:
        if clock_time(self.start) == clock_time(self.end):
            raise ValueError("start and end must differ")
        return self

    def ends(self, at: datetime, tz: ZoneInfo, channel: str) -> datetime | None:
        """When the quiet spell around `at` ends; None when `at` is not in one."""
        if self.channels is not None and channel not in self.channels:
            return None
        start, end = clock_time(self.start), clock_time(self.end)
        local = at.astimezone(tz)
        now = local.time().replace(tzinfo=None)
        quiet = start <= now < end if start < end else (now >= start or now < end)
        if not quiet:
            return None
        day = local.date() if now < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=tz)


class Pause(_Model):
    """While a profile is in `segment` (an open support ticket, an outage in its
    region), its non-transactional messages wait, judged again every `recheck`; on
    `subscription_groups` only, when given."""

    name: str = Field(pattern=_NAME)
    segment: str = Field(min_length=1, max_length=100)
    subscription_groups: list[str] | None = Field(default=None, min_length=1)
    recheck: str = "15m"

    @field_validator("recheck")
    @classmethod
    def _recheck(cls, value: str) -> str:
        if parse_duration(value) < timedelta(minutes=1):
            raise ValueError("recheck at most once a minute")
        return value

    @cached_property
    def every(self) -> timedelta:
        return parse_duration(self.recheck)

    def holds(self, subscription_group: str | None) -> bool:
        return self.subscription_groups is None or subscription_group in self.subscription_groups


class SubscriptionGroup(_Model):
    """How people join a subscription group: `implicit` (its messages go until they opt
    out), `explicit` (only after they opt in) or `double` (only after they confirm
    their opt-in through the link e-mailed with `confirmation_template`, whose
    `event.properties.confirm_url` is the link)."""

    opt_in: Literal["implicit", "explicit", "double"] = "implicit"
    confirmation_template: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _template(self) -> SubscriptionGroup:
        if self.opt_in == "double" and self.confirmation_template is None:
            raise ValueError("a double opt-in group needs a confirmation_template")
        return self


class Fairness(_Model):
    """Traits across whose groups models' scores and decide nodes' offers are compared
    (gender, an age band...), and the largest gap allowed between two groups."""

    sensitive_traits: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=20
    )
    max_gap: float = Field(default=0.1, gt=0, le=1)
    # A model whose gap is over the bound never scores: it waits, blocked, for a better one.
    block: bool = False


class Locales(_Model):
    """The languages of templates: `default` is the one a template's base fields are
    written in; a profile whose `locale` a template has no variant for falls back along
    `fallback` (`ro: en`, `mo: ro`), then to `default`."""

    default: str = Field(default="en", pattern=LOCALE)
    fallback: dict[Annotated[str, Field(pattern=LOCALE)], Annotated[str, Field(pattern=LOCALE)]] = (
        Field(default_factory=dict, max_length=200)
    )

    @model_validator(mode="after")
    def _acyclic(self) -> Locales:
        for start in self.fallback:
            seen, wanted = [start], self.fallback.get(start)
            while wanted is not None:
                if wanted in seen:
                    raise ValueError(f"fallback: {' -> '.join([*seen, wanted])} is a circle")
                seen.append(wanted)
                wanted = self.fallback.get(wanted)
        return self

    def chain(self, wanted: str | None) -> list[str]:
        """The locales to try for a profile that wants `wanted`, best first, `default` last."""
        found: list[str] = []
        while wanted is not None:
            found.append(wanted)
            wanted = self.fallback.get(wanted)
        return found if self.default in found else [*found, self.default]


class Policy(_Model):
    timezone: str | None = None
    # The languages templates are written in (Locales() when not set).
    locales: Locales | None = None
    caps: list[Cap] = Field(default_factory=list)
    quiet_hours: QuietHours | None = None
    # Values every template reads as `workspace.NAME` (company name, support address...).
    constants: dict[str, Any] = Field(default_factory=dict)
    subscription_groups: dict[str, SubscriptionGroup] = Field(default_factory=dict)
    pauses: list[Pause] = Field(default_factory=list)
    # The workspace's names for the standard events KPIs read (`Order Completed: purchase`).
    event_names: dict[str, str] = Field(default_factory=dict)
    # What one delivered message costs per channel (journey reports' cost and ROI).
    message_costs: dict[str, float] = Field(default_factory=dict)
    # Events older than this (by their timestamp) are purged by a background job.
    event_retention: str | None = None
    fairness: Fairness | None = None

    @field_validator("event_retention")
    @classmethod
    def _retention(cls, value: str | None) -> str | None:
        if value is not None and parse_duration(value) < timedelta(days=1):
            raise ValueError("keep events a day at least")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @field_validator("caps", "pauses")
    @classmethod
    def _distinct(cls, items: list[Any]) -> list[Any]:
        names = [item.name for item in items]
        if len(set(names)) != len(names):
            raise ValueError("names must differ")
        return items

    @cached_property
    def explicit_groups(self) -> frozenset[str]:
        """Groups whose messages need a recorded opt-in."""
        return frozenset(
            name for name, group in self.subscription_groups.items() if group.opt_in != "implicit"
        )

    @cached_property
    def longest_cap(self) -> timedelta:
        return max((cap.span for cap in self.caps), default=timedelta(0))


def normalize_locale(value: Any) -> str | None:
    """The language of a `locale` trait (`hu-HU`, `hu_HU`, `HU` -> `hu`); None when it
    names none."""
    if not isinstance(value, str):
        return None
    language = re.split(r"[-_.@]", value.strip().lower(), maxsplit=1)[0]
    return language if re.fullmatch(LOCALE, language) else None


def parse_policy(data: Any) -> Policy:
    return validated(Policy, data)


def policy_json(policy: Policy) -> dict[str, Any]:
    return policy.model_dump(mode="json", by_alias=True, exclude_none=True)


def load_policy(connection: Connection, workspace_id: str) -> Policy:
    row = connection.execute(
        select(workspaces.c.policy, workspaces.c.timezone).where(workspaces.c.id == workspace_id)
    ).one()
    return Policy.model_validate({**(row.policy or {}), "timezone": row.timezone})


def save_policy(connection: Connection, workspace_id: str, policy: Policy) -> Policy:
    """Replace the workspace's policy; its `timezone` becomes the workspace's default."""
    stored = policy_json(policy)
    values: dict[str, Any] = {"policy": {k: v for k, v in stored.items() if k != "timezone"}}
    if policy.timezone is not None:
        values["timezone"] = policy.timezone
    connection.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(values))
    return load_policy(connection, workspace_id)
