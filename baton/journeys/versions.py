"""A journey's versions as a history: which is the draft, which is published, which
were superseded, when each was made and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Row, select

from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.paging import Page
from baton.journeys.store import Journey
from baton.storage.tables import audit_log, journey_versions

VersionStatus = Literal["draft", "published", "superseded"]
# A save's audit entry is written in the transaction that saved the version, a moment
# after it: the entry of a version is the first one this close after it.
_SAVED_WITHIN = timedelta(seconds=5)


@dataclass(frozen=True)
class Version:
    version: int
    status: VersionStatus
    # When its definition was last saved: a draft's changes with each save.
    created_at: datetime
    published_at: datetime | None
    # Who saved it last (an e-mail, or the admin key), as the audit trail tells; None
    # when it was saved without an entry (the command line, a journey template).
    created_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "created_at": iso_instant(self.created_at),
            "published_at": iso_instant(self.published_at),
            "created_by": self.created_by,
        }


def versions_page(
    connection: Connection, journey: Journey, after: int | None, limit: int
) -> Page[Version, int]:
    """The journey's versions, newest first, from the one before the version `after`."""
    query = select(
        journey_versions.c.version, journey_versions.c.created_at, journey_versions.c.published_at
    ).where(journey_versions.c.journey_id == journey.id)
    if after is not None:
        query = query.where(journey_versions.c.version < after)
    rows = connection.execute(
        query.order_by(journey_versions.c.version.desc()).limit(limit + 1)
    ).all()
    page = rows[:limit]
    savers = _savers(connection, journey, [row.created_at for row in page])
    found = [_version(journey, row, savers) for row in page]
    return Page(found, found[-1].version if len(rows) > limit else None)


def get_version(connection: Connection, journey: Journey, version: int) -> tuple[Version, Any]:
    """A version and its definition document; NotFound for a version the journey lacks."""
    row = connection.execute(
        select(journey_versions).where(
            journey_versions.c.journey_id == journey.id, journey_versions.c.version == version
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"journey {journey.key!r} has no version {version}")
    return _version(journey, row, _savers(connection, journey, [row.created_at])), row.definition


def _version(
    journey: Journey, row: Row[*tuple[Any, ...]], savers: dict[datetime, str | None]
) -> Version:
    """The version of a `journey_versions` row, saved by whom `savers` tells."""
    return Version(
        row.version,
        _status(journey, row.version, row.published_at),
        row.created_at,
        row.published_at,
        savers.get(row.created_at),
    )


def _status(journey: Journey, version: int, published_at: datetime | None) -> VersionStatus:
    if published_at is None:
        return "draft"
    return "published" if version == journey.published_version else "superseded"


def _savers(
    connection: Connection, journey: Journey, instants: list[datetime]
) -> dict[datetime, str | None]:
    """Who saved the versions saved at these instants: the actor of the first
    `journey.save` entry recorded within `_SAVED_WITHIN` after each."""
    if not instants:
        return {}
    entries = connection.execute(
        select(audit_log.c.at, audit_log.c.actor_label)
        .where(
            audit_log.c.workspace_id == journey.workspace_id,
            audit_log.c.object_type == "journey",
            audit_log.c.object_id == journey.key,
            audit_log.c.action == "journey.save",
            audit_log.c.at >= min(instants),
            audit_log.c.at < max(instants) + _SAVED_WITHIN,
        )
        .order_by(audit_log.c.at)
    ).all()
    found: dict[datetime, str | None] = {}
    for instant in instants:
        found[instant] = next(
            (label for at, label in entries if instant <= at < instant + _SAVED_WITHIN), None
        )
    return found
