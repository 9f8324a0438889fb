"""What each placement shows one visitor: the answer of `GET /v1/decide`.

A visitor Baton cannot tie to a person (anonymous, or unknown yet) sees the placement's
default. A verified person sees the first variant whose rule holds for them, read from
what Baton keeps (traits, computed traits, predicted scores, segment memberships), or
the offer a journey's decide node chooses; a `holdout` share of visitors sees nothing.

Each process keeps the placements it parsed and asks the database only for their
versions, so a change made anywhere is seen on the next decision.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.validation import validated
from baton.journeys.decisions import Decider
from baton.journeys.definitions import DecideNode, Offer
from baton.journeys.store import definition_of, get_journey
from baton.personalize.definitions import PlacementContent, PlacementDefinition, PlacementVariant
from baton.segments import PREDICTED, Condition, lookup, segments_of
from baton.segments.definitions import (
    AllCondition,
    AnyCondition,
    ComputedCondition,
    HasCondition,
    NotCondition,
    SegmentCondition,
    TraitCondition,
)
from baton.segments.values import holds
from baton.storage.tables import placements, profiles

MOST_PLACEMENTS = 10
_MOST_CACHED = 1000
# A chain of merges is followed at most this far (a merge points at the survivor).
_MOST_MERGES = 8


@dataclass(frozen=True)
class Visitor:
    """Who asks: `profile_id` only for a person whose identity was verified."""

    anonymous_id: str | None = None
    profile_id: str | None = None


@dataclass(frozen=True)
class Shown:
    """One placement's answer for one visitor."""

    placement: str
    kind: str
    variant: str | None  # None: the default, or nothing
    content: PlacementContent | None
    holdout: bool
    reason: str
    impression: str

    def json(self) -> dict[str, Any]:
        return {
            "placement": self.placement,
            "kind": self.kind,
            "variant": self.variant,
            "content": None
            if self.content is None
            else self.content.model_dump(mode="json", exclude_none=True),
            "holdout": self.holdout,
            "reason": self.reason,
            "impression": self.impression,
        }


