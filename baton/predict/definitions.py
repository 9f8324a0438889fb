"""Prediction definitions: one YAML/JSON shape for every kind, told apart by `kind`.

```yaml
key: churn-90d
kind: classification      # classification | clv | recommendations | sentiment
label: {no_event: {event: Order Completed, within: 90d}}
features: {traits: "*", exclude: [Churn], events: auto, computed: "*"}
schedule: weekly
```
docs/predictions.md describes every field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.validation import invalid_input

PREFIX = "predicted."
# No underscore: `predicted.<key>_<suffix>` names stay unambiguous.
_KEY = r"^[a-z0-9][a-z0-9-]{0,63}$"
_NAME = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: str) -> str:
    parse_duration(value)
    return value


class Schedule(StrEnum):
    """How often a model is trained again; scores refresh daily whatever it is."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    NEVER = "never"

    @property
    def every(self) -> timedelta | None:
        days = {"daily": 1, "weekly": 7, "monthly": 30}.get(self.value)
        return timedelta(days=days) if days else None


class EventLabel(_Model):
    """Positive when the event happens (`event`) or does not (`no_event`) within a window
    after the moment features are taken."""

    event: _NAME
    within: str = "90d"

    _within = field_validator("within")(classmethod(lambda cls, v: _duration(v)))

    @property
    def window(self) -> timedelta:
        return parse_duration(self.within)


class TraitLabel(_Model):
    """Positive where the trait holds `positive` (compared as text: CSV imports are text)."""

    name: _NAME
    positive: StrictStr | StrictBool | StrictInt | StrictFloat


class Label(_Model):
    no_event: EventLabel | None = None
    event: EventLabel | None = None
    trait: TraitLabel | None = None

    @model_validator(mode="after")
    def _one(self) -> Label:
        if sum(x is not None for x in (self.no_event, self.event, self.trait)) != 1:
            raise ValueError("give exactly one of no_event, event, trait")
        return self

    @property
    def behavioural(self) -> EventLabel | None:
        return self.no_event or self.event


class Features(_Model):
    """The inputs: profile traits, event counts and recency, computed traits."""

    traits: Literal["*"] | list[_NAME] = "*"
    exclude: list[_NAME] = Field(default_factory=list, max_length=200)
    # auto: the workspace's most frequent event names; a list names them; none: no events.
    events: Literal["auto", "none"] | list[_NAME] = "auto"
    computed: Literal["*"] | list[_NAME] = "*"


class _Definition(_Model):
    key: Annotated[str, Field(pattern=_KEY)]
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    schedule: Schedule = Schedule.WEEKLY
    # Model versions kept (the active one always is); older ones are deleted.
    keep_versions: int = Field(default=5, ge=1, le=50)

    @property
    def title(self) -> str:
        return self.name or self.key

    @property
    def trait(self) -> str:
        """The computed trait the scores land in."""
        return PREFIX + self.key


class ClassificationDefinition(_Definition):
    kind: Literal["classification"]
    label: Label
    features: Features = Features()


class ClvDefinition(_Definition):
    """BG/NBD for repeat purchases and Gamma-Gamma for spend, from one purchase event."""

    kind: Literal["clv"]
    event: _NAME = "Order Completed"
    revenue_property: _NAME = "revenue"
    time_unit: Literal["days", "weeks"] = "days"
    # Fit on purchases up to here and compare its forecast with what came after.
    calibration_end: datetime | None = None
    # How far ahead CLV and expected purchases look.
    horizon: str = "365d"
    # Per time unit, for the value of future spend.
    discount_rate: float = Field(default=0.0, ge=0.0, lt=1.0)

    _horizon = field_validator("horizon")(classmethod(lambda cls, v: _duration(v)))

    @field_validator("calibration_end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Interaction(_Model):
    """Events that tie a person to items: `item` is the property holding the item id, or
    `products[].product_id` for a list of them."""

    event: _NAME
    item: _NAME = "product_id"
    weight: float = Field(default=1.0, gt=0, le=100)


class RecommendationFilters(_Model):
    in_stock: bool = True
    not_bought: bool = True
    # The purchase event `not_bought` reads.
    bought_event: _NAME = "Order Completed"


class RecommendationsDefinition(_Definition):
    kind: Literal["recommendations"]
    interactions: list[Interaction] = Field(
        default_factory=lambda: [
            Interaction(event="Order Completed", item="products[].product_id", weight=3.0),
            Interaction(event="Product Added", weight=2.0),
            Interaction(event="Product Viewed", weight=1.0),
        ],
        min_length=1,
        max_length=20,
    )
    count: int = Field(default=10, ge=1, le=50)
    filters: RecommendationFilters = RecommendationFilters()


class SentimentDefinition(_Definition):
    """The mood of a text property of an event (ticket bodies, NPS comments, reviews)."""

    kind: Literal["sentiment"]
    event: _NAME
    text: _NAME = "text"
    # Scores at or below it are negative, at or above its opposite positive.
    negative_below: float = Field(default=-0.05, ge=-1.0, le=0.0)


PredictionDefinition = Annotated[
    ClassificationDefinition | ClvDefinition | RecommendationsDefinition | SentimentDefinition,
    Field(discriminator="kind"),
]


AnyDefinition = (
    ClassificationDefinition | ClvDefinition | RecommendationsDefinition | SentimentDefinition
)
_ADAPTER: TypeAdapter[AnyDefinition] = TypeAdapter(PredictionDefinition)


def parse_prediction(data: Any) -> AnyDefinition:
    """A definition from its JSON/YAML form; InvalidInput naming the field otherwise."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        if first["type"] == "union_tag_not_found" or first["type"] == "union_tag_invalid":
            raise InvalidInput(
                "kind: one of classification, clv, recommendations, sentiment", field="kind"
            ) from None
        # The first part of the location is the kind, not the user's key.
        raise invalid_input(first, skip=1) from None


def dump_prediction(definition: BaseModel) -> dict[str, Any]:
    return definition.model_dump(mode="json", exclude_none=True)
