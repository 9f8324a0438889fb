"""Saving, reading and deleting segment and computed-trait definitions of a workspace."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, text, update

from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.segments.definitions import (
    BUILTIN_COMPUTED,
    ComputedTraitDefinition,
    Definition,
    SegmentDefinition,
    parse_computed_trait,
    parse_segment,
    referenced_computed,
    referenced_segments,
)
from baton.segments.evaluate import Catalog
from baton.storage.tables import definitions, segment_memberships
from baton.timeline import Consumer, listen


class Kind(StrEnum):
    SEGMENT = "segment"
    COMPUTED_TRAIT = "computed_trait"

    @property
    def label(self) -> str:
        return "segment" if self is Kind.SEGMENT else "computed trait"

    def parse(self, data: Any) -> Definition:
        return parse_segment(data) if self is Kind.SEGMENT else parse_computed_trait(data)


_ID_PREFIX = {Kind.SEGMENT: "seg", Kind.COMPUTED_TRAIT: "ctr"}


@dataclass(frozen=True)
class Stored:
    id: str
    workspace_id: str
    kind: Kind
    version: int
    definition: Definition
    built_version: int | None
    progress: float
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def live(self) -> bool:
        return self.built_version == self.version

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "kind": self.kind.value,
            "version": self.version,
            "status": "live" if self.live else "building",
            "progress": 1.0 if self.live else round(self.progress, 4),
            "definition": dump(self.definition),
            "created_at": iso_instant(self.created_at),
            "updated_at": iso_instant(self.updated_at),
        }


def dump(definition: Definition) -> dict[str, Any]:
    """The definition's JSON form, as a user would write it (defaults left out)."""
    return definition.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _parsed(kind: Kind, definition_id: str, version: int, data: Any) -> Definition:
    """Stored definitions were validated when saved; evaluation reads them every batch,
    so each version is parsed once per process (a version never changes)."""
    key = (definition_id, version)
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        found = _PARSED[key] = kind.parse(data)
    return found


_PARSED: dict[tuple[str, int], Definition] = {}


