"""`GET /metrics`: every process's counts and every stage's queues, for Prometheus.

Metrics show the installation's inner workings (every workspace's traffic), so they are
not public: a scraper sends `Authorization: Bearer <BATON_METRICS_TOKEN>`, which opens
this route and nothing else; the installation's owner, signed in, may read them too.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from baton.api.auth import Staff, runtime_of
from baton.core.metrics import CONTENT_TYPE, exposition
from baton.runtime import Runtime
from baton.storage.backlog import COUNT_CAP, read_backlog

router = APIRouter(tags=["health"])


class Backlogs(Collector):
    """Each stage's queues, read from the database when scraped."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        now = self._runtime.clock.now()
        queues = read_backlog(self._runtime.engine, now)
        labels = ["stage", "queue"]
        waiting = GaugeMetricFamily(
            "baton_backlog",
            f"Items waiting in a stage's queue, due or not (counted up to {COUNT_CAP}).",
            labels=labels,
        )
        due = GaugeMetricFamily(
            "baton_backlog_due",
            f"Items of a stage's queue due now (counted up to {COUNT_CAP}).",
            labels=labels,
        )
        lag = GaugeMetricFamily(
            "baton_stage_lag_seconds",
            "How long the oldest due item of a stage's queue has waited past its time.",
            labels=labels,
        )
        timers = GaugeMetricFamily(
            "baton_timer_lag_seconds",
            "Now minus the wake-up time of the oldest due timer of a published journey.",
        )
        for queue in queues:
            names = [queue.stage, queue.name]
            waiting.add_metric(names, queue.waiting)
            due.add_metric(names, queue.due)
            lag.add_metric(names, queue.lag(now))
            if (queue.stage, queue.name) == ("journeys", "timers"):
                timers.add_metric([], queue.lag(now))
        yield from (waiting, due, lag, timers)


@router.get(
    "/metrics",
    summary="Prometheus metrics: ingestion, stages' queues and lag, delivery, analytics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
def metrics(request: Request, _who: Staff) -> Response:
    return Response(exposition([Backlogs(runtime_of(request))]), media_type=CONTENT_TYPE)
