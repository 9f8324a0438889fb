"""From the timeline to what each destination will send: the destinations' inbox (final
events and changed profiles, baton/timeline) becomes items, and items fill batches.

An inbox entry becomes its items in the transaction that deletes it, and items become a
batch in the transaction that deletes them: nothing accepted is lost or taken twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from baton.core.clock import Clock
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.destinations.settings import Batched, CrmSettings, WebhookDestinationSettings
from baton.destinations.store import Destination, destinations_by_id, list_destinations
from baton.segments import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.segments.memberships import members_among
from baton.storage.database import among, executemany_fast, upsert, write_transaction
from baton.storage.tables import (
    destination_deliveries,
    destination_inbox,
    destination_items,
    destination_snapshots,
    events,
    profiles,
)

_INBOX_BATCH = 500
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
_SEGMENT_TYPES = {SEGMENT_ENTERED: "segment.entered", SEGMENT_EXITED: "segment.exited"}


def collect(engine: Engine, clock: Clock) -> int:
    """Turn one batch of the inbox into items; how many entries it took."""
    with write_transaction(engine) as connection:
        rows = connection.execute(
            select(destination_inbox).order_by(destination_inbox.c.seq).limit(_INBOX_BATCH)
        ).all()
        if not rows:
            return 0
        now = clock.now()
        by_workspace: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_workspace[row.workspace_id].append(row)
        for workspace_id, entries in by_workspace.items():
            found = list_destinations(connection, workspace_id)
            items = _event_items(connection, workspace_id, found, entries)
            items += _trait_items(connection, workspace_id, found, entries, now)
            waits = {d.id: d.settings.wait for d in found if isinstance(d.settings, Batched)}
            executemany_fast(
                connection,
                insert(destination_items),
                [{"destination_id": d, "payload": p, "due_at": now + waits[d]} for d, p in items],
            )
        # The rows read, not a range: on PostgreSQL a lower seq may commit after a higher.
        taken = [row.seq for row in rows]
        connection.execute(delete(destination_inbox).where(destination_inbox.c.seq.in_(taken)))
        return len(rows)


def _event_items(
    connection: Connection, workspace_id: str, found: list[Destination], entries: list[Any]
) -> list[tuple[str, dict[str, Any]]]:
    hooks = [d for d in found if isinstance(d.settings, WebhookDestinationSettings)]
    ids = [e.message_id for e in entries if e.message_id is not None]
    if not hooks or not ids:
        return []
    rows = connection.execute(
        select(
            events.c.message_id,
            events.c.event,
            events.c.profile_id,
            events.c.timestamp,
            events.c.properties,
        ).where(
            events.c.workspace_id == workspace_id,
            among(events.c.message_id, ids, connection.dialect),
        )
    ).all()
    by_id = {row.message_id: row for row in rows}
    items: list[tuple[str, dict[str, Any]]] = []
    for message_id in ids:
        row = by_id.get(message_id)
        if row is None:
            continue  # purged or erased since
        properties = row.properties or {}
        for hook in hooks:
            settings = hook.settings
            assert isinstance(settings, WebhookDestinationSettings)
            payload = {
                "id": row.message_id,
                "profile_id": row.profile_id,
                "timestamp": iso_instant(row.timestamp),
            }
            if row.event in _SEGMENT_TYPES:
                if properties.get("segment_key") in settings.segments:
                    payload.update(
                        type=_SEGMENT_TYPES[row.event], segment=properties["segment_key"]
                    )
                    items.append((hook.id, payload))
            elif row.event in settings.events:
                payload.update(type="event", event=row.event, properties=properties)
                items.append((hook.id, payload))
    return items


def _trait_items(
    connection: Connection,
    workspace_id: str,
    found: list[Destination],
    entries: list[Any],
    now: datetime,
) -> list[tuple[str, dict[str, Any]]]:
    """A trait change is a difference from what the destination saw last (its snapshot),
    so a profile announced twice changes once."""
    watchers = [
        d
        for d in found
        if isinstance(d.settings, CrmSettings)
        or (isinstance(d.settings, WebhookDestinationSettings) and d.settings.traits)
    ]
    profile_ids = sorted({e.profile_id for e in entries if e.message_id is None})
    if not watchers or not profile_ids:
        return []
    dialect = connection.dialect
    traits_of = {
        row.id: row.traits or {}
        for row in connection.execute(
            select(profiles.c.id, profiles.c.traits).where(
                among(profiles.c.id, profile_ids, dialect), profiles.c.merged_into.is_(None)
            )
        )
    }
    segments = [d.settings.segment for d in watchers if isinstance(d.settings, CrmSettings)]
    members = members_among(
        connection, workspace_id, sorted({s for s in segments if s}), sorted(traits_of)
    )
    items: list[tuple[str, dict[str, Any]]] = []
    snapshots: list[dict[str, Any]] = []
    for watcher in watchers:
        settings = watcher.settings
        assert isinstance(settings, CrmSettings | WebhookDestinationSettings)
        seen = {
            row.profile_id: row.traits
            for row in connection.execute(
                select(destination_snapshots.c.profile_id, destination_snapshots.c.traits).where(
                    destination_snapshots.c.destination_id == watcher.id,
                    among(destination_snapshots.c.profile_id, sorted(traits_of), dialect),
                )
            )
        }
        for profile_id, traits in traits_of.items():
            watched = {name: traits[name] for name in settings.traits if name in traits}
            before = seen.get(profile_id, {})
            changes = {
                name: {"from": before.get(name), "to": watched.get(name)}
                for name in sorted(set(watched) | set(before))
                if watched.get(name) != before.get(name)
            }
            if not changes:
                continue
            snapshots.append(
                {"destination_id": watcher.id, "profile_id": profile_id, "traits": watched}
            )
            if isinstance(settings, CrmSettings):
                if settings.segment is None or settings.segment in members.get(profile_id, ()):
                    items.append((watcher.id, {"type": "contact", "profile_id": profile_id}))
            else:
                items.append(
                    (
                        watcher.id,
                        {
                            "id": new_id("chg", now),
                            "type": "traits.changed",
                            "profile_id": profile_id,
                            "timestamp": iso_instant(now),
                            "changes": changes,
                        },
                    )
                )
    if snapshots:
        upsert(
            connection,
            destination_snapshots,
            snapshots,
            keys=["destination_id", "profile_id"],
            replace=["traits"],
        )
    return items


def fill_batches(engine: Engine, clock: Clock) -> int:
    """Make a delivery of each destination's waiting items that fill a batch, or whose
    oldest waited long enough; how many deliveries it made."""
    made = 0
    with write_transaction(engine) as connection:
        now = clock.now()
        waiting = connection.execute(
            select(
                destination_items.c.destination_id,
                func.count(),
                func.min(destination_items.c.due_at),
            ).group_by(destination_items.c.destination_id)
        ).all()
        found = destinations_by_id(connection, [row[0] for row in waiting])
        for destination_id, count, due_at in waiting:
            settings = found[destination_id].settings
            assert isinstance(settings, Batched)
            while count >= settings.batch_size or (count and due_at <= now):
                rows = connection.execute(
                    select(destination_items.c.seq, destination_items.c.payload)
                    .where(destination_items.c.destination_id == destination_id)
                    .order_by(destination_items.c.seq)
                    .limit(settings.batch_size)
                ).all()
                connection.execute(
                    insert(destination_deliveries).values(
                        id=new_id("whd", now),
                        destination_id=destination_id,
                        status=PENDING,
                        items=[row.payload for row in rows],
                        attempts=0,
                        next_at=now,
                        created_at=now,
                    )
                )
                connection.execute(
                    delete(destination_items).where(
                        destination_items.c.destination_id == destination_id,
                        destination_items.c.seq.in_([row.seq for row in rows]),
                    )
                )
                count -= len(rows)
                made += 1
    return made


def next_collect_at(connection: Connection) -> datetime | None:
    """The earliest instant (long past) when the inbox holds anything, else when the
    first waiting batch is due."""
    if connection.execute(select(destination_inbox.c.seq).limit(1)).first() is not None:
        return datetime.min.replace(tzinfo=UTC)
    found: datetime | None = connection.execute(
        select(func.min(destination_items.c.due_at))
    ).scalar()
    return found
