"""Segments as ad-platform audience files, and their scheduled upload.

Each platform documents its customer-list file: Meta Custom Audiences (`email`, `phone`
columns) and Google Ads Customer Match (`Email`, `Phone`). E-mails are trimmed and
lower-cased, phones put in E.164, and each is SHA-256-hashed as lowercase hex. Google
hashes the E.164 form with its leading `+`; Meta wants digits only (country code, no `+`,
no leading zeros). A member with neither is left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from baton.channels.calls import Answer, judge
from baton.channels.senders import DELIVERED
from baton.core.clock import Clock
from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.destinations.outbound import signed_call
from baton.destinations.settings import AudienceFormat, AudienceSettings
from baton.destinations.store import destinations_by_id
from baton.identity.normalize import normalize_email, normalize_phone
from baton.segments import Kind, get_definition
from baton.storage.database import write_transaction
from baton.storage.tables import destinations, profiles, segment_memberships

HEADERS = {AudienceFormat.META: "email,phone\n", AudienceFormat.GOOGLE: "Email,Phone\n"}
_PAGE = 1000
# Files this large stay in memory on the way to the platform; larger ones spill to disk.
_IN_MEMORY = 8 << 20


def hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def audience_row(format: AudienceFormat, traits: dict[str, Any], region: str) -> str | None:
    """One member's CSV line (hashed), or None when it holds no usable e-mail or phone."""
    email = traits.get("email")
    phone = traits.get("phone")
    email = normalize_email(email) if isinstance(email, str) else None
    phone = normalize_phone(phone, region) if isinstance(phone, str) else None
    if email is None and phone is None:
        return None
    if phone is not None and format is AudienceFormat.META:
        phone = phone.removeprefix("+")
    return f"{hashed(email) if email else ''},{hashed(phone) if phone else ''}\n"


def audience_lines(
    connection: Connection, workspace_id: str, segment: str, format: AudienceFormat, region: str
) -> Iterator[str]:
    """The file, a line at a time: its header, then its members a page at a time."""
    segment_id = get_definition(connection, workspace_id, Kind.SEGMENT, segment).id
    yield HEADERS[format]
    after = ""
    m = segment_memberships.c
    while True:
        rows = connection.execute(
            select(m.profile_id, profiles.c.traits)
            .join_from(segment_memberships, profiles, profiles.c.id == m.profile_id)
            .where(m.segment_id == segment_id, m.profile_id > after)
            .order_by(m.profile_id)
            .limit(_PAGE)
        ).all()
        for row in rows:
            line = audience_row(format, row.traits or {}, region)
            if line is not None:
                yield line
        if len(rows) < _PAGE:
            return
        after = rows[-1].profile_id


def run_audiences(engine: Engine, clock: Clock, region: str) -> int:
    """Upload each audience whose run is due, and schedule its next; how many ran."""
    now = clock.now()
    with write_transaction(engine) as connection:
        due = connection.execute(
            select(destinations.c.id, destinations.c.next_run_at).where(
                destinations.c.kind == "audience", destinations.c.next_run_at <= now
            )
        ).all()
        found = destinations_by_id(connection, [row.id for row in due])
        for row in due:
            settings = found[row.id].settings
            assert isinstance(settings, AudienceSettings)
            # Claimed by moving the next run on: a crash mid-upload waits for the next.
            connection.execute(
                update(destinations)
                .where(destinations.c.id == row.id)
                .values(next_run_at=max(row.next_run_at + settings.period, now))
            )
    for destination in found.values():
        settings = destination.settings
        assert isinstance(settings, AudienceSettings)
        last_run = upload_audience(engine, destination.workspace_id, settings, region, clock.now())
        with write_transaction(engine) as connection:
            connection.execute(
                update(destinations)
                .where(destinations.c.id == destination.id)
                .values(last_run=last_run)
            )
    return len(found)


def upload_audience(
    engine: Engine, workspace_id: str, settings: AudienceSettings, region: str, now: datetime
) -> dict[str, Any]:
    """Generate the file and send it; the run as shown (when, status, rows, detail)."""
    rows = 0
    with SpooledTemporaryFile(max_size=_IN_MEMORY) as file, engine.connect() as connection:
        try:
            lines = audience_lines(
                connection, workspace_id, settings.segment, settings.format, region
            )
            for line in lines:
                file.write(line.encode())
                rows += 1
        except NotFound as error:  # the segment was deleted since
            return {"at": iso_instant(now), "status": "failed", "rows": 0, "detail": str(error)}
        file.seek(0)
        answer = signed_call(
            settings,
            settings.method,
            settings.url,
            new_id("aud", now),
            now,
            file.read(),
            "text/csv; charset=utf-8",
        )
    outcome = judge(answer) if isinstance(answer, Answer) else answer
    return {
        "at": iso_instant(now),
        "status": "delivered" if outcome.status == DELIVERED else "failed",
        "rows": rows - 1,
        "detail": outcome.detail,
    }


def next_audience_at(connection: Connection) -> datetime | None:
    found: datetime | None = connection.execute(
        select(destinations.c.next_run_at)
        .where(destinations.c.kind == "audience")
        .order_by(destinations.c.next_run_at)
        .limit(1)
    ).scalar()
    return found
