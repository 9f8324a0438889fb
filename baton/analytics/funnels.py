"""Funnels: how many profiles did each of ordered steps, where they dropped off, and how
long each step took.

A profile enters the funnel at its first event of step 1 in the period; it does step
k + 1 with its first matching event after step k, within the conversion window counted
from step 1. A step is an event name with optional property equalities. A breakdown
splits the counts by a profile trait or by a property of the entering event.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Connection, select

from baton.core.durations import parse_duration
from baton.core.validation import validated
from baton.storage.tables import events, profiles

_NONE = "(none)"
_MOST_VALUES = 50


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Model):
    event: str = Field(min_length=1, max_length=200)
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)

    def matches(self, name: str, properties: dict[str, Any]) -> bool:
        return name == self.event and all(properties.get(k) == v for k, v in self.where.items())


class Breakdown(_Model):
    trait: str | None = Field(default=None, max_length=100)
    property: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> Breakdown:
        if (self.trait is None) == (self.property is None):
            raise ValueError("give trait or property")
        return self


class Funnel(_Model):
    steps: list[Step] = Field(min_length=2, max_length=20)
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    window: str = "7d"
    breakdown: Breakdown | None = None

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _period(self) -> Funnel:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("from and to need a time zone (Z or +00:00)")
        if self.start >= self.end:
            raise ValueError("from must be before to")
        return self


def parse_funnel(data: Any) -> Funnel:
    return validated(Funnel, data)


def funnel(connection: Connection, workspace_id: str, spec: Funnel) -> dict[str, Any]:
    window = parse_duration(spec.window)
    names = sorted({step.event for step in spec.steps})
    rows = connection.execute(
        select(events.c.profile_id, events.c.event, events.c.timestamp, events.c.properties)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.event.in_(names),
            events.c.timestamp >= spec.start,
            events.c.timestamp <= spec.end + window,
            events.c.profile_id.is_not(None),
        )
        .order_by(events.c.profile_id, events.c.timestamp, events.c.seq)
    )
    seen: dict[str, list[tuple[str, datetime, dict[str, Any]]]] = defaultdict(list)
    for profile_id, name, at, properties in rows:
        seen[profile_id].append((name, at, properties or {}))
    paths = {p: done for p, found in seen.items() if (done := _walk(spec, found, window))}
    groups: dict[str, list[list[tuple[datetime, dict[str, Any]]]]] = defaultdict(list)
    labels = _labels(connection, spec, paths)
    for profile_id, done in paths.items():
        groups[labels.get(profile_id, _NONE)].append(done)
    result = {"steps": [step.event for step in spec.steps], **_counts(spec, list(paths.values()))}
    if spec.breakdown is not None:
        biggest = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        result["breakdown"] = {value: _counts(spec, done) for value, done in biggest[:_MOST_VALUES]}
    return result


def _walk(
    spec: Funnel, found: list[tuple[str, datetime, dict[str, Any]]], window: timedelta
) -> list[tuple[datetime, dict[str, Any]]]:
    """The instant (and properties) at which the profile did each step, as far as it got."""
    done: list[tuple[datetime, dict[str, Any]]] = []
    for name, at, properties in found:
        if len(done) == len(spec.steps):
            break
        if not done and not spec.start <= at <= spec.end:
            continue
        if done and at > done[0][0] + window:
            break
        if spec.steps[len(done)].matches(name, properties):
            done.append((at, properties))
    return done


def _labels(
    connection: Connection, spec: Funnel, paths: dict[str, list[tuple[datetime, dict[str, Any]]]]
) -> dict[str, str]:
    breakdown = spec.breakdown
    if breakdown is None:
        return {}
    if breakdown.property is not None:
        return {p: _label(done[0][1].get(breakdown.property)) for p, done in paths.items()}
    ids = sorted(paths)
    labels = {}
    for begin in range(0, len(ids), 2000):
        for profile_id, traits in connection.execute(
            select(profiles.c.id, profiles.c.traits).where(
                profiles.c.id.in_(ids[begin : begin + 2000])
            )
        ):
            labels[profile_id] = _label((traits or {}).get(breakdown.trait))
    return labels


def _label(value: Any) -> str:
    return _NONE if value is None else str(value)


def _counts(spec: Funnel, paths: list[list[tuple[datetime, dict[str, Any]]]]) -> dict[str, Any]:
    counts = [sum(len(done) > k for done in paths) for k in range(len(spec.steps))]
    steps = []
    for k, count in enumerate(counts):
        gaps = (
            [(done[k][0] - done[k - 1][0]).total_seconds() for done in paths if len(done) > k]
            if k
            else []
        )
        steps.append(
            {
                "event": spec.steps[k].event,
                "profiles": count,
                "conversion_from_previous": round(count / counts[k - 1], 6)
                if k and counts[k - 1]
                else None,
                "conversion_from_first": round(count / counts[0], 6) if counts[0] else None,
                "median_seconds_from_previous": statistics.median(gaps) if gaps else None,
            }
        )
    return {"entered": counts[0], "completed": counts[-1], "by_step": steps}
