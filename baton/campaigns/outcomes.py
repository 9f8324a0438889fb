"""What a broadcast did: each recipient's message and what they did after it, summed into
the report (per variant, per locale, lift against the holdout) and into the choice of
the A/B winner, both with the statistics of baton/core/statistics.py.

A conversion is the goal event within the goal's window after the person's message was
due (for the holdout: when theirs would have been), so both groups are measured alike.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from baton.analytics.journey_report import message_engagement, order_revenue
from baton.channels import DELIVERED
from baton.core import statistics as stats
from baton.core.formats import iso_instant
from baton.storage.tables import broadcast_recipients, events, messages

if TYPE_CHECKING:
    from baton.campaigns.store import Broadcast

__all__ = ["Outcome", "broadcast_report", "broadcast_summaries", "choose_winner", "outcomes"]

_R = broadcast_recipients.c
# Handed to the channel: sent, whatever the provider made of it.
_SENT = ("sending", DELIVERED, "failed")
_METRIC = {"opens": "opened", "clicks": "clicked", "goal": "converted"}


@dataclass
class Outcome:
    profile_id: str
    cohort: str | None
    variant: str | None
    message: Any  # its row in the outbox, None before it is queued
    opened: bool = False
    clicked: bool = False
    unsubscribed: bool = False
    converted: bool = False
    revenue: float = 0.0

    @property
    def status(self) -> str:
        return "unqueued" if self.message is None else str(self.message.status)


def outcomes(connection: Connection, b: Broadcast) -> list[Outcome]:
    """Every recipient's, by profile id."""
    people = select(_R.profile_id).where(_R.broadcast_id == b.id)
    c = messages.c
    sent: dict[str, Any] = {
        m.profile_id: m
        for m in connection.execute(
            select(
                c.id,
                c.profile_id,
                c.status,
                c.reason,
                c.due_at,
                c.dispatched_at,
                c.locale,
                c.template,
            ).where(c.broadcast_id == b.id)
        )
    }
    found = [
        Outcome(profile_id, cohort, variant, sent.get(profile_id))
        for profile_id, cohort, variant in connection.execute(
            select(_R.profile_id, _R.cohort, _R.variant)
            .where(_R.broadcast_id == b.id)
            .order_by(_R.profile_id)
        )
    ]
    engaged = message_engagement(connection, b.workspace_id, people, list(sent.values()))
    for o in found:
        did = engaged.get(o.message.id, set()) if o.message is not None else set()
        o.opened, o.clicked = "opened" in did or "clicked" in did, "clicked" in did
        o.unsubscribed = "unsubscribed" in did
    goal, window = b.definition.goal, b.definition.goal_window()
    if goal is None or window is None or b.row.started_at is None:
        return found
    conversions: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for profile_id, at, properties in connection.execute(
        select(events.c.profile_id, events.c.timestamp, events.c.properties).where(
            events.c.workspace_id == b.workspace_id,
            events.c.event == goal.event,
            events.c.profile_id.in_(people),
            events.c.timestamp >= b.row.started_at,
        )
    ):
        conversions[profile_id].append((at, order_revenue(properties or {})))
    for o in found:
        mine = sorted(conversions.get(o.profile_id, []))
        if o.message is None or not mine:
            continue
        start = o.message.due_at
        within = mine[bisect.bisect_left(mine, (start, float("-inf"))) :]
        within = [(at, revenue) for at, revenue in within if at <= start + window]
        o.converted = bool(within)
        o.revenue = sum(revenue for _, revenue in within)
    return found


def choose_winner(
    connection: Connection, b: Broadcast, now: datetime
) -> tuple[str, dict[str, Any]]:
    """The sample's best variant by the test's metric, and why: each variant's rate with
    its interval and probability to be best, and the p-value against the runner-up."""
    ab = b.definition.ab_test
    assert ab is not None
    flag = _METRIC[ab.metric]
    arms: dict[str, tuple[int, int]] = {v.key: (0, 0) for v in ab.variants}
    for o in outcomes(connection, b):
        if o.cohort != "sample" or o.variant not in arms:
            continue
        # Opens and clicks count among those delivered; the goal among everyone tried.
        if ab.metric != "goal" and o.status != DELIVERED:
            continue
        s, n = arms[o.variant]
        arms[o.variant] = (s + int(getattr(o, flag)), n + 1)
    best = stats.probability_to_be_best(list(arms.values()))
    order = sorted(
        arms, key=lambda k: (-_rate(*arms[k]), -best[list(arms).index(k)], list(arms).index(k))
    )
    winner, runner_up = order[0], order[1]
    (s1, n1), (s2, n2) = arms[winner], arms[runner_up]
    p_value = round(stats.p_value(s1, n1, s2, n2), 6) if n1 and n2 else None
    reason: dict[str, Any] = {
        "metric": ab.metric,
        "decided_at": iso_instant(now),
        "arms": {
            key: {
                "profiles": n,
                "conversions": s,
                "rate": _rate(s, n),
                "rate_interval": stats.wilson(s, n).json(),
                "probability_to_be_best": round(to_be_best, 4),
            }
            for (key, (s, n)), to_be_best in zip(arms.items(), best, strict=True)
        },
        "p_value_against_runner_up": p_value,
        "why": (
            f"{winner} had the highest {ab.metric} rate ({_rate(s1, n1):.2%} of {n1}) "
            f"against {runner_up} ({_rate(s2, n2):.2%} of {n2})"
            if n1
            else f"no variant had a measurable message: {winner}, the first, goes out"
        ),
    }
    return winner, reason