@dataclass
class _Cache:
    parsed: dict[str, tuple[int, PlacementDefinition]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def current_placements(
    connection: Connection, workspace_id: str, keys: list[str]
) -> dict[str, PlacementDefinition]:
    """The placements of `keys` that exist, parsed once per version in each process."""
    stamps = connection.execute(
        select(placements.c.id, placements.c.version).where(
            placements.c.workspace_id == workspace_id, placements.c.key.in_(keys)
        )
    ).all()
    found: dict[str, PlacementDefinition] = {}
    stale = []
    with _cache.lock:
        for placement_id, version in stamps:
            cached = _cache.parsed.get(placement_id)
            if cached is not None and cached[0] == version:
                found[cached[1].key] = cached[1]
            else:
                stale.append(placement_id)
    if stale:
        rows = connection.execute(
            select(placements.c.id, placements.c.version, placements.c.definition).where(
                placements.c.id.in_(stale)
            )
        ).all()
        with _cache.lock:
            for placement_id, version, document in rows:
                definition = validated(PlacementDefinition, document)
                found[definition.key] = definition
                _cache.parsed.pop(placement_id, None)
                _cache.parsed[placement_id] = (version, definition)
                # Deleted placements leave their copies behind: keep the newest only.
                while len(_cache.parsed) > _MOST_CACHED:
                    del _cache.parsed[next(iter(_cache.parsed))]
    return found


class _Person:
    """What rules read about a verified person, loaded once, segments only if asked."""

    def __init__(self, connection: Connection, workspace_id: str, row: Any) -> None:
        self._connection = connection
        self._workspace_id = workspace_id
        self.profile_id: str = row.id
        self.traits: dict[str, Any] = row.traits or {}
        self._computed: dict[str, Any] = row.computed or {}
        self._first_seen: datetime | None = row.first_seen
        self._last_seen: datetime | None = row.last_seen
        self._segments: set[str] | None = None

    def computed(self, key: str) -> Any:
        if key == "first_seen_at":
            return iso_instant(self._first_seen)
        if key == "last_seen_at":
            return iso_instant(self._last_seen)
        if key.startswith(PREDICTED):
            return lookup(self._computed.get("predicted"), key.removeprefix(PREDICTED))
        return self._computed.get(key)

    def context_value(self, name: str) -> Any:
        """A decide node's context, named as journeys name it."""
        if name.startswith(PREDICTED):
            return self.computed(name)
        if name.startswith("computed."):
            return self.computed(name.removeprefix("computed."))
        return lookup(self.traits, name)

    def in_segment(self, key: str) -> bool:
        if self._segments is None:
            found = segments_of(self._connection, self._workspace_id, self.profile_id)
            self._segments = {segment_key for _, segment_key, _, _ in found}
        return key in self._segments

    def holds(self, condition: Condition, now: datetime) -> bool:
        if isinstance(condition, AllCondition):
            return all(self.holds(part, now) for part in condition.all)
        if isinstance(condition, AnyCondition):
            return any(self.holds(part, now) for part in condition.any)
        if isinstance(condition, NotCondition):
            return not self.holds(condition.not_, now)
        if isinstance(condition, TraitCondition):
            return holds(condition, lookup(self.traits, condition.trait), now)
        if isinstance(condition, ComputedCondition):
            return holds(condition, self.computed(condition.computed), now)
        if isinstance(condition, HasCondition):
            value = self.traits.get(condition.has)
            return isinstance(value, str) and len(value) > 0
        if isinstance(condition, SegmentCondition):
            return self.in_segment(condition.segment)
        # Conditions on events (an offer's eligibility may hold one): never from here.
        return False


def _person(connection: Connection, workspace_id: str, profile_id: str) -> _Person | None:
    for _ in range(_MOST_MERGES):
        row = connection.execute(
            select(
                profiles.c.id,
                profiles.c.merged_into,
                profiles.c.traits,
                profiles.c.computed,
                profiles.c.first_seen,
                profiles.c.last_seen,
            ).where(profiles.c.id == profile_id, profiles.c.workspace_id == workspace_id)
        ).first()
        if row is None:
            return None
        if row.merged_into is None:
            return _Person(connection, workspace_id, row)
        profile_id = row.merged_into
    return None


def _share(*parts: str) -> float:
    """A stable number in [0, 1) for these parts: the same visitor stays in or out."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decide(
    connection: Connection,
    workspace_id: str,
    keys: list[str],
    visitor: Visitor,
    now: datetime,
) -> dict[str, Shown | None]:
    """Each placement's answer for the visitor; None for a key no placement has."""
    found = current_placements(connection, workspace_id, keys)
    person = None
    if visitor.profile_id is not None and found:
        person = _person(connection, workspace_id, visitor.profile_id)
    who = person.profile_id if person is not None else visitor.anonymous_id
    answers: dict[str, Shown | None] = {}
    for key in keys:
        definition = found.get(key)
        if definition is None:
            answers[key] = None
            continue
        impression = new_id("imp", now)
        if (
            who is not None
            and definition.holdout
            and (_share(workspace_id, key, who) < definition.holdout)
        ):
            answers[key] = Shown(
                key, definition.kind.value, None, None, True, "holdout", impression
            )
            continue
        variant, reason = _chosen(connection, workspace_id, definition, person, now)
        content = variant.content if variant is not None else definition.default
        answers[key] = Shown(
            key,
            definition.kind.value,
            None if variant is None else variant.key,
            content,
            False,
            reason,
            impression,
        )
    return answers


def _chosen(
    connection: Connection,
    workspace_id: str,
    definition: PlacementDefinition,
    person: _Person | None,
    now: datetime,
) -> tuple[PlacementVariant | None, str]:
    if person is None:
        return None, "anonymous visitor: the default"
    offered = []
    for variant in definition.variants:
        if variant.when is not None and not person.holds(variant.when, now):
            continue
        if variant.offer is None:
            return variant, "its rule holds" if variant.when is not None else "for everyone known"
        offered.append(variant)
    if offered and definition.decide is not None:
        chosen = _offered(connection, workspace_id, definition, offered, person, now)
        if chosen is not None:
            return chosen, f"chosen by {definition.decide.journey}'s {definition.decide.node}"
    return None, "no rule holds: the default"


def _offered(
    connection: Connection,
    workspace_id: str,
    definition: PlacementDefinition,
    offered: list[PlacementVariant],
    person: _Person,
    now: datetime,
) -> PlacementVariant | None:
    """The variant of the offer the journey's decide node chooses, as in the journey: its
    guardrails, eligibility and caps, and its bandit fitted on the journey's outcomes."""
    by = definition.decide
    assert by is not None
    try:
        journey = get_journey(connection, workspace_id, by.journey)
    except NotFound:  # deleted since the placement was saved: the default
        return None
    if journey.published_version is None:
        return None
    node = definition_of(connection, journey.id, journey.published_version).nodes.get(by.node)
    if not isinstance(node, DecideNode):
        return None
    by_offer = {variant.offer: variant for variant in offered}
    eligible: list[Offer] = [
        arm
        for arm in node.arms
        if arm.key in by_offer
        and node.guarded(arm) is None
        and (arm.eligible is None or person.holds(arm.eligible, now))
    ]
    if not eligible:
        return None
    context = {name: person.context_value(name) for name in node.context}
    # A visitor keeps the same offer through a day of page views.
    seed = int(_share(definition.key, person.profile_id, now.date().isoformat()) * 2**63)
    choice = Decider(connection, journey.id, now, settling=False).decide(
        by.node, node, eligible, context, seed
    )
    return None if choice is None else by_offer[choice.arm]
