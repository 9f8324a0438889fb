"""The period an analytical question covers: `from` and `to`, dates or instants (a date
is midnight UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.segments import parse_instant

# Periods lie within these years, far from the ends of the dates Python holds: a report
# may look back a period's length, or ahead a window (at most 100 years), from either end.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
INSTANT = "give a date or an instant from 1900 to 2999 like 2026-10-01T00:00:00Z"


def period_instant(value: Any) -> datetime | None:
    """The UTC instant an ISO 8601 date string names, if a period may start or end then."""
    found = parse_instant(value)
    return found if found is not None and EARLIEST <= found < LATEST else None


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> datetime:
        found = period_instant(value)
        if found is None:
            raise ValueError(INSTANT)
        return found

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start >= self.end:
            raise ValueError("from must be before to")
        return self
