"""Analytics: the DuckDB store that follows the database, and the reports read from it
(journey reports, KPIs, funnels, paths, cohorts, the journey map)."""

from baton.analytics.csv_export import csv_text
from baton.analytics.exploration import Paths, cohorts, parse_cohorts, parse_paths, paths
from baton.analytics.funnels import Funnel, funnel, parse_funnel
from baton.analytics.journey_map import journey_map
from baton.analytics.journey_report import journey_report, node_rows
from baton.analytics.kpis import event_names, kpi_series, kpis, segment_members
from baton.analytics.periods import period_instant
from baton.analytics.store import AnalyticsStore, lag_seconds

__all__ = [
    "AnalyticsStore",
    "Funnel",
    "Paths",
    "cohorts",
    "csv_text",
    "event_names",
    "funnel",
    "journey_map",
    "journey_report",
    "kpi_series",
    "kpis",
    "lag_seconds",
    "node_rows",
    "parse_cohorts",
    "parse_funnel",
    "parse_paths",
    "paths",
    "period_instant",
    "segment_members",
]
