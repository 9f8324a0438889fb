"""The period an analytical question covers: `from` and `to`, dates or instants (a date
is midnight UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.segments import parse_instant


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = parse_instant(value)
            if found is None:
                raise ValueError("give a date or an instant like 2026-10-01T00:00:00Z")
            return found
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("from and to need a time zone (Z or +00:00)")
        if self.start >= self.end:
            raise ValueError("from must be before to")
        return self
