"""The customer-experience KPIs over a period, from events named as Segment's
e-commerce spec names them (a workspace renames them with `event_names` in its policy).
Each definition is exact and documented in docs/analytics.md; a KPI without the data
it needs is None, never 0. Computed in one SQL query over the analytics store.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from baton.analytics.store import RESOLVED_EVENTS, AnalyticsStore
from baton.core.errors import NotFound
from baton.storage.tables import definitions, segment_memberships
from baton.workspaces import load_policy

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


def event_names(connection: Connection, workspace_id: str) -> dict[str, str]:
    """The workspace's name for each standard event."""
    return {**{n: n for n in STANDARD}, **load_policy(connection, workspace_id).event_names}


def kpis(
    store: AnalyticsStore,
    workspace_id: str,
    *,
    names: dict[str, str],
    members: set[str] | None,
    start: datetime,
    end: datetime,
    churn_window: timedelta,
) -> dict[str, Any]:
    """The KPIs of the period, for everyone or `members`."""
    params = {
        **_whose_when(workspace_id, names, members, start, end),
        "before": start - (end - start),
        "churned_since": end - churn_window,
        **{_KEYS[standard]: name for standard, name in names.items() if standard in _KEYS},
    }
    (row,) = store.rows(_QUERY, params)
    found = dict(zip(_COLUMNS, row, strict=True))
    return _figures(found, start, end)


# The KPIs a trend is drawn for, one value per bucket of days; the others (retention,
# churn, lifetime value...) compare a period with what came before and make no sense
# for a day.
SERIES = (
    "visitors",
    "buyers",
    "orders",
    "revenue",
    "conversion_rate",
    "average_order_value",
    "nps",
    "csat",
)
# A series has this many points at most: a long period's buckets span several days.
MAX_BUCKETS = 92


