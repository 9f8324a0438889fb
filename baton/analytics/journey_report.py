"""What a journey did for the business, over the entries of a period.

- Per node: visits entered, instances that ended there (reaching the goal there, or
  dropping out) or wait there now, messages by status and skip reason, and for message
  nodes the engagement with them (opens, clicks, unsubscribes).
- Goals: conversions, rate, median and p90 time to goal.
- Revenue attributed: `Order Completed` revenue (`revenue`, else `total`) within the
  attribution window after a delivered message of the journey; last touch (the
  journey's message was the profile's latest delivered message before the order) and
  first touch (its earliest within the window). Cost and ROI when the workspace policy
  prices messages per channel (`message_costs`).
- Experiments: per split arm, and holdout against the rest, the profiles, conversions,
  rate with its interval, lift against control with intervals and p-value, the
  probability to be best, and revenue per profile (within the window after entry)
  with a bootstrap interval of its difference (baton/core/statistics.py); and the
  allocation history of optimized splits.
- A daily series of entries, goals, delivered messages and last-touch revenue.

The unit of the experiments is the profile: its first entry in the period.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, func, or_, select

from baton.core import statistics as stats
from baton.journeys import Journey, allocation_history
from baton.storage.database import among
from baton.storage.tables import (
    consent_changes,
    events,
    journey_instances,
    journey_steps,
    messages,
    prediction_scores,
    predictions,
)
from baton.workspaces import load_policy

ORDER_COMPLETED = "Order Completed"
ENGAGEMENT = {
    "Email Opened": "opened",
    "Email Link Clicked": "clicked",
    "Inbox Message Clicked": "clicked",
    "Inbox Message Seen": "opened",
    "WhatsApp Read": "opened",
}
_NODE_ACTIONS = (
    "enter",
    "message",
    "webhook",
    "delay",
    "wait_until",
    "wait_for_event",
    "branch",
    "split",
    "holdout",
    "update_profile",
    "enter_journey",
    "exit",
)


@dataclass
class _Entry:
    instance_id: str
    profile_id: str
    entered_at: datetime
    goal_at: datetime | None
    outcome: str | None
    ended_at: datetime | None
    node: str
    arms: dict[str, str]
    held_out: bool
    revenue: float = 0.0


@dataclass
class _Orders:
    """Each profile's orders: (time, revenue), in time order."""

    by_profile: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)

    def within(
        self, profile_id: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, float]]:
        found = self.by_profile.get(profile_id, [])
        low = bisect.bisect_left(found, (start, float("-inf")))
        high = bisect.bisect_right(found, (end, float("inf")))
        return found[low:high]


def journey_report(
    connection: Connection,
    journey: Journey,
    *,
    start: datetime,
    end: datetime,
    version: int | None,
    window: timedelta,
) -> dict[str, Any]:
    covered = _entered(journey, start, end, version)
    entries = _entries(connection, covered)
    people = select(journey_instances.c.profile_id).where(*covered)
    orders = _orders(connection, journey.workspace_id, people, start, end + window)
    sent = _messages(connection, journey, people)
    reported = {e.instance_id for e in entries}
    mine = [m for m in sent if m.journey_id == journey.id and m.instance_id in reported]
    policy = load_policy(connection, journey.workspace_id)
    attributed = _attribution(mine, sent, orders, window)
    delivered = Counter(m.channel for m in mine if m.status == "delivered")
    cost = sum(policy.message_costs.get(channel, 0.0) * n for channel, n in delivered.items())
    for entry in entries:
        entry.revenue = sum(
            r
            for _, r in orders.within(entry.profile_id, entry.entered_at, entry.entered_at + window)
        )
    seconds = sorted((e.goal_at - e.entered_at).total_seconds() for e in entries if e.goal_at)
    goals = len(seconds)
    return {
        "journey": journey.key,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "version": version,
        "attribution_window": _duration_text(window),
        "entries": len(entries),
        "profiles": len({e.profile_id for e in entries}),
        "goals": {
            "conversions": goals,
            "rate": round(goals / len(entries), 6) if entries else 0.0,
            "median_seconds_to_goal": statistics.median(seconds) if seconds else None,
            "p90_seconds_to_goal": seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))]
            if seconds
            else None,
        },
        "revenue": {
            "last_touch": round(attributed["last"], 2),
            "first_touch": round(attributed["first"], 2),
            "orders_last_touch": attributed["orders_last"],
            "orders_first_touch": attributed["orders_first"],
        },
        "cost": round(cost, 2) if policy.message_costs else None,
        "roi": round((attributed["last"] - cost) / cost, 4) if cost else None,
        "nodes": _nodes(
            connection,
            covered,
            entries,
            mine,
            message_engagement(connection, journey.workspace_id, people, mine),
        ),
        "experiments": _experiments(entries),
        "predictions": _by_decile(connection, journey.workspace_id, entries),
        "allocations": allocation_history(connection, journey.id),
        "daily": _daily(entries, mine, attributed["by_day"]),
    }


