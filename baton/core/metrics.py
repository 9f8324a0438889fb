"""The Prometheus series Baton's processes count, and how `/metrics` adds them up.

`baton serve` runs the API and `baton worker` children; prometheus-client's multiprocess
mode lets each write its counts to memory-mapped files in one directory
(PROMETHEUS_MULTIPROC_DIR), which a scrape of any process reads together. `serve` names
the directory before any series is counted (`share_across_processes`) and its children
inherit it. Queues and lags are not counted here: they are read from the database when
scraped (baton/storage/backlog.py), so every process sees the same.

Every series has labels: a labelled series makes its values on first use, after `serve`
chose the mode, while a bare one would make its value when this module is imported.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROCESS_DIRECTORY",
    "analytics_synced",
    "count_ingested",
    "count_refused",
    "count_sent",
    "count_stage",
    "exposition",
    "process_ended",
    "share_across_processes",
    "shared_counts",
    "stage_errors",
]

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

_INGESTED = Counter(
    "baton_ingest_messages",
    "Messages the tracking API and source webhooks accepted and stored, by route.",
    ["route"],
)
_REFUSED = Counter(
    "baton_ingest_rejected",
    "Messages of the tracking API and source webhooks not stored (a request refused whole "
    "counts one), by route and reason (the error code).",
    ["route", "reason"],
)
_STAGE_ITEMS = Counter(
    "baton_stage_items",
    "Items a background stage moved (events resolved, messages claimed...), by stage.",
    ["stage"],
)
_STAGE_ERRORS = Counter(
    "baton_stage_errors",
    "Steps of a background stage that failed (each is retried), by stage.",
    ["stage"],
)
_MESSAGES = Counter(
    "baton_messages",
    "Messages handed to their channel, by channel, provider and outcome (delivered, "
    "retry, failed, skipped).",
    ["channel", "provider", "outcome"],
)
_PROVIDER_ERRORS = Counter(
    "baton_provider_errors",
    "Hand-overs a provider refused or failed (to be retried or dead), by channel and provider.",
    ["channel", "provider"],
)
_PROVIDER_SECONDS = Histogram(
    "baton_provider_send_seconds",
    "How long a provider took to answer one message, by channel and provider.",
    ["channel", "provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
_ANALYTICS_SYNCED = Counter(
    "baton_analytics_synced_events",
    "Events the analytics store copied from the database, by store.",
    ["store"],
)
_ANALYTICS_LAG = Gauge(
    "baton_analytics_lag_seconds",
    "How far the analytics store was behind the database after its last sync: the age, "
    "at the newest resolved event's arrival, of the newest event it holds.",
    ["store"],
    multiprocess_mode="livemax",
)


def share_across_processes(directory: str | None) -> str:
    """Count into files under `directory` (a private temporary one when None), emptied
    first, for this process and the children it starts; returns the directory. Call it
    before anything is counted."""
    if directory is None:
        directory = tempfile.mkdtemp(prefix="baton-metrics-")
    os.makedirs(directory, exist_ok=True)
    for stale in glob.glob(os.path.join(directory, "*.db")):
        os.remove(stale)
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return directory


@contextmanager
def shared_counts(directory: str | None) -> Iterator[str]:
    """`share_across_processes` for as long as the block runs; a temporary directory it
    made goes after it."""
    chosen = share_across_processes(directory)
    try:
        yield chosen
    finally:
        if directory is None:
            shutil.rmtree(chosen, ignore_errors=True)


def process_ended(pid: int) -> None:
    """A child counting into the shared directory is gone: its live gauges go with it."""
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    if directory:
        mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """Every process's series (or this process's, outside multiprocess mode) and those
    of `extra`, in Prometheus' text format."""
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SharedFiles(directory) if directory else _Everything())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Everything(Collector):
    """The process's own registry, as one collector of another registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _SharedFiles(Collector):
    """Every process's counts in the shared directory, less the files still being born.

    A process makes its file empty and then sizes it; prometheus-client's own collector
    fails the whole scrape on a file read in between. Files only grow from there, so one
    found sized is whole enough to read (a new one's counts show at the next scrape)."""

    def __init__(self, directory: str) -> None:
        self._directory = directory

    def collect(self) -> Iterable[Metric]:
        files = [f for f in glob.glob(os.path.join(self._directory, "*.db")) if _sized(f)]
        merged: Iterable[Metric] = MultiProcessCollector.merge(files)  # type: ignore[no-untyped-call]
        return merged


def _sized(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except FileNotFoundError:  # a gone process's live gauges, removed since the listing
        return False


def stage_errors() -> dict[str, float] | None:
    """Failed steps by stage since `baton serve` started, from its shared directory
    (None when this process has none to read)."""
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    if not directory or not os.path.isdir(directory):
        return None
    return {
        sample.labels["stage"]: sample.value
        for family in _SharedFiles(directory).collect()
        if family.name == "baton_stage_errors"
        for sample in family.samples
        if sample.name == "baton_stage_errors_total"
    }


@cache
def _ingested(route: str) -> Counter:
    return _INGESTED.labels(route)


def count_ingested(route: str, accepted: int, rejected: Iterable[str] = ()) -> None:
    """A tracking request's messages: how many were stored and each rejection's code."""
    if accepted:
        _ingested(route).inc(accepted)
    for reason in rejected:
        _REFUSED.labels(route, reason).inc()


def count_refused(route: str, reason: str) -> None:
    """A tracking request refused whole."""
    _REFUSED.labels(route, reason).inc()


@cache
def _stage(stage: str) -> tuple[Counter, Counter]:
    # Both made at once: a stage that never failed shows 0 errors, not no series.
    return _STAGE_ITEMS.labels(stage), _STAGE_ERRORS.labels(stage)


def count_stage(stage: str, moved: int, failed: bool = False) -> None:
    """One step of a background stage: what it moved, or its failure."""
    items, errors = _stage(stage)
    if failed:
        errors.inc()
    elif moved:
        items.inc(moved)


def count_sent(
    channel: str, provider: str, outcome: str, seconds: float, *, provider_error: bool
) -> None:
    """One hand-over of a message to its channel's provider."""
    _messages(channel, provider, outcome).inc()
    latency, errors = _provider(channel, provider)
    latency.observe(seconds)
    if provider_error:
        errors.inc()


@cache
def _messages(channel: str, provider: str, outcome: str) -> Counter:
    return _MESSAGES.labels(channel, provider, outcome)


@cache
def _provider(channel: str, provider: str) -> tuple[Histogram, Counter]:
    # Errors made with the latency: a provider that never failed shows 0, not no series.
    return _PROVIDER_SECONDS.labels(channel, provider), _PROVIDER_ERRORS.labels(channel, provider)


def analytics_synced(store: str, copied: int, lag_seconds: float) -> None:
    if copied:
        _ANALYTICS_SYNCED.labels(store).inc(copied)
    _ANALYTICS_LAG.labels(store).set(lag_seconds)