def _from_row(row: Any) -> Stored:
    kind = Kind(row.kind)
    return Stored(
        id=row.id,
        workspace_id=row.workspace_id,
        kind=kind,
        version=row.version,
        definition=_parsed(kind, row.id, row.version, row.definition),
        built_version=row.built_version,
        progress=row.progress,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_definitions(connection: Connection, workspace_id: str, kind: Kind | None) -> list[Stored]:
    query = select(definitions).where(definitions.c.workspace_id == workspace_id)
    if kind is not None:
        query = query.where(definitions.c.kind == kind.value)
    rows = connection.execute(query.order_by(definitions.c.kind, definitions.c.key)).all()
    return [_from_row(row) for row in rows]


def definitions_page(
    connection: Connection, workspace_id: str, kind: Kind, after: str | None, limit: int
) -> Page[Stored, str]:
    """The workspace's definitions of a kind by key, from the one after the key `after`."""
    query = select(definitions).where(
        definitions.c.workspace_id == workspace_id, definitions.c.kind == kind.value
    )
    if after is not None:
        query = query.where(definitions.c.key > after)
    rows = connection.execute(query.order_by(definitions.c.key).limit(limit + 1)).all()
    page = [_from_row(row) for row in rows[:limit]]
    return Page(page, page[-1].key if len(rows) > limit else None)


def load_catalog(connection: Connection, workspace_id: str) -> tuple[Catalog, dict[str, Stored]]:
    """The workspace's definitions for evaluation, and the stored rows of its segments."""
    stored = list_definitions(connection, workspace_id, None)
    return _catalog(stored), {s.key: s for s in stored if s.kind is Kind.SEGMENT}


def listen_to_events(connection: Connection, workspace_id: str, now: datetime) -> None:
    """Tell the timeline which events the workspace's definitions read."""
    catalog, _ = load_catalog(connection, workspace_id)
    listen(connection, workspace_id, Consumer.SEGMENTS, catalog.events_read(), False, now)


def _catalog(stored: Iterable[Stored]) -> Catalog:
    catalog = Catalog()
    for item in stored:
        if isinstance(item.definition, SegmentDefinition):
            catalog.segments[item.key] = item.definition
        else:
            catalog.computed[item.key] = item.definition
    return catalog


def get_definition(connection: Connection, workspace_id: str, kind: Kind, ref: str) -> Stored:
    """A definition by id or key."""
    row = connection.execute(
        select(definitions).where(
            definitions.c.workspace_id == workspace_id,
            definitions.c.kind == kind.value,
            or_(definitions.c.id == ref, definitions.c.key == ref),
        )
    ).first()
    if row is None:
        raise NotFound(f"no {kind.label} {ref!r} in this workspace")
    return _from_row(row)


def check_definition(catalog: Catalog, definition: Definition) -> None:
    """References must exist and segments must not refer to themselves, even indirectly."""
    if isinstance(definition, ComputedTraitDefinition):
        return
    for key in sorted(referenced_computed(definition.condition)):
        if key not in catalog.computed:
            raise InvalidInput(
                f"no computed trait {key!r} (built in: {', '.join(BUILTIN_COMPUTED)})",
                field="condition",
            )
    segments = {**catalog.segments, definition.key: definition}
    for key in sorted(referenced_segments(definition.condition)):
        if key not in segments:
            raise InvalidInput(f"no segment {key!r}", field="condition")
    _refuse_cycles(segments, definition.key)


def _refuse_cycles(segments: dict[str, SegmentDefinition], start: str) -> None:
    path: list[str] = []

    def visit(key: str) -> None:
        if key in path:
            loop = " -> ".join([*path[path.index(key) :], key])
            raise InvalidInput(f"segments refer to each other in a loop: {loop}", field="condition")
        path.append(key)
        for child in sorted(referenced_segments(segments[key].condition)):
            visit(child)
        path.pop()

    visit(start)


def save_definition(
    connection: Connection, workspace_id: str, definition: Definition, now: datetime
) -> tuple[Stored, Stored | None]:
    """Create, or update by key; returns (saved, previous). An unchanged definition keeps
    its version. A changed one needs a full evaluation, and so does every segment that
    depends on it."""
    kind = Kind.SEGMENT if isinstance(definition, SegmentDefinition) else Kind.COMPUTED_TRAIT
    all_stored = list_definitions(connection, workspace_id, None)
    check_definition(_catalog(s for s in all_stored if s.key != definition.key), definition)
    previous = next((s for s in all_stored if s.kind is kind and s.key == definition.key), None)
    if previous is None:
        definition_id = new_id(_ID_PREFIX[kind], now)
        connection.execute(
            insert(definitions).values(
                id=definition_id,
                workspace_id=workspace_id,
                kind=kind.value,
                key=definition.key,
                name=definition.name,
                version=1,
                definition=dump(definition),
                built_version=None,
                progress=0.0,
                created_at=now,
                updated_at=now,
            )
        )
    elif dump(previous.definition) != dump(definition):
        definition_id = previous.id
        connection.execute(
            update(definitions)
            .where(definitions.c.id == definition_id)
            .values(
                name=definition.name,
                version=previous.version + 1,
                definition=dump(definition),
                progress=0.0,
                updated_at=now,
            )
        )
        _rebuild_dependents(connection, all_stored, kind, definition.key)
    else:
        return previous, previous
    listen_to_events(connection, workspace_id, now)
    return get_definition(connection, workspace_id, kind, definition_id), previous


def _rebuild_dependents(connection: Connection, stored: list[Stored], kind: Kind, key: str) -> None:
    dependents = _dependents(stored, kind, key)
    if dependents:
        connection.execute(
            update(definitions)
            .where(definitions.c.id.in_(sorted(s.id for s in dependents)))
            .values(built_version=None, progress=0.0)
        )


def _dependents(stored: list[Stored], kind: Kind, key: str) -> list[Stored]:
    """Segments whose condition reads the definition, directly or through other segments."""
    found: list[Stored] = []
    wanted = {(kind, key)}
    changed = True
    while changed:
        changed = False
        for item in stored:
            if not isinstance(item.definition, SegmentDefinition) or item in found:
                continue
            condition = item.definition.condition
            uses = {(Kind.SEGMENT, k) for k in referenced_segments(condition)}
            uses |= {(Kind.COMPUTED_TRAIT, k) for k in referenced_computed(condition)}
            if uses & wanted:
                found.append(item)
                wanted.add((Kind.SEGMENT, item.key))
                changed = True
    return found


def delete_definition(
    connection: Connection, workspace_id: str, kind: Kind, ref: str, now: datetime
) -> None:
    """Delete a definition nobody reads; its memberships or values go with it, silently."""
    target = get_definition(connection, workspace_id, kind, ref)
    stored = list_definitions(connection, workspace_id, None)
    direct = [d for d in _dependents(stored, kind, target.key) if d.id != target.id]
    if direct:
        names = ", ".join(sorted(d.key for d in direct))
        raise Conflict(f"{kind.label} {target.key!r} is used by: {names}", field="key")
    connection.execute(delete(definitions).where(definitions.c.id == target.id))
    listen_to_events(connection, workspace_id, now)
    if kind is Kind.SEGMENT:
        connection.execute(
            delete(segment_memberships).where(segment_memberships.c.segment_id == target.id)
        )
    elif connection.dialect.name == "postgresql":
        connection.execute(
            text("UPDATE profiles SET computed = computed - :key WHERE workspace_id = :ws"),
            {"key": target.key, "ws": workspace_id},
        )
    else:
        connection.execute(
            text(
                "UPDATE profiles SET computed = json_remove(computed, :path) "
                "WHERE workspace_id = :ws AND computed IS NOT NULL"
            ),
            {"path": f'$."{target.key}"', "ws": workspace_id},
        )


def pending_builds(connection: Connection) -> list[Stored]:
    """Definitions not yet evaluated for every profile: computed traits first."""
    rows = connection.execute(
        select(definitions)
        .where(
            or_(
                definitions.c.built_version.is_(None),
                definitions.c.built_version != definitions.c.version,
            )
        )
        .order_by(definitions.c.kind, definitions.c.updated_at)
    ).all()
    return [_from_row(row) for row in rows]


def request_build(connection: Connection, stored: Stored) -> None:
    """Evaluate a definition for every profile again (on demand)."""
    connection.execute(
        update(definitions)
        .where(definitions.c.id == stored.id)
        .values(built_version=None, progress=0.0)
    )