def node_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's figures per node, one flat row each (for tables and CSV files)."""
    return [
        {"node": node, **{k: v for k, v in figures.items() if k != "messages"}}
        for node, figures in report["nodes"].items()
    ]


def _entries(connection: Connection, covered: list[ColumnElement[bool]]) -> list[_Entry]:
    c = journey_instances.c
    query = (
        select(
            c.id,
            c.profile_id,
            c.entered_at,
            c.goal_at,
            c.outcome,
            c.ended_at,
            c.node,
            c.state["arms"],
            c.state["holdout"].as_boolean(),
        )
        .where(*covered)
        .order_by(c.entered_at, c.id)
    )
    return [
        _Entry(id, profile, entered, goal, outcome, ended, node, dict(arms or {}), bool(held))
        for id, profile, entered, goal, outcome, ended, node, arms, held in connection.execute(
            query
        )
    ]


def _entered(
    journey: Journey, start: datetime, end: datetime, version: int | None
) -> list[ColumnElement[bool]]:
    """The instances a report covers: those of the journey entered in the period."""
    c = journey_instances.c
    found = [c.journey_id == journey.id, c.entered_at >= start, c.entered_at <= end]
    if version is not None:
        found.append(c.version == version)
    return found


def _orders(
    connection: Connection, workspace_id: str, people: Select[Any], start: datetime, end: datetime
) -> _Orders:
    found: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    rows = connection.execute(
        select(events.c.profile_id, events.c.timestamp, events.c.properties).where(
            events.c.workspace_id == workspace_id,
            events.c.event == ORDER_COMPLETED,
            events.c.profile_id.in_(people),
            events.c.timestamp >= start,
            events.c.timestamp <= end,
        )
    )
    for profile_id, at, properties in rows:
        found[profile_id].append((at, order_revenue(properties or {})))
    return _Orders({p: sorted(orders) for p, orders in found.items()})


def order_revenue(properties: dict[str, Any]) -> float:
    for name in ("revenue", "total"):
        value = properties.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return 0.0


def _messages(connection: Connection, journey: Journey, people: Select[Any]) -> list[Row[Any]]:
    """The journey's messages to these people, and every message delivered to them by
    any journey (touches compete for the orders)."""
    c = messages.c
    query = select(
        c.id,
        c.profile_id,
        c.journey_id,
        c.instance_id,
        c.node,
        c.channel,
        c.status,
        c.reason,
        c.locale,
        c.dispatched_at,
    ).where(c.profile_id.in_(people), or_(c.journey_id == journey.id, c.status == "delivered"))
    return list(connection.execute(query))


def _attribution(
    mine: list[Row[Any]], every: list[Row[Any]], orders: _Orders, window: timedelta
) -> dict[str, Any]:
    """Revenue of orders within `window` after a delivered message of the journey."""
    touches: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for m in every:
        if m.status == "delivered" and m.dispatched_at is not None:
            touches[m.profile_id].append((m.dispatched_at, m.id))
    ours = {m.id for m in mine}
    result: dict[str, Any] = {
        "last": 0.0,
        "first": 0.0,
        "orders_last": 0,
        "orders_first": 0,
        "by_day": Counter(),
    }
    for profile_id, times in touches.items():
        times.sort()
        for at, revenue in orders.by_profile.get(profile_id, []):
            before = [t for t in times if at - window <= t[0] <= at]
            if not before:
                continue
            if before[-1][1] in ours:
                result["last"] += revenue
                result["orders_last"] += 1
                result["by_day"][at.date().isoformat()] += revenue
            if before[0][1] in ours:
                result["first"] += revenue
                result["orders_first"] += 1
    return result


