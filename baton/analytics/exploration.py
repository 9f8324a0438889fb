"""Exploring behaviour over the analytics store: the paths customers take after (or
before) an event, and retention by cohort.

Paths answer "where do they go instead of converting": from each profile's first
anchor event in the period, its next (or previous) `steps` events, their own (not
Baton's delivery and segment events); optionally only for profiles that did not do the
conversion event afterwards. Cohorts group profiles by the week or month of their first
event (or first order) and count, for each later period, how many were active.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from baton.analytics.kpis import BATONS_OWN
from baton.analytics.periods import Period
from baton.analytics.store import RESOLVED_EVENTS, AnalyticsStore
from baton.core.validation import validated

END = "(end)"


class Paths(Period):
    event: str = Field(min_length=1, max_length=200)
    direction: Literal["after", "before"] = "after"
    steps: int = Field(default=3, ge=1, le=10)
    top: int = Field(default=10, ge=1, le=100)
    # Only profiles that did not do this event after the anchor (the drop-offs).
    without: str | None = Field(default=None, max_length=200)


class Cohorts(Period):
    by: Literal["first_seen", "first_order"] = "first_seen"
    period: Literal["week", "month"] = "week"


def parse_paths(data: Any) -> Paths:
    return validated(Paths, data)


def parse_cohorts(data: Any) -> Cohorts:
    return validated(Cohorts, data)


def _own_events() -> tuple[str, list[Any]]:
    """The resolved events that are the customers' own, as a subquery and parameters."""
    marks = ", ".join("?" * len(BATONS_OWN))
    return (
        f"SELECT * FROM ({RESOLVED_EVENTS}) WHERE workspace_id = ? AND event IS NOT NULL "
        f"AND event NOT IN ({marks})",
        list(BATONS_OWN),
    )


def paths(store: AnalyticsStore, workspace_id: str, spec: Paths) -> dict[str, Any]:
    own, own_params = _own_events()
    after = spec.direction == "after"
    sql = f"""
    WITH ev AS ({own}),
    anchor AS (SELECT profile_id, min(ts) AS t0 FROM ev
               WHERE event = ? AND ts >= ? AND ts <= ? GROUP BY profile_id),
    kept AS (SELECT anchor.* FROM anchor WHERE ? IS NULL OR NOT EXISTS (
               SELECT 1 FROM ev WHERE ev.profile_id = anchor.profile_id
               AND ev.event = ? AND ev.ts > anchor.t0)),
    near AS (SELECT ev.profile_id, ev.event, row_number() OVER (
               PARTITION BY ev.profile_id ORDER BY ev.ts {"ASC" if after else "DESC"},
               ev.seq {"ASC" if after else "DESC"}) AS n
             FROM ev JOIN kept USING (profile_id)
             WHERE {"ev.ts > kept.t0" if after else "ev.ts < kept.t0"}),
    walked AS (SELECT kept.profile_id,
                      list(near.event ORDER BY near.n) FILTER (WHERE near.n <= ?) AS path
               FROM kept LEFT JOIN near USING (profile_id) GROUP BY kept.profile_id)
    SELECT path, count(*) AS profiles FROM walked GROUP BY path
    ORDER BY profiles DESC, path LIMIT ?
    """
    params = [
        workspace_id,
        *own_params,
        spec.event,
        spec.start,
        spec.end,
        spec.without,
        spec.without,
        spec.steps,
        spec.top,
    ]
    with store.cursor() as cursor:  # one opening of the file for both
        rows = cursor.execute(sql, params).fetchall()
        (total,) = cursor.execute(
            f"WITH ev AS ({own}) SELECT count(DISTINCT profile_id) FROM ev "
            "WHERE event = ? AND ts >= ? AND ts <= ?",
            [workspace_id, *own_params, spec.event, spec.start, spec.end],
        ).fetchone() or (0,)
    found = []
    for path, count in rows:
        steps = list(path or [])
        if len(steps) < spec.steps:
            steps.append(END)
        found.append({"path": steps if after else list(reversed(steps)), "profiles": count})
    return {"event": spec.event, "direction": spec.direction, "profiles": total, "paths": found}


def cohorts(
    store: AnalyticsStore, workspace_id: str, spec: Cohorts, order_event: str
) -> dict[str, Any]:
    own, own_params = _own_events()
    first_filter = "WHERE event = ?" if spec.by == "first_order" else ""
    first_params = [order_event] if spec.by == "first_order" else []
    sql = f"""
    WITH ev AS (SELECT profile_id, event, date_trunc(?, ts AT TIME ZONE 'UTC') AS period
                FROM ({own}) AS own),
    firsts AS (SELECT profile_id, min(period) AS cohort FROM ev {first_filter}
               GROUP BY profile_id),
    active AS (SELECT DISTINCT profile_id, period FROM ev)
    SELECT cohort, datediff(?, cohort, period) AS k, count(DISTINCT profile_id)
    FROM firsts JOIN active USING (profile_id)
    WHERE period >= cohort AND cohort >= date_trunc(?, ? AT TIME ZONE 'UTC')
      AND cohort <= ? AT TIME ZONE 'UTC'
    GROUP BY cohort, k ORDER BY cohort, k
    """
    params = [
        spec.period,
        workspace_id,
        *own_params,
        *first_params,
        spec.period,
        spec.period,
        spec.start,
        spec.end,
    ]
    table: dict[str, dict[int, int]] = {}
    for cohort, k, count in store.rows(sql, params):
        table.setdefault(cohort.date().isoformat(), {})[int(k)] = count
    rows = []
    for cohort, counts in table.items():
        size = counts.get(0, 0)
        width = max(counts) + 1
        retained = [counts.get(k, 0) for k in range(width)]
        rows.append(
            {
                "cohort": cohort,
                "profiles": size,
                "active": retained,
                "retention": [round(n / size, 6) if size else None for n in retained],
            }
        )
    return {"by": spec.by, "period": spec.period, "cohorts": rows}
