"""Full evaluation: one definition, compiled to SQL, for every profile of its workspace.

It runs when a definition is created or edited (and for the segments that read it) and
on demand, in chunks of profiles by id. Each chunk is read and written under the
segments lock that incremental evaluation takes too, so the two never write stale
answers over each other; between chunks, incremental evaluation goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, column, select, text, update

from baton.core.clock import Clock
from baton.segments.definitions import (
    AggregateCondition,
    Comparison,
    ComputedCondition,
    ComputedTraitDefinition,
    EventCondition,
    Op,
    PropertyFilter,
    SegmentCondition,
    SegmentDefinition,
    SequenceCondition,
    Window,
    walk,
)
from baton.segments.evaluate import Catalog
from baton.segments.evaluator import SEGMENTS_LOCK, same_values, store_computed
from baton.segments.memberships import Transition, record
from baton.segments.query import computed_values, matching_profiles
from baton.segments.sql import SqlCompiler
from baton.segments.store import Kind, Stored, get_definition, load_catalog, pending_builds
from baton.storage.database import exclusive, write_transaction
from baton.storage.tables import Instant, definitions, profiles, segment_memberships
from baton.timeline import mark_due

CHUNK_SIZE = 5000
Progress = Callable[[Stored, float], None]


def build_pending(engine: Engine, clock: Clock, on_progress: Progress | None = None) -> int:
    """Fully evaluate every definition that is not live yet; returns how many."""
    with engine.connect() as connection:
        pending = pending_builds(connection)
    for item in pending:
        build(engine, clock, item.workspace_id, item.kind, item.id, on_progress)
    return len(pending)


def build(
    engine: Engine,
    clock: Clock,
    workspace_id: str,
    kind: Kind,
    definition_id: str,
    on_progress: Progress | None = None,
) -> None:
    with engine.connect() as connection:
        target = get_definition(connection, workspace_id, kind, definition_id)
        profile_ids = _live_profile_ids(connection, workspace_id)
    chunks = [profile_ids[i : i + CHUNK_SIZE] for i in range(0, len(profile_ids), CHUNK_SIZE)]
    for index, chunk in enumerate(chunks):
        with exclusive(engine, SEGMENTS_LOCK):
            now = clock.now()
            with engine.connect() as reader:
                catalog, segments = load_catalog(reader, workspace_id)
                current = _current(catalog, segments, target)
                if current is None:
                    return  # deleted or edited meanwhile: a newer build takes over
                work = _ChunkWork(reader, workspace_id, catalog, current, now, chunk)
                work.evaluate()
            with write_transaction(engine) as writer:
                work.write(writer)
                writer.execute(
                    update(definitions)
                    .where(definitions.c.id == target.id, definitions.c.version == target.version)
                    .values(progress=(index + 1) / len(chunks))
                )
        if on_progress is not None:
            on_progress(target, (index + 1) / len(chunks))
    with engine.begin() as connection:
        connection.execute(
            update(definitions)
            .where(definitions.c.id == target.id, definitions.c.version == target.version)
            .values(built_version=target.version, progress=1.0)
        )
    if not chunks and on_progress is not None:
        on_progress(target, 1.0)


def _current(catalog: Catalog, segments: dict[str, Stored], target: Stored) -> Stored | None:
    if target.kind is Kind.SEGMENT:
        found = segments.get(target.key)
        return found if found is not None and found.version == target.version else None
    definition = catalog.computed.get(target.key)
    return target if definition == target.definition else None


def _live_profile_ids(connection: Connection, workspace_id: str) -> list[str]:
    query = (
        select(profiles.c.id)
        .where(profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None))
        .order_by(profiles.c.id)
    )
    return list(connection.execute(query).scalars())


class _ChunkWork:
    """Evaluate one definition for a chunk of profiles (ids in order), then write."""

    def __init__(
        self,
        connection: Connection,
        workspace_id: str,
        catalog: Catalog,
        target: Stored,
        now: datetime,
        chunk: Sequence[str],
    ) -> None:
        self.db = connection
        self.workspace_id = workspace_id
        self.catalog = catalog
        self.target = target
        self.now = now
        self.chunk = chunk
        self.low, self.high = chunk[0], chunk[-1]
        self.transitions: list[Transition] = []
        self.computed: dict[str, dict[str, Any]] = {}
        self.marks: dict[str, datetime] = {}

    def _compiler(self) -> SqlCompiler:
        sql = SqlCompiler(self.db.dialect.name, self.workspace_id, self.catalog, self.now)
        sql.params.update(low=self.low, high=self.high)
        return sql

    def evaluate(self) -> None:
        definition = self.target.definition
        if isinstance(definition, SegmentDefinition):
            self._segment(definition)
        else:
            self._computed(definition)
        self._schedule(definition)

    def _segment(self, definition: SegmentDefinition) -> None:
        inside = set(
            matching_profiles(
                self.db,
                self.workspace_id,
                self.catalog,
                definition.condition,
                self.now,
                id_range=(self.low, self.high),
            )
        )
        current = set(
            self.db.execute(
                select(segment_memberships.c.profile_id)
                .join(profiles, profiles.c.id == segment_memberships.c.profile_id)
                .where(
                    segment_memberships.c.segment_id == self.target.id,
                    profiles.c.merged_into.is_(None),
                    segment_memberships.c.profile_id >= self.low,
                    segment_memberships.c.profile_id <= self.high,
                )
            ).scalars()
        )
        self.transitions = [
            Transition(self.target, profile_id, True, self.now)
            for profile_id in sorted(inside - current)
        ] + [
            Transition(self.target, profile_id, False, self.now)
            for profile_id in sorted(current - inside)
        ]

    def _computed(self, definition: ComputedTraitDefinition) -> None:
        values = computed_values(
            self.db,
            self.workspace_id,
            self.catalog,
            definition,
            self.now,
            id_range=(self.low, self.high),
        )
        for profile_id, found, stored in values:
            fresh = dict(stored)
            if found is None:
                fresh.pop(definition.key, None)
            else:
                fresh[definition.key] = found
            if not same_values(fresh, stored):
                self.computed[profile_id] = fresh

    def _schedule(self, definition: SegmentDefinition | ComputedTraitDefinition) -> None:
        """Time-window timers for the chunk: each profile is due when its earliest
        in-window event leaves a window. Date comparisons (`within_last`) are rarer and
        harder to bound in SQL: those profiles are simply evaluated again now."""
        windows, dated = _time_dependence(self.catalog, definition)
        if dated:
            self.marks.update((profile_id, self.now) for profile_id in self.chunk)
        for event, where, window in windows:
            assert window.span is not None
            sql = self._compiler()
            condition = sql.events_where("a", event, where, window, owner=None)
            query = text(
                f"SELECT a.profile_id, MIN(a.timestamp) AS earliest FROM events a "
                f"WHERE {condition} AND a.profile_id >= :low AND a.profile_id <= :high "
                f"GROUP BY a.profile_id"
            ).columns(column("profile_id", String), column("earliest", Instant()))
            for profile_id, earliest in self.db.execute(query, sql.params):
                at = earliest + window.span
                if profile_id not in self.marks or at < self.marks[profile_id]:
                    self.marks[profile_id] = at

    def write(self, connection: Connection) -> None:
        record(connection, self.workspace_id, self.transitions, self.now)
        store_computed(connection, self.computed)
        mark_due(connection, self.workspace_id, self.marks.items())


Windowed = tuple[str, Sequence[PropertyFilter], Window]


def _time_dependence(
    catalog: Catalog, definition: SegmentDefinition | ComputedTraitDefinition
) -> tuple[list[Windowed], bool]:
    """The `last`-windowed event reads of a definition (through the segments and computed
    traits it reads), and whether any `within_last` comparison is among them."""
    windows: list[Windowed] = []
    dated = False
    for item in _reads(catalog, definition):
        if isinstance(item, ComputedTraitDefinition | EventCondition | AggregateCondition):
            if item.window is not None and item.window.span is not None:
                windows.append((item.event, item.where, item.window))
            dated |= any(f.op is Op.WITHIN_LAST for f in item.where)
        elif isinstance(item, SequenceCondition):
            dated |= any(f.op is Op.WITHIN_LAST for step in item.sequence for f in step.where)
        if isinstance(item, Comparison) and item.op is Op.WITHIN_LAST:
            dated = True
    return windows, dated


def _reads(
    catalog: Catalog, definition: SegmentDefinition | ComputedTraitDefinition
) -> Iterator[Any]:
    if isinstance(definition, ComputedTraitDefinition):
        yield definition
        return
    for condition in walk(definition.condition):
        yield condition
        if isinstance(condition, SegmentCondition):
            yield from _reads(catalog, catalog.segments[condition.segment])
        elif isinstance(condition, ComputedCondition) and condition.computed in catalog.computed:
            yield from _reads(catalog, catalog.computed[condition.computed])
