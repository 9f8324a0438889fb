"""Best send time: the hour of day, in a person's own time zone, at which they usually
open or click what they are sent, and the instant a message waiting for it goes out.

A person's hour comes from their own engagements of the last 180 days, each weighing
half as much per 30 days of age (the weights still add up to the number of engagements),
spread a little onto the neighbouring hours (an open at 14:55 says something about 15:00)
and drawn towards the workspace's distribution by two pseudo-engagements. With fewer than
three engagements of their own, the workspace's best hour stands in; with fewer than three
in the workspace either, there is no hour.
The workspace's distribution reads its newest 20,000 engagements, each at the local hour
of the person who engaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from baton.core.local_time import zone_or
from baton.storage.database import among
from baton.storage.tables import events, profiles
from baton.workspaces import QuietHours

# Opens and clicks as delivery records them (e-mail, the in-app inbox, WhatsApp's reads).
ENGAGEMENTS = (
    "Email Opened",
    "Email Link Clicked",
    "Inbox Message Seen",
    "Inbox Message Clicked",
    "WhatsApp Read",
)
MIN_ENGAGEMENTS = 3
HISTORY = timedelta(days=180)
HALF_LIFE = timedelta(days=30)
PRIOR = 2.0  # pseudo-engagements at the workspace's distribution
WORKSPACE_SAMPLE = 20_000
_OWN_LIMIT = 500  # a person's newest engagements read
_NEIGHBOURS = (0.25, 0.5, 0.25)  # the hour before, the hour, the hour after
_DAY = 24 * 60

Source = Literal["own", "workspace", "none"]


@dataclass(frozen=True)
class BestHour:
    """A local hour of day (0-23), where it came from, and how many of the person's own
    engagements were read; no hour when nothing is known."""

    hour: int | None
    source: Source
    engagements: int = 0

    @property
    def basis(self) -> str:
        """`own opens: 14:00 local`, `workspace: 10:00`, `no data`."""
        if self.hour is None:
            return "no data"
        if self.source == "own":
            return f"own opens: {self.hour:02d}:00 local"
        return f"workspace: {self.hour:02d}:00"


NO_DATA = BestHour(None, "none")


def recency_weight(at: datetime, now: datetime) -> float:
    return float(0.5 ** ((now - at) / HALF_LIFE))


def hour_weights(engaged: Iterable[tuple[datetime, ZoneInfo]], now: datetime) -> list[float]:
    """Recency-weighted engagements per local hour of day."""
    weights = [0.0] * 24
    for at, tz in engaged:
        weights[at.astimezone(tz).hour] += recency_weight(at, now)
    return weights


def _spread(weights: Sequence[float]) -> list[float]:
    before, own, after = _NEIGHBOURS
    return [
        before * weights[(h - 1) % 24] + own * weights[h] + after * weights[(h + 1) % 24]
        for h in range(24)
    ]


def _top(weights: Sequence[float]) -> int:
    spread = _spread(weights)
    return max(range(24), key=lambda h: (spread[h], -h))


@dataclass(frozen=True)
class WorkspaceHours:
    """The workspace's engagements per local hour (recency-weighted) and how many."""

    weights: list[float]
    count: int

    @property
    def best(self) -> BestHour:
        if self.count < MIN_ENGAGEMENTS:
            return NO_DATA
        return BestHour(_top(self.weights), "workspace")


def best_hour(
    own: Sequence[datetime], tz: ZoneInfo, workspace: WorkspaceHours, now: datetime
) -> BestHour:
    """The person's best hour from their own engagements (instants), else the workspace's."""
    if len(own) < MIN_ENGAGEMENTS:
        fallback = workspace.best
        return BestHour(fallback.hour, fallback.source, len(own))
    weights = hour_weights(((at, tz) for at in own), now)
    # Recency shapes the person's distribution; its strength against the prior stays the
    # number of engagements, however old.
    scale = len(own) / sum(weights)
    weights = [w * scale for w in weights]
    total = sum(workspace.weights)
    if total > 0:
        weights = [w + PRIOR * ws / total for w, ws in zip(weights, workspace.weights, strict=True)]
    return BestHour(_top(weights), "own", len(own))


# --- reading the history -----------------------------------------------------------------


def own_engagements(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str], now: datetime
) -> dict[str, list[datetime]]:
    """Each profile's engagement instants of the history window, newest first (at most
    500 each); every profile asked has an entry."""
    found: dict[str, list[datetime]] = {profile_id: [] for profile_id in profile_ids}
    if not profile_ids:
        return found
    rows = connection.execute(
        select(events.c.profile_id, events.c.timestamp)
        .where(
            events.c.workspace_id == workspace_id,
            among(events.c.profile_id, list(profile_ids), connection.dialect),
            events.c.event.in_(ENGAGEMENTS),
            events.c.timestamp > now - HISTORY,
            events.c.timestamp <= now,
        )
        .order_by(events.c.profile_id, events.c.timestamp.desc())
    )
    for profile_id, at in rows:
        mine = found[profile_id]
        if len(mine) < _OWN_LIMIT:
            mine.append(at)
    return found


def workspace_hours(
    connection: Connection, workspace_id: str, default_timezone: ZoneInfo, now: datetime
) -> WorkspaceHours:
    """The workspace's newest engagements of the history window, by the local hour of
    each person who engaged."""
    rows = connection.execute(
        select(events.c.timestamp, profiles.c.traits["timezone"].as_string())
        .join(profiles, profiles.c.id == events.c.profile_id)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.event.in_(ENGAGEMENTS),
            events.c.timestamp > now - HISTORY,
            events.c.timestamp <= now,
        )
        .order_by(events.c.seq.desc())
        .limit(WORKSPACE_SAMPLE)
    ).all()
    zones: dict[Any, ZoneInfo] = {}

    def zone_of(name: Any) -> ZoneInfo:
        if name not in zones:
            zones[name] = zone_or(name, default_timezone)
        return zones[name]

    engaged = [(at, zone_of(name)) for at, name in rows]
    return WorkspaceHours(hour_weights(engaged, now), len(engaged))


# --- when to send ------------------------------------------------------------------------


def send_instant(
    at: datetime,
    tz: ZoneInfo,
    hour: int,
    max_delay: timedelta,
    quiet: QuietHours | None,
    channel: str,
) -> datetime:
    """The earliest instant within `max_delay` of `at` whose local time falls in `hour`,
    outside quiet hours; else the allowed one nearest to that hour on the clock (whole
    local hours, `at` itself, and the ends of quiet spells are the candidates). When quiet
    hours cover the whole window, `at`: quiet hours then hold the message back as always."""
    deadline = at + max_delay
    top = at.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    candidates = [at]
    step = top + timedelta(hours=1)
    while step <= deadline:
        candidates.append(step)
        step += timedelta(hours=1)
    if quiet is not None:
        ends = {quiet.ends(c, tz, channel) for c in candidates}
        candidates += [end for end in ends if end is not None and at <= end <= deadline]
    fitting = [c for c in candidates if quiet is None or quiet.ends(c, tz, channel) is None]
    if not fitting:
        return at
    return min(fitting, key=lambda c: (_off_hour(c.astimezone(tz), hour), c))


def _off_hour(local: datetime, hour: int) -> int:
    """Minutes on the clock from `local` to the hour `hour` (0 inside it)."""
    after = (local.hour * 60 + local.minute - hour * 60) % _DAY
    return 0 if after < 60 else min(_DAY - after, after - 59)
