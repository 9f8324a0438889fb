"""Segment and computed-trait definitions: pydantic models with a JSON/YAML form.

A condition is a mapping named by its leading key: `{all: [...]}`, `{any: [...]}`,
`{not: ...}`, `{trait: ..., op: ..., value: ...}`, `{computed: ...}`, `{event: ...}`,
`{aggregate: sum, event: ...}`, `{sequence: [...], within: ...}`, `{has: email}`,
`{segment: KEY}`. docs/segments.md describes each with examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
    model_validator,
)

from baton.core.durations import parse_duration
from baton.core.validation import validated
from baton.segments.values import parse_instant

SEGMENT_ENTERED = "Segment Entered"
SEGMENT_EXITED = "Segment Exited"
BUILTIN_COMPUTED = ("first_seen_at", "last_seen_at")
# Computed traits kept by the predictions (baton/predict), not by a definition here:
# `predicted.churn-90d` is stored as {"predicted": {"churn-90d": ...}} in the profile's
# computed document. Conditions read them like any other; evaluations keep them as they are.
PREDICTED = "predicted."
PREDICTED_KEY = "predicted"

_SEGMENT_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
_TRAIT_KEY = r"^[a-z][a-z0-9_]{0,99}$"
_NAME = re.compile(r'^[^"\\]{1,200}$')

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class Op(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BETWEEN = "between"
    BEFORE = "before"
    AFTER = "after"
    WITHIN_LAST = "within_last"


NUMERIC_OPS = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN})
DATE_OPS = frozenset({Op.BEFORE, Op.AFTER, Op.WITHIN_LAST})
_NO_VALUE = frozenset({Op.EXISTS, Op.NOT_EXISTS})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _path_name(value: str) -> str:
    """A trait or property name; dots reach into nested objects (`address.city`)."""
    if not _NAME.match(value) or any(part == "" for part in value.split(".")):
        raise ValueError("must be 1-200 characters without quotes, backslashes or empty parts")
    return value


def _event_name(value: str) -> str:
    if not 1 <= len(value) <= 200:
        raise ValueError("must be 1-200 characters")
    if value in (SEGMENT_ENTERED, SEGMENT_EXITED):
        raise ValueError(f"{value!r} is written by segments themselves: use a segment condition")
    return value


class Comparison(_Model):
    """`op` and `value`, applied to one value (a trait, a property, a computed trait)."""

    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Comparison:
        op, value = self.op, self.value
        if op in _NO_VALUE:
            if value is not None:
                raise ValueError(f"{op} takes no value")
        elif op in (Op.EQUALS, Op.NOT_EQUALS):
            _scalar(value)
        elif op is Op.IN:
            if not isinstance(value, list) or not value:
                raise ValueError("in takes a non-empty list of values")
            for item in value:
                _scalar(item)
        elif op in (Op.CONTAINS, Op.STARTS_WITH):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{op} takes a non-empty string")
        elif op is Op.BETWEEN:
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(_is_number(v) for v in value)
                or value[0] > value[1]
            ):
                raise ValueError("between takes [low, high], two numbers with low <= high")
        elif op in NUMERIC_OPS:
            if not _is_number(value):
                raise ValueError(f"{op} takes a number")
        elif op in (Op.BEFORE, Op.AFTER):
            if parse_instant(value) is None:
                raise ValueError(f"{op} takes a date like 2026-03-01 or 2026-03-01T09:00:00Z")
        elif op is Op.WITHIN_LAST:
            if not isinstance(value, str):
                raise ValueError("within_last takes a duration like 30d")
            parse_duration(value)
        return self

    @cached_property
    def instant(self) -> datetime:
        found = parse_instant(self.value)
        assert found is not None  # checked by the validator
        return found

    @cached_property
    def duration(self) -> timedelta:
        return parse_duration(self.value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(value: Any) -> None:
    if not isinstance(value, str | int | float | bool):
        raise ValueError("takes a string, number or boolean")


class PropertyFilter(Comparison):
    property: str

    _name = field_validator("property")(_path_name)


class Count(_Model):
    """How many matching events: exactly one of at_least, at_most, exactly."""

    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)
    exactly: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_bound(self) -> Count:
        if sum(bound is not None for bound in (self.at_least, self.at_most, self.exactly)) != 1:
            raise ValueError("give exactly one of at_least, at_most, exactly")
        return self

    def holds(self, count: int) -> bool:
        if self.at_least is not None:
            return count >= self.at_least
        if self.at_most is not None:
            return count <= self.at_most
        return count == self.exactly


class Window(_Model):
    """Which events count: the `last` span up to now, `between` two dates (from inclusive,
    to exclusive), or those `since_last` occurrence of another event. No window: ever."""

    last: str | None = None
    between: tuple[str, str] | None = None
    since_last: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Window:
        if sum(kind is not None for kind in (self.last, self.between, self.since_last)) != 1:
            raise ValueError("give exactly one of last, between, since_last")
        if self.last is not None:
            parse_duration(self.last)
        if self.between is not None:
            start, end = (parse_instant(v) for v in self.between)
            if start is None or end is None:
                raise ValueError("between takes two dates like 2026-03-01")
            if start >= end:
                raise ValueError("between must start before it ends")
        if self.since_last is not None:
            _event_name(self.since_last)
        return self

    @cached_property
    def span(self) -> timedelta | None:
        return None if self.last is None else parse_duration(self.last)

    @cached_property
    def bounds(self) -> tuple[datetime, datetime] | None:
        if self.between is None:
            return None
        start, end = (parse_instant(v) for v in self.between)
        if start is None or end is None:
            raise ValueError("between takes two dates")  # unreachable: checked on creation
        return start, end


class _EventSelector(_Model):
    event: str
    where: list[PropertyFilter] = Field(default_factory=list)

    _event = field_validator("event")(_event_name)


class EventCondition(_EventSelector):
    """Performed `event` (matching `where`) a `count` of times within `window`."""

    count: Count = Field(default_factory=lambda: Count(at_least=1))
    window: Window | None = None


class AggregateCondition(Comparison):
    """sum/avg/min/max of a numeric property over matching events, compared to a value."""

    aggregate: Literal["sum", "avg", "min", "max"]
    event: str
    property: str
    where: list[PropertyFilter] = Field(default_factory=list)
    window: Window | None = None

    _event = field_validator("event")(_event_name)
    _name = field_validator("property")(_path_name)

    @model_validator(mode="after")
    def _numeric(self) -> AggregateCondition:
        if self.op not in NUMERIC_OPS | _NO_VALUE | {Op.EQUALS, Op.NOT_EQUALS}:
            raise ValueError(f"{self.op} does not apply to a number")
        return self


class SequenceStep(_EventSelector):
    pass


class SequenceCondition(_Model):
    """Performed the steps in this order, the last within `within` of the first."""

    sequence: list[SequenceStep] = Field(min_length=2, max_length=4)
    within: str

    @field_validator("within")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @cached_property
    def span(self) -> timedelta:
        return parse_duration(self.within)


class TraitCondition(Comparison):
    trait: str

    _name = field_validator("trait")(_path_name)


class ComputedCondition(Comparison):
    computed: str

    @model_validator(mode="after")
    def _builtin_is_a_date(self) -> ComputedCondition:
        if self.computed in BUILTIN_COMPUTED and self.op not in DATE_OPS | _NO_VALUE:
            raise ValueError(f"{self.computed} is a time: use before, after, within_last, exists")
        return self


class HasCondition(_Model):
    """The profile holds an e-mail address or phone number."""

    has: Literal["email", "phone"]


class SegmentCondition(_Model):
    segment: str


class AllCondition(_Model):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(_Model):
    any: list[Condition] = Field(min_length=1)


class NotCondition(_Model):
    not_: Condition = Field(alias="not")


_TAGS: dict[str, type[_Model]] = {
    "all": AllCondition,
    "any": AnyCondition,
    "not": NotCondition,
    "aggregate": AggregateCondition,
    "sequence": SequenceCondition,
    "trait": TraitCondition,
    "computed": ComputedCondition,
    "event": EventCondition,
    "has": HasCondition,
    "segment": SegmentCondition,
}


def leading_key(tags: dict[str, type[BaseModel]]) -> Callable[[Any], str | None]:
    """A pydantic discriminator naming a variant by the first of its keys present
    (`{all: [...]}` is an AllCondition). pydantic puts the tag into error locations; "@"
    tells it from the user's own keys."""
    models = {model: tag for tag, model in tags.items()}

    def discriminate(value: Any) -> str | None:
        if isinstance(value, dict):
            return next((f"@{tag}" for tag in tags if tag in value), None)
        tag = models.get(type(value))
        return None if tag is None else f"@{tag}"

    return discriminate