def _nodes(
    connection: Connection,
    covered: list[ColumnElement[bool]],
    entries: list[_Entry],
    mine: list[Row[Any]],
    engagement: dict[str, set[str]],
) -> dict[str, dict[str, Any]]:
    steps = journey_steps.c
    visits = (
        select(steps.node, func.count())
        .select_from(
            journey_steps.join(journey_instances, journey_instances.c.id == steps.instance_id)
        )
        .where(*covered, steps.action.in_(_NODE_ACTIONS))
        .group_by(steps.node)
    )
    entered: Counter[str] = Counter(dict(connection.execute(visits).all()))
    ended = Counter(e.node for e in entries if e.ended_at is not None)
    converted = Counter(e.node for e in entries if e.goal_at is not None)
    waiting = Counter(e.node for e in entries if e.ended_at is None)
    by_node: dict[str, dict[str, Any]] = {}
    for node in sorted(set(entered) | set(ended) | set(waiting)):
        by_node[node] = {
            "entered": entered[node],
            "exited": ended[node],
            "goals": converted[node],  # of those exited, how many reached the goal here
            "dropped": ended[node] - converted[node],
            "waiting": waiting[node],
        }
    for m in mine:
        found = by_node.setdefault(
            m.node, {"entered": 0, "exited": 0, "goals": 0, "dropped": 0, "waiting": 0}
        )
        counts = found.setdefault(
            "messages",
            {
                "by_status": Counter(),
                "by_locale": Counter(),  # the languages the messages were rendered in
                "skipped": Counter(),
                "opened": 0,
                "clicked": 0,
                "unsubscribed": 0,
            },
        )
        counts["by_status"][m.status] += 1
        if m.locale is not None:
            counts["by_locale"][m.locale] += 1
        if m.status in ("skipped", "cancelled") and m.reason:
            counts["skipped"][m.reason] += 1
        for kind in engagement.get(m.id, ()):
            counts[kind] += 1
    for found in by_node.values():
        if "messages" in found:
            counts = found["messages"]
            counts["by_status"], counts["by_locale"], counts["skipped"] = (
                dict(counts["by_status"]),
                dict(counts["by_locale"]),
                dict(counts["skipped"]),
            )
            delivered = counts["by_status"].get("delivered", 0)
            for kind in ("opened", "clicked", "unsubscribed"):
                counts[f"{kind}_rate"] = round(counts[kind] / delivered, 6) if delivered else None
    return by_node


def message_engagement(
    connection: Connection, workspace_id: str, people: Select[Any], mine: list[Row[Any]]
) -> dict[str, set[str]]:
    """What each message's recipient did with it: opened, clicked, unsubscribed."""
    ids = {m.id for m in mine}
    found: dict[str, set[str]] = defaultdict(set)
    engaged = connection.execute(
        select(events.c.event, events.c.properties["message_id"].as_string()).where(
            events.c.workspace_id == workspace_id,
            events.c.profile_id.in_(people),
            events.c.event.in_(list(ENGAGEMENT)),
        )
    )
    for name, message_id in engaged:
        if message_id in ids:
            found[message_id].add(ENGAGEMENT[name])
    unsubscribed = connection.execute(
        select(consent_changes.c.evidence["message_id"].as_string()).where(
            consent_changes.c.profile_id.in_(people),
            consent_changes.c.source == "unsubscribe_link",
        )
    )
    for (message_id,) in unsubscribed:
        if message_id in ids:
            found[message_id].add("unsubscribed")
    return found


def _experiments(entries: list[_Entry]) -> dict[str, Any]:
    first: dict[str, _Entry] = {}
    for entry in entries:
        first.setdefault(entry.profile_id, entry)
    units = list(first.values())
    found: dict[str, Any] = {}
    if any(e.held_out for e in units):
        groups = {
            "holdout": [e for e in units if e.held_out],
            "treated": [e for e in units if not e.held_out],
        }
        found["holdout"] = _compare(groups, control="holdout")
    for node in sorted({node for e in units for node in e.arms}):
        arms: dict[str, list[_Entry]] = defaultdict(list)
        for e in units:
            if node in e.arms:
                arms[e.arms[node]].append(e)
        control = "control" if "control" in arms else sorted(arms)[0]
        found[f"split:{node}"] = _compare(dict(sorted(arms.items())), control=control)
    return found


