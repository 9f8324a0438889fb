"""Evaluating definitions for one profile, in Python: the incremental path.

A `ProfileEvaluation` answers every segment and computed trait of a workspace for one
profile at one instant, from the profile's traits and its relevant events. While it
answers, it notes the instants at which an answer could change with no new event (an
event leaving a `last: 30d` window, a date trait growing too old): the profile is
re-evaluated then, and only then.

Evaluation short-circuits `all`/`any`; the instants of leaves it skipped are not needed:
until the next instant of a leaf it did read, those leaves decide the result alone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baton.segments.definitions import (
    PREDICTED,
    AggregateCondition,
    AllCondition,
    AnyCondition,
    Comparison,
    ComputedCondition,
    ComputedTraitDefinition,
    Condition,
    EventCondition,
    HasCondition,
    NotCondition,
    PropertyFilter,
    SegmentCondition,
    SegmentDefinition,
    SequenceCondition,
    TraitCondition,
    Window,
    walk,
)
from baton.segments.values import changes_at, holds, is_number, lookup


@dataclass(frozen=True, slots=True)
class EventFact:
    event: str
    timestamp: datetime
    seq: int
    properties: dict[str, Any]


@dataclass(slots=True)
class ProfileFacts:
    """What evaluation reads of a profile. `events` are in (timestamp, seq) order."""

    profile_id: str
    traits: dict[str, Any]
    first_seen: datetime | None
    last_seen: datetime | None
    events: Sequence[EventFact] = ()
    # The profile's predicted computed traits by key (without `predicted.`), as stored.
    predicted: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    """A workspace's definitions, by key."""

    segments: dict[str, SegmentDefinition] = field(default_factory=dict)
    computed: dict[str, ComputedTraitDefinition] = field(default_factory=dict)

    def oldest_events_needed(self, earliest: datetime) -> dict[str, datetime | None]:
        """Every event name a definition reads, with the oldest timestamp an evaluation at
        `earliest` or later can look at (None: all of them). Only these events are loaded."""
        return {name: _oldest(windows, earliest) for name, windows in self._reads().items()}

    def events_read(self) -> set[str]:
        """Every event name a definition reads."""
        return set(self._reads())

    def _reads(self) -> dict[str, list[Window | None]]:
        reads: dict[str, list[Window | None]] = defaultdict(list)
        for trait in self.computed.values():
            _read(reads, trait.event, trait.window)
        for segment in self.segments.values():
            for condition in walk(segment.condition):
                if isinstance(condition, EventCondition | AggregateCondition):
                    _read(reads, condition.event, condition.window)
                elif isinstance(condition, SequenceCondition):
                    for step in condition.sequence:
                        _read(reads, step.event, None)
        return reads


def _read(reads: dict[str, list[Window | None]], event: str, window: Window | None) -> None:
    reads[event].append(window)
    if window is not None and window.since_last is not None:
        reads[window.since_last].append(None)  # its latest occurrence, however old


def _oldest(windows: list[Window | None], earliest: datetime) -> datetime | None:
    bounds = []
    for window in windows:
        if window is None or window.since_last is not None:
            return None
        if window.span is not None:
            bounds.append(earliest - window.span)
        elif window.bounds is not None:
            bounds.append(window.bounds[0])
    return min(bounds)


