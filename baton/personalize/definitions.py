"""A placement: a spot on the site (a banner, a pop-up, inline content) and the variants
of its content, each with the rule that chooses it.

Rules are the segments' conditions (docs/segments.md), answered from what Baton keeps
about the person (traits, computed traits and predicted scores, segment memberships), so
a decision never reads events: `{segment: vip}`, `{computed: predicted.churn, op: gt,
value: 0.7}`. A placement may instead let a journey's `decide` node choose among variants
that name its offers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.core.validation import refuse_nul, validated
from baton.segments import Condition
from baton.segments.definitions import (
    AllCondition,
    AnyCondition,
    ComputedCondition,
    HasCondition,
    NotCondition,
    SegmentCondition,
    TraitCondition,
    walk,
)

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
# Conditions a decision answers from stored values alone: no event is read.
_STORED = (
    AllCondition,
    AnyCondition,
    NotCondition,
    TraitCondition,
    ComputedCondition,
    HasCondition,
    SegmentCondition,
)
# An absolute http(s) address or a path on the site: never `javascript:` or `data:`.
_URL = r"^(https?://[^\s\"'<>\\]{1,2000}|/[^\s\"'<>\\]{0,2000})$"


class PlacementKind(StrEnum):
    BANNER = "banner"
    POPUP = "popup"
    INLINE = "inline"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlacementContent(_Model):
    """What a variant shows. Plain text only: the script renders it as text, never HTML."""

    title: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=2000)
    image: str | None = Field(default=None, pattern=_URL)
    image_alt: str | None = Field(default=None, max_length=200)
    cta_text: str | None = Field(default=None, max_length=100)
    cta_url: str | None = Field(default=None, pattern=_URL)

    @model_validator(mode="after")
    def _something(self) -> PlacementContent:
        if not (self.title or self.body or self.image):
            raise ValueError("give a title, a body or an image")
        if (self.cta_text is None) != (self.cta_url is None):
            raise ValueError("a call to action takes both cta_text and cta_url")
        return self


class PlacementVariant(_Model):
    """Shown to a known visitor `when` holds (always, without a condition), or when the
    placement's decide node chooses its `offer`."""

    key: str = Field(pattern=KEY_PATTERN)
    content: PlacementContent
    when: Condition | None = None
    offer: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,50}$")

    @field_validator("when")
    @classmethod
    def _stored_only(cls, condition: Condition | None) -> Condition | None:
        for part in walk(condition) if condition is not None else ():
            if not isinstance(part, _STORED):
                raise ValueError(
                    "a placement's condition reads traits, computed traits, predictions "
                    "and segments only (use a segment for conditions on events)"
                )
        return condition


class DecideBy(_Model):
    """A journey's `decide` node, whose bandit chooses among the variants' offers."""

    journey: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    node: str = Field(min_length=1, max_length=100)


class PlacementDefinition(_Model):
    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: PlacementKind
    variants: list[PlacementVariant] = Field(default_factory=list, max_length=20)
    default: PlacementContent | None = Field(
        default=None, description="For anonymous and unverified visitors, and when no rule holds."
    )
    holdout: float = Field(
        default=0.0, ge=0.0, le=0.5, description="The share of visitors shown nothing."
    )
    decide: DecideBy | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PlacementDefinition:
        if len({variant.key for variant in self.variants}) != len(self.variants):
            raise ValueError("variants: keys must differ")
        offers = [variant.offer for variant in self.variants if variant.offer is not None]
        if self.decide is not None and not offers:
            raise ValueError("decide: name its offers in the variants' `offer`")
        if self.decide is None and offers:
            raise ValueError("variants: `offer` needs the placement's `decide`")
        if len(set(offers)) != len(offers):
            raise ValueError("variants: each offer may have one variant")
        return self


def parse_placement(data: Any) -> PlacementDefinition:
    """A placement from its JSON form; InvalidInput naming the field at fault."""
    refuse_nul(data)
    return validated(PlacementDefinition, data)