def _rate(s: int, n: int) -> float:
    return round(s / n, 6) if n else 0.0


def broadcast_report(connection: Connection, b: Broadcast) -> dict[str, Any]:
    """Sent, delivered, opens, clicks, unsubscribes, conversions and revenue: in all,
    per variant and per locale; and the lift of the message against the holdout."""
    found = outcomes(connection, b)
    treated = [o for o in found if o.cohort != "holdout"]
    held = [o for o in found if o.cohort == "holdout"]
    variants: dict[str, list[Outcome]] = defaultdict(list)
    locales: dict[str, list[Outcome]] = defaultdict(list)
    for o in treated:
        variants[o.variant or b.row.winner or "default"].append(o)
        if o.message is not None:
            locales[o.message.locale or "default"].append(o)
    report: dict[str, Any] = {
        "key": b.key,
        "status": b.status.value,
        "started_at": iso_instant(b.row.started_at),
        "recipients": len(found),
        "holdout_size": len(held),
        "totals": _counts(treated),
        "variants": {key: _counts(group) for key, group in sorted(variants.items())},
        "locales": {key: _counts(group) for key, group in sorted(locales.items())},
        "holdout": _lift(treated, held) if held else None,
    }
    if b.definition.ab_test is not None:
        report["ab_test"] = {"winner": b.row.winner, "reason": b.row.winner_reason}
    return report


def broadcast_summaries(
    connection: Connection, broadcast_ids: list[str]
) -> dict[str, dict[str, int]]:
    """Each broadcast's recipients (the holdout too, as the report's `recipients`), sent
    and delivered, by id: one grouped query a table, however many broadcasts."""
    found = {i: {"recipients": 0, "sent": 0, "delivered": 0} for i in broadcast_ids}
    for broadcast_id, n in connection.execute(
        select(_R.broadcast_id, func.count())
        .where(_R.broadcast_id.in_(broadcast_ids))
        .group_by(_R.broadcast_id)
    ):
        found[broadcast_id]["recipients"] = n
    c = messages.c
    for broadcast_id, status, n in connection.execute(
        select(c.broadcast_id, c.status, func.count())
        .where(c.broadcast_id.in_(broadcast_ids))
        .group_by(c.broadcast_id, c.status)
    ):
        counts = found[broadcast_id]
        counts["sent"] += n if status in _SENT else 0
        counts["delivered"] += n if status == DELIVERED else 0
    return found


def _counts(group: Iterable[Outcome]) -> dict[str, Any]:
    group = list(group)
    statuses = [o.status for o in group]
    delivered = statuses.count(DELIVERED)
    counts: dict[str, Any] = {
        "recipients": len(group),
        "sent": sum(s in _SENT for s in statuses),
        "delivered": delivered,
        "failed": statuses.count("failed"),
        "skipped": statuses.count("skipped"),
        "cancelled": statuses.count("cancelled"),
        "waiting": sum(s in ("pending", "unqueued") for s in statuses),
        "opens": sum(o.opened for o in group),
        "clicks": sum(o.clicked for o in group),
        "unsubscribes": sum(o.unsubscribed for o in group),
        "conversions": sum(o.converted for o in group),
        "revenue": round(sum(o.revenue for o in group), 2),
    }
    for kind in ("opens", "clicks", "unsubscribes"):
        counts[f"{kind}_rate"] = _rate(counts[kind], delivered) if delivered else None
    return counts


def _lift(treated: list[Outcome], held: list[Outcome]) -> dict[str, Any]:
    """Conversions of those sent to against the holdout's, with 95% intervals."""
    s1, n1 = sum(o.converted for o in treated), len(treated)
    s2, n2 = sum(o.converted for o in held), len(held)
    relative = stats.ratio(s1, n1, s2, n2) if n1 else None
    revenue_gap = stats.bootstrap_mean_difference(
        [o.revenue for o in treated], [o.revenue for o in held]
    )
    return {
        "treated": {"profiles": n1, "conversions": s1, "rate": _rate(s1, n1),
                    "rate_interval": stats.wilson(s1, n1).json()},
        "holdout": {"profiles": n2, "conversions": s2, "rate": _rate(s2, n2),
                    "rate_interval": stats.wilson(s2, n2).json()},
        "lift": round(_rate(s1, n1) - _rate(s2, n2), 6),
        "lift_interval": stats.difference(s1, n1, s2, n2).json() if n1 else None,
        "relative_lift": round((s1 / n1) / (s2 / n2) - 1, 6) if n1 and s2 else None,
        "relative_lift_interval": relative.json() if relative else None,
        "p_value": round(stats.p_value(s1, n1, s2, n2), 6) if n1 else None,
        "revenue_per_profile_difference_interval": revenue_gap.json() if revenue_gap else None,
        "sample_too_small": stats.too_small(s1, n1, s2, n2),
    }  # fmt: skip