Condition = Annotated[
    Annotated[AllCondition, Tag("@all")]
    | Annotated[AnyCondition, Tag("@any")]
    | Annotated[NotCondition, Tag("@not")]
    | Annotated[AggregateCondition, Tag("@aggregate")]
    | Annotated[SequenceCondition, Tag("@sequence")]
    | Annotated[TraitCondition, Tag("@trait")]
    | Annotated[ComputedCondition, Tag("@computed")]
    | Annotated[EventCondition, Tag("@event")]
    | Annotated[HasCondition, Tag("@has")]
    | Annotated[SegmentCondition, Tag("@segment")],
    Discriminator(
        leading_key(_TAGS),
        custom_error_type="condition",
        custom_error_message=f"a condition starts with one of: {', '.join(_TAGS)}",
    ),
]


class SegmentDefinition(_Model):
    key: str = Field(pattern=_SEGMENT_KEY)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    condition: Condition


ComputedKind = Literal[
    "count", "sum", "avg", "min", "max", "first", "last", "most_frequent", "distinct_count"
]


class ComputedTraitDefinition(_Model):
    """A value kept on every profile from its events, e.g. revenue in the last 90 days."""

    key: str = Field(pattern=_TRAIT_KEY)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: ComputedKind
    event: str
    property: str | None = None
    where: list[PropertyFilter] = Field(default_factory=list)
    window: Window | None = None

    _event = field_validator("event")(_event_name)

    @model_validator(mode="after")
    def _property_when_needed(self) -> ComputedTraitDefinition:
        if self.key in BUILTIN_COMPUTED:
            raise ValueError(f"{self.key!r} is built in")
        if self.key == PREDICTED_KEY:
            raise ValueError("'predicted' holds the predictions' computed traits")
        if self.kind == "count":
            if self.property is not None:
                raise ValueError("count takes no property")
        elif self.property is None:
            raise ValueError(f"{self.kind} needs a property")
        else:
            _path_name(self.property)
        return self


Definition = SegmentDefinition | ComputedTraitDefinition


def parse_segment(data: Any) -> SegmentDefinition:
    return validated(SegmentDefinition, data)


def parse_computed_trait(data: Any) -> ComputedTraitDefinition:
    return validated(ComputedTraitDefinition, data)


def walk(condition: Condition) -> Iterator[Condition]:
    """The condition and every condition nested in it."""
    yield condition
    if isinstance(condition, AllCondition):
        children: list[Condition] = condition.all
    elif isinstance(condition, AnyCondition):
        children = condition.any
    elif isinstance(condition, NotCondition):
        children = [condition.not_]
    else:
        children = []
    for child in children:
        yield from walk(child)


def referenced_segments(condition: Condition) -> set[str]:
    return {c.segment for c in walk(condition) if isinstance(c, SegmentCondition)}


def referenced_computed(condition: Condition) -> set[str]:
    return {
        c.computed
        for c in walk(condition)
        if isinstance(c, ComputedCondition)
        and c.computed not in BUILTIN_COMPUTED
        and not c.computed.startswith(PREDICTED)
    }
