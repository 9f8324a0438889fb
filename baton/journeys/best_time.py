"""Best-time messages (`send_at: best_time`): what the engine reads to time them, and
how their opens and clicks compare with those of the holdout sent at once (the lift).

The estimate itself is baton/predict/send_time.py. The runner hands the interpreter a
`SendTimesReader` per batch; the message keeps the decision in its payload (`send_at`:
group, hour, source, the time waited until), which the report and the why-answer read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from baton.core import statistics as stats
from baton.predict.send_time import (
    ENGAGEMENTS,
    BestHour,
    WorkspaceHours,
    best_hour,
    own_engagements,
    workspace_hours,
)
from baton.storage.database import among
from baton.storage.tables import events, messages
from baton.workspaces import QuietHours, load_policy

GROUPS = ("best_time", "holdout")
_OPENS = {"Email Opened", "Inbox Message Seen", "WhatsApp Read"}


class SendTimesReader:
    """Implements the interpreter's `SendTimes` for one batch: a profile's history is
    read with that of every profile the batch holds, the workspace's once."""

    def __init__(
        self,
        connection: Connection,
        workspace_id: str,
        now: datetime,
        default_timezone: Callable[[], ZoneInfo],
        profile_ids: Callable[[], Iterable[str]],
    ) -> None:
        self._connection = connection
        self._workspace_id = workspace_id
        self._now = now
        self._default_timezone = default_timezone
        self._profile_ids = profile_ids
        self._own: dict[str, list[datetime]] = {}
        self._workspace: WorkspaceHours | None = None
        self._quiet: QuietHours | None = None
        self._policy_read = False

    def best_hour(self, profile_id: str, timezone: ZoneInfo) -> BestHour:
        if profile_id not in self._own:
            wanted = sorted({*self._profile_ids(), profile_id} - self._own.keys())
            self._own.update(
                own_engagements(self._connection, self._workspace_id, wanted, self._now)
            )
        if self._workspace is None:
            self._workspace = workspace_hours(
                self._connection, self._workspace_id, self._default_timezone(), self._now
            )
        return best_hour(self._own[profile_id], timezone, self._workspace, self._now)

    def quiet_hours(self) -> QuietHours | None:
        if not self._policy_read:
            self._quiet = load_policy(self._connection, self._workspace_id).quiet_hours
            self._policy_read = True
        return self._quiet


def best_time_lift(connection: Connection, journey_id: str, workspace_id: str) -> dict[str, Any]:
    """Per best-time message node, for each group: messages delivered, opened and clicked,
    the rates, and the lift of best_time over holdout with its 95% interval."""
    group = messages.c.payload[("send_at", "group")].as_string()
    sent = connection.execute(
        select(messages.c.id, messages.c.node, messages.c.profile_id, group).where(
            messages.c.journey_id == journey_id,
            messages.c.status == "delivered",
            group.is_not(None),
        )
    ).all()
    if not sent:
        return {}
    engaged: dict[str, set[str]] = defaultdict(set)
    people = sorted({row.profile_id for row in sent})
    rows = connection.execute(
        select(events.c.event, events.c.properties["message_id"].as_string()).where(
            events.c.workspace_id == workspace_id,
            among(events.c.profile_id, people, connection.dialect),
            events.c.event.in_(ENGAGEMENTS),
        )
    )
    for name, message_id in rows:
        engaged[message_id].add("opened" if name in _OPENS else "clicked")
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {g: {"delivered": 0, "opened": 0, "clicked": 0} for g in GROUPS}
    )
    for message_id, node, _, in_group in sent:
        tally = counts[node][in_group]
        tally["delivered"] += 1
        # A click implies the message was opened, whether or not the pixel loaded.
        tally["opened"] += bool(engaged[message_id])
        tally["clicked"] += "clicked" in engaged[message_id]
    return {node: _lift(groups) for node, groups in sorted(counts.items())}


def _lift(groups: dict[str, dict[str, int]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, tally in groups.items():
        n = tally["delivered"]
        found[name] = {
            **tally,
            "open_rate": round(tally["opened"] / n, 6) if n else None,
            "click_rate": round(tally["clicked"] / n, 6) if n else None,
        }
    treated, control = groups["best_time"], groups["holdout"]
    for kind in ("opened", "clicked"):
        n1, n2 = treated["delivered"], control["delivered"]
        if n1 and n2:
            s1, s2 = treated[kind], control[kind]
            found[f"{kind}_lift"] = {
                "difference": round(s1 / n1 - s2 / n2, 6),
                "interval": stats.difference(s1, n1, s2, n2).json(),
                "p_value": round(stats.p_value(s1, n1, s2, n2), 6),
            }
    return found


def timing_answer(timing: dict[str, Any], channel: str, *, waiting: bool = False) -> str:
    """A best-time message's timing in words: `waited until 14:00 (their usual hour to
    open e-mail)`; `waits until ...` while the instance still waits."""
    waited = "waits" if waiting else "waited"
    what = "open e-mail" if channel == "email" else "engage"
    hour = timing.get("hour")
    usual = f"{hour:02d}:00" if hour is not None else None
    whose = "their usual hour" if timing.get("source") == "own" else "the workspace's usual hour"
    if timing.get("group") == "holdout":
        return "sent at once: in the best-time holdout, which measures the lift"
    if usual is None:
        return "sent at once: no opens or clicks to time it by"
    local = timing.get("local")
    if local is None:
        return f"sent at once: it was {whose} to {what} ({usual})"
    if local == usual:
        return f"{waited} until {local} ({whose} to {what})"
    return (
        f"{waited} until {local}, the allowed time nearest to {whose} to {what} ({usual}): "
        "quiet hours or the maximum delay ruled that hour out"
    )