class ProfileEvaluation:
    def __init__(self, catalog: Catalog, facts: ProfileFacts, now: datetime) -> None:
        self.catalog = catalog
        self.facts = facts
        self.now = now
        self.changes: list[datetime] = []
        self._by_event: dict[str, list[EventFact]] = defaultdict(list)
        for fact in facts.events:
            self._by_event[fact.event].append(fact)
        self._segments: dict[str, bool] = {}
        self._computed: dict[str, Any] = {}

    def next_change(self) -> datetime | None:
        """The earliest instant after `now` at which any answer given could change."""
        return min(self.changes, default=None)

    def segment(self, key: str) -> bool:
        if key not in self._segments:
            self._segments[key] = self.condition(self.catalog.segments[key].condition)
        return self._segments[key]

    def computed(self, key: str) -> Any:
        if key == "first_seen_at":
            return _iso(self.facts.first_seen)
        if key == "last_seen_at":
            return _iso(self.facts.last_seen)
        if key.startswith(PREDICTED):
            return self.facts.predicted.get(key.removeprefix(PREDICTED))
        if key not in self._computed:
            self._computed[key] = self._compute(self.catalog.computed[key])
        return self._computed[key]

    def condition(self, condition: Condition) -> bool:
        if isinstance(condition, AllCondition):
            return all(self.condition(part) for part in condition.all)
        if isinstance(condition, AnyCondition):
            return any(self.condition(part) for part in condition.any)
        if isinstance(condition, NotCondition):
            return not self.condition(condition.not_)
        if isinstance(condition, TraitCondition):
            return self._compare(condition, lookup(self.facts.traits, condition.trait))
        if isinstance(condition, ComputedCondition):
            return self._compare(condition, self.computed(condition.computed))
        if isinstance(condition, HasCondition):
            value = self.facts.traits.get(condition.has)
            return isinstance(value, str) and len(value) > 0
        if isinstance(condition, SegmentCondition):
            return self.segment(condition.segment)
        if isinstance(condition, EventCondition):
            matched = self._matching(condition.event, condition.where, condition.window)
            return condition.count.holds(len(matched))
        if isinstance(condition, AggregateCondition):
            matched = self._matching(condition.event, condition.where, condition.window)
            numbers = _numbers(matched, condition.property)
            return self._compare(condition, _aggregate(condition.aggregate, numbers))
        assert isinstance(condition, SequenceCondition)
        return self._sequence(condition)

    def explain(self, condition: Condition) -> dict[str, Any]:
        """The condition's answer with each clause's: for leaves, the value they saw."""
        if isinstance(condition, AllCondition | AnyCondition):
            kind = "all" if isinstance(condition, AllCondition) else "any"
            parts = [self.explain(part) for part in getattr(condition, kind)]
            answers = [part["holds"] for part in parts]
            return {kind: parts, "holds": all(answers) if kind == "all" else any(answers)}
        if isinstance(condition, NotCondition):
            inner = self.explain(condition.not_)
            return {"not": inner, "holds": not inner["holds"]}
        found: dict[str, Any] = condition.model_dump(
            mode="json", by_alias=True, exclude_defaults=True
        )
        actual = self._seen(condition)
        if actual is not _NOTHING:
            found["actual"] = actual
        found["holds"] = self.condition(condition)
        return found

    def _seen(self, condition: Condition) -> Any:
        """The value a leaf compared, where there is one."""
        if isinstance(condition, TraitCondition):
            return lookup(self.facts.traits, condition.trait)
        if isinstance(condition, ComputedCondition):
            return self.computed(condition.computed)
        if isinstance(condition, HasCondition):
            return self.facts.traits.get(condition.has)
        if isinstance(condition, EventCondition):
            return len(self._matching(condition.event, condition.where, condition.window))
        if isinstance(condition, AggregateCondition):
            matched = self._matching(condition.event, condition.where, condition.window)
            return _aggregate(condition.aggregate, _numbers(matched, condition.property))
        return _NOTHING

    def _compare(self, comparison: Comparison, actual: Any) -> bool:
        change = changes_at(comparison, actual, self.now)
        if change is not None:
            self.changes.append(change)
        return holds(comparison, actual, self.now)

    def _matching(
        self, event: str, where: Sequence[PropertyFilter], window: Window | None
    ) -> list[EventFact]:
        matched = [
            fact
            for fact in self._by_event.get(event, ())
            if all(self._compare(f, lookup(fact.properties, f.property)) for f in where)
        ]
        if window is None:
            return matched
        if window.span is not None:
            cutoff = self.now - window.span
            matched = [fact for fact in matched if fact.timestamp > cutoff]
            if matched:
                # The earliest event inside the window is the first to leave it.
                self.changes.append(min(fact.timestamp for fact in matched) + window.span)
            return matched
        if window.bounds is not None:
            start, end = window.bounds
            return [fact for fact in matched if start <= fact.timestamp < end]
        assert window.since_last is not None
        others = self._by_event.get(window.since_last, ())
        if not others:
            return matched
        latest = max(fact.timestamp for fact in others)
        return [fact for fact in matched if fact.timestamp > latest]

    def _sequence(self, condition: SequenceCondition) -> bool:
        steps = [self._matching(step.event, step.where, None) for step in condition.sequence]
        for first in steps[0]:
            previous = first
            for candidates in steps[1:]:
                later = next((f for f in candidates if _after(f, previous)), None)
                if later is None:
                    return False  # no later start can complete the sequence either
                previous = later
            if previous.timestamp - first.timestamp <= condition.span:
                return True
        return False

    def _compute(self, trait: ComputedTraitDefinition) -> Any:
        matched = self._matching(trait.event, trait.where, trait.window)
        if trait.kind == "count":
            return len(matched)
        assert trait.property is not None
        if trait.kind in ("sum", "avg", "min", "max"):
            return _aggregate(trait.kind, _numbers(matched, trait.property))
        if trait.kind in ("first", "last"):
            present = [
                value
                for fact in matched
                if (value := lookup(fact.properties, trait.property)) is not None
            ]
            if not present:
                return None
            return present[0] if trait.kind == "first" else present[-1]
        strings = [
            (value, fact)
            for fact in matched
            if isinstance(value := lookup(fact.properties, trait.property), str)
        ]
        if trait.kind == "distinct_count":
            return len({value for value, _ in strings})
        # most_frequent: ties go to the value seen latest (then with the highest seq).
        tally: dict[str, list[Any]] = {}
        for value, fact in strings:
            count, latest, seq = tally.get(value, (0, fact.timestamp, fact.seq))
            tally[value] = [count + 1, max(latest, fact.timestamp), max(seq, fact.seq)]
        if not tally:
            return None
        return max(tally, key=lambda value: tuple(tally[value]))


_NOTHING = object()


def _after(later: EventFact, earlier: EventFact) -> bool:
    return (later.timestamp, later.seq) > (earlier.timestamp, earlier.seq)


def _numbers(facts: Iterable[EventFact], path: str) -> list[float]:
    return [float(value) for fact in facts if is_number(value := lookup(fact.properties, path))]


def _aggregate(kind: str, numbers: list[float]) -> float | None:
    if kind == "sum":
        return math.fsum(numbers)
    if not numbers:
        return None
    if kind == "avg":
        return math.fsum(numbers) / len(numbers)
    return min(numbers) if kind == "min" else max(numbers)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat().replace("+00:00", "Z")
