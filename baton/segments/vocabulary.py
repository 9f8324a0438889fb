"""The names a workspace's data uses, offered when writing a condition: the trait keys of
its profiles and the event names of its events, each with how often it occurs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, desc, func, select

from baton.segments.definitions import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.storage.tables import events, profiles

# Trait keys come from the newest profiles: a workspace's traits are few and shared, so a
# sample finds them without reading every profile. Ids sort by creation, so the sample is
# read from the end of the (workspace_id, merged_into, id) index, not sorted from all rows.
PROFILE_SAMPLE = 2000
# Event names likewise come from the newest events (by sequence, the primary key), so that
# opening an editor never counts a large workspace's whole history.
EVENT_SAMPLE = 50_000
MOST = 200
_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Vocabulary:
    traits: list[tuple[str, int]]  # (dotted key, profiles among the sample holding it)
    events: list[tuple[str, int]]  # (event name, events among the sample)
    sampled_profiles: int


def vocabulary(connection: Connection, workspace_id: str) -> Vocabulary:
    """The most frequent trait keys and event names of the workspace, most frequent first."""
    rows = connection.execute(
        select(profiles.c.traits)
        .where(profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None))
        .order_by(desc(profiles.c.id))
        .limit(PROFILE_SAMPLE)
    ).all()
    held: Counter[str] = Counter()
    for (traits,) in rows:
        held.update(set(_paths(traits or {}, "", _DEPTH)))
    recent = (
        select(events.c.event)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.type == "track",
            events.c.event.is_not(None),
            events.c.event.not_in((SEGMENT_ENTERED, SEGMENT_EXITED)),
        )
        .order_by(desc(events.c.seq))
        .limit(EVENT_SAMPLE)
        .subquery()
    )
    total = func.count().label("total")
    names = connection.execute(
        select(recent.c.event, total)
        .group_by(recent.c.event)
        .order_by(desc(total), recent.c.event)
        .limit(MOST)
    ).all()
    return Vocabulary(
        traits=sorted(held.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST],
        events=[(name, int(count)) for name, count in names],
        sampled_profiles=len(rows),
    )


def _paths(traits: Mapping[str, Any], prefix: str, depth: int) -> Iterator[str]:
    """Dotted keys of the values, objects opened up to `depth` levels (`address.city`)."""
    for key, value in traits.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and depth > 1:
            yield from _paths(value, f"{path}.", depth - 1)
        elif value is not None:
            yield path
