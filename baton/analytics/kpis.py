"""The customer-experience KPIs over a period, from events named as Segment's
e-commerce spec names them (a workspace renames them with `event_names` in its policy).
Each definition is exact and documented in docs/analytics.md; a KPI without the data
it needs is None, never 0.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from baton.channels.policy import load_policy
from baton.core.errors import NotFound
from baton.storage.tables import definitions, events, segment_memberships

STANDARD = (
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Order Completed",
    "Signed Up",
    "NPS Submitted",
    "CSAT Submitted",
    "Ticket Opened",
    "Ticket Resolved",
    "Ad Spend",
)
# Events Baton writes about its own deliveries and segments: not customer activity.
BATONS_OWN = (
    "Message Sent",
    "Message Delivered",
    "Message Failed",
    "SMS Delivered",
    "SMS Failed",
    "Task Created",
    "Email Bounced",
    "Email Marked as Spam",
    "Segment Entered",
    "Segment Exited",
)


@dataclass
class _Profile:
    orders: list[tuple[datetime, float]] = field(default_factory=list)  # all up to `to`
    first_seen: datetime | None = None
    added: list[datetime] = field(default_factory=list)
    signed_up: list[datetime] = field(default_factory=list)


def kpis(
    connection: Connection,
    workspace_id: str,
    *,
    start: datetime,
    end: datetime,
    segment: str | None,
    churn_window: timedelta,
) -> dict[str, Any]:
    names = {**{n: n for n in STANDARD}, **load_policy(connection, workspace_id).event_names}
    wanted = _segment_members(connection, workspace_id, segment) if segment else None
    span = end - start

    def ours(profile_id: str | None) -> bool:
        return profile_id is not None and (wanted is None or profile_id in wanted)

    # Ad spend is reported by a marketing system, not done by a customer.
    not_activity = (*BATONS_OWN, names["Ad Spend"])
    active_now = _active(connection, workspace_id, start, end, ours, not_activity)
    active_before = _active(connection, workspace_id, start - span, start, ours, not_activity)
    people: dict[str, _Profile] = defaultdict(_Profile)
    scores: dict[str, list[float]] = defaultdict(list)
    tickets: dict[str, datetime] = {}
    resolutions: list[float] = []
    spend = 0.0
    spend_seen = False
    kind = {name: standard for standard, name in names.items()}
    for profile_id, event, at, properties in _rows(connection, workspace_id, list(kind), end):
        if not ours(profile_id):
            continue
        standard, properties = kind[event], properties or {}
        person = people[profile_id]
        in_period = start <= at <= end
        if standard == "Order Completed":
            person.orders.append((at, _amount(properties, "revenue", "total")))
        elif standard == "Product Added" and in_period:
            person.added.append(at)
        elif standard == "Signed Up" and in_period:
            person.signed_up.append(at)
        elif standard in ("NPS Submitted", "CSAT Submitted") and in_period:
            score = properties.get("score")
            if isinstance(score, int | float) and not isinstance(score, bool):
                scores[standard].append(float(score))
        elif standard == "Ticket Opened":
            tickets[str(properties.get("ticket_id") or profile_id)] = at
        elif standard == "Ticket Resolved" and in_period:
            opened = tickets.pop(str(properties.get("ticket_id") or profile_id), None)
            if opened is not None:
                resolutions.append((at - opened).total_seconds())
        elif standard == "Ad Spend" and in_period:
            spend += _amount(properties, "amount", "cost", "spend")
            spend_seen = True
    for profile_id, first_seen in _first_seen(connection, workspace_id, people).items():
        people[profile_id].first_seen = first_seen
    return _figures(
        people,
        active_now,
        active_before,
        scores,
        resolutions,
        spend if spend_seen else None,
        start,
        end,
        churn_window,
    )


def _figures(
    people: dict[str, _Profile],
    active_now: set[str],
    active_before: set[str],
    scores: dict[str, list[float]],
    resolutions: list[float],
    spend: float | None,
    start: datetime,
    end: datetime,
    churn_window: timedelta,
) -> dict[str, Any]:
    def within(orders: Iterable[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
        return [o for o in orders if start <= o[0] <= end]

    period_orders = {p: within(person.orders) for p, person in people.items()}
    buyers = {p for p, orders in period_orders.items() if orders}
    orders = [o for found in period_orders.values() for o in found]
    revenue = sum(amount for _, amount in orders)
    carts = {p for p, person in people.items() if person.added}
    cart_buyers = {
        p for p in carts if any(at >= min(people[p].added) for at, _ in period_orders[p])
    }
    leads = {p for p, person in people.items() if person.signed_up}
    converted_leads = {
        p for p in leads if any(at >= min(people[p].signed_up) for at, _ in period_orders[p])
    }
    new_customers = {p for p in buyers if min(at for at, _ in people[p].orders) >= start}
    customers_before = {
        p for p, person in people.items() if any(at < start for at, _ in person.orders)
    }
    churned = {
        p
        for p in customers_before
        if not any(end - churn_window <= at <= end for at, _ in people[p].orders)
        and p not in active_now
    }
    lifetime = {
        p: sum(a for at, a in person.orders if at <= end)
        for p, person in people.items()
        if person.orders
    }
    to_first_order = [
        (min(at for at, _ in people[p].orders) - seen).total_seconds()
        for p in new_customers
        if (seen := people[p].first_seen) is not None
    ]
    nps, csat = scores.get("NPS Submitted", []), scores.get("CSAT Submitted", [])
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "visitors": len(active_now),
        "buyers": len(buyers),
        "orders": len(orders),
        "revenue": round(revenue, 2),
        "conversion_rate": _share(len(buyers), len(active_now)),
        "cart_abandonment_rate": None if not carts else round(1 - len(cart_buyers) / len(carts), 6),
        "sign_up_rate": _share(len(leads), len(active_now)),
        "lead_to_customer_rate": _share(len(converted_leads), len(leads)),
        "average_order_value": round(revenue / len(orders), 2) if orders else None,
        "repeat_purchase_rate": _share(
            sum(len(period_orders[p]) >= 2 for p in buyers), len(buyers)
        ),
        "retention_rate": _share(len(active_before & active_now), len(active_before)),
        "churn_rate": _share(len(churned), len(customers_before)),
        "historical_cltv": round(sum(lifetime.values()) / len(lifetime), 2) if lifetime else None,
        "median_seconds_to_conversion": statistics.median(to_first_order)
        if to_first_order
        else None,
        "nps": round(100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps), 2)
        if nps
        else None,
        "csat": round(100 * sum(s >= 4 for s in csat) / len(csat), 2) if csat else None,
        "median_seconds_to_resolution": statistics.median(resolutions) if resolutions else None,
        "ad_spend": None if spend is None else round(spend, 2),
        "cac": round(spend / len(new_customers), 2)
        if spend is not None and new_customers
        else None,
        "roas": round(revenue / spend, 4) if spend else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _amount(properties: dict[str, Any], *names: str) -> float:
    for name in names:
        value = properties.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return 0.0


def _rows(connection: Connection, workspace_id: str, names: list[str], end: datetime) -> Any:
    """The named events up to `end`, oldest first (orders since ever: lifetime value and
    churn look back)."""
    return connection.execute(
        select(events.c.profile_id, events.c.event, events.c.timestamp, events.c.properties)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.event.in_(names),
            events.c.timestamp <= end,
            events.c.profile_id.is_not(None),
        )
        .order_by(events.c.timestamp, events.c.seq)
    )


def _active(
    connection: Connection,
    workspace_id: str,
    start: datetime,
    end: datetime,
    ours: Any,
    not_activity: tuple[str, ...],
) -> set[str]:
    """Profiles with an event of their own between `start` and `end`."""
    rows = connection.execute(
        select(events.c.profile_id)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.timestamp >= start,
            events.c.timestamp <= end,
            events.c.profile_id.is_not(None),
            events.c.event.is_(None) | events.c.event.not_in(not_activity),
        )
        .distinct()
    )
    return {profile_id for (profile_id,) in rows if ours(profile_id)}


def _first_seen(
    connection: Connection, workspace_id: str, people: dict[str, _Profile]
) -> dict[str, datetime]:
    """When each buyer's first event happened."""
    buyers = sorted(p for p, person in people.items() if person.orders)
    found: dict[str, datetime] = {}
    for begin in range(0, len(buyers), 2000):
        rows = connection.execute(
            select(events.c.profile_id, func.min(events.c.timestamp))
            .where(
                events.c.workspace_id == workspace_id,
                events.c.profile_id.in_(buyers[begin : begin + 2000]),
            )
            .group_by(events.c.profile_id)
        )
        found.update((profile_id, first) for profile_id, first in rows)
    return found


def _segment_members(connection: Connection, workspace_id: str, key: str) -> set[str]:
    segment_id = connection.execute(
        select(definitions.c.id).where(
            definitions.c.workspace_id == workspace_id,
            definitions.c.kind == "segment",
            definitions.c.key == key,
        )
    ).scalar_one_or_none()
    if segment_id is None:
        raise NotFound(f"no segment with key {key!r}")
    return set(
        connection.execute(
            select(segment_memberships.c.profile_id).where(
                segment_memberships.c.segment_id == segment_id
            )
        ).scalars()
    )