def _by_decile(
    connection: Connection, workspace_id: str, entries: list[_Entry]
) -> dict[str, list[dict[str, Any]]]:
    """Entries and goal rates by each prediction's decile of the person now (1 = the
    highest scores): does the journey work best where the model says it should?"""
    found: dict[str, dict[int, list[_Entry]]] = defaultdict(lambda: defaultdict(list))
    by_profile: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_profile[entry.profile_id].append(entry)
    ids = sorted(by_profile)
    for start in range(0, len(ids), 5_000):
        scores = prediction_scores.c
        rows = connection.execute(
            select(predictions.c.key, scores.profile_id, scores.decile)
            .join(predictions, predictions.c.id == scores.prediction_id)
            .where(
                scores.workspace_id == workspace_id,
                scores.decile.is_not(None),
                among(scores.profile_id, ids[start : start + 5_000], connection.dialect),
            )
        )
        for key, profile_id, decile in rows:
            found[key][decile].extend(by_profile[profile_id])
    return {
        key: [
            {
                "decile": decile,
                "entries": len(group),
                "conversions": (goals := sum(e.goal_at is not None for e in group)),
                "rate": round(goals / len(group), 6),
            }
            for decile, group in sorted(deciles.items())
        ]
        for key, deciles in sorted(found.items())
    }


def _compare(groups: dict[str, list[_Entry]], control: str) -> dict[str, Any]:
    counted = {
        name: (sum(e.goal_at is not None for e in group), len(group))
        for name, group in groups.items()
    }
    best = stats.probability_to_be_best(list(counted.values()))
    s2, n2 = counted[control]
    control_revenue = [e.revenue for e in groups[control]]
    arms = {}
    for (name, group), to_be_best in zip(groups.items(), best, strict=True):
        s1, n1 = counted[name]
        revenue = [e.revenue for e in group]
        arm: dict[str, Any] = {
            "profiles": n1,
            "conversions": s1,
            "rate": round(s1 / n1, 6) if n1 else 0.0,
            "rate_interval": stats.wilson(s1, n1).json(),
            "probability_to_be_best": round(to_be_best, 4),
            "revenue_per_profile": round(sum(revenue) / n1, 4) if n1 else 0.0,
        }
        if name != control and n1 and n2:
            relative = stats.ratio(s1, n1, s2, n2)
            revenue_gap = stats.bootstrap_mean_difference(revenue, control_revenue)
            arm.update(
                lift=round(s1 / n1 - s2 / n2, 6),
                lift_interval=stats.difference(s1, n1, s2, n2).json(),
                relative_lift=round((s1 / n1) / (s2 / n2) - 1, 6) if s2 else None,
                relative_lift_interval=relative.json() if relative else None,
                p_value=round(stats.p_value(s1, n1, s2, n2), 6),
                revenue_per_profile_difference_interval=revenue_gap.json() if revenue_gap else None,
                sample_too_small=stats.too_small(s1, n1, s2, n2),
            )
        arms[name] = arm
    return {"control": control, "arms": arms}


def _daily(
    entries: list[_Entry], mine: list[Row[Any]], revenue: Counter[str]
) -> list[dict[str, Any]]:
    days: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"entries": 0, "goals": 0, "delivered": 0, "revenue_last_touch": 0.0}
    )
    for e in entries:
        days[e.entered_at.date().isoformat()]["entries"] += 1
        if e.goal_at is not None:
            days[e.goal_at.date().isoformat()]["goals"] += 1
    for m in mine:
        if m.status == "delivered" and m.dispatched_at is not None:
            days[m.dispatched_at.date().isoformat()]["delivered"] += 1
    for day, amount in revenue.items():
        days[day]["revenue_last_touch"] = round(amount, 2)
    return [{"day": day, **values} for day, values in sorted(days.items())]


def _duration_text(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
