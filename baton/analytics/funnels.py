"""Funnels: how many profiles did each of ordered steps, where they dropped off, and how
long each step took.

A profile enters the funnel at its first event of step 1 in the period; it does step
k + 1 with its first matching event after step k, within the conversion window counted
from step 1. A step is an event name with optional property equalities. A breakdown
splits the counts by a profile trait or by a property of the entering event.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.analytics.periods import Period
from baton.analytics.store import RESOLVED_EVENTS, AnalyticsStore
from baton.core.durations import parse_duration
from baton.core.validation import validated

_NONE = "(none)"
_MOST_VALUES = 50


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Model):
    event: str = Field(min_length=1, max_length=200)
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)


class Breakdown(_Model):
    trait: str | None = Field(default=None, max_length=100)
    property: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> Breakdown:
        if (self.trait is None) == (self.property is None):
            raise ValueError("give trait or property")
        return self


class Funnel(Period):
    steps: list[Step] = Field(min_length=2, max_length=20)
    window: str = "7d"
    breakdown: Breakdown | None = None

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value


def parse_funnel(data: Any) -> Funnel:
    return validated(Funnel, data)


def funnel(store: AnalyticsStore, workspace_id: str, spec: Funnel) -> dict[str, Any]:
    """The funnel over the analytics store (SQL in DuckDB: one join per step)."""
    n = len(spec.steps)
    no_gaps: list[float | None] = [None] * n
    everyone = _grouped(store, workspace_id, spec, None)  # one group, or none when empty
    _, counts, gaps = everyone[0] if everyone else ("", [0] * n, no_gaps)
    result = {"steps": [step.event for step in spec.steps], **_counts(spec, counts, gaps)}
    if spec.breakdown is not None:
        groups = _grouped(store, workspace_id, spec, spec.breakdown)
        biggest = sorted(groups, key=lambda group: (-group[1][0], group[0]))[:_MOST_VALUES]
        result["breakdown"] = {label: _counts(spec, c, g) for label, c, g in biggest}
    return result


def _grouped(
    store: AnalyticsStore, workspace_id: str, spec: Funnel, breakdown: Breakdown | None
) -> list[tuple[str, list[int], list[float | None]]]:
    """Per label (one when no breakdown): profiles at each step, median seconds between."""
    window = parse_duration(spec.window)
    names = sorted({step.event for step in spec.steps})
    params: list[Any] = [workspace_id, *names, spec.start, spec.end + window]
    parts = [
        f"ev AS ({RESOLVED_EVENTS} WHERE e.workspace_id = ? "
        f"AND e.event IN ({', '.join('?' * len(names))}) AND e.ts >= ? AND e.ts <= ?)"
    ]
    match, given = _matching(spec.steps[0], "ev")
    parts.append(
        "s1 AS (SELECT profile_id, min(ts) AS t1, arg_min(properties, ts) AS props FROM ev "
        f"WHERE {match} AND ts >= ? AND ts <= ? GROUP BY profile_id)"
    )
    params += [*given, spec.start, spec.end]
    steps = range(1, len(spec.steps) + 1)
    for k in steps[1:]:
        match, given = _matching(spec.steps[k - 1], "ev")
        first = "" if k == 2 else "JOIN s1 USING (profile_id) "
        parts.append(
            f"s{k} AS (SELECT s{k - 1}.profile_id, min(ev.ts) AS t{k} FROM s{k - 1} "
            f"{first}JOIN ev USING (profile_id) WHERE {match} "
            f"AND ev.ts > s{k - 1}.t{k - 1} AND ev.ts <= s1.t1 + to_seconds(?) "
            f"GROUP BY s{k - 1}.profile_id)"
        )
        params += [*given, window.total_seconds()]
    label = "'(all)'"
    if breakdown is not None:
        source = "s1.props" if breakdown.property is not None else "p.traits"
        label = f"coalesce(json_extract_string({source}, ?), '{_NONE}')"
        params.append(_json_path(breakdown.property or breakdown.trait or ""))
    joins = " ".join(f"LEFT JOIN s{k} USING (profile_id)" for k in steps[1:])
    counts = ", ".join(f"count(t{k})" for k in steps)
    gaps = "".join(f", median(epoch(t{k}) - epoch(t{k - 1}))" for k in steps[1:])
    rows = store.rows(
        f"WITH {', '.join(parts)} SELECT {label} AS label, {counts}{gaps} FROM s1 {joins} "
        "LEFT JOIN profiles p ON p.id = s1.profile_id GROUP BY label",
        params,
    )
    n = len(spec.steps)
    return [(str(row[0]), list(row[1 : 1 + n]), [None, *row[1 + n :]]) for row in rows]


def _matching(step: Step, alias: str) -> tuple[str, list[Any]]:
    """The SQL condition of a step on `alias`, and its parameters."""
    conditions: list[str] = [f"{alias}.event = ?"]
    params: list[Any] = [step.event]
    for key, value in sorted(step.where.items()):
        found = f"json_extract_string({alias}.properties, ?)"
        if isinstance(value, bool):
            conditions.append(f"{found} = ?")
            params += [_json_path(key), "true" if value else "false"]
        elif isinstance(value, int | float):
            conditions.append(f"TRY_CAST({found} AS DOUBLE) = ?")
            params += [_json_path(key), float(value)]
        else:
            conditions.append(f"{found} = ?")
            params += [_json_path(key), value]
    return " AND ".join(conditions), params


def _json_path(key: str) -> str:
    """The key as a JSON Pointer: unlike a `$."key"` path, it can name any key (an empty
    one, one ending in a backslash, `*`)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _counts(spec: Funnel, counts: list[int], gaps: list[float | None] | None) -> dict[str, Any]:
    steps = []
    for k, count in enumerate(counts):
        previous = counts[k - 1] if k else None
        steps.append(
            {
                "event": spec.steps[k].event,
                "profiles": count,
                "conversion_from_previous": round(count / previous, 6) if previous else None,
                "conversion_from_first": round(count / counts[0], 6) if counts[0] else None,
                "median_seconds_from_previous": gaps[k] if gaps is not None else None,
            }
        )
    return {"entered": counts[0], "completed": counts[-1], "by_step": steps}
