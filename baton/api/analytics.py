"""Admin API over the business figures: the customer-experience KPIs of a period, and
funnels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from baton.analytics import (
    AnalyticsStore,
    Funnel,
    Paths,
    cohorts,
    event_names,
    funnel,
    journey_map,
    kpi_series,
    kpis,
    lag_seconds,
    parse_cohorts,
    parse_funnel,
    parse_paths,
    paths,
    segment_members,
)
from baton.analytics.periods import EARLIEST
from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import DocumentRoute, described_by, duration_of, instant_of
from baton.api.responses import JSONBody
from baton.core.errors import Conflict, InvalidInput
from baton.workspaces import load_policy

router = APIRouter(prefix="/api/v1", tags=["analytics"], route_class=DocumentRoute)
# The API fills in the default period before the domain parses the question.
FunnelDocument = Annotated[dict[str, Any], described_by(Funnel)]
PathsDocument = Annotated[dict[str, Any], described_by(Paths)]


@router.get("/kpis", summary="Conversion, revenue, churn, CLTV, NPS, CSAT... over a period")
def get_kpis(
    request: Request,
    workspace_id: AdminWorkspace,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    segment: str | None = None,
    churn_window: str = "90d",
    trend: bool = False,
) -> JSONBody:
    """From `from` (default: 30 days before `to`) to `to` (default: now), for everyone
    or the members of `segment`; definitions in docs/analytics.md. With `trend`, also
    `previous` (every KPI over the period of the same length just before) and a
    `series` per day (or per `bucket_days`) of the KPIs that have one."""
    runtime = runtime_of(request)
    since, until = _period(request, start, end)
    if since >= until:
        raise InvalidInput("from must be before to", field="from")
    window = duration_of(churn_window, "churn_window")
    with runtime.engine.connect() as connection:
        names = event_names(connection, workspace_id)
        members = segment_members(connection, workspace_id, segment) if segment else None
    store = store_of(request)
    found = kpis(
        store,
        workspace_id,
        names=names,
        members=members,
        start=since,
        end=until,
        churn_window=window,
    )
    if trend:
        found["previous"] = kpis(
            store,
            workspace_id,
            names=names,
            members=members,
            # A period reaching back to 1900 has a shorter one before it: further back,
            # the KPIs' own look back (a period's length) would leave the calendar.
            start=max(since - (until - since), EARLIEST),
            end=since,
            churn_window=window,
        )
        found.update(
            kpi_series(store, workspace_id, names=names, members=members, start=since, end=until)
        )
    return JSONBody(found)


@router.post("/analytics/funnel", summary="Ordered steps: profiles, conversion, time between")
def post_funnel(request: Request, workspace_id: AdminWorkspace, body: FunnelDocument) -> JSONBody:
    """`from` and `to` may be left out: the last 30 days; `breakdown` is by a trait or by
    a property of the first step's event."""
    spec = parse_funnel(_over_period(request, body))
    return JSONBody(funnel(store_of(request), workspace_id, spec))


@router.post("/analytics/paths", summary="The paths customers take after or before an event")
def post_paths(request: Request, workspace_id: AdminWorkspace, body: PathsDocument) -> JSONBody:
    """`from` and `to` may be left out: the last 30 days; `without`: only profiles that did
    not do this event afterwards."""
    spec = parse_paths(_over_period(request, body))
    return JSONBody(paths(store_of(request), workspace_id, spec))


@router.get("/analytics/cohorts", summary="Retention by weekly or monthly cohort")
def get_cohorts(
    request: Request,
    workspace_id: AdminWorkspace,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    by: str = "first_seen",
    period: str = "week",
) -> JSONBody:
    """Cohorts of the period from `from` (default: 30 days before `to`) to `to` (now)."""
    query = {"from": start, "to": end, "by": by, "period": period}
    spec = parse_cohorts(_over_period(request, {k: v for k, v in query.items() if v}))
    with runtime_of(request).engine.connect() as connection:
        order = load_policy(connection, workspace_id).event_names.get(
            "Order Completed", "Order Completed"
        )
    return JSONBody(cohorts(store_of(request), workspace_id, spec, order))


@router.get("/journey-map", summary="The lifecycle stages: journeys, touchpoints, pain points")
def get_journey_map(
    request: Request,
    workspace_id: AdminWorkspace,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    attribution_window: str = "7d",
) -> JSONBody:
    """Over the period from `from` (default: 30 days before `to`) to `to` (now)."""
    runtime = runtime_of(request)
    since, until = _period(request, start, end)
    window = duration_of(attribution_window, "attribution_window")
    with runtime.engine.connect() as connection:
        return JSONBody(
            journey_map(connection, workspace_id, start=since, end=until, window=window)
        )


@router.get("/analytics/status", summary="How far the analytics store is behind")
def status(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    through = store_of(request).synced_through()
    lag = lag_seconds(runtime_of(request).engine, through)
    return JSONBody({"synced_through_seq": through, "lag_seconds": round(lag, 3)})


def _period(request: Request, start: Any, end: Any) -> tuple[datetime, datetime]:
    """`from` (default: 30 days before `to`) and `to` (default: now)."""
    until = instant_of(end, "to") if end else runtime_of(request).clock.now()
    return (instant_of(start, "from") if start else until - timedelta(days=30)), until


def _over_period(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """The body with the default period filled in where `from` or `to` is missing."""
    if "from" in body and "to" in body:
        return body
    since, until = _period(request, body.get("from"), body.get("to"))
    return {"from": since.isoformat(), "to": until.isoformat(), **body}


def store_of(request: Request) -> AnalyticsStore:
    store = runtime_of(request).analytics
    if store is None:
        raise Conflict("the analytics store is off (BATON_ANALYTICS_PATH=off)")
    return store