def kpi_series(
    store: AnalyticsStore,
    workspace_id: str,
    *,
    names: dict[str, str],
    members: set[str] | None,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """`bucket_days`, and `series`: per KPI of `SERIES`, `[{date, value}]` for each
    bucket of the period, from the UTC midnight that starts it; a bucket is a day, or
    enough days that there are `MAX_BUCKETS` at most. Each value is the KPI's as it
    would be over the bucket alone (the last bucket ends with the period)."""
    first_day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = math.ceil((end - first_day) / timedelta(days=1))
    width = max(1, math.ceil(days / MAX_BUCKETS))
    buckets = max(1, math.ceil(days / width))
    params = {
        **_whose_when(workspace_id, names, members, start, end),
        "first_day": first_day,
        "width": width * 86_400,
        "last": buckets - 1,
        "order": names["Order Completed"],
        "nps": names["NPS Submitted"],
        "csat": names["CSAT Submitted"],
    }
    found = {row[0]: row[1:] for row in store.rows(_SERIES_QUERY, params)}
    series: dict[str, list[dict[str, Any]]] = {name: [] for name in SERIES}
    for bucket in range(buckets):
        date = (first_day + timedelta(days=bucket * width)).date().isoformat()
        figures = _bucket_figures(found.get(bucket, (0,) * 9))
        for name in SERIES:
            series[name].append({"date": date, "value": figures[name]})
    return {"bucket_days": width, "series": series}


def _bucket_figures(row: tuple[Any, ...]) -> dict[str, Any]:
    visitors, buyers, orders, revenue, promoters, detractors, answers, satisfied, rated = row
    revenue = float(revenue)
    return {
        "visitors": visitors,
        "buyers": buyers,
        "orders": orders,
        "revenue": round(revenue, 2),
        "conversion_rate": _share(buyers, visitors),
        "average_order_value": _average_order_value(revenue, orders),
        "nps": _nps(promoters, detractors, answers),
        "csat": _csat(satisfied, rated),
    }


def _whose_when(
    workspace_id: str,
    names: dict[str, str],
    members: set[str] | None,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """The parameters of both queries that say whose events count, and when."""
    return {
        "ws": workspace_id,
        "everyone": members is None,
        "members": sorted(members or ()),
        # Ad spend is reported by a marketing system, not done by a customer.
        "not_activity": [*BATONS_OWN, names["Ad Spend"]],
        "s": start,
        "e": end,
    }


def _number(path: str) -> str:
    kind = f"json_type(properties, '{path}')"
    return (
        f"CASE WHEN {kind} IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN "
        f"CAST(json_extract(properties, '{path}') AS DOUBLE) END"
    )


_KEYS = {
    "Order Completed": "order",
    "Product Added": "added",
    "Signed Up": "signed",
    "NPS Submitted": "nps",
    "CSAT Submitted": "csat",
    "Ticket Opened": "opened",
    "Ticket Resolved": "resolved",
    "Ad Spend": "spend",
}
_QUERY = f"""
WITH ev AS (
    SELECT profile_id, event, ts, properties FROM ({RESOLVED_EVENTS})
    WHERE workspace_id = $ws AND ($everyone OR list_contains($members, profile_id))
),
own AS (SELECT profile_id, ts FROM ev
        WHERE event IS NULL OR NOT list_contains($not_activity, event)),
now_active AS (SELECT DISTINCT profile_id FROM own WHERE ts BETWEEN $s AND $e),
before_active AS (SELECT DISTINCT profile_id FROM own WHERE ts BETWEEN $before AND $s),
orders AS (SELECT profile_id, ts, coalesce({_number("$.revenue")}, {_number("$.total")}, 0)
           AS amount FROM ev WHERE event = $order AND ts <= $e),
period_orders AS (SELECT * FROM orders WHERE ts >= $s),
buyers AS (SELECT profile_id, count(*) AS n FROM period_orders GROUP BY profile_id),
firsts AS (SELECT profile_id, min(ts) AS first_order FROM orders GROUP BY profile_id),
added AS (SELECT profile_id, min(ts) AS t FROM ev WHERE event = $added
          AND ts BETWEEN $s AND $e GROUP BY profile_id),
signed AS (SELECT profile_id, min(ts) AS t FROM ev WHERE event = $signed
           AND ts BETWEEN $s AND $e GROUP BY profile_id),
scores AS (SELECT event, {_number("$.score")} AS score FROM ev
           WHERE event IN ($nps, $csat) AND ts BETWEEN $s AND $e),
opened AS (SELECT coalesce(json_extract_string(properties, '$.ticket_id'), profile_id) AS k,
           ts FROM ev WHERE event = $opened),
resolved AS (SELECT coalesce(json_extract_string(properties, '$.ticket_id'), profile_id)
             AS k, ts FROM ev WHERE event = $resolved AND ts BETWEEN $s AND $e),
earlier_customers AS (SELECT DISTINCT profile_id FROM orders WHERE ts < $s),
spend AS (SELECT coalesce({_number("$.amount")}, {_number("$.cost")}, {_number("$.spend")}, 0)
          AS amount FROM ev WHERE event = $spend AND ts BETWEEN $s AND $e)
SELECT
    (SELECT count(*) FROM now_active),
    (SELECT count(*) FROM buyers),
    (SELECT count(*) FROM period_orders),
    (SELECT coalesce(sum(amount), 0) FROM period_orders),
    (SELECT count(*) FROM added),
    (SELECT count(*) FROM added a WHERE EXISTS (SELECT 1 FROM period_orders o
        WHERE o.profile_id = a.profile_id AND o.ts >= a.t)),
    (SELECT count(*) FROM signed),
    (SELECT count(*) FROM signed a WHERE EXISTS (SELECT 1 FROM period_orders o
        WHERE o.profile_id = a.profile_id AND o.ts >= a.t)),
    (SELECT count(*) FROM buyers WHERE n >= 2),
    (SELECT count(*) FROM before_active),
    (SELECT count(*) FROM before_active JOIN now_active USING (profile_id)),
    (SELECT count(*) FROM earlier_customers),
    (SELECT count(*) FROM earlier_customers c WHERE NOT EXISTS (SELECT 1 FROM orders o
        WHERE o.profile_id = c.profile_id AND o.ts >= $churned_since)
        AND c.profile_id NOT IN (SELECT profile_id FROM now_active)),
    (SELECT sum(amount) FROM orders),
    (SELECT count(DISTINCT profile_id) FROM orders),
    (SELECT count(*) FROM firsts WHERE first_order >= $s),
    (SELECT median(epoch(f.first_order) - epoch(seen.t)) FROM firsts f
        JOIN (SELECT profile_id, min(ts) AS t FROM ev GROUP BY profile_id) seen
        USING (profile_id) WHERE f.first_order >= $s),
    (SELECT count(*) FILTER (WHERE score >= 9) FROM scores WHERE event = $nps),
    (SELECT count(*) FILTER (WHERE score <= 6) FROM scores WHERE event = $nps),
    (SELECT count(score) FROM scores WHERE event = $nps),
    (SELECT count(*) FILTER (WHERE score >= 4) FROM scores WHERE event = $csat),
    (SELECT count(score) FROM scores WHERE event = $csat),
    (SELECT median(epoch(r.ts) - epoch((SELECT max(o.ts) FROM opened o
        WHERE o.k = r.k AND o.ts <= r.ts))) FROM resolved r),
    (SELECT sum(amount) FROM spend),
    (SELECT count(*) FROM spend)
"""
_SERIES_QUERY = f"""
WITH ev AS (
    SELECT profile_id, event, ts, properties FROM ({RESOLVED_EVENTS})
    WHERE workspace_id = $ws AND ($everyone OR list_contains($members, profile_id))
          AND ts BETWEEN $s AND $e
),
b AS (
    SELECT least(CAST(floor((epoch(ts) - epoch($first_day)) / $width) AS BIGINT), $last)
           AS bucket, profile_id, event, properties, {_number("$.score")} AS score
    FROM ev
)
SELECT
    bucket,
    count(DISTINCT profile_id) FILTER (WHERE event IS NULL
                                       OR NOT list_contains($not_activity, event)),
    count(DISTINCT profile_id) FILTER (WHERE event = $order),
    count(*) FILTER (WHERE event = $order),
    coalesce(sum(coalesce({_number("$.revenue")}, {_number("$.total")}, 0))
             FILTER (WHERE event = $order), 0),
    count(*) FILTER (WHERE event = $nps AND score >= 9),
    count(*) FILTER (WHERE event = $nps AND score <= 6),
    count(score) FILTER (WHERE event = $nps),
    count(*) FILTER (WHERE event = $csat AND score >= 4),
    count(score) FILTER (WHERE event = $csat)
FROM b GROUP BY bucket
"""
_COLUMNS = (
    "visitors",
    "buyers",
    "orders",
    "revenue",
    "carts",
    "cart_buyers",
    "leads",
    "converted_leads",
    "repeaters",
    "before",
    "retained",
    "earlier_customers",
    "churned",
    "lifetime_revenue",
    "customers",
    "new_customers",
    "seconds_to_conversion",
    "promoters",
    "detractors",
    "nps_answers",
    "satisfied",
    "csat_answers",
    "seconds_to_resolution",
    "spend",
    "spend_events",
)


def _figures(f: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    revenue, orders = float(f["revenue"]), f["orders"]
    spend = float(f["spend"]) if f["spend_events"] else None
    carts = f["carts"]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "visitors": f["visitors"],
        "buyers": f["buyers"],
        "orders": orders,
        "revenue": round(revenue, 2),
        "conversion_rate": _share(f["buyers"], f["visitors"]),
        "cart_abandonment_rate": round(1 - f["cart_buyers"] / carts, 6) if carts else None,
        "sign_up_rate": _share(f["leads"], f["visitors"]),
        "lead_to_customer_rate": _share(f["converted_leads"], f["leads"]),
        "average_order_value": _average_order_value(revenue, orders),
        "repeat_purchase_rate": _share(f["repeaters"], f["buyers"]),
        "retention_rate": _share(f["retained"], f["before"]),
        "churn_rate": _share(f["churned"], f["earlier_customers"]),
        "historical_cltv": round(f["lifetime_revenue"] / f["customers"], 2)
        if f["customers"]
        else None,
        "median_seconds_to_conversion": f["seconds_to_conversion"],
        "nps": _nps(f["promoters"], f["detractors"], f["nps_answers"]),
        "csat": _csat(f["satisfied"], f["csat_answers"]),
        "median_seconds_to_resolution": f["seconds_to_resolution"],
        "ad_spend": None if spend is None else round(spend, 2),
        "cac": round(spend / f["new_customers"], 2)
        if spend is not None and f["new_customers"]
        else None,
        "roas": round(revenue / spend, 4) if spend else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _average_order_value(revenue: float, orders: int) -> float | None:
    return round(revenue / orders, 2) if orders else None


def _nps(promoters: int, detractors: int, answers: int) -> float | None:
    return round(100 * (promoters - detractors) / answers, 2) if answers else None


def _csat(satisfied: int, answers: int) -> float | None:
    return round(100 * satisfied / answers, 2) if answers else None


def segment_members(connection: Connection, workspace_id: str, key: str) -> set[str]:
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
