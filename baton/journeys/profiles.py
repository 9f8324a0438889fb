"""The profile as journeys see it: traits, time zone, and answers to conditions.

The engine answers from the database at the instant of the stimulus; a backtest from
the events it has replayed so far. Both hand the interpreter a `ProfileView`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from baton.core.local_time import zone_or
from baton.journeys.definitions import JourneyDefinition
from baton.segments import (
    Catalog,
    Condition,
    ProfileEvaluation,
    SegmentDefinition,
    load_catalog,
    lookup,
)


class ProfileView:
    """Implements the interpreter's `Profile`; loads traits and the evaluation (the
    profile's relevant events) only when a question needs them, once."""

    def __init__(
        self,
        profile_id: str,
        traits: Callable[[], dict[str, Any]],
        default_timezone: Callable[[], ZoneInfo],
        evaluation: Callable[[], ProfileEvaluation],
    ) -> None:
        self._profile_id = profile_id
        self._traits = traits
        self._default_timezone = default_timezone
        self._evaluation_of = evaluation
        self._evaluation: ProfileEvaluation | None = None

    @property
    def profile_id(self) -> str:
        return self._profile_id

    @property
    def timezone(self) -> ZoneInfo:
        return zone_or(self.trait("timezone"), self._default_timezone())

    def trait(self, name: str) -> Any:
        return lookup(self._traits(), name)

    def computed(self, key: str) -> Any:
        try:
            return self._evaluated().computed(key)
        except KeyError:  # no such computed trait (deleted since publishing): missing
            return None

    def holds(self, condition: Condition, asked_by: str) -> bool:
        return self._evaluated().condition(condition)

    def explain(self, condition: Condition, asked_by: str) -> dict[str, Any]:
        return self._evaluated().explain(condition)

    def _evaluated(self) -> ProfileEvaluation:
        if self._evaluation is None:
            self._evaluation = self._evaluation_of()
        return self._evaluation


def conditions_catalog(
    connection: Connection, workspace_id: str, definitions: Iterable[JourneyDefinition]
) -> Catalog:
    """The workspace's segments and computed traits, plus every condition the journeys
    ask, as unnamed segments: so the events each reads are loaded."""
    catalog, _ = load_catalog(connection, workspace_id)
    unique = list({id(d): d for d in definitions}.values())
    conditions = [c for d in unique for c in d.conditions()]
    extra = {
        f"~journey-{n}": SegmentDefinition.model_construct(
            key=f"~journey-{n}", name="journey condition", description="", condition=c
        )
        for n, c in enumerate(conditions)
    }
    return Catalog({**catalog.segments, **extra}, catalog.computed)
