"""Journeys and their versions: drafts, publishing, pausing; what is live in a workspace.

A journey's lifecycle is draft -> published -> paused <-> published -> archived. Saving a
definition edits the draft (the newest version, while unpublished) or, when the newest
version is published, opens a new draft. Publishing makes the draft the version new
entries get; running instances keep theirs unless the publisher migrates them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Update, func, insert, select, update

from baton.core.errors import Conflict, InvalidInput, NotFound
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.journeys.definitions import (
    DateTraitTrigger,
    EnterJourneyNode,
    JourneyDefinition,
    ScheduleTrigger,
    SegmentEntered,
    SegmentExited,
    dump_journey,
    parse_journey,
)
from baton.segments import Kind, list_definitions, referenced_computed, referenced_segments
from baton.storage.tables import journey_instances, journey_versions, journeys
from baton.timeline import Consumer, listen


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Journey:
    id: str
    workspace_id: str
    key: str
    name: str
    status: Status
    version: int
    published_version: int | None
    scheduled_through: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def has_draft(self) -> bool:
        return self.published_version != self.version


@dataclass(frozen=True)
class LiveJourney:
    """A published (or paused) journey with the definition new entries get."""

    journey: Journey
    definition: JourneyDefinition

    @property
    def paused(self) -> bool:
        return self.journey.status is Status.PAUSED


def _from_row(row: Any) -> Journey:
    return Journey(
        row.id,
        row.workspace_id,
        row.key,
        row.name,
        Status(row.status),
        row.version,
        row.published_version,
        row.scheduled_through,
        row.created_at,
        row.updated_at,
    )


def chosen_version(journey: Journey, version: Any) -> int:
    """The version asked for, checked (None: the latest, draft or published)."""
    chosen = journey.version if version is None else version
    if not isinstance(chosen, int) or isinstance(chosen, bool):
        raise InvalidInput("version: must be a whole number", field="version")
    if not 1 <= chosen <= journey.version:
        raise InvalidInput(
            f"version: journey {journey.key!r} has versions 1 to {journey.version}",
            field="version",
        )
    return chosen


def get_journey(connection: Connection, workspace_id: str, key: str) -> Journey:
    row = connection.execute(
        select(journeys).where(journeys.c.workspace_id == workspace_id, journeys.c.key == key)
    ).first()
    if row is None:
        raise NotFound(f"no journey with key {key!r}")
    return _from_row(row)


def list_journeys(connection: Connection, workspace_id: str) -> list[Journey]:
    rows = connection.execute(
        select(journeys).where(journeys.c.workspace_id == workspace_id).order_by(journeys.c.key)
    )
    return [_from_row(row) for row in rows]


def journeys_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[Journey, str]:
    """The workspace's journeys by key, from the one after the key `after`."""
    query = select(journeys).where(journeys.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(journeys.c.key > after)
    rows = connection.execute(query.order_by(journeys.c.key).limit(limit + 1)).all()
    page = [_from_row(row) for row in rows[:limit]]
    return Page(page, page[-1].key if len(rows) > limit else None)


_parsed: dict[tuple[str, int], JourneyDefinition] = {}
_parsed_lock = threading.Lock()


def definition_of(connection: Connection, journey_id: str, version: int) -> JourneyDefinition:
    """A version's definition. Published versions never change: each process parses
    one once; a draft, which another process may edit, is read every time."""
    with _parsed_lock:
        found = _parsed.get((journey_id, version))
    if found is None:
        data, published_at = connection.execute(
            select(journey_versions.c.definition, journey_versions.c.published_at).where(
                journey_versions.c.journey_id == journey_id, journey_versions.c.version == version
            )
        ).one()
        found = parse_journey(data)
        if published_at is not None:
            with _parsed_lock:
                _parsed[(journey_id, version)] = found
    return found


def live_journeys(connection: Connection, workspace_id: str) -> list[LiveJourney]:
    rows = connection.execute(
        select(journeys).where(
            journeys.c.workspace_id == workspace_id,
            journeys.c.status.in_([Status.PUBLISHED.value, Status.PAUSED.value]),
        )
    ).all()
    found = []
    for row in rows:
        journey = _from_row(row)
        assert journey.published_version is not None
        found.append(
            LiveJourney(journey, definition_of(connection, journey.id, journey.published_version))
        )
    return found


def save_draft(
    connection: Connection, workspace_id: str, definition: JourneyDefinition, now: datetime
) -> tuple[Journey, JourneyDefinition | None]:
    """Store the definition as the journey's draft; returns the journey and the newest
    definition before this call (None for a new journey). Saving an unchanged definition
    changes nothing."""
    document = dump_journey(definition)
    try:
        journey = get_journey(connection, workspace_id, definition.key)
    except NotFound:
        journey_id = new_id("jny", now)
        connection.execute(
            insert(journeys).values(
                id=journey_id,
                workspace_id=workspace_id,
                key=definition.key,
                name=definition.name,
                status=Status.DRAFT.value,
                version=1,
                published_version=None,
                created_at=now,
                updated_at=now,
            )
        )
        _insert_version(connection, journey_id, 1, document, now)
        return get_journey(connection, workspace_id, definition.key), None
    if journey.status is Status.ARCHIVED:
        raise Conflict(f"journey {journey.key!r} is archived")
    previous = definition_of(connection, journey.id, journey.version)
    if dump_journey(previous) == document:
        return journey, previous
    if journey.has_draft:
        connection.execute(_newest_version(journey).values(definition=document, created_at=now))
        version = journey.version
    else:
        version = journey.version + 1
        _insert_version(connection, journey.id, version, document, now)
    connection.execute(
        update(journeys)
        .where(journeys.c.id == journey.id)
        .values(version=version, name=definition.name, updated_at=now)
    )
    return get_journey(connection, workspace_id, definition.key), previous


def _newest_version(journey: Journey) -> Update:
    return update(journey_versions).where(
        journey_versions.c.journey_id == journey.id, journey_versions.c.version == journey.version
    )


def _insert_version(
    connection: Connection, journey_id: str, version: int, document: dict[str, Any], now: datetime
) -> None:
    connection.execute(
        insert(journey_versions).values(
            journey_id=journey_id,
            version=version,
            definition=document,
            created_at=now,
            published_at=None,
        )
    )


def publish(
    connection: Connection,
    workspace_id: str,
    key: str,
    now: datetime,
    node_map: dict[str, str] | None = None,
) -> tuple[Journey, list[dict[str, Any]]]:
    """Publish the draft. With `node_map` (which may be empty), live instances of older
    versions move to the new one: each to the node the map names, else the node of the
    same id, which must exist. Returns the journey and the migration done (its
    `migration_plan`; empty without `node_map`)."""
    journey = get_journey(connection, workspace_id, key)
    if journey.status is Status.ARCHIVED:
        raise Conflict(f"journey {key!r} is archived")
    definition = definition_of(connection, journey.id, journey.version)
    _check_references(connection, workspace_id, definition)
    migrated = [] if node_map is None else _migrate(connection, journey, node_map)
    if journey.has_draft:
        connection.execute(_newest_version(journey).values(published_at=now))
    status = Status.PAUSED if journey.status is Status.PAUSED else Status.PUBLISHED
    timed = isinstance(definition.trigger, ScheduleTrigger | DateTraitTrigger)
    connection.execute(
        update(journeys)
        .where(journeys.c.id == journey.id)
        .values(
            status=status.value,
            published_version=journey.version,
            updated_at=now,
            scheduled_through=(journey.scheduled_through or now) if timed else None,
        )
    )
    listen_to_events(connection, workspace_id, now)
    return get_journey(connection, workspace_id, key), migrated


def _check_references(
    connection: Connection, workspace_id: str, definition: JourneyDefinition
) -> None:
    """Segments, computed traits and journeys the definition names must exist."""
    segments = {s.key for s in list_definitions(connection, workspace_id, Kind.SEGMENT)}
    computed = {s.key for s in list_definitions(connection, workspace_id, Kind.COMPUTED_TRAIT)}
    wanted_segments: set[str] = set()
    wanted_computed: set[str] = set()
    for condition in definition.conditions():
        wanted_segments |= referenced_segments(condition)
        wanted_computed |= referenced_computed(condition)
    for signal in (definition.trigger, *definition.exit_on):
        if isinstance(signal, SegmentEntered):
            wanted_segments.add(signal.segment_entered)
        elif isinstance(signal, SegmentExited):
            wanted_segments.add(signal.segment_exited)
        elif isinstance(signal, ScheduleTrigger):
            wanted_segments.add(signal.segment)
    if definition.goal is not None and definition.goal.segment_entered is not None:
        wanted_segments.add(definition.goal.segment_entered)
    if missing := sorted(wanted_segments - segments):
        raise InvalidInput(f"no segment named {', '.join(map(repr, missing))}", field="segment")
    if missing := sorted(wanted_computed - computed):
        raise InvalidInput(
            f"no computed trait named {', '.join(map(repr, missing))}", field="computed"
        )
    known = {j.key for j in list_journeys(connection, workspace_id)}
    for node_id, node in definition.nodes.items():
        if isinstance(node, EnterJourneyNode) and node.journey not in known:
            raise InvalidInput(
                f"nodes.{node_id}.journey: no journey named {node.journey!r}",
                field=f"nodes.{node_id}.journey",
            )


def migration_plan(
    connection: Connection, workspace_id: str, key: str, node_map: dict[str, str]
) -> list[dict[str, Any]]:
    """Where publishing the draft with `node_map` would move the live instances of older
    versions: per (version, node), how many wait there and their node in the new version
    (`to` is None where the new version has no such node and the map names none)."""
    journey = get_journey(connection, workspace_id, key)
    definition = definition_of(connection, journey.id, journey.version)
    for source, target in sorted(node_map.items()):
        if target not in definition.nodes:
            raise InvalidInput(
                f"node_map.{source}: version {journey.version} has no node {target!r}",
                field=f"node_map.{source}",
            )
    rows = connection.execute(
        select(journey_instances.c.version, journey_instances.c.node, func.count())
        .where(*_older_live(journey))
        .group_by(journey_instances.c.version, journey_instances.c.node)
        .order_by(journey_instances.c.version, journey_instances.c.node)
    ).all()
    plan = []
    for version, node, count in rows:
        target = node_map.get(node, node)
        plan.append(
            {
                "version": version,
                "node": node,
                "instances": count,
                "to": target if target in definition.nodes else None,
            }
        )
    return plan


def _older_live(journey: Journey) -> tuple[ColumnElement[bool], ...]:
    return (
        journey_instances.c.journey_id == journey.id,
        journey_instances.c.version != journey.version,
        journey_instances.c.ended_at.is_(None),
    )


def _migrate(
    connection: Connection, journey: Journey, node_map: dict[str, str]
) -> list[dict[str, Any]]:
    plan = migration_plan(connection, journey.workspace_id, journey.key, node_map)
    blocked = sorted({step["node"] for step in plan if step["to"] is None})
    if blocked:
        raise InvalidInput(
            f"node_map: instances wait at {', '.join(map(repr, blocked))}, which version "
            f"{journey.version} lacks: map each to one of its nodes",
            field="node_map",
        )
    for node, target in sorted({(step["node"], step["to"]) for step in plan}):
        connection.execute(
            update(journey_instances)
            .where(*_older_live(journey), journey_instances.c.node == node)
            .values(version=journey.version, node=target)
        )
    return plan


def set_status(
    connection: Connection, workspace_id: str, key: str, status: Status, now: datetime
) -> Journey:
    """Pause or resume a published journey."""
    journey = get_journey(connection, workspace_id, key)
    allowed = {Status.PAUSED: Status.PUBLISHED, Status.PUBLISHED: Status.PAUSED}
    if journey.status is not status and allowed.get(status) is not journey.status:
        raise Conflict(f"journey {key!r} is {journey.status}; it cannot become {status}")
    connection.execute(
        update(journeys)
        .where(journeys.c.id == journey.id)
        .values(status=status.value, updated_at=now)
    )
    listen_to_events(connection, workspace_id, now)
    return get_journey(connection, workspace_id, key)


def mark_archived(connection: Connection, journey: Journey, now: datetime) -> None:
    connection.execute(
        update(journeys)
        .where(journeys.c.id == journey.id)
        .values(status=Status.ARCHIVED.value, updated_at=now)
    )
    listen_to_events(connection, journey.workspace_id, now)


def listen_to_events(connection: Connection, workspace_id: str, now: datetime) -> None:
    """Tell the timeline which events the workspace's live journeys hear: while any is
    live, every event of a customer, since instances look at each of them again."""
    live = live_journeys(connection, workspace_id)
    heard = set().union(*(journey.definition.events_heard() for journey in live))
    listen(connection, workspace_id, Consumer.JOURNEYS, heard, bool(live), now)
