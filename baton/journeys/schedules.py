"""Time-triggered journeys: a cron schedule entering a segment's members, and date traits
(birthdays, renewals) entering each profile on its day.

Each run covers the time from the journey's `scheduled_through` to now and moves that
mark in the same transaction as the entries: a crash redoes the run, never half of it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from baton.core.batches import chunked
from baton.core.clock import Clock
from baton.core.formats import iso_instant
from baton.core.local_time import clock_time, zone
from baton.journeys.definitions import DateTraitTrigger, ScheduleTrigger
from baton.journeys.refusals import Refusal
from baton.journeys.runner import Batch
from baton.journeys.store import LiveJourney
from baton.segments import parse_instant
from baton.storage.database import any_row, write_transaction
from baton.storage.tables import definitions, journeys, profiles, segment_memberships

# How often date-trait journeys look for profiles whose day has come.
DATE_TRAIT_EVERY = timedelta(minutes=5)
_CHUNK = 1000


def run_schedules(engine: Engine, clock: Clock) -> int:
    """Run every time-triggered journey that is due; returns how many profiles entered."""
    now = clock.now()
    entered = 0
    timed = (journeys.c.status == "published") & journeys.c.scheduled_through.is_not(None)
    if not any_row(engine, select(journeys.c.id).where(timed)):
        return 0
    with write_transaction(engine) as connection:
        query = select(journeys.c.id, journeys.c.workspace_id, journeys.c.scheduled_through).where(
            timed
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for journey_id, workspace_id, through in connection.execute(query).all():
            batch = Batch(connection, workspace_id, now)
            live = batch.live.get(journey_id)
            if live is None or not _due(live, through, now):
                continue
            profile_ids = _audience(batch, live, through)
            trigger = {
                "event": None,
                "properties": {"scheduled_for": iso_instant(now)},
                "via": "schedule",
            }
            for chunk in chunked(profile_ids, _CHUNK):
                batch.load_live(chunk, lock=True)
                for profile_id in chunk:
                    entered += not isinstance(batch.start(live, profile_id, trigger, now), Refusal)
                batch.flush()
            connection.execute(
                update(journeys).where(journeys.c.id == journey_id).values(scheduled_through=now)
            )
    return entered


def _due(live: LiveJourney, through: datetime, now: datetime) -> bool:
    trigger = live.definition.trigger
    if isinstance(trigger, ScheduleTrigger):
        local = through.astimezone(zone(trigger.timezone))
        return trigger.cron.next_after(local) <= now
    return isinstance(trigger, DateTraitTrigger) and through + DATE_TRAIT_EVERY <= now


def _audience(batch: Batch, live: LiveJourney, since: datetime) -> list[str]:
    """The profiles this run enters: the segment's members, or those whose date came."""
    connection, now = batch.connection, batch.now
    trigger = live.definition.trigger
    workspace_id = live.journey.workspace_id
    if isinstance(trigger, ScheduleTrigger):
        segment_id = (
            select(definitions.c.id)
            .where(
                definitions.c.workspace_id == workspace_id,
                definitions.c.kind == "segment",
                definitions.c.key == trigger.segment,
            )
            .scalar_subquery()
        )
        rows = connection.execute(
            select(segment_memberships.c.profile_id)
            .where(segment_memberships.c.segment_id == segment_id)
            .order_by(segment_memberships.c.profile_id)
        )
        return list(rows.scalars())
    assert isinstance(trigger, DateTraitTrigger)
    value = profiles.c.traits[trigger.date_trait].as_string()
    rows = connection.execute(
        select(profiles.c.id, profiles.c.traits).where(
            profiles.c.workspace_id == workspace_id,
            profiles.c.merged_into.is_(None),
            value.is_not(None),
        )
    )
    workspace_zone = batch.default_timezone
    found = []
    for profile_id, traits in rows:
        name = traits.get("timezone")
        try:
            tz = zone(name) if isinstance(name, str) else workspace_zone
        except ValueError:
            tz = workspace_zone
        if _date_comes(trigger, traits.get(trigger.date_trait), tz, since, now):
            found.append(profile_id)
    return sorted(found)


def _date_comes(
    trigger: DateTraitTrigger, raw: Any, tz: Any, since: datetime, until: datetime
) -> bool:
    """Whether the day the trait names (shifted, at the local time) falls in (since, until]."""
    if parse_instant(raw) is None:
        return False
    day = date.fromisoformat(raw[:10])
    years = range(since.year - 1, until.year + 2) if trigger.recurring else [day.year]
    for year in years:
        try:
            anniversary = day.replace(year=year)
        except ValueError:  # 29 February in a common year
            anniversary = date(year, 2, 28)
        target = datetime.combine(anniversary, clock_time(trigger.at), tzinfo=tz) + trigger.shift
        if since < target <= until:
            return True
    return False
